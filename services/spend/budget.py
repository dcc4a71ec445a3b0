"""Cost estimates, the monthly budget and spend reports.

The budget ledger is the ``budget_reservations`` table: a paid run first *reserves* its
estimate (refused with :class:`~services.core.errors.BudgetExceeded` when it does not fit), then
*settles* the actual cost. Month usage = settled actuals + estimates still in flight, so
concurrent runs cannot overshoot together: the check-and-insert runs under a database lock
(``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL).

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
from services.core.errors import BudgetExceeded, InvalidInputError
from services.spend.pricing import SEARCH_VOLUME_LIVE, dataforseo_estimate_usd, llm_cost_usd

if TYPE_CHECKING:
    from services.providers.registry import ProviderSet

#: Default monthly budget of the workspace (USD).
DEFAULT_MONTHLY_BUDGET_USD = 50.0
BUDGET_KEY = "monthly_budget_usd"
#: Reservations still "reserved" after this long belong to a crashed run and stop counting.
STALE_RESERVATION = timedelta(hours=1)
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

    @property
    def total_usd(self) -> float:
        """LLM + volume, USD."""
        return round(self.llm_usd + self.volume_usd, 6)


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
    llm_usd = 0.0
    llm = provider_set.llm
    if llm.name != "offline":
        model = str(getattr(llm, "active_model", getattr(llm, "model", "")))
        usd = estimate_llm_usd(model)
        if usd is None:
            notes.append(f"No price is known for model '{model}'; its calls are counted as $0.")
            usd = 0.0
        llm_usd = usd
        lines.append(
            f"LLM {llm.name} {model}: 2 calls, ≈{STAGE1_INPUT_TOKENS + STAGE3_INPUT_TOKENS:,} input + "
            f"{STAGE1_OUTPUT_TOKENS + STAGE3_OUTPUT_TOKENS:,} output tokens → ${usd:.4f}"
        )
    volume_usd = 0.0
    if provider_set.volume is not None and provider_set.volume.name == "dataforseo":
        volume_usd = dataforseo_estimate_usd(SEARCH_VOLUME_LIVE, VOLUME_REQUESTS_PER_CLUSTER)
        lines.append(
            f"DataForSEO search volume: ≤ {VOLUME_REQUESTS_PER_CLUSTER} request → ${volume_usd:.4f} "
            "($0 when every keyword is cached)"
        )
    return CostEstimate(
        llm_usd=round(llm_usd, 6),
        volume_usd=round(volume_usd, 6),
        lines=tuple(lines),
        notes=tuple(notes),
    )


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
        fresh_after = self._now() - STALE_RESERVATION
        t = BudgetReservation
        settled = conn.execute(
            select(func.coalesce(func.sum(t.actual_usd), 0.0)).where(
                t.month == month, t.status.in_(("settled", "released"))
            )
        ).scalar_one()
        reserved = conn.execute(
            select(func.coalesce(func.sum(t.estimate_usd), 0.0)).where(
                t.month == month, t.status == "reserved", t.created_at >= fresh_after
            )
        ).scalar_one()
        # COALESCE(SUM(actual_usd), 0.0) is never NULL, though the column is nullable.
        return float(cast(float, settled)), float(reserved)

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
                )
            )
        return rid

    def settle(self, reservation: uuid.UUID, actual_usd: float) -> None:
        """Replace the hold by the actual cost (USD); 0 releases it.

        Parameters
        ----------
        reservation : uuid.UUID
            From :meth:`reserve`.
        actual_usd : float
            What the run really cost (sum of its ``Usage.cost_usd``).
        """
        t = BudgetReservation.__table__
        with self.engine.begin() as conn:
            conn.execute(
                t.update()
                .where(t.c.id == reservation)
                .values(
                    actual_usd=float(actual_usd), status="settled" if actual_usd > 0 else "released"
                )
            )


# --------------------------------------------------------------------------- pre-flight
@dataclass(frozen=True)
class Preflight:
    """What the New Cluster page shows before a run: the estimate next to the budget left."""

    estimate: CostEstimate
    budget: BudgetStatus
    is_paid: bool

    @property
    def fits(self) -> bool:
        """True when the estimate fits the budget left (always for free runs)."""
        return not self.is_paid or self.estimate.total_usd <= self.budget.remaining_usd + 1e-9

    @property
    def message(self) -> str:
        """One line, e.g. "Estimated cost $0.0868 · $49.91 of $50.00 left this month"."""
        if not self.is_paid:
            return "Offline providers: this run costs nothing."
        return (
            f"Estimated cost ${self.estimate.total_usd:.4f} · ${self.budget.remaining_usd:.2f} of "
            f"${self.budget.budget_usd:.2f} left this month"
        )


def preflight(engine: Engine, provider_set: ProviderSet) -> Preflight:
    """Estimate of a run on ``provider_set`` and the budget left (no reservation is made)."""
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
