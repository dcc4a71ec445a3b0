"""Provider fault scenarios (issue 11 item 4), shared by the tests and ``bench/faults.py``.

Each scenario scripts a local HTTP server (127.0.0.1) and runs one real adapter call against
it — Claude and OpenAI-compatible: a Stage 1 ``expand``; DataForSEO: a search-volume
``lookup`` — then reports the outcome (``ok`` or the typed error class), the seconds taken, the
requests made, the cost the adapter logged (``Usage`` of the result or ``exc.usage``) and the
cost the server billed (the ``usage``/``cost`` of the replies it served; ``None`` when a reply
carried no usage, the case where the adapter logs an estimate).

Timings scale with ``deadline_s`` (the stage deadline) so tests run with 1 s and the bench with
the production 30 s; a ``Retry-After`` is given in seconds as in production.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.core.errors import ProviderError
from services.providers.base import BrandProfile, ExpansionRequest
from services.providers.pricing import llm_cost_usd, set_custom_prices, simple_price
from tests.fakes.contracts import (
    anthropic_error,
    anthropic_message,
    dataforseo_envelope,
    envelope_error,
    failed_task,
    openai_completion,
    openai_error,
    search_volume_reply,
)
from tests.fakes.http_server import FakeServer, Recorded, Reply, dead_url
from tests.fakes.llm import expansion_answer

SEED = "trail running shoes"
BRAND = BrandProfile(company_name="Trailhead Co", products=("trail running shoes",))
SV = "/v3/keywords_data/google_ads/search_volume/live"
#: Prices used for the OpenAI-compatible rows (entered as "Settings" prices: no list price).
OPENAI_TEST_PRICE = simple_price(0.15, 0.60)


@dataclass
class Scenario:
    """One fault: who, what the server answers (in order; the last repeats), what we expect."""

    provider: str  # anthropic | openai | dataforseo
    fault: str
    replies: Callable[[float], list[Any]]  # deadline_s → replies
    expect: str  # "ok" or an error class name
    max_requests: int | None = None
    message_has: str = ""


@dataclass
class Outcome:
    """What one scenario run produced (a row of the fault table)."""

    provider: str
    fault: str
    outcome: str
    seconds: float
    requests: int
    logged_usd: float
    billed_usd: float | None
    message: str = ""
    expected: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def as_expected(self) -> bool:
        """The typed outcome is the expected one."""
        return self.outcome == self.expected

    @property
    def cost_matches(self) -> bool:
        """Logged cost equals billed cost (or the bill was unknown and an estimate was logged)."""
        return self.billed_usd is None or abs(self.logged_usd - self.billed_usd) < 1e-9


def _good_anthropic() -> Reply:
    return Reply(body=anthropic_message(json.dumps(expansion_answer(SEED)), input_tokens=900))


def _good_openai() -> Reply:
    return Reply(body=openai_completion(json.dumps(expansion_answer(SEED)), prompt_tokens=900))


def _sv_ok(volume: Any = 880, cost: float = 0.075) -> Reply:
    return search_volume_reply(
        {"trail shoes": {"search_volume": volume, "competition": "LOW", "competition_index": 10}},
        cost=cost,
    )


def _no_usage(body: dict[str, Any]) -> dict[str, Any]:
    body = dict(body)
    body.pop("usage", None)
    return body


def _llm_scenarios(provider: str) -> list[Scenario]:
    good = _good_anthropic if provider == "anthropic" else _good_openai
    err = (
        (lambda status, headers=None: anthropic_error(status, headers=headers))
        if provider == "anthropic"
        else (
            lambda status, headers=None: Reply(
                status=status,
                body=openai_error(status, "server says no").body,
                headers=headers or {},
            )
        )
    )
    overloaded = 529 if provider == "anthropic" else 503
    body_ok = (
        anthropic_message(json.dumps(expansion_answer(SEED)), input_tokens=900)
        if provider == "anthropic"
        else openai_completion(json.dumps(expansion_answer(SEED)), prompt_tokens=900)
    )
    invalid = (
        anthropic_message('{"candidates": "nope"}', input_tokens=900, output_tokens=4096)
        if provider == "anthropic"
        else openai_completion('{"candidates": "nope"}', prompt_tokens=900, completion_tokens=4096)
    )
    return [
        Scenario(provider, "200 valid answer", lambda d: [good()], "ok", 1),
        Scenario(
            provider,
            "timeout (no answer)",
            lambda d: [Reply(delay=d * 1.5, body=body_ok)],
            "ProviderUnavailableError",
            1,
        ),
        Scenario(
            provider,
            "429 retry-after 5 s, then 200",
            lambda d: [err(429, {"retry-after": f"{min(5.0, d / 6):g}"}), good()],
            "ok",
            2,
        ),
        Scenario(
            provider,
            "429 retry-after 120 s",
            lambda d: [err(429, {"retry-after": "120"})],
            "RateLimitedError",
            1,
            "try again at",
        ),
        Scenario(
            provider, "429 without retry-after (storm)", lambda d: [err(429)], "RateLimitedError", 3
        ),
        Scenario(provider, "500 every time", lambda d: [err(500)], "ProviderUnavailableError", 3),
        Scenario(
            provider, f"{overloaded} once, then 200", lambda d: [err(overloaded), good()], "ok", 2
        ),
        Scenario(provider, "401 bad key", lambda d: [err(401)], "ProviderError", 1),
        Scenario(
            provider,
            "200 non-JSON body (application/json)",
            lambda d: [Reply(body='{"id": "msg_01", "content": [', headers={})],
            "BadResponseError",
            1,
        ),
        Scenario(
            provider,
            "200 HTML body (text/html)",
            lambda d: [
                Reply(body="<html>proxy error</html>", headers={"content-type": "text/html"})
            ],
            "BadResponseError",
            1,
        ),
        Scenario(provider, "200 {}", lambda d: [Reply(body={})], "BadResponseError", 1),
        Scenario(
            provider, "200 without usage", lambda d: [Reply(body=_no_usage(body_ok))], "ok", 1
        ),
        Scenario(
            provider,
            "200 invalid answer twice (long repair)",
            lambda d: [Reply(body=invalid)],
            "StructuredOutputError",
            2,
        ),
        Scenario(provider, "connection refused", lambda d: [], "ProviderUnavailableError", 0),
    ]


def _dfs_scenarios() -> list[Scenario]:
    rate = envelope_error(40202, "The rate-limit per minute has been exceeded.")
    rate_billed = Reply(
        body=dataforseo_envelope(
            [failed_task(40202, "The rate-limit per minute has been exceeded.", cost=0.075)]
        )
    )
    return [
        Scenario("dataforseo", "200 valid answer", lambda d: [_sv_ok()], "ok", 1),
        Scenario(
            "dataforseo",
            "timeout (not resent: may be billed)",
            lambda d: [Reply(delay=d * 1.5, body=dataforseo_envelope([]))],
            "ProviderUnavailableError",
            1,
        ),
        Scenario(
            "dataforseo",
            "HTTP 429 retry-after 5 s, then 200",
            lambda d: [
                Reply(status=429, body="", headers={"retry-after": f"{min(5.0, d / 6):g}"}),
                _sv_ok(),
            ],
            "ok",
            2,
        ),
        Scenario(
            "dataforseo",
            "HTTP 429 retry-after 120 s",
            lambda d: [Reply(status=429, body="", headers={"retry-after": "120"})],
            "RateLimitedError",
            1,
            "try again at",
        ),
        Scenario("dataforseo", "40202 storm (no cost)", lambda d: [rate], "RateLimitedError", 3),
        Scenario(
            "dataforseo",
            "40202 with cost ×3",
            lambda d: [rate_billed],
            "RateLimitedError",
            3,
        ),
        Scenario(
            "dataforseo", "40202 with cost, then 200", lambda d: [rate_billed, _sv_ok()], "ok", 2
        ),
        Scenario(
            "dataforseo",
            "500 every time",
            lambda d: [Reply(status=500, body="Internal Server Error")],
            "ProviderUnavailableError",
            3,
        ),
        Scenario(
            "dataforseo",
            "200 non-JSON body",
            lambda d: [Reply(body='{"status_code": 20000, "tasks": [')],
            "BadResponseError",
            1,
        ),
        Scenario("dataforseo", "200 {}", lambda d: [Reply(body={})], "BadResponseError", 1),
        Scenario("dataforseo", "volume 10^12", lambda d: [_sv_ok(10**12)], "ok", 1),
        Scenario("dataforseo", "volume -5", lambda d: [_sv_ok(-5)], "ok", 1),
        Scenario(
            "dataforseo", "volume 5×10^9 (above INTEGER)", lambda d: [_sv_ok(5 * 10**9)], "ok", 1
        ),
        Scenario(
            "dataforseo",
            "40203 cost limit",
            lambda d: [envelope_error(40203, "Cost limit exceeded.")],
            "ProviderError",
            1,
        ),
        Scenario(
            "dataforseo",
            "failed task 40101 with cost",
            lambda d: [
                Reply(body=dataforseo_envelope([failed_task(40101, "SE error", cost=0.075)]))
            ],
            "ProviderUnavailableError",
            1,
        ),
        Scenario("dataforseo", "connection refused", lambda d: [], "ProviderUnavailableError", 0),
    ]


def scenarios() -> list[Scenario]:
    """Every scenario: 14 per LLM adapter, 16 for DataForSEO (44)."""
    return _llm_scenarios("anthropic") + _llm_scenarios("openai") + _dfs_scenarios()


# --------------------------------------------------------------------------- running one
def _billed(provider: str, reply: Reply, deadline_s: float) -> float | None:
    """What the provider bills for one served reply (USD); None when it cannot be known
    (no usage in it, or the client had given up before it came: a timeout)."""
    body = reply.body
    if reply.delay >= deadline_s:
        return None
    if reply.status != 200:
        return 0.0
    if not isinstance(body, dict):
        return None if provider != "dataforseo" else 0.0
    if provider == "dataforseo":
        tasks = body.get("tasks") or []
        first = tasks[0] if tasks and isinstance(tasks[0], dict) else {}
        return float(first.get("cost") or body.get("cost") or 0.0)
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None
    model = str(body.get("model") or "")
    if provider == "anthropic":
        return llm_cost_usd(
            model,
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            cache_read_tokens=int(usage.get("cache_read_input_tokens") or 0),
        )
    return llm_cost_usd(
        model,
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
    )


def _adapter(provider: str, url: str, deadline_s: float, engine: Any) -> Callable[[], list[Any]]:
    """A callable making the scenario's one adapter call; returns the logged ``Usage`` list."""
    if provider == "anthropic":
        from services.providers.llm.claude import AnthropicProvider

        p = AnthropicProvider("test-key", base_url=url, stage_deadline_s=deadline_s)
        return lambda: list(p.expand(ExpansionRequest(seed=SEED, brand=BRAND)).usage)
    if provider == "openai":
        from services.providers.llm.openai_compatible import OpenAICompatibleProvider

        o = OpenAICompatibleProvider(
            "test-key", base_url=url + "/v1", model="gpt-4o-mini", stage_deadline_s=deadline_s
        )
        return lambda: list(o.expand(ExpansionRequest(seed=SEED, brand=BRAND)).usage)
    import pybreaker

    from services.projects.keyword_data import KeywordMetricsSQL
    from services.providers.dataforseo.client import DataForSEOClient, DataForSEOVolumeProvider

    client = DataForSEOClient(
        "login",
        "password",
        base_url=url,
        timeout=(5.0, deadline_s),
        deadline_s=deadline_s,
        breaker=pybreaker.CircuitBreaker(fail_max=100, reset_timeout=60),
        rate_limit_backoff_s=min(3.0, deadline_s / 10),
    )
    v = DataForSEOVolumeProvider(client, KeywordMetricsSQL(engine))
    result: dict[str, Any] = {}

    def call() -> list[Any]:
        r = v.lookup(["trail shoes"])
        result["data"] = r.data
        return list(r.usage)

    call.result = result  # type: ignore[attr-defined]
    return call


