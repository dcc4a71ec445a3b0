"""What the owner reads about spend: the pre-flight (estimate next to the budget left) and the
Costs page's report (spend by provider, by day and per cluster, from ``api_usage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, select

from db.models import APIUsage, KeywordCluster, Project
from services.spend.estimates import (
    CostEstimate,
    estimate_cluster_cost,
    load_custom_prices,
    unpriced_message,
)
from services.spend.holds import BudgetGuard, BudgetStatus, _month_bounds, current_month

if TYPE_CHECKING:
    import pandas as pd

    from services.providers.registry import ProviderSet


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


#: Columns of :attr:`CostReport.clusters`.
CLUSTER_COLUMNS = [
    "cluster",
    "project",
    "created_at",
    "llm",
    "volume",
    "expand_usd",
    "enrich_usd",
    "filter_usd",
    "cost_usd",
]


def _usage_frame(conn: Connection, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per ``api_usage`` row of the period: provider, cost USD, tokens, requests, day."""
    import pandas as pd  # the Costs page's frames: not when the budget is checked

    u = APIUsage
    rows = conn.execute(
        select(u.provider, u.cost_usd, u.tokens, u.metadata_, u.created_at, u.cluster_id).where(
            u.created_at >= start, u.created_at < end
        )
    ).all()
    return pd.DataFrame(
        [
            {
                "provider": r[0],
                "cost_usd": float(r[1] or 0.0),
                "tokens": int(r[2] or 0),
                "requests": int((r[3] or {}).get("requests", 1) or 0),
                "day": _utc_day(r[4]),
                "cluster_id": r[5],
            }
            for r in rows
        ],
        columns=["provider", "cost_usd", "tokens", "requests", "day", "cluster_id"],
    )


def _cluster_frame(
    conn: Connection, start: datetime, end: datetime, usage: pd.DataFrame
) -> pd.DataFrame:
    """One row per cluster generated in the period: providers, cost per stage and in total
    (USD; the logged usage when there is any, else the cluster's own metadata)."""
    import pandas as pd  # the Costs page's frames: not when the budget is checked

    rows = conn.execute(
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
    logged = usage.dropna(subset=["cluster_id"]).groupby("cluster_id")["cost_usd"].sum().to_dict()
    clusters = []
    for cid, name, created, meta, project in rows:
        meta = meta or {}
        stages = meta.get("stages") or {}
        providers = meta.get("providers") or {}
        cost = logged.get(cid, meta.get("total_cost_usd", 0.0)) or 0.0
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
    return pd.DataFrame(clusters, columns=CLUSTER_COLUMNS)


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
    with engine.connect() as conn:
        usage = _usage_frame(conn, start, end)
        cluster_frame = _cluster_frame(conn, start, end, usage)
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
