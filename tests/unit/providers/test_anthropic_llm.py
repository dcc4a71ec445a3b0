"""AnthropicProvider: the official SDK against a local server answering recorded shapes."""

from __future__ import annotations

import json

import pytest

from services.core.errors import ProviderError
from services.providers.base import (
    EXPANSION_STRATEGIES,
    BrandProfile,
    Candidate,
    ExpansionRequest,
    FilterRequest,
)
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.prompts import STRATEGY_EXAMPLES, StructuredOutputError
from services.providers.pricing import llm_cost_usd
from tests.fakes.contracts import anthropic_error, anthropic_message
from tests.fakes.http_server import FakeServer, Reply
from tests.fakes.llm import anthropic_handler, expansion_answer, filter_answer

BRAND = BrandProfile(
    company_name="Trailhead Co",
    products=("trail running shoes", "hiking boots"),
    price_point="mid-range",
    primary_persona="weekend trail runners",
    competitors=("Salomon", "Hoka"),
)
SEED = "trail running shoes"
SECRET = "sk-ant-test-SECRET-123"


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


def provider(server: FakeServer, **kw) -> AnthropicProvider:
    kw.setdefault("max_retries", 0)
    return AnthropicProvider(SECRET, base_url=server.url, **kw)


def expand_request() -> ExpansionRequest:
    return ExpansionRequest(seed="Trail Running Shoes", brand=BRAND)


def filter_request(n: int = 6) -> FilterRequest:
    cands = [
        Candidate(
            keyword=SEED, expansion_strategy="attribute", role_hint="parent", search_volume=9900
        )
    ]
    cands += [
        Candidate(
            keyword=f"{SEED} {i}",
            expansion_strategy="attribute",
            search_volume=100 * i,
            competition=0.4,
        )
        for i in range(1, n)
    ]
    return FilterRequest(seed=SEED, brand=BRAND, candidates=tuple(cands))


def test_expand_sends_structured_output_request_and_returns_candidates(server):
    server.route("/v1/messages", anthropic_handler())
    result = provider(server).expand(expand_request())

    (req,) = server.requests_to("/v1/messages")
    body = req.json
    assert body["model"] == "claude-haiku-4-5"
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert body["output_config"]["format"]["schema"]["title"] == "ClusterExpansion"
    assert "tools" not in body and "tool_choice" not in body  # no forced tool
    assert (
        req.headers.get("authorization") == f"Bearer {SECRET}"
        or req.headers.get("x-api-key") == SECRET
    )
    prompt = body["messages"][0]["content"]
    for name in EXPANSION_STRATEGIES:
        assert name in prompt and STRATEGY_EXAMPLES[name] in prompt
    for part in ("Trailhead Co", "hiking boots", "mid-range", "weekend trail runners", "Salomon"):
        assert part in prompt
    assert (
        "15-20 collection-page keywords" in prompt and "<seed>trail running shoes</seed>" in prompt
    )

    cands = result.candidates
    assert len(cands) == 18
    assert cands[0].keyword == SEED and cands[0].role_hint == "parent"
    assert all(c.source == "llm" for c in cands)
    assert {c.expansion_strategy for c in cands} == set(EXPANSION_STRATEGIES)
    (usage,) = result.usage
    assert usage.provider == "anthropic" and usage.model == "claude-haiku-4-5-20251001"
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd == pytest.approx(usage.input_tokens * 1e-6 + usage.output_tokens * 5e-6)
    assert usage.metadata["request_id"] == "req_local_test"


def test_filter_sends_candidates_with_volumes_and_returns_decisions(server):
    server.route("/v1/messages", anthropic_handler())
    req = filter_request()
    result = provider(server).filter(req)

    prompt = server.requests[0].json["messages"][0]["content"]
    rows = json.loads(prompt.split("<candidates>")[1].split("</candidates>")[0])
    assert [r["keyword"] for r in rows] == [c.keyword for c in req.candidates]
    assert rows[1]["search_volume"] == 100 and rows[1]["competition"] == 0.4
    for rule in ("8-12", "Exactly one parent", "Near-duplicates", "below 50", "fewer than 5"):
        assert rule in prompt
    assert "do not produce them" in prompt  # slugs/scores stay ours
    assert [d.keyword for d in result.decisions] == [c.keyword for c in req.candidates]
    assert result.decisions[0].role == "parent" and all(
        0 <= d.confidence <= 1 for d in result.decisions
    )


def test_fallback_model_switch_uses_and_prices_sonnet(server):
    server.route("/v1/messages", anthropic_handler(model="claude-sonnet-4-5-20250929"))
    p = provider(server, use_fallback_model=True)
    result = p.expand(expand_request())
    assert server.requests[0].json["model"] == "claude-sonnet-4-5"
    u = result.usage[0]
    assert u.cost_usd == pytest.approx(u.input_tokens * 3e-6 + u.output_tokens * 15e-6)


def test_defaults_are_30s_timeout_and_one_retry_layer():
    p = AnthropicProvider(SECRET, base_url="http://127.0.0.1:9")
    assert p.active_model == "claude-haiku-4-5"
    # The SDK does not retry: our retry layer does (2 retries within a 30 s stage deadline).
    assert p._client.timeout == 30.0 and p._client.max_retries == 0
    assert p.max_attempts == 3 and p.stage_deadline_s == 30.0
    assert SECRET not in repr(p)