def run(scenario: Scenario, *, deadline_s: float, engine: Any = None) -> Outcome:
    """Run one scenario against a fresh local server and report what happened."""
    set_custom_prices({"gpt-4o-mini": OPENAI_TEST_PRICE, "gpt-4o-2024-08-06": OPENAI_TEST_PRICE})
    served: list[Reply] = []
    with FakeServer() as server:
        replies = scenario.replies(deadline_s)
        url = server.url if replies else dead_url()

        def serving(reply: Reply) -> Callable[[Recorded], Reply]:
            def handle(_rec: Recorded) -> Reply:
                served.append(reply)
                return reply

            return handle

        path = {
            "anthropic": "/v1/messages",
            "openai": "/v1/chat/completions",
            "dataforseo": SV,
        }[scenario.provider]
        if replies:
            server.route(path, *[serving(r) for r in replies])
        call = _adapter(scenario.provider, url, deadline_s, engine)
        started = time.perf_counter()
        message = ""
        try:
            usage = call()
            outcome = "ok"
        except ProviderError as exc:
            usage = list(exc.usage)
            outcome = type(exc).__name__
            message = str(exc)
        seconds = time.perf_counter() - started
        requests = len(server.requests) if replies else 0
    bills = [_billed(scenario.provider, r, deadline_s) for r in served]
    billed = None if any(b is None for b in bills) else round(sum(b or 0.0 for b in bills), 8)
    extras: dict[str, Any] = {}
    data = getattr(call, "result", {}).get("data")
    if data:
        extras["search_volume"] = {k: v.search_volume for k, v in data.items()}
    notes = [u.metadata.get("notes") for u in usage if u.metadata.get("notes")]
    if notes:
        extras["notes"] = notes
    return Outcome(
        provider=scenario.provider,
        fault=scenario.fault,
        outcome=outcome,
        seconds=round(seconds, 3),
        requests=requests,
        logged_usd=round(sum(u.cost_usd for u in usage), 8),
        billed_usd=billed,
        message=message[:300],
        expected=scenario.expect,
        extras=extras,
    )
