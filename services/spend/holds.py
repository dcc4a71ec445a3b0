"""The monthly budget and the holds (``budget_reservations``) that keep it a ceiling.

A paid run first *reserves* its worst-case cost, tops the hold up before any call its hold no
longer covers (:mod:`services.providers.meter`), records its billed spend on the hold after every
call, then *settles* the actual cost. Month usage = settled actuals + holds still in flight;
every check-and-write runs under a database lock (``BEGIN IMMEDIATE`` on SQLite, a
transaction-scoped advisory lock on PostgreSQL). A hold not written for
:data:`STALE_RESERVATION` belongs to a killed run: :func:`recover_stale_reservations` settles
it and logs its billed spend.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, func, select, text

from db.models import APIUsage, BudgetReservation
from services.core.app_settings import get_setting, set_setting
from services.core.errors import (
    BudgetExceeded,
    BudgetHeldByRuns,
    BudgetTopUpRefused,
    InvalidInputError,
)
from services.providers import meter as run_meter

if TYPE_CHECKING:
    pass

#: Default monthly budget of the workspace (USD).
DEFAULT_MONTHLY_BUDGET_USD = 50.0
BUDGET_KEY = "monthly_budget_usd"
#: A hold not written (reserved, topped up, spend recorded) for this long belongs to a killed
#: run: it then counts only its billed spend. A run's stages have 30 s deadlines each.
STALE_RESERVATION = timedelta(minutes=15)
#: Billed spend on a hold above what its run logged, below which no "stopped run" row is
#: written at settle (USD; rounding of per-call costs stays under it).
UNLOGGED_MIN_USD = 1e-6
#: Key of the PostgreSQL advisory lock that serialises reservations (any fixed bigint).
_PG_LOCK_KEY = 0x434C5553544552  # "CLUSTER"


def current_month(now: datetime | None = None) -> str:
    """The month as "YYYY-MM" (UTC)."""
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def recent_months(n: int = 12, now: datetime | None = None) -> list[str]:
    """The last ``n`` months as "YYYY-MM", newest first (UTC)."""
    first = (now or datetime.now(UTC)).replace(day=1)
    months = []
    for _ in range(n):
        months.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return months


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


# --------------------------------------------------------------------------- budget setting
def get_monthly_budget(engine: Engine) -> float:
    """The workspace's monthly budget in USD (:data:`DEFAULT_MONTHLY_BUDGET_USD` when unset)."""
    value = get_setting(engine, BUDGET_KEY, {"usd": DEFAULT_MONTHLY_BUDGET_USD})
    try:
        return float(value.get("usd", DEFAULT_MONTHLY_BUDGET_USD))
    except (TypeError, ValueError):
        return DEFAULT_MONTHLY_BUDGET_USD


def set_monthly_budget(engine: Engine, usd: float) -> float:
    """Store the monthly budget.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    usd : float
        Budget in USD, 0 to 100,000.

    Returns
    -------
    float
        The stored value (rounded to cents).

    Raises
    ------
    InvalidInputError
        Negative, not a number, or above 100,000.
    """
    value = checked_budget(usd)
    set_setting(engine, BUDGET_KEY, {"usd": value})
    return value


def checked_budget(usd: Any) -> float:
    """A monthly budget as stored: USD rounded to cents, 0 to 100,000.

    Raises
    ------
    InvalidInputError
        Negative, not a number, or above 100,000.
    """
    try:
        value = round(float(usd), 2)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("The monthly budget must be a number of US dollars.") from exc
    if not 0 <= value <= 100_000:
        raise InvalidInputError("The monthly budget must be between $0 and $100,000.")
    return value


# --------------------------------------------------------------------------- the guard
@dataclass(frozen=True)
class BudgetStatus:
    """The month's budget position (USD)."""

    month: str
    budget_usd: float
    settled_usd: float
    reserved_usd: float

    @property
    def used_usd(self) -> float:
        """Settled actual costs plus estimates of runs in flight."""
        return round(self.settled_usd + self.reserved_usd, 6)

    @property
    def remaining_usd(self) -> float:
        """Budget left (never negative)."""
        return round(max(0.0, self.budget_usd - self.used_usd), 6)


