"""Providers fail typed, fast and logged (issue 11 item 4) — every scenario of the fault table.

Real adapters (anthropic / openai SDKs, requests) against local HTTP servers on 127.0.0.1,
with a 1 s stage deadline instead of the production 30 s (``bench/faults.py`` runs the same
scenarios with 30 s and prints the table).
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from tests.unit.providers.fault_scenarios import run, scenarios

DEADLINE_S = 1.0


@pytest.fixture(scope="module")
def engine():
    return create_engine("sqlite://")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: f"{s.provider}: {s.fault}")
def test_fault_is_typed_fast_and_logged(scenario, engine):
    out = run(scenario, deadline_s=DEADLINE_S, engine=engine)
    assert out.outcome == scenario.expect, out.message
    # No retry outlasts the stage deadline (+ one attempt's connect/teardown slack).
    assert out.seconds <= DEADLINE_S * 1.6 + 0.5, out
    if scenario.max_requests is not None:
        assert out.requests <= scenario.max_requests, out
    assert out.cost_matches, out
    assert scenario.message_has in out.message


def test_out_of_range_volumes_become_unknown_with_a_note(engine):
    by_fault = {s.fault: s for s in scenarios() if s.provider == "dataforseo"}
    for fault in ("volume 10^12", "volume -5"):
        out = run(by_fault[fault], deadline_s=DEADLINE_S, engine=engine)
        assert out.outcome == "ok"
        assert out.extras["search_volume"] == {"trail shoes": None}
        assert "out of range" in str(out.extras["notes"])
    out = run(by_fault["volume 5×10^9 (above INTEGER)"], deadline_s=DEADLINE_S, engine=engine)
    assert out.extras["search_volume"] == {"trail shoes": 2**31 - 1}
    assert "column limit" in str(out.extras["notes"])


def test_rate_limit_beyond_the_cap_fails_at_once_with_a_time(engine):
    s = next(
        x for x in scenarios() if x.fault == "429 retry-after 120 s" and x.provider == "openai"
    )
    out = run(s, deadline_s=DEADLINE_S, engine=engine)
    assert out.outcome == "RateLimitedError" and out.requests == 1 and out.seconds < 0.5
    assert "try again at" in out.message and "UTC" in out.message


def test_billed_40202_retries_are_all_logged(engine):
    s = next(x for x in scenarios() if x.fault == "40202 with cost ×3")
    out = run(s, deadline_s=DEADLINE_S, engine=engine)
    assert out.requests == 3 and out.logged_usd == pytest.approx(0.225) == out.billed_usd
