"""OpenAICompatibleProvider: the official SDK against a local OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from services.core.errors import ProviderError
from services.providers.base import BrandProfile, Candidate, ExpansionRequest, FilterRequest
from services.providers.llm.openai_compatible import OpenAICompatibleProvider
from services.providers.llm.prompts import EXPANSION_SCHEMA, StructuredOutputError
from tests.fakes.contracts import load, openai_completion, openai_error
from tests.fakes.http_server import FakeServer, Reply
from tests.fakes.llm import expansion_answer, openai_handler

SEED = "trail running shoes"
BRAND = BrandProfile(company_name="Trailhead Co", products=("trail running shoes",))


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


def provider(server: FakeServer, **kw) -> OpenAICompatibleProvider:
    kw.setdefault("max_retries", 0)
    kw.setdefault("model", "llama3.1")
    return OpenAICompatibleProvider(
        kw.pop("api_key", "test-key"), base_url=server.url + "/v1", **kw
    )


def test_expand_uses_strict_json_schema_on_the_base_url(server):
    server.route("/v1/chat/completions", openai_handler(model="llama3.1"))
    result = provider(server).expand(ExpansionRequest(seed=SEED, brand=BRAND))

    (req,) = server.requests_to("/v1/chat/completions")
    body = req.json
    captured = load("openai/chat_completions_json_schema.request.json")
    assert set(captured["response_format"]["json_schema"]) <= set(
        body["response_format"]["json_schema"]
    )
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "ClusterExpansion"
    assert body["response_format"]["json_schema"]["schema"] == EXPANSION_SCHEMA
    assert body["model"] == "llama3.1"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert req.headers["authorization"] == "Bearer test-key"

    assert len(result.candidates) == 18 and result.candidates[0].role_hint == "parent"
    (usage,) = result.usage
    assert usage.provider == "openai" and usage.input_tokens > 0 and usage.output_tokens > 0
    # A local model has no price: logged at $0, flagged.
    assert usage.cost_usd == 0.0 and usage.metadata["price_known"] is False


def test_strict_schema_is_strict_everywhere():
    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert set(node["required"]) == set(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(EXPANSION_SCHEMA)


def test_local_server_without_key_gets_a_placeholder(server):
    server.route("/v1/chat/completions", openai_handler())
    provider(server, api_key=None).expand(ExpansionRequest(seed=SEED, brand=BRAND))
    assert server.requests[0].headers["authorization"] == "Bearer not-needed"


def test_filter_round_trip(server):
    server.route("/v1/chat/completions", openai_handler())
    cands = tuple(
        Candidate(keyword=k, expansion_strategy="attribute", search_volume=v)
        for k, v in [
            (SEED, 5000),
            ("waterproof trail running shoes", 900),
            ("cheap trail running shoes", 20),
        ]
    )
    result = provider(server).filter(FilterRequest(seed=SEED, brand=BRAND, candidates=cands))
    assert [d.keyword for d in result.decisions] == [c.keyword for c in cands]
    assert result.decisions[0].role == "parent"


def test_refusal_then_valid_answer_is_repaired(server):
    good = json.dumps(expansion_answer(SEED))
    server.route(
        "/v1/chat/completions",
        Reply(body=openai_completion(None, refusal="I can't help with that.")),
        Reply(body=openai_completion(good)),
    )
    result = provider(server).expand(ExpansionRequest(seed=SEED, brand=BRAND))
    assert len(result.candidates) == 18 and len(result.usage) == 2
    assert [m["role"] for m in server.requests[1].json["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]


def test_truncated_twice_is_a_typed_error(server):
    server.route(
        "/v1/chat/completions",
        Reply(body=openai_completion('{"candidates": [', finish_reason="length")),
    )
    with pytest.raises(StructuredOutputError) as info:
        provider(server).expand(ExpansionRequest(seed=SEED, brand=BRAND))
    assert info.value.provider == "openai" and len(info.value.usage) == 2


@pytest.mark.slow  # waits out the SDK's real retry back-off
def test_sdk_retries_then_succeeds(server):
    good = openai_completion(json.dumps(expansion_answer(SEED)))
    server.route(
        "/v1/chat/completions",
        Reply(
            status=503,
            body={"error": {"message": "busy", "type": "server_error"}},
            headers={"retry-after-ms": "5"},
        ),
        Reply(body=good),
    )
    result = provider(server, max_retries=1).expand(ExpansionRequest(seed=SEED, brand=BRAND))
    assert len(result.candidates) == 18 and len(server.requests) == 2


@pytest.mark.parametrize("status", [401, 429, 500])
def test_errors_become_provider_errors(server, status):
    server.route("/v1/chat/completions", openai_error(status, "nope", kind="invalid_request_error"))
    with pytest.raises(ProviderError) as info:
        provider(server).expand(ExpansionRequest(seed=SEED, brand=BRAND))
    assert info.value.status == status and "nope" in str(info.value)
    assert "test-key" not in str(info.value)


def test_timeout(server):
    server.route("/v1/chat/completions", openai_handler(delay=1.0))
    with pytest.raises(ProviderError, match="within 0.2 s"):
        provider(server, timeout=0.2).expand(ExpansionRequest(seed=SEED, brand=BRAND))