class BudgetGuard:
    """Reserve-then-settle against the monthly budget (``services.seed_clusters.api.BudgetPort``).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        SQLite or PostgreSQL.
    now : callable
        UTC clock (tests).
    """

    def __init__(self, engine: Engine, *, now: Any = None) -> None:
        self.engine = engine
        self._now = now or (lambda: datetime.now(UTC))

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """A transaction that holds the budget lock until commit/rollback."""
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            # pysqlite's implicit BEGIN is DEFERRED: two readers would both see room. Take
            # the write lock up front (waits up to the busy timeout for the other writer).
            with self.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                conn.exec_driver_sql("COMMIT")
        else:
            with self.engine.begin() as conn:
                if dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                else:  # pragma: no cover - the app runs on SQLite or PostgreSQL
                    conn.execute(
                        select(BudgetReservation.id)
                        .where(BudgetReservation.month == "lock")
                        .with_for_update()
                    )
                yield conn

    def _status(self, conn: Connection, month: str) -> tuple[float, float]:
        """(settled, held) USD of ``month``: a live hold counts in full, a stale one (killed
        run) its billed spend."""
        fresh_after = self._now() - STALE_RESERVATION
        t = BudgetReservation
        settled = conn.execute(
            select(func.coalesce(func.sum(t.actual_usd), 0.0)).where(
                t.month == month, t.status.in_(("settled", "released", "abandoned"))
            )
        ).scalar_one()
        last_write = func.coalesce(t.updated_at, t.created_at)
        held = conn.execute(
            select(func.coalesce(func.sum(t.estimate_usd), 0.0)).where(
                t.month == month, t.status == "reserved", last_write >= fresh_after
            )
        ).scalar_one()
        stale_spent = conn.execute(
            select(func.coalesce(func.sum(t.spent_usd), 0.0)).where(
                t.month == month, t.status == "reserved", last_write < fresh_after
            )
        ).scalar_one()
        # COALESCE(SUM(actual_usd), 0.0) is never NULL, though the column is nullable.
        return float(cast(float, settled)), float(held) + float(stale_spent)

    def status(self, month: str | None = None) -> BudgetStatus:
        """Budget, settled spend and in-flight reservations of ``month`` (default: now)."""
        month = month or current_month(self._now())
        budget = get_monthly_budget(self.engine)
        with self.engine.connect() as conn:
            settled, reserved = self._status(conn, month)
        return BudgetStatus(
            month=month, budget_usd=budget, settled_usd=settled, reserved_usd=reserved
        )

    def reserve(self, estimate_usd: float, label: str) -> uuid.UUID:
        """Hold ``estimate_usd`` against this month's budget.

        Parameters
        ----------
        estimate_usd : float
            Estimated cost of the run (USD).
        label : str
            What the run is (e.g. "cluster: trail running shoes"), ≤ 200 characters kept.

        Returns
        -------
        uuid.UUID
            The reservation id to :meth:`settle`.

        Raises
        ------
        BudgetExceeded
            The estimate does not fit the budget left; nothing is held. The message names
            the estimate, what is left and the budget.

        Notes
        -----
        The hold becomes the active :class:`services.providers.meter.RunMeter` of the calling
        context until :meth:`settle`: provider calls made meanwhile top it up before they
        run and record their billed cost on it.
        """
        now = self._now()
        month = current_month(now)
        budget = get_monthly_budget(self.engine)
        with self._locked() as conn:
            settled, reserved = self._status(conn, month)
            remaining = budget - settled - reserved
            if estimate_usd > remaining + 1e-9:
                raise _refusal(float(estimate_usd), remaining, budget, settled, reserved)
            rid = uuid.uuid4()
            conn.execute(
                BudgetReservation.__table__.insert().values(
                    id=rid,
                    month=month,
                    estimate_usd=float(estimate_usd),
                    actual_usd=None,
                    status="reserved",
                    label=(label or "")[:200],
                    created_at=now,
                    updated_at=now,
                    spent_usd=0.0,
                )
            )
        run_meter.activate(
            run_meter.RunMeter(
                float(estimate_usd),
                top_up=lambda usd: self.top_up(rid, usd),
                record=lambda usd: self.record_spent(rid, usd),
            )
        )
        return rid

    def top_up(self, reservation: uuid.UUID, extra_usd: float) -> None:
        """Grow a live hold by ``extra_usd`` (USD) when it fits the budget left.

        Raises
        ------
        BudgetTopUpRefused
            It does not fit; the hold is unchanged (the caller must not make the call).
        """
        now = self._now()
        budget = get_monthly_budget(self.engine)
        t = BudgetReservation.__table__
        with self._locked() as conn:
            row = conn.execute(
                select(t.c.month, t.c.estimate_usd).where(t.c.id == reservation)
            ).first()
            month = row[0] if row else current_month(now)
            settled, reserved = self._status(conn, month)
            remaining = budget - settled - reserved
            if extra_usd > remaining + 1e-9:
                raise BudgetTopUpRefused(float(extra_usd), max(0.0, round(remaining, 6)), budget)
            if row is not None:
                conn.execute(
                    t.update()
                    .where(t.c.id == reservation)
                    .values(estimate_usd=float(row[1]) + float(extra_usd), updated_at=now)
                )

    def record_spent(self, reservation: uuid.UUID, spent_usd: float) -> None:
        """Store a run's billed spend so far (USD) on its hold (also its heartbeat)."""
        t = BudgetReservation.__table__
        with self.engine.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == reservation)
                .values(spent_usd=float(spent_usd), updated_at=self._now())
            )

    def settle(self, reservation: uuid.UUID, actual_usd: float) -> None:
        """Replace the hold by the actual cost (USD); 0 releases it.

        Parameters
        ----------
        reservation : uuid.UUID
            From :meth:`reserve`.
        actual_usd : float
            What the run really cost (sum of its logged ``Usage.cost_usd``). The spend
            recorded on the hold by its calls counts when larger: calls the run billed but
            did not log (a job stopped in the middle of a page) get one ``api_usage`` row
            (provider "stopped run"), so the spend log and the budget agree (issue 20).
        """
        active = run_meter.active()
        if active is not None:
            run_meter.activate(None)
        t = BudgetReservation.__table__
        now = self._now()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(t.c.spent_usd, t.c.label).where(t.c.id == reservation)
            ).first()
            spent, label = (float(row[0] or 0.0), row[1]) if row else (0.0, "")
            actual = max(float(actual_usd), spent)
            conn.execute(
                t.update()
                .where(t.c.id == reservation)
                .values(
                    actual_usd=actual,
                    status="settled" if actual > 0 else "released",
                    updated_at=now,
                )
            )
            unlogged = spent - float(actual_usd)
            if unlogged > UNLOGGED_MIN_USD:
                _log_hold_spend(conn, "stopped run", unlogged, label, reservation, now)


