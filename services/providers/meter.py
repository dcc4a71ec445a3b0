"""The budget hold of the paid run in progress: top-ups before each call, spend after it.

A paid run reserves its worst-case cost (:meth:`services.spend.budget.BudgetGuard.reserve`),
which makes a :class:`RunMeter` the *active* meter of the current thread/context. Provider
adapters then call :func:`before_call` with the worst case of the call they are about to make
(max tokens at the model's price, a DataForSEO request's price) and :func:`after_call` with what
it was billed. ``before_call`` tops the hold up when spend so far + this worst case would
exceed it — refused with :class:`~services.core.errors.BudgetTopUpRefused` when the top-up does
not fit the month's budget — so a run can never spend more than it holds, and holds never sum
above the budget. ``after_call`` records the running spend on the reservation row, so a run
killed half-way still leaves its billed spend in the ledger.

Outside a paid run (offline providers, tests without a budget) both functions do nothing.
This module imports nothing heavy: the adapters import it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar

#: Tolerance for float sums (USD).
EPSILON_USD = 1e-9


class RunMeter:
    """The hold and the billed spend of one paid run (thread-safe).

    Parameters
    ----------
    held_usd : float
        What the reservation holds now (USD).
    top_up : callable
        ``top_up(extra_usd)``: grow the hold by ``extra_usd`` under the budget lock; raises
        ``BudgetTopUpRefused`` when it does not fit.
    record : callable
        ``record(spent_usd)``: store the run's spend so far (USD) on the reservation.
    """

    def __init__(
        self,
        held_usd: float,
        top_up: Callable[[float], None],
        record: Callable[[float], None],
    ) -> None:
        self.held_usd = float(held_usd)
        self.spent_usd = 0.0
        self.top_ups = 0
        self._top_up = top_up
        self._record = record
        self._lock = threading.Lock()

    def before_call(self, worst_usd: float) -> None:
        """Make sure the hold covers spend so far + ``worst_usd`` (top up, or raise)."""
        with self._lock:
            missing = self.spent_usd + max(0.0, float(worst_usd)) - self.held_usd
            if missing > EPSILON_USD:
                self._top_up(missing)
                self.held_usd += missing
                self.top_ups += 1

    def after_call(self, billed_usd: float) -> None:
        """Add a call's billed cost (USD) to the run's spend and store the total."""
        if billed_usd <= 0:
            return
        with self._lock:
            self.spent_usd += float(billed_usd)
            spent = self.spent_usd
        self._record(spent)


_active: ContextVar[RunMeter | None] = ContextVar("cluster_planner_run_meter", default=None)


def activate(meter: RunMeter | None) -> None:
    """Make ``meter`` the active meter of this context (None clears it)."""
    _active.set(meter)


def active() -> RunMeter | None:
    """The active meter of this context, if a paid run is in progress."""
    return _active.get()


def before_call(worst_usd: float, *, label: str = "") -> None:
    """Top the active run's hold up to cover a call costing at most ``worst_usd`` (USD).

    Parameters
    ----------
    worst_usd : float
        Worst-case cost of the next call (USD).
    label : str
        What the call is, for messages (unused when no run is active).

    Raises
    ------
    BudgetTopUpRefused
        The top-up does not fit this month's budget; the call must not be made.
    """
    meter = _active.get()
    if meter is not None:
        meter.before_call(worst_usd)


def after_call(billed_usd: float) -> None:
    """Record a call's billed cost (USD) on the active run (no-op without one)."""
    meter = _active.get()
    if meter is not None:
        meter.after_call(billed_usd)
