"""What the Keyword Lists page and the CLI call: one function per user action.

Keyword-list clusters are built by background jobs (:mod:`services.app.jobs`, handlers in
:mod:`services.keyword_lists.jobs`); the CLI runs the same clustering inline with
:func:`cluster_inline`. Every function takes the engine and a project id (UUID or str).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from services import jobs
from services.keyword_lists import discovery, store
from services.keyword_lists.store import ListView


@dataclass
class Preview:
    """A cost preview shown before a paid run.

    Attributes:
        message: one line for the page, e.g. "3 requests ≈ $0.0300".
        usd: estimated cost (USD).
        remaining_usd: budget left this month (USD).
    """

    message: str
    usd: float
    remaining_usd: float


def _remaining_usd(engine: Engine) -> float:
    from services.spend.budget import BudgetGuard

    return BudgetGuard(engine).status().remaining_usd


def discovery_preview(engine: Engine, seeds: str) -> Preview:
    """Cost of a live discovery run for ``seeds`` (one per line) next to the budget left.

    Raises
    ------
    InvalidInputError
        Bad seeds (none, more than 10).
    """
    preview = discovery.preview_cost(discovery.validate(seeds, live=True))
    return Preview(preview.message, preview.usd, _remaining_usd(engine))


def start_discovery(
    engine: Engine,
    project_id: Any,
    seeds: str,
    *,
    min_volume: int,
    max_kd: float,
    intents: Sequence[str],
    limit: int,
    live: bool,
) -> uuid.UUID:
    """Validate the request and queue a discovery job; returns the job id.

    Raises
    ------
    InvalidInputError
        Bad seeds or filters (see :func:`services.keyword_lists.discovery.validate`).
    """
    req = discovery.validate(
        seeds, min_volume=min_volume, max_kd=max_kd, intents=intents, limit=limit, live=live
    )
    return jobs.submit("discovery", project_id, req.to_dict(), engine=engine)


def qualify_discovered(engine: Engine, project_id: Any) -> int:
    """Move the keywords of the last succeeded discovery job to ``qualified``; returns count."""
    last = jobs.latest_job(project_id, "discovery", engine=engine)
    if last is None or last.status != "succeeded":
        return 0
    return discovery.qualify(engine, project_id, last.result.get("keywords", []))


def list_view(engine: Engine, project_id: Any) -> ListView:
    """Keywords, clusters, members, hubs and unclustered keywords of the project."""
    return store.list_view(engine, project_id)


def filter_keywords(frame: pd.DataFrame, **filters: Any) -> pd.DataFrame:
    """Rows of ``ListView.keywords`` passing the page's filters (see ``store.filter_keywords``)."""
    return store.filter_keywords(frame, **filters)


def serp_preview(engine: Engine, project_id: Any) -> Preview:
    """SERPs to fetch (not cached) for the pending keywords, their cost and the budget left."""
    from services.keyword_lists.jobs import project_locale
    from services.keyword_lists.serp_store import estimate_serp_cost

    location, language = project_locale(engine, project_id)
    pending = store.load_pending(engine, project_id)["keyword"].tolist()
    n, usd = estimate_serp_cost(engine, pending, location, language)
    return Preview(f"{n:,} SERPs to fetch ≈ ${usd:.2f}", usd, _remaining_usd(engine))


def cluster_params(
    strictness: str,
    singleton_min_volume: int,
    serp_min_shared: int | None,
    use_grouping_hint: bool = False,
    *,
    evidence: bool | None = None,
) -> dict[str, Any]:
    """The job parameters of one clustering run (JSON-ready; stored with the job).

    ``evidence``: use the Parent Keyword / ranking URL / cached SERPs of the data (None =
    the project's setting, on unless switched off; False switches it off for this run).
    """
    from services.clustering.pages import ClusterOptions

    opts = ClusterOptions(
        strictness=strictness,
        singleton_min_volume=int(singleton_min_volume),
        use_grouping_hint=bool(use_grouping_hint),
    )
    return {
        "options": opts.to_dict(),
        "serp": {"min_shared": serp_min_shared} if serp_min_shared else None,
        "evidence": evidence,
    }


def start_clustering(
    engine: Engine,
    project_id: Any,
    *,
    strictness: str,
    singleton_min_volume: int,
    serp_min_shared: int | None = None,
    use_grouping_hint: bool = False,
    evidence: bool | None = None,
) -> uuid.UUID:
    """Queue a clustering job of the project's pending keywords; returns the job id.

    ``evidence`` (default: the project's setting, on): keywords the data shows are one page
    (same Parent Keyword / topic, same ranking URL, cached SERP overlap) share a cluster, and
    each member records which evidence merged it. Recorded in the job's parameters.
    ``use_grouping_hint`` (older runs): the Parent Keyword alone, even with evidence off.
    """
    params = cluster_params(
        strictness, singleton_min_volume, serp_min_shared, use_grouping_hint, evidence=evidence
    )
    return jobs.submit("cluster", project_id, params, engine=engine)


def cluster_inline(
    app: Any,
    project_id: Any,
    *,
    strictness: str,
    singleton_min_volume: int,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Run one clustering of the pending keywords in this process (the CLI's path).

    Returns the same summary a clustering job stores in ``Job.result``.
    """
    from services.keyword_lists.jobs import cluster_job

    params = cluster_params(strictness, singleton_min_volume, None)
    ctx = _InlineContext(app, project_id, params, progress)
    return cluster_job(ctx)


class _InlineContext:
    """A :class:`services.app.jobs.JobContext` stand-in for inline runs (no job row)."""

    def __init__(
        self,
        app: Any,
        project_id: Any,
        params: dict[str, Any],
        progress: Callable[[float, str], None] | None,
    ) -> None:
        from services.core.ids import as_uuid

        self.deps = jobs.deps_from_app(app)
        self.engine = app.engine
        self.project_id = as_uuid(project_id)
        self.params = params
        self.job_id = None
        self._progress = progress

    def progress(self, percent: float, message: str = "") -> None:
        if self._progress is not None:
            self._progress(percent, message)

    def check_cancel(self) -> None:
        return None


def clusters_csv(engine: Engine, project_id: Any) -> bytes:
    """One row per keyword with its cluster, hub, intent and reason (formula-safe CSV)."""
    from services.keyword_lists.export import clusters_csv as _csv

    return _csv(engine, project_id)


def send_hub_to_review(engine: Engine, project_id: Any, hub_id: Any) -> uuid.UUID:
    """Turn a hub into a seed-style cluster on the Cluster Review page; returns its id."""
    from services.keyword_lists.send_to_review import send_hub_to_review as _send

    return _send(engine, project_id, hub_id)


def move_keyword(engine: Engine, project_id: Any, keyword: str, cluster_id: Any | None) -> None:
    """Move a keyword into ``cluster_id`` (None: back to Unclustered)."""
    store.move_keyword(engine, project_id, keyword, cluster_id)


def treemap_rows(view: ListView, **limits: Any) -> pd.DataFrame:
    """Hub → cluster → keyword rows for the treemap (see ``store.treemap_rows``)."""
    return store.treemap_rows(view, **limits)