def _refusal(
    estimate_usd: float, remaining: float, budget: float, settled: float, held: float
) -> BudgetExceeded:
    """The refusal of a reservation: it says how much of the month is spent and how much is
    only held by runs in progress (issue 20: a hold is not spend)."""
    left = max(0.0, round(remaining, 6))
    if held <= 1e-9:
        return BudgetExceeded(estimate_usd, left, budget)
    return BudgetHeldByRuns(
        estimate_usd, left, budget, spent_usd=round(settled, 6), held_usd=round(held, 6)
    )


def recover_stale_reservations(engine: Engine, *, now: datetime | None = None) -> int:
    """Settle the holds of killed runs and log their billed spend.

    A hold still ``reserved`` but not written for :data:`STALE_RESERVATION` belongs to a run
    that died before settling (worker killed): it becomes ``abandoned`` with
    ``actual_usd = spent_usd``, and that spend gets one ``api_usage`` row (provider
    "interrupted run", the hold's label) so the Costs page shows it.

    Returns
    -------
    int
        Holds recovered.
    """
    now = now or datetime.now(UTC)
    cutoff = now - STALE_RESERVATION
    t = BudgetReservation
    recovered = 0
    with engine.begin() as conn:
        rows = conn.execute(
            select(t.id, t.spent_usd, t.label).where(
                t.status == "reserved", func.coalesce(t.updated_at, t.created_at) < cutoff
            )
        ).all()
        for rid, spent, label in rows:
            res = conn.execute(
                BudgetReservation.__table__.update()
                .where(BudgetReservation.id == rid, BudgetReservation.status == "reserved")
                .values(status="abandoned", actual_usd=float(spent or 0.0), updated_at=now)
            )
            if not cast("Any", res).rowcount:
                continue  # another process recovered it
            recovered += 1
            if spent and spent > 0:
                _log_hold_spend(conn, "interrupted run", float(spent), label, rid, now)
    return recovered


def _log_hold_spend(
    conn: Connection,
    provider: str,
    usd: float,
    label: str | None,
    reservation: uuid.UUID,
    now: datetime,
) -> None:
    """One ``api_usage`` row for billed calls known only to a budget hold (USD)."""
    conn.execute(
        APIUsage.__table__.insert().values(
            id=uuid.uuid4(),
            provider=provider,
            endpoint="budget hold",
            cost_usd=round(usd, 8),
            tokens=0,
            # the column is "metadata" (``APIUsage.metadata_`` in the ORM)
            **{"metadata": {"label": label, "reservation_id": str(reservation)}},
            created_at=now,
        )
    )
