"""DataForSEOVolumeProvider: requests + urllib3 against a local server answering contract shapes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pybreaker
import pytest
from sqlalchemy import select

from db.models import KeywordMetric, Project
from db.session import session_scope
from services.providers.dataforseo.client import (
    DataForSEOClient,
    DataForSEOError,
    DataForSEOVolumeProvider,
    keyword_problem,
    shared_breaker,
)
from tests.fakes.contracts import (
    dataforseo_envelope,
    envelope_error,
    failed_task,
    keyword_suggestions_reply,
    search_intent_reply,
    search_volume_reply,
    volume_from_request,
)
from tests.fakes.http_server import FakeServer, Reply, dead_url

SV = "/v3/keywords_data/google_ads/search_volume/live"
SUGGEST = "/v3/dataforseo_labs/google/keyword_suggestions/live"
INTENT = "/v3/dataforseo_labs/google/search_intent/live"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


@pytest.fixture()
def sleeps():
    return []


def make(
    server_or_url, engine, sleeps, *, clock=None, breaker=None, **kw
) -> DataForSEOVolumeProvider:
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url
    kw.setdefault("http_retries", 0)
    client = DataForSEOClient(
        "login@example.com",
        "s3cret-pass",
        base_url=url,
        backoff_factor=0,
        rate_limit_backoff_s=3.0,
        sleep=sleeps.append,
        breaker=breaker or pybreaker.CircuitBreaker(fail_max=50, reset_timeout=60),
        **kw,
    )
    return DataForSEOVolumeProvider(client, engine, now=clock or Clock())


def metric_rows(engine, project_id) -> dict[str, KeywordMetric]:
    with session_scope(engine) as s:
        rows = s.scalars(select(KeywordMetric).where(KeywordMetric.project_id == project_id)).all()
        return {r.keyword: r for r in rows}


# --------------------------------------------------------------------------- happy path
def test_lookup_sends_one_lowercased_task_and_parses_the_capture(
    server, engine, project_id, sleeps
):
    server.route(
        SV,
        search_volume_reply(
            {
                "trail running shoes": {
                    "search_volume": 1300,
                    "competition": "HIGH",
                    "competition_index": 100,
                },
                "waterproof trail running shoes": {
                    "search_volume": 40,
                    "competition": "LOW",
                    "competition_index": 7,
                },
            }
        ),
    )
    result = make(server, engine, sleeps).lookup(
        ["Trail Running Shoes", "WATERPROOF trail running shoes"], project_id=project_id
    )

    (req,) = server.requests_to(SV)
    assert req.json == [
        {
            "keywords": ["trail running shoes", "waterproof trail running shoes"],
            "location_name": "United States",
            "language_name": "English",
        }
    ]
    expected_auth = "Basic " + base64.b64encode(b"login@example.com:s3cret-pass").decode()
    assert req.headers["authorization"] == expected_auth

    top = result.data["trail running shoes"]
    assert top.search_volume == 1300 and top.competition == 1.0 and top.competition_level == "HIGH"
    assert top.cpc is None  # the real capture has no cpc key
    low = result.data["waterproof trail running shoes"]
    assert (
        low.search_volume == 40
        and low.competition == pytest.approx(0.07)
        and low.competition_level == "LOW"
    )
    (usage,) = result.usage
    assert usage.provider == "dataforseo" and usage.requests == 1 and usage.cost_usd == 0.075
    assert usage.endpoint == "keywords_data/google_ads/search_volume/live"

    rows = metric_rows(engine, project_id)
    assert (
        rows["trail running shoes"].source == "dataforseo"
        and rows["trail running shoes"].search_volume == 1300
    )
    assert rows["waterproof trail running shoes"].competition == pytest.approx(0.07)
    assert all(r.fetched_at is not None for r in rows.values())


def test_project_location_and_language_are_sent(server, engine, project_id, sleeps):
    with session_scope(engine) as s:
        p = s.get(Project, project_id)
        p.location_name, p.language_name = "Spain", "Spanish"
    server.route(SV, volume_from_request)
    make(server, engine, sleeps).lookup(["zapatillas trail"], project_id=project_id)
    body = server.requests[0].json[0]
    assert (body["location_name"], body["language_name"]) == ("Spain", "Spanish")


def test_one_request_per_thousand_keywords(server, engine, project_id, sleeps):
    server.route(SV, volume_from_request)
    keywords = [f"keyword number {i}" for i in range(1500)]
    result = make(server, engine, sleeps).lookup(keywords, project_id=project_id)
    sizes = [len(r.json[0]["keywords"]) for r in server.requests_to(SV)]
    assert sizes == [1000, 500]
    assert len(result.data) == 1500 and sum(u.cost_usd for u in result.usage) == pytest.approx(0.15)


def test_keywords_google_ads_rejects_are_skipped_and_reported(server, engine, project_id, sleeps):
    server.route(SV, volume_from_request)
    long_kw = "x" * 81
    many_words = " ".join(["word"] * 11)
    result = make(server, engine, sleeps).lookup(
        ["good keyword", long_kw, many_words, "shoes!", "shoes 👟", "women’s shoes", "ñandú boots"],
        project_id=project_id,
    )
    sent = server.requests[0].json[0]["keywords"]
    assert sent == ["good keyword", "women's shoes", "ñandú boots"]
    assert set(result.skipped) == {long_kw, many_words, "shoes!", "shoes 👟"}
    assert "80 characters" in result.skipped[long_kw] and "10 words" in result.skipped[many_words]
    assert "'!'" in result.skipped["shoes!"]
    # Mapped back to our keyword (stored with a plain apostrophe since issue 16).
    assert result.data["women's shoes"].search_volume is not None


def test_keyword_problem_rules():
    assert keyword_problem("trail running shoes") is None
    assert keyword_problem("c++ & c# books 2.0 [new]") is None
    assert keyword_problem('"quoted" it\'s a/b: $5 size_10 - x') is None
    assert keyword_problem("price %") and keyword_problem("a,b") and keyword_problem("q?")


# --------------------------------------------------------------------------- cache
def test_cache_hits_cost_nothing_and_only_misses_are_requested(server, engine, project_id, sleeps):
    server.route(SV, volume_from_request)
    clock = Clock()
    provider = make(server, engine, sleeps, clock=clock)
    first = provider.lookup(["a shoes", "b shoes"], project_id=project_id)
    again = provider.lookup(["B Shoes", "a shoes"], project_id=project_id)
    assert len(server.requests) == 1
    assert again.data["a shoes"].search_volume == first.data["a shoes"].search_volume
    assert sum(u.cost_usd for u in again.usage) == 0 and sum(u.requests for u in again.usage) == 0

    more = provider.lookup(["a shoes", "c shoes"], project_id=project_id)
    assert server.requests[1].json[0]["keywords"] == ["c shoes"]
    assert set(more.data) == {"a shoes", "c shoes"} and more.usage[0].metadata["cached"] == 1

    clock.now += timedelta(days=31)  # past the 30-day TTL
    provider.lookup(["a shoes"], project_id=project_id)
    assert server.requests[2].json[0]["keywords"] == ["a shoes"]


def test_keywords_without_data_are_cached_as_unknown(server, engine, project_id, sleeps):
    server.route(SV, search_volume_reply({"known shoes": {"search_volume": 500}}))
    provider = make(server, engine, sleeps)
    first = provider.lookup(["known shoes", "unknown shoes"], project_id=project_id)
    assert first.data["unknown shoes"].search_volume is None
    provider.lookup(["unknown shoes"], project_id=project_id)
    assert len(server.requests) == 1


def test_cache_update_keeps_imported_difficulty_and_intent(server, engine, project_id, sleeps):
    with session_scope(engine) as s:
        s.add(
            KeywordMetric(
                project_id=project_id,
                keyword="trail shoes",
                search_volume=999,
                keyword_difficulty=41.0,
                intent="commercial",
                source="semrush",
                fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    server.route(
        SV, search_volume_reply({"trail shoes": {"search_volume": 1300, "competition_index": 50}})
    )
    make(server, engine, sleeps).lookup(["trail shoes"], project_id=project_id)
    row = metric_rows(engine, project_id)["trail shoes"]
    assert (row.source, row.search_volume, row.competition) == ("dataforseo", 1300, 0.5)
    assert (row.keyword_difficulty, row.intent) == (41.0, "commercial")


def test_without_project_nothing_is_cached(server, engine, sleeps):
    server.route(SV, volume_from_request)
    provider = make(server, engine, sleeps)
    provider.lookup(["a shoes"])
    provider.lookup(["a shoes"])
    assert len(server.requests) == 2


# --------------------------------------------------------------------------- failures
def test_failed_task_inside_ok_envelope_raises_with_its_cost(server, engine, project_id, sleeps):
    server.route(
        SV,
        Reply(
            body=dataforseo_envelope([failed_task(40101, "Internal SE Server Error.", cost=0.075)])
        ),
    )
    with pytest.raises(DataForSEOError) as info:
        make(server, engine, sleeps).lookup(["a shoes"], project_id=project_id)
    err = info.value
    assert "40101" in str(err) and err.transient and err.provider == "dataforseo"
    assert [u.cost_usd for u in err.usage] == [0.075]
    assert metric_rows(engine, project_id) == {}


def test_rate_limit_backs_off_and_retries(server, engine, sleeps):
    server.route(
        SV,
        envelope_error(40202, "The rate-limit per minute has been exceeded."),
        volume_from_request,
    )
    result = make(server, engine, sleeps).lookup(["a shoes"])
    assert result.data["a shoes"].search_volume == 880
    assert sleeps == [3.0] and len(server.requests) == 2


def test_rate_limit_storm_gives_up(server, engine, sleeps):
    task_level = Reply(
        body=dataforseo_envelope(
            [failed_task(40202, "The rate-limit per minute has been exceeded.")]
        )
    )
    server.route(
        SV, envelope_error(40202, "rate limit"), task_level, envelope_error(40202, "rate limit")
    )
    with pytest.raises(DataForSEOError, match="rate limit exceeded") as info:
        make(server, engine, sleeps).lookup(["a shoes"])
    assert info.value.status == 40202 and info.value.transient
    assert sleeps == [3.0, 6.0] and len(server.requests) == 3


def test_cost_limit_is_not_retried(server, engine, sleeps):
    server.route(SV, envelope_error(40203, "Cost limit exceeded."))
    with pytest.raises(DataForSEOError, match="cost limit") as info:
        make(server, engine, sleeps).lookup(["a shoes"])
    assert not info.value.transient and len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize(
    ("status", "text"), [(401, "authentication failed"), (402, "payment required")]
)
def test_account_errors(server, engine, sleeps, status, text):
    server.route(
        SV, Reply(status=status, body={"status_code": 40100, "status_message": "Not authorized"})
    )
    with pytest.raises(DataForSEOError, match=text) as info:
        make(server, engine, sleeps).lookup(["a shoes"])
    assert info.value.status == status and not info.value.transient
    assert "s3cret-pass" not in str(info.value)


def test_5xx_is_retried_by_urllib3_then_fails(server, engine, sleeps):
    server.route(SV, Reply(status=500, body="Internal Server Error"))
    with pytest.raises(DataForSEOError, match="HTTP 500"):
        make(server, engine, sleeps, http_retries=2).lookup(["a shoes"])
    assert len(server.requests) == 3


def test_5xx_then_success(server, engine, sleeps):
    server.route(SV, Reply(status=503, body=""), volume_from_request)
    result = make(server, engine, sleeps, http_retries=2).lookup(["a shoes"])
    assert "a shoes" in result.data and len(server.requests) == 2


def test_timeout_is_not_resent(server, engine, sleeps):
    server.route(SV, Reply(delay=1.0, body=dataforseo_envelope([])))
    with pytest.raises(DataForSEOError, match="no answer within 0.2 s"):
        make(server, engine, sleeps, http_retries=2, timeout=(1.0, 0.2)).lookup(["a shoes"])
    assert len(server.requests) == 1  # a read timeout may have been billed


def test_malformed_json(server, engine, sleeps):
    server.route(SV, Reply(body='{"status_code": 20000, "tasks": [{"id": '))
    with pytest.raises(DataForSEOError, match="malformed JSON"):
        make(server, engine, sleeps).lookup(["a shoes"])


def test_service_down(engine, sleeps):
    with pytest.raises(DataForSEOError, match="could not connect"):
        make(dead_url(), engine, sleeps).lookup(["a shoes"])


def test_circuit_breaker_stops_calling_a_dead_service(server, engine, sleeps):
    server.route(SV, Reply(status=502, body="bad gateway"))
    breaker = pybreaker.CircuitBreaker(
        fail_max=2,
        reset_timeout=60,
        exclude=[lambda e: not getattr(e, "transient", False)],
        throw_new_error_on_trip=False,
    )
    provider = make(server, engine, sleeps, breaker=breaker)
    for _ in range(2):
        with pytest.raises(DataForSEOError, match="HTTP 502"):
            provider.lookup(["a shoes"])
    with pytest.raises(DataForSEOError, match="circuit open"):
        provider.lookup(["a shoes"])
    assert len(server.requests) == 2


def test_shared_breaker_ignores_account_errors(server, engine, sleeps):
    breaker = shared_breaker(server.url, "login@example.com")
    assert breaker is shared_breaker(server.url + "/", "login@example.com")
    server.route(SV, Reply(status=401, body={}))
    provider = make(server, engine, sleeps, breaker=breaker)
    for _ in range(breaker.fail_max + 1):
        with pytest.raises(DataForSEOError, match="authentication"):
            provider.lookup(["a shoes"])
    assert breaker.current_state == "closed" and len(server.requests) == breaker.fail_max + 1


# --------------------------------------------------------------------------- Labs
def test_keyword_suggestions_parse_the_documented_shape(server, engine, project_id, sleeps):
    server.route(SUGGEST, keyword_suggestions_reply())
    result = make(server, engine, sleeps).keyword_suggestions(
        "Phone", project_id=project_id, limit=5000
    )
    body = server.requests[0].json[0]
    assert (
        body["keyword"] == "phone"
        and body["limit"] == 1000
        and body["location_name"] == "United States"
    )
    boost = result.data["boost cell phone"]
    assert (boost.search_volume, boost.competition, boost.competition_level) == (
        1830000,
        0.96,
        "HIGH",
    )
    assert (boost.cpc, boost.keyword_difficulty, boost.intent) == (1.47, 0.0, "transactional")
    assert result.data["phone"].keyword_difficulty == 83  # the seed's own row
    assert result.usage[0].cost_usd == 0.0101


def test_keyword_suggestions_failed_task(server, engine, sleeps):
    path = "dataforseo_labs/google/keyword_suggestions/live"
    server.route(
        SUGGEST,
        Reply(body=dataforseo_envelope([failed_task(40501, "Invalid Field: 'limit'.", path=path)])),
    )
    with pytest.raises(DataForSEOError, match="40501") as info:
        make(server, engine, sleeps).keyword_suggestions("phone")
    assert not info.value.transient


def test_search_intent(server, engine, project_id, sleeps):
    server.route(
        INTENT,
        search_intent_reply(
            {
                "buy trail shoes": [("transactional", 0.9), ("commercial", 0.4)],
                "what is trail running": [("informational", 0.97)],
            }
        ),
    )
    result = make(server, engine, sleeps).search_intent(
        ["Buy Trail Shoes", "what is trail running"], project_id=project_id
    )
    assert server.requests[0].json == [
        {"keywords": ["buy trail shoes", "what is trail running"], "language_name": "English"}
    ]
    assert result.data["buy trail shoes"].intent == "transactional,commercial"
    assert result.data["what is trail running"].intent == "informational"
    assert result.usage[0].cost_usd == 0.0011
