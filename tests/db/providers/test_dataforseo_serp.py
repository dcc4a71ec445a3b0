"""SERP fetch below the features: the real DataForSEO client against a local server answering
the contract's SERP shape, the serp_cache table (a keyword is paid once) and failures."""

from __future__ import annotations

import pybreaker
import pytest

from services.core.errors import ProviderError
from services.providers.dataforseo.client import DataForSEOClient
from services.providers.dataforseo.serp import live_fetcher, top_urls
from services.providers.dataforseo.serp_cache import (
    cached_urls,
    estimate_serp_cost,
    fetch_serps,
)
from tests.fakes.contracts import envelope_error
from tests.fakes.http_server import FakeServer
from tests.fakes.serp import SERP_PATH, serp_handler, serp_task

US = ("United States", "English")


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


def client_for(url: str) -> DataForSEOClient:
    return DataForSEOClient(
        "login",
        "password",
        base_url=url,
        http_retries=0,
        backoff_factor=0,
        rate_limit_retries=0,
        breaker=pybreaker.CircuitBreaker(fail_max=20, reset_timeout=60),
    )


def test_the_fetcher_sends_one_depth_10_task_and_reads_organic_urls_in_rank_order(server):
    urls = [f"https://www.site{i}.com/page/?utm_source=x" for i in range(12)]
    server.route(SERP_PATH, serp_handler({"wool socks": urls}))
    found, usage = live_fetcher(client_for(server.url), *US)("wool socks")
    assert found == [f"site{i}.com/page" for i in range(10)]  # top 10, normalised
    (rec,) = server.requests_to(SERP_PATH)
    assert rec.json == [
        {
            "keyword": "wool socks",
            "location_name": "United States",
            "language_name": "English",
            "device": "desktop",
            "depth": 10,
        }
    ]
    assert usage.cost_usd == pytest.approx(0.002) and usage.provider == "dataforseo"


def test_paid_and_featured_items_of_the_contract_are_skipped():
    task = serp_task("x", ["https://a.com/1", "https://b.com/2"])
    assert top_urls(task["result"]) == ["a.com/1", "b.com/2"]


def test_each_keyword_is_paid_once_through_the_cache(server, engine):
    server.route(SERP_PATH, serp_handler({}))
    fetch = live_fetcher(client_for(server.url), *US)
    first, usage = fetch_serps(engine, ["Wool Socks", "wool socks", "ankle socks"], fetch,
                               location=US[0], language=US[1])  # fmt: skip
    assert set(first) == {"wool socks", "ankle socks"} and len(usage) == 2
    again, usage2 = fetch_serps(engine, ["wool socks", "ankle socks", "crew socks"], fetch,
                                location=US[0], language=US[1])  # fmt: skip
    assert len(usage2) == 1 and len(server.requests_to(SERP_PATH)) == 3
    assert again["wool socks"] == first["wool socks"]
    assert set(cached_urls(engine, ["wool socks", "crew socks"], *US)) == {
        "wool socks",
        "crew socks",
    }
    assert cached_urls(engine, ["wool socks"], "India", "English") == {}  # per market
    assert estimate_serp_cost(engine, ["wool socks", "new one", "New One"], *US) == (1, 0.002)


def test_a_failing_service_stops_after_three_failures_and_keeps_what_it_paid(server, engine):
    server.route(SERP_PATH, envelope_error(50000, "Internal Error."))
    fetch = live_fetcher(client_for(server.url), *US)
    failures: dict[str, str] = {}
    with pytest.raises(ProviderError):
        fetch_serps(engine, ["a", "b", "c", "d"], fetch, location=US[0], language=US[1],
                    failures=failures)  # fmt: skip
    assert len(failures) == 2 and len(server.requests_to(SERP_PATH)) == 3
    assert cached_urls(engine, ["a", "b", "c", "d"], *US) == {}


def test_a_time_budget_fetches_the_first_keywords_and_leaves_the_rest_for_later(server, engine):
    from services.seed_clusters.serps import serp_evidence

    server.route(SERP_PATH, serp_handler({}))
    now = [0.0]

    def clock() -> float:
        now[0] += 10.0  # every look at the clock: 10 s later
        return now[0]

    words = ["a socks", "b socks", "c socks", "d socks"]
    found = serp_evidence(engine, client_for(server.url), words, US, deadline_s=25, clock=clock)
    # started at 10 s; requests start at 20 s and 30 s (< 25 s elapsed), none at 40 s
    assert list(found.urls) == ["a socks", "b socks"] and found.meta["late"] == 2
    assert any(n.startswith("SERP evidence partial: 2 of 4") for n in found.notes)
    again = serp_evidence(engine, client_for(server.url), words, US, deadline_s=None)
    assert set(again.urls) == set(words) and again.meta["fetched"] == 2 and again.notes == []
