"""The run meter (services.providers.meter): top-ups before calls, spend after them."""

from __future__ import annotations

import pytest

from services.core.errors import BudgetTopUpRefused
from services.providers import meter


def test_without_an_active_run_calls_are_not_metered():
    meter.activate(None)
    meter.before_call(10.0)
    meter.after_call(10.0)  # nothing to do, nothing raised


def test_hold_grows_only_by_what_the_next_call_may_need():
    ups: list[float] = []
    recorded: list[float] = []
    run = meter.RunMeter(0.10, top_up=ups.append, record=recorded.append)
    meter.activate(run)
    try:
        meter.before_call(0.06)
        meter.after_call(0.05)
        meter.before_call(0.05)  # 0.05 + 0.05 ≤ 0.10: no top-up
        meter.after_call(0.04)
        meter.before_call(0.03)  # 0.09 + 0.03 > 0.10: top up 0.02
        assert ups == [pytest.approx(0.02)] and run.held_usd == pytest.approx(0.12)
        assert recorded == [pytest.approx(0.05), pytest.approx(0.09)]
    finally:
        meter.activate(None)


def test_a_refused_top_up_leaves_the_hold_unchanged():
    def refuse(usd: float) -> None:
        raise BudgetTopUpRefused(usd, 0.0, 0.2)

    run = meter.RunMeter(0.10, top_up=refuse, record=lambda usd: None)
    meter.activate(run)
    try:
        meter.after_call(0.09)
        with pytest.raises(BudgetTopUpRefused):
            meter.before_call(0.05)
        assert run.held_usd == 0.10 and run.top_ups == 0
    finally:
        meter.activate(None)
