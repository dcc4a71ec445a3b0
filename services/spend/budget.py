"""Cost estimates, the monthly budget and spend reports.

The budget ledger is the ``budget_reservations`` table: a paid run first *reserves* its
worst-case cost (every call it may make at its ``max_tokens``, repairs included; refused with
:class:`~services.core.errors.BudgetExceeded` when it does not fit), tops the hold up before
any call its hold no longer covers (:mod:`services.spend.meter`; refused with
``BudgetTopUpRefused``), records its billed spend on the hold after every call, then
*settles* the actual cost. Month usage = settled actuals + holds still in flight, so the
budget is a ceiling even for concurrent runs: every check-and-write runs under a database lock
(``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL). A hold not
written for :data:`STALE_RESERVATION` belongs to a killed run: it then counts its billed spend
only, and :func:`recover_stale_reservations` settles it and logs that spend.

A model without a price refuses the run (:class:`~services.core.errors.PriceUnknownError`)
until a price is entered on the Settings page (:func:`set_model_price`; $0 is allowed, for a
local OpenAI-compatible server).

The Costs page reads the ``api_usage`` rows (one per provider call) for spend by provider,
by day and per cluster.

Prices come from :mod:`services.spend.pricing`; months are calendar months in UTC.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
from sqlalchemy import Connection, Engine, func, select, text

from db.models import APIUsage, BudgetReservation, KeywordCluster, Project
from services.core.app_settings import get_setting, set_setting
from services.core.errors import (
    BudgetExceeded,
    BudgetTopUpRefused,
    InvalidInputError,
    PriceUnknownError,
)
from services.providers.dataforseo import SUGGESTIONS_PER_RUN
from services.spend import meter as run_meter
from services.spend.pricing import (
    KEYWORD_SUGGESTIONS_LIVE,
    SEARCH_VOLUME_LIVE,
    dataforseo_estimate_usd,
    llm_cost_usd,
    model_price,
    set_custom_prices,
    simple_price,
)

if TYPE_CHECKING:
    from services.providers.registry import ProviderSet

#: Default monthly budget of the workspace (USD).
DEFAULT_MONTHLY_BUDGET_USD = 50.0
BUDGET_KEY = "monthly_budget_usd"
#: A hold not written (reserved, topped up, spend recorded) for this long belongs to a killed
#: run: it then counts only its billed spend. A run's stages have 30 s deadlines each.
STALE_RESERVATION = timedelta(minutes=15)
PRICES_KEY = "model_prices"
#: Key of the PostgreSQL advisory lock that serialises reservations (any fixed bigint).
_PG_LOCK_KEY = 0x434C5553544552  # "CLUSTER"

# Tokens per Stage call. Our real prompts and answers, measured by the local test servers at
# ⌈characters / 4⌉ (tests/services/test_funnel_live.py, bench/live_overhead.py): Stage 1
# ≈ 840 in / 1,030 out for 18 candidates, Stage 3 ≈ 1,330 in / 710 out for 18 decisions.
# Rounded up for 20 candidates and the real tokenizer, so the estimate is an upper bound.
STAGE1_INPUT_TOKENS = 1_000
STAGE1_OUTPUT_TOKENS = 1_400
STAGE3_INPUT_TOKENS = 1_600
STAGE3_OUTPUT_TOKENS = 1_400
#: DataForSEO requests a cluster needs at most (15-20 keywords ≤ 1000 per request).
VOLUME_REQUESTS_PER_CLUSTER = 1

# Worst case of one run, what the hold is sized from. Output: every call may use its whole
# ``max_tokens`` (services.providers.llm.prompts.MAX_OUTPUT_TOKENS). Input: the prompts
# measured at UTF-8 bytes / 2 + 400 framing tokens (prompts.max_input_tokens: 2,700 for
# Stage 1, 3,900 for Stage 3 with 20 candidates), rounded up. A repair resends the first
# turn plus the invalid answer (≤ max_tokens) plus the repair message.
LLM_MAX_OUTPUT_TOKENS = 4096
STAGE1_MAX_INPUT_TOKENS = 3_000
STAGE3_MAX_INPUT_TOKENS = 4_500
REPAIR_EXTRA_INPUT_TOKENS = LLM_MAX_OUTPUT_TOKENS + 300


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
    try:
        value = round(float(usd), 2)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("The monthly budget must be a number of US dollars.") from exc
    if not 0 <= value <= 100_000:
        raise InvalidInputError("The monthly budget must be between $0 and $100,000.")
    set_setting(engine, BUDGET_KEY, {"usd": value})
    return value


# --------------------------------------------------------------------------- estimates
@dataclass(frozen=True)
class CostEstimate:
    """Estimated cost of one funnel run.

    Attributes
    ----------
    llm_usd : float
        Stage 1 + Stage 3 (tokens × price), USD.
    volume_usd : float
        Stage 2 (DataForSEO requests × price), USD; an upper bound — cached keywords
        cost nothing.
    lines : tuple of str
        Human-readable breakdown.
    notes : tuple of str
        Caveats (e.g. a model without a known price).
    """

    llm_usd: float
    volume_usd: float
    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    typical_usd: float | None = None
    unpriced_models: tuple[str, ...] = ()

    @property
    def total_usd(self) -> float:
        """LLM + volume, USD."""
        return round(self.llm_usd + self.volume_usd, 6)


def worst_case_llm_usd(model: str) -> float | None:
    """Most one funnel run can spend on ``model`` (USD); None if unpriced.

    Stage 1 and Stage 3, each a call plus one repair, every call at its full
    :data:`LLM_MAX_OUTPUT_TOKENS`; inputs from :data:`STAGE1_MAX_INPUT_TOKENS`,
    :data:`STAGE3_MAX_INPUT_TOKENS` and :data:`REPAIR_EXTRA_INPUT_TOKENS`.
    """
    total = 0.0
    for first_input in (STAGE1_MAX_INPUT_TOKENS, STAGE3_MAX_INPUT_TOKENS):
        for input_tokens in (first_input, first_input + REPAIR_EXTRA_INPUT_TOKENS):
            usd = llm_cost_usd(
                model, input_tokens=input_tokens, output_tokens=LLM_MAX_OUTPUT_TOKENS
            )
            if usd is None:
                return None
            total += usd
    return round(total, 6)


def estimate_llm_usd(model: str) -> float | None:
    """Stage 1 + Stage 3 on ``model`` with the token budget above; None if unpriced."""
    stage1 = llm_cost_usd(
        model, input_tokens=STAGE1_INPUT_TOKENS, output_tokens=STAGE1_OUTPUT_TOKENS
    )
    stage3 = llm_cost_usd(
        model, input_tokens=STAGE3_INPUT_TOKENS, output_tokens=STAGE3_OUTPUT_TOKENS
    )
    if stage1 is None or stage3 is None:
        return None
    return round(stage1 + stage3, 6)


def estimate_cluster_cost(provider_set: ProviderSet) -> CostEstimate:
    """Estimate one seed-funnel run on the providers in force.

    Parameters
    ----------
    provider_set : ProviderSet
        From :func:`services.providers.registry.build_providers`.

    Returns
    -------
    CostEstimate
        LLM: (Stage 1 + Stage 3 tokens) × the model's price; volume: 1 DataForSEO
        search-volume request × $0.075 when DataForSEO is the volume source; offline
        providers cost $0.
    """
    lines: list[str] = []
    notes: list[str] = []
    unpriced: list[str] = []
    llm_usd = 0.0
    typical = 0.0
    llm = provider_set.llm
    if llm.name != "offline":
        model = str(getattr(llm, "active_model", getattr(llm, "model", "")))
        usd = worst_case_llm_usd(model)
        if usd is None:
            unpriced.append(model)
            notes.append(unpriced_message(model))
            usd = 0.0
        llm_usd = usd
        typical += estimate_llm_usd(model) or 0.0
        lines.append(
            f"LLM {llm.name} {model}: up to 4 calls (2 stages + 1 repair each) at ≤ "
            f"{LLM_MAX_OUTPUT_TOKENS:,} output tokens → at most ${usd:.4f}"
        )
    volume_usd = 0.0
    if provider_set.volume is not None and provider_set.volume.name == "dataforseo":
        volume_usd = dataforseo_estimate_usd(SEARCH_VOLUME_LIVE, VOLUME_REQUESTS_PER_CLUSTER)
        typical += volume_usd
        lines.append(
            f"DataForSEO search volume: ≤ {VOLUME_REQUESTS_PER_CLUSTER} request → ${volume_usd:.4f} "
            "($0 when every keyword is cached)"
        )
        # Stage 1 also takes real keywords from one Labs keyword_suggestions request (issue 8).
        ideas_usd = dataforseo_estimate_usd(KEYWORD_SUGGESTIONS_LIVE, 1, SUGGESTIONS_PER_RUN)
        volume_usd += ideas_usd
        typical += ideas_usd
        lines.append(
            f"DataForSEO Labs keyword suggestions: 1 request, ≤ {SUGGESTIONS_PER_RUN} "
            f"keywords → ${ideas_usd:.4f}"
        )
    return CostEstimate(
        llm_usd=round(llm_usd, 6),
        volume_usd=round(volume_usd, 6),
        lines=tuple(lines),
        notes=tuple(notes),
        typical_usd=round(typical, 6),
        unpriced_models=tuple(unpriced),
    )


def unpriced_message(model: str) -> str:
    """The message of a run refused for a model without a price."""
    return (
        f"No price is known for model '{model}', so the run cannot be held against the "
        "budget: enter its price per million tokens on the Settings page ($0 for a local "
        "server)."
    )


def run_estimate_usd(provider_set: ProviderSet) -> float:
    """The hold of one funnel run (USD), refusing a model without a price.

    Raises
    ------
    PriceUnknownError
        The LLM in force has no list price and none was entered in Settings.
    """
    estimate = estimate_cluster_cost(provider_set)
    if estimate.unpriced_models:
        raise PriceUnknownError(unpriced_message(estimate.unpriced_models[0]))
    return estimate.total_usd


# --------------------------------------------------------------------------- custom prices
def get_model_prices(engine: Engine) -> dict[str, dict[str, float]]:
    """Prices entered on the Settings page: model → {"input", "output"} USD per million tokens."""
    raw = get_setting(engine, PRICES_KEY, {})
    out: dict[str, dict[str, float]] = {}
    for model, price in (raw or {}).items():
        try:
            out[str(model)] = {"input": float(price["input"]), "output": float(price["output"])}
        except (KeyError, TypeError, ValueError):
            continue
    return out


def load_custom_prices(engine: Engine) -> dict[str, dict[str, float]]:
    """Install the stored prices in :data:`services.spend.pricing.CUSTOM_PRICES`; return them."""
    prices = get_model_prices(engine)
    set_custom_prices({m: simple_price(p["input"], p["output"]) for m, p in prices.items()})
    return prices


def set_model_price(
    engine: Engine, model: str, input_usd: float, output_usd: float
) -> dict[str, dict[str, float]]:
    """Store a model's price (USD per million tokens; 0 and 0 for a local server).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    model : str
        Model id as sent to the API (e.g. "llama3.1", "claude-opus-4-1").
    input_usd, output_usd : float
        USD per million input / output tokens, 0 to 1,000.

    Returns
    -------
    dict
        All stored prices.

    Raises
    ------
    InvalidInputError
        Empty model id, or a price that is not a number in 0..1,000.
    """
    name = (model or "").strip().lower()
    if not name or len(name) > 200:
        raise InvalidInputError("Enter the model id (as sent to the API).")
    try:
        values = (float(input_usd), float(output_usd))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("Prices must be numbers of US dollars per million tokens.") from exc
    if not all(0 <= v <= 1_000 for v in values):
        raise InvalidInputError("Prices must be between $0 and $1,000 per million tokens.")
    prices = get_model_prices(engine)
    prices[name] = {"input": values[0], "output": values[1]}
    set_setting(engine, PRICES_KEY, prices)
    return load_custom_prices(engine)


def delete_model_price(engine: Engine, model: str) -> dict[str, dict[str, float]]:
    """Remove a stored price; returns the prices left."""
    prices = get_model_prices(engine)
    prices.pop((model or "").strip().lower(), None)
    set_setting(engine, PRICES_KEY, prices)
    return load_custom_prices(engine)


def has_price(model: str) -> bool:
    """True when ``model`` has a list price or one entered in Settings (loaded)."""
    return model_price(model) is not None


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
        The hold becomes the active :class:`services.spend.meter.RunMeter` of the calling
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
                raise BudgetExceeded(float(estimate_usd), max(0.0, round(remaining, 6)), budget)
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
            What the run really cost (sum of its ``Usage.cost_usd``); the spend recorded on
            the hold by its calls counts when larger (calls the caller lost track of).
        """
        active = run_meter.active()
        if active is not None:
            run_meter.activate(None)
        t = BudgetReservation.__table__
        with self.engine.begin() as conn:
            spent = conn.execute(select(t.c.spent_usd).where(t.c.id == reservation)).scalar()
            actual = max(float(actual_usd), float(spent or 0.0))
            conn.execute(
                t.update()
                .where(t.c.id == reservation)
                .values(
                    actual_usd=actual,
                    status="settled" if actual > 0 else "released",
                    updated_at=self._now(),
                )
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
                conn.execute(
                    APIUsage.__table__.insert().values(
                        id=uuid.uuid4(),
                        provider="interrupted run",
                        endpoint="budget hold",
                        cost_usd=float(spent),
                        tokens=0,
                        # the column is "metadata" (``APIUsage.metadata_`` in the ORM)
                        **{"metadata": {"label": label, "reservation_id": str(rid)}},
                        created_at=now,
                    )
                )
    return recovered


# --------------------------------------------------------------------------- pre-flight
@dataclass(frozen=True)
class Preflight:
    """What the New Cluster page shows before a run: the estimate next to the budget left."""

    estimate: CostEstimate
    budget: BudgetStatus
    is_paid: bool

    @property
    def fits(self) -> bool:
        """True when the worst case fits the budget left and every model has a price."""
        if not self.is_paid:
            return True
        if self.estimate.unpriced_models:
            return False
        return self.estimate.total_usd <= self.budget.remaining_usd + 1e-9

    @property
    def message(self) -> str:
        """One line, e.g. "Up to $0.1766 (typically $0.0868) · $49.91 of $50.00 left this month"."""
        if not self.is_paid:
            return "Offline providers: this run costs nothing."
        if self.estimate.unpriced_models:
            return unpriced_message(self.estimate.unpriced_models[0])
        typical = self.estimate.typical_usd
        usual = f" (typically ${typical:.4f})" if typical else ""
        return (
            f"Up to ${self.estimate.total_usd:.4f}{usual} · ${self.budget.remaining_usd:.2f} of "
            f"${self.budget.budget_usd:.2f} left this month"
        )


def preflight(engine: Engine, provider_set: ProviderSet) -> Preflight:
    """Estimate of a run on ``provider_set`` and the budget left (no reservation is made).

    Loads the prices entered in Settings first, so the estimate and the adapters use them.
    """
    load_custom_prices(engine)
    return Preflight(
        estimate=estimate_cluster_cost(provider_set),
        budget=BudgetGuard(engine).status(),
        is_paid=provider_set.is_paid,
    )


# --------------------------------------------------------------------------- spend reports
def _utc_day(value: datetime) -> Any:
    """Calendar day (UTC) of a stored timestamp (naive on SQLite = UTC, aware on PostgreSQL)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date()


@dataclass
class CostReport:
    """Spend of one month for the Costs page.

    Attributes
    ----------
    month : str
        "YYYY-MM" (UTC).
    budget : BudgetStatus
        Budget, settled spend and in-flight holds (the ledger).
    spend_usd : float
        Sum of ``api_usage.cost_usd`` in the month.
    by_provider : pandas.DataFrame
        Columns ``provider``, ``calls``, ``requests``, ``tokens``, ``cost_usd``.
    by_day : pandas.DataFrame
        Columns ``day`` (date), ``provider``, ``cost_usd``.
    clusters : pandas.DataFrame
        Columns ``cluster``, ``project``, ``created_at``, ``llm``, ``volume``,
        ``expand_usd``, ``enrich_usd``, ``filter_usd``, ``cost_usd``.
    avg_cost_per_paid_cluster_usd : float or None
        Mean ``cost_usd`` of clusters that cost anything (None when there are none).
    free_clusters : int
        Clusters generated with offline providers only.
    """

    month: str
    budget: BudgetStatus
    spend_usd: float
    by_provider: pd.DataFrame
    by_day: pd.DataFrame
    clusters: pd.DataFrame
    avg_cost_per_paid_cluster_usd: float | None
    free_clusters: int


def cost_report(engine: Engine, month: str | None = None) -> CostReport:
    """Spend of ``month`` (default: the current UTC month) by provider, day and cluster.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    month : str, optional
        "YYYY-MM".

    Returns
    -------
    CostReport
    """
    month = month or current_month()
    start, end = _month_bounds(month)
    u = APIUsage
    with engine.connect() as conn:
        usage_rows = conn.execute(
            select(u.provider, u.cost_usd, u.tokens, u.metadata_, u.created_at, u.cluster_id).where(
                u.created_at >= start, u.created_at < end
            )
        ).all()
        cluster_rows = conn.execute(
            select(
                KeywordCluster.id,
                KeywordCluster.name,
                KeywordCluster.created_at,
                KeywordCluster.generation_metadata,
                Project.name,
            )
            .join(Project, Project.id == KeywordCluster.project_id)
            .where(KeywordCluster.created_at >= start, KeywordCluster.created_at < end)
            .order_by(KeywordCluster.created_at.desc())
        ).all()
    usage = pd.DataFrame(
        [
            {
                "provider": r[0],
                "cost_usd": float(r[1] or 0.0),
                "tokens": int(r[2] or 0),
                "requests": int((r[3] or {}).get("requests", 1) or 0),
                "day": _utc_day(r[4]),
                "cluster_id": r[5],
            }
            for r in usage_rows
        ],
        columns=["provider", "cost_usd", "tokens", "requests", "day", "cluster_id"],
    )
    by_provider = (
        usage.groupby("provider", as_index=False)
        .agg(
            calls=("cost_usd", "size"),
            requests=("requests", "sum"),
            tokens=("tokens", "sum"),
            cost_usd=("cost_usd", "sum"),
        )
        .sort_values("cost_usd", ascending=False, ignore_index=True)
    )
    by_day = (
        usage.groupby(["day", "provider"], as_index=False)["cost_usd"]
        .sum()
        .sort_values("day", ignore_index=True)
    )
    per_cluster_usage = (
        usage.dropna(subset=["cluster_id"]).groupby("cluster_id")["cost_usd"].sum().to_dict()
    )
    clusters = []
    for cid, name, created, meta, project in cluster_rows:
        meta = meta or {}
        stages = meta.get("stages") or {}
        providers = meta.get("providers") or {}
        cost = per_cluster_usage.get(cid, meta.get("total_cost_usd", 0.0)) or 0.0
        clusters.append(
            {
                "cluster": name,
                "project": project,
                "created_at": created,
                "llm": providers.get("llm"),
                "volume": providers.get("volume"),
                "expand_usd": (stages.get("expand") or {}).get("cost_usd", 0.0),
                "enrich_usd": (stages.get("enrich") or {}).get("cost_usd", 0.0),
                "filter_usd": (stages.get("filter") or {}).get("cost_usd", 0.0),
                "cost_usd": round(float(cost), 6),
            }
        )
    cluster_frame = pd.DataFrame(
        clusters,
        columns=[
            "cluster",
            "project",
            "created_at",
            "llm",
            "volume",
            "expand_usd",
            "enrich_usd",
            "filter_usd",
            "cost_usd",
        ],
    )
    paid = cluster_frame[cluster_frame["cost_usd"] > 0]
    return CostReport(
        month=month,
        budget=BudgetGuard(engine).status(month),
        spend_usd=round(float(usage["cost_usd"].sum()), 6),
        by_provider=by_provider,
        by_day=by_day,
        clusters=cluster_frame,
        avg_cost_per_paid_cluster_usd=round(float(paid["cost_usd"].mean()), 6)
        if len(paid)
        else None,
        free_clusters=int((cluster_frame["cost_usd"] <= 0).sum()),
    )


# --------------------------------------------------------------------------- content drafts
# Tokens per drafted page (services.content.drafts: analysis + draft + social posts).
# bench/content.py measures ≈ 2,900 in / 1,600 out for a collection page (our real prompts,
# answers of ≈ 700 words, at ⌈characters / 4⌉); articles run to 2,000 words, so the preview
# uses an upper bound (a repair call costs extra and is not included).
DRAFT_INPUT_TOKENS_PER_PAGE = 4_000
DRAFT_OUTPUT_TOKENS_PER_PAGE = 3_000
#: Calls per drafted page (analysis, draft, social posts).
DRAFT_CALLS_PER_PAGE = 3


def estimate_drafts_cost(model: str, pages: int) -> CostEstimate:
    """Estimate a drafts batch of ``pages`` pages on ``model``.

    Parameters
    ----------
    model : str
        The LLM model in force ("" or "offline" → $0).
    pages : int
        Pages to draft.

    Returns
    -------
    CostEstimate
        ``llm_usd`` = pages × (:data:`DRAFT_INPUT_TOKENS_PER_PAGE` input +
        :data:`DRAFT_OUTPUT_TOKENS_PER_PAGE` output tokens) × the model's list price
        (:mod:`services.spend.pricing`); a note when the model has no known price.
    """
    if not model or model == "offline" or pages <= 0:
        return CostEstimate(llm_usd=0.0, volume_usd=0.0, lines=("Offline: no LLM cost.",))
    per_page = llm_cost_usd(
        model,
        input_tokens=DRAFT_INPUT_TOKENS_PER_PAGE,
        output_tokens=DRAFT_OUTPUT_TOKENS_PER_PAGE,
    )
    notes: tuple[str, ...] = ()
    if per_page is None:
        notes = (f"No price is known for model '{model}'; its calls are counted as $0.",)
        per_page = 0.0
    total = round(per_page * pages, 6)
    line = (
        f"{pages} page(s) × {DRAFT_CALLS_PER_PAGE} calls on {model}: ≈"
        f"{DRAFT_INPUT_TOKENS_PER_PAGE:,} input + {DRAFT_OUTPUT_TOKENS_PER_PAGE:,} output "
        f"tokens per page → ${per_page:.4f}/page, ${total:.4f} in all"
    )
    return CostEstimate(llm_usd=total, volume_usd=0.0, lines=(line,), notes=notes)
