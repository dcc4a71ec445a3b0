"""The monthly budget is a ceiling (issue 11 item 2): worst-case holds, top-ups refused when
they do not fit, spend recorded per call, killed runs settled, unknown prices refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from db.models import APIUsage, BudgetReservation
from db.session import session_scope
from services.core.errors import BudgetExceeded, BudgetTopUpRefused, PriceUnknownError
from services.providers import meter
from services.providers.pricing import set_custom_prices
from services.spend.budget import (
    BudgetGuard,
    estimate_cluster_cost,
    get_model_prices,
    preflight,
    recover_stale_reservations,
    run_estimate_usd,
    set_model_price,
    set_monthly_budget,
    worst_case_llm_usd,
)
from tests.db.spend.ceiling_scenario import run_ceiling


@pytest.fixture(autouse=True)
def _clean():
    meter.activate(None)
    set_custom_prices({})
    yield
    meter.activate(None)
    set_custom_prices({})


def provider_set(name: str, model: str, volume: str | None = None):
    return SimpleNamespace(
        llm=SimpleNamespace(name=name, active_model=model),
        volume=SimpleNamespace(name=volume) if volume else None,
        is_paid=True,
    )


def test_hold_is_topped_up_before_a_call_and_refused_when_it_does_not_fit(engine):
    set_monthly_budget(engine, 0.20)
    guard = BudgetGuard(engine)
    rid = guard.reserve(0.15, "cluster: trail shoes")
    run = meter.active()
    assert run is not None and run.held_usd == 0.15
    meter.before_call(0.04)
    meter.after_call(0.10)
    meter.before_call(0.10)  # 0.10 spent + 0.10 > 0.15 held: top up 0.05 (fits exactly)
    assert run.top_ups == 1 and run.held_usd == pytest.approx(0.20)
    meter.after_call(0.10)
    with pytest.raises(BudgetTopUpRefused) as info:
        meter.before_call(0.01)
    assert "stopped before it" in str(info.value) and info.value.usage == []
    # Spend is on the hold after every call, so a caller reporting less cannot hide it.
    with session_scope(engine) as s:
        assert s.get(BudgetReservation, rid).spent_usd == pytest.approx(0.20)
    guard.settle(rid, 0.05)
    assert meter.active() is None
    status = guard.status()
    assert status.settled_usd == pytest.approx(0.20) and status.reserved_usd == 0
    with pytest.raises(BudgetExceeded):
        guard.reserve(0.01, "next")


def test_killed_run_counts_its_spend_and_is_settled_with_a_usage_row(engine):
    set_monthly_budget(engine, 1.0)
    start = datetime.now(UTC)
    guard = BudgetGuard(engine, now=lambda: start)
    rid = guard.reserve(0.50, "cluster: killed")
    meter.after_call(0.07)
    meter.activate(None)  # the process died here: no settle
    assert guard.status().reserved_usd == pytest.approx(0.50)
    later = BudgetGuard(engine, now=lambda: start + timedelta(minutes=20))
    assert later.status().reserved_usd == pytest.approx(0.07)  # only the billed part holds
    assert recover_stale_reservations(engine, now=start + timedelta(minutes=20)) == 1
    with session_scope(engine) as s:
        hold = s.get(BudgetReservation, rid)
        assert hold.status == "abandoned" and hold.actual_usd == pytest.approx(0.07)
        rows = s.execute(select(APIUsage.provider, APIUsage.cost_usd)).all()
    assert rows == [("interrupted run", pytest.approx(0.07))]
    assert later.status().settled_usd == pytest.approx(0.07)
    assert recover_stale_reservations(engine, now=start + timedelta(minutes=40)) == 0


def test_unknown_model_price_refuses_the_run_until_one_is_entered(engine):
    ps = provider_set("openai", "llama3.1")
    with pytest.raises(PriceUnknownError, match="Settings page"):
        run_estimate_usd(ps)
    pre = preflight(engine, ps)
    assert not pre.fits and "llama3.1" in pre.message
    set_model_price(engine, "llama3.1", 0, 0)  # a local server: $0 explicitly
    assert get_model_prices(engine) == {"llama3.1": {"input": 0.0, "output": 0.0}}
    assert run_estimate_usd(ps) == 0.0 and preflight(engine, ps).fits
    set_model_price(engine, "claude-opus-4-1", 15, 75)
    opus = run_estimate_usd(provider_set("anthropic", "claude-opus-4-1"))
    assert opus == pytest.approx(worst_case_llm_usd("claude-opus-4-1")) and opus > 0.5


def test_estimate_is_the_worst_case_with_the_typical_cost_beside_it():
    est = estimate_cluster_cost(provider_set("anthropic", "claude-haiku-4-5", "dataforseo"))
    # 4 calls (2 stages × call + repair) at 4,096 output tokens + 1 DataForSEO volume request
    # + 1 Labs keyword_suggestions request of 20 items (Stage 1 ideas, issue 8).
    assert est.total_usd == pytest.approx(
        worst_case_llm_usd("claude-haiku-4-5") + 0.075 + 0.01 + 20 * 0.0001
    )
    assert est.typical_usd is not None and est.typical_usd < est.total_usd / 1.5


@pytest.mark.slow
def test_ten_concurrent_runs_never_spend_more_than_the_budget(engine):
    out = run_ceiling(engine, runs=10, budget_usd=0.20)
    assert out["ratio"] <= 1.0, out
    assert out["succeeded"] + out["failed"] >= 1 and out["refused"] >= 1, out
    assert out["spend_usd"] == pytest.approx(out["settled_usd"], abs=1e-6), out