def test_invalid_output_is_repaired_once(server):
    good = json.dumps(expansion_answer(SEED))
    server.route(
        "/v1/messages",
        Reply(body=anthropic_message("Sure! Here are keywords: trail shoes...", input_tokens=800)),
        Reply(body=anthropic_message(good, input_tokens=900)),
    )
    result = provider(server).expand(expand_request())
    assert len(result.candidates) == 18
    assert len(result.usage) == 2 and result.usage[1].input_tokens == 900
    repair = server.requests[1].json["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    assert "not valid" in repair[2]["content"]


def test_too_few_candidates_triggers_repair(server):
    few = json.dumps(expansion_answer(SEED, children=8))
    good = json.dumps(expansion_answer(SEED))
    server.route(
        "/v1/messages", Reply(body=anthropic_message(few)), Reply(body=anthropic_message(good))
    )
    result = provider(server).expand(expand_request())
    assert len(result.candidates) == 18
    assert "only 9 distinct keywords" in server.requests[1].json["messages"][2]["content"]


def test_invalid_twice_raises_typed_error_with_usage(server):
    server.route("/v1/messages", Reply(body=anthropic_message('{"candidates": "nope"}')))
    with pytest.raises(StructuredOutputError) as info:
        provider(server).expand(expand_request())
    err = info.value
    assert isinstance(err, ProviderError) and err.provider == "anthropic"
    assert "invalid twice" in str(err)
    assert len(err.usage) == 2 and all(u.cost_usd > 0 for u in err.usage)
    assert len(server.requests) == 2


def test_filter_missing_decisions_and_bad_confidence_are_invalid(server):
    req = filter_request(4)
    cands = [{"keyword": c.keyword} for c in req.candidates]
    partial = filter_answer(cands[:2], SEED)
    bad = filter_answer(cands, SEED)
    bad["decisions"][1]["confidence"] = 1.5
    server.route(
        "/v1/messages",
        Reply(body=anthropic_message(json.dumps(partial))),
        Reply(body=anthropic_message(json.dumps(bad))),
    )
    with pytest.raises(StructuredOutputError) as info:
        provider(server).filter(req)
    assert "no decision for 2 candidate" in server.requests[1].json["messages"][2]["content"]
    assert "confidence" in str(info.value)


def test_refusal_and_max_tokens_count_as_invalid(server):
    server.route(
        "/v1/messages",
        Reply(body=anthropic_message("", stop_reason="refusal")),
        Reply(body=anthropic_message('{"candidates": [', stop_reason="max_tokens")),
    )
    with pytest.raises(StructuredOutputError):
        provider(server).expand(expand_request())
    assert "empty" in server.requests[1].json["messages"][2]["content"]


@pytest.mark.slow  # waits out real Retry-After delays
@pytest.mark.parametrize("status", [429, 529, 500])
def test_retries_honour_retry_after(server, status):
    good = anthropic_message(json.dumps(expansion_answer(SEED)))
    server.route(
        "/v1/messages", anthropic_error(status, headers={"retry-after-ms": "5"}), Reply(body=good)
    )
    result = provider(server, max_retries=2).expand(expand_request())
    assert len(result.candidates) == 18
    reqs = server.requests_to("/v1/messages")
    # Retried by our layer, not the SDK's (which would count its own retries in this header).
    assert len(reqs) == 2 and reqs[1].headers["x-stainless-retry-count"] == "0"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (529, "overloaded_error"),
        (429, "rate_limit_error"),
        (500, "api_error"),
        (401, "authentication_error"),
    ],
)
def test_api_errors_become_provider_errors_without_the_key(server, status, kind):
    server.route("/v1/messages", anthropic_error(status))
    with pytest.raises(ProviderError) as info:
        provider(server).expand(expand_request())
    err = info.value
    assert err.status == status and kind in str(err) and "req_" in str(err)
    assert SECRET not in str(err)


def test_timeout_becomes_provider_error(server):
    server.route("/v1/messages", anthropic_handler(delay=1.0))
    with pytest.raises(ProviderError, match=r"within 0.2 s"):
        provider(server, timeout=0.2).expand(expand_request())


def test_connection_refused_becomes_provider_error():
    from tests.fakes.http_server import dead_url

    with pytest.raises(ProviderError, match="could not reach"):
        AnthropicProvider("k", base_url=dead_url(), max_retries=0).expand(expand_request())


def test_cache_tokens_are_priced(server):
    text = json.dumps(expansion_answer(SEED))
    server.route(
        "/v1/messages",
        Reply(
            body=anthropic_message(
                text,
                input_tokens=100,
                output_tokens=1000,
                cache_read=2000,
                cache_write_5m=400,
                cache_write_1h=100,
            )
        ),
    )
    u = provider(server).expand(expand_request()).usage[0]
    assert u.cache_read_tokens == 2000 and u.cache_write_tokens == 500
    expected = llm_cost_usd(
        "claude-haiku-4-5",
        input_tokens=100,
        output_tokens=1000,
        cache_read_tokens=2000,
        cache_write_5m_tokens=400,
        cache_write_1h_tokens=100,
    )
    assert u.cost_usd == pytest.approx(expected)
    assert expected == pytest.approx((100 * 1 + 1000 * 5 + 2000 * 0.1 + 400 * 1.25 + 100 * 2) / 1e6)
