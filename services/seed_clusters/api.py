"""The seed funnel: ``generate_cluster`` runs Stage 1 → 2 → 3 and saves the suggestions.

Owner's spec: ``shared/design/cluster-funnel-spec.md``; design: ``cluster-funnel-design.md``.
Stage 4 (human approval) lives in the Cluster Review page, Stage 5 in
:mod:`services.seed_clusters.approval`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine

from db.models import ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.errors import InvalidInputError, ProviderError
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.providers.base import (
    BrandProfile,
    Embedder,
    ExpansionRequest,
    FilterRequest,
    LLMProvider,
    Usage,
    VolumeProvider,
)
from services.seed_clusters.enrich import VOLUME_FLOOR, run_stage2
from services.seed_clusters.expand import run_stage1
from services.seed_clusters.select import MAX_KEEP, MIN_KEEP, Suggestion, run_stage3
from services.spend.usage import record_usage

#: Stage labels shown by the New Cluster page, in order.
STAGE_LABELS = {
    "expand": "Generating suggestions",
    "enrich": "Checking search volume",
    "filter": "Finalizing results",
}
MAX_SEED_LENGTH = 200


class BudgetPort(Protocol):
    """Reserve an estimate before a paid run, settle the actual cost after (services.spend.budget)."""

    def reserve(self, estimate_usd: float, label: str) -> Any:
        """Hold ``estimate_usd``; raises ``BudgetExceeded`` when it does not fit."""
        ...

    def settle(self, reservation: Any, actual_usd: float) -> None:
        """Replace the hold by the actual cost (0 releases it)."""
        ...


@dataclass
class FunnelDeps:
    """Everything ``generate_cluster`` needs, built by :mod:`services.app.bootstrap`.

    Attributes:
        engine: the database.
        llm: Stage 1 and Stage 3 provider.
        volume: Stage 2 provider; None → "volume data unavailable".
        embedder_factory: returns the shared embedder (lazy, cached by the factory).
        fallback_llm: offline provider used when ``llm`` fails in Stage 3.
        budget: monthly budget guard for paid providers; None when everything is free.
        estimate_usd: returns the estimated cost of one run (USD) for the budget check.
    """

    engine: Engine
    llm: LLMProvider
    volume: VolumeProvider | None
    embedder_factory: Callable[[], Embedder] | None = None
    fallback_llm: LLMProvider | None = None
    budget: BudgetPort | None = None
    estimate_usd: Callable[[], float] | None = None


@dataclass
class ClusterResult:
    """What the New Cluster page shows.

    Attributes:
        success: False when Stage 1 failed (no cluster was created).
        cluster_id: id of the saved ``KeywordCluster`` (None on failure).
        suggestions: 8-12 pages, the parent first.
        generation_metadata: per-stage seconds, cost USD and counts (also saved on the cluster).
        warnings: user-facing warnings (e.g. "volume data unavailable: …").
        error: the failure message when ``success`` is False.
    """

    success: bool
    cluster_id: uuid.UUID | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    generation_metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _cost(usages: list[Usage]) -> float:
    return round(sum(u.cost_usd for u in usages), 6)


def generate_cluster(
    seed_keyword: str,
    brand_config: dict[str, Any] | None,
    project_id: Any,
    *,
    deps: FunnelDeps,
    progress: Callable[[str, float | None], None] | None = None,
) -> ClusterResult:
    """Run the funnel for one seed and persist the suggestions.

    Args:
        seed_keyword: the seed, e.g. "trail running shoes" (normalised; ≤ 200 characters).
        brand_config: the project's brand profile JSON (company_name, products, price_point,
            primary_persona, competitors).
        project_id: owning project.
        deps: providers and database (:class:`FunnelDeps`).
        progress: called as ``progress(stage, seconds)`` — ``seconds`` None when a stage
            starts, its wall time when it ends; stages "expand", "enrich", "filter".

    Returns:
        :class:`ClusterResult`; on a Stage 1 provider failure ``success=False`` with the
        message and no cluster row.

    Raises:
        InvalidInputError: empty or over-long seed.
        BudgetExceeded: the estimate does not fit the monthly budget (nothing was called).
    """
    project_id = as_uuid(project_id)
    seed = normalize_keyword(seed_keyword)
    if not seed:
        raise InvalidInputError("Enter a seed keyword.")
    if len(seed) > MAX_SEED_LENGTH:
        raise InvalidInputError(f"The seed keyword is longer than {MAX_SEED_LENGTH} characters.")
    brand = BrandProfile.from_dict(brand_config)
    notify = progress or (lambda _stage, _seconds: None)

    reservation = None
    estimate = deps.estimate_usd() if deps.estimate_usd else 0.0
    if deps.budget is not None and estimate > 0:
        reservation = deps.budget.reserve(estimate, f"cluster: {seed}")
    usages: list[Usage] = []
    meta: dict[str, Any] = {
        "providers": {
            "llm": getattr(deps.llm, "name", ""),
            "volume": getattr(deps.volume, "name", None),
        },
        "estimate_usd": round(estimate, 6),
        "stages": {},
    }
    t_start = time.perf_counter()
    try:
        # Stage 1 — expand.
        notify("expand", None)
        t0 = time.perf_counter()
        try:
            expansion = run_stage1(
                deps.llm, ExpansionRequest(seed=seed, brand=brand, project_id=project_id)
            )
        except ProviderError as exc:
            usages += exc.usage
            _save_failed_usage(deps.engine, project_id, usages)
            return ClusterResult(success=False, error=f"Could not generate suggestions: {exc}")
        usages += expansion.usage
        meta["stages"]["expand"] = {
            "seconds": round(time.perf_counter() - t0, 4),
            "cost_usd": _cost(expansion.usage),
            "candidates": len(expansion.candidates),
            "from_keyword_data": sum(1 for c in expansion.candidates if c.source == "universe"),
        }
        notify("expand", meta["stages"]["expand"]["seconds"])

        # Stage 2 — enrich (one batch call).
        notify("enrich", None)
        t0 = time.perf_counter()
        enriched = run_stage2(deps.volume, expansion.candidates, project_id)
        usages += enriched.usage
        meta["stages"]["enrich"] = {
            "seconds": round(time.perf_counter() - t0, 4),
            "cost_usd": _cost(enriched.usage),
            "with_volume": sum(1 for c in enriched.candidates if c.search_volume is not None),
            "flagged_low_volume": sum(1 for c in enriched.candidates if c.low_volume),
            "volume_floor": VOLUME_FLOOR,
            "skipped": enriched.skipped,
        }
        notify("enrich", meta["stages"]["enrich"]["seconds"])

        # Stage 3 — filter, roles, slugs, scores.
        notify("filter", None)
        t0 = time.perf_counter()
        try:
            filtered = run_stage3(
                deps.llm,
                FilterRequest(
                    seed=seed,
                    brand=brand,
                    candidates=tuple(enriched.candidates),
                    project_id=project_id,
                    min_keep=MIN_KEEP,
                    max_keep=MAX_KEEP,
                    volume_floor=VOLUME_FLOOR,
                ),
                deps.embedder_factory,
                fallback=deps.fallback_llm,
                volume_known=enriched.volume_available,
            )
        except ProviderError as exc:
            usages += exc.usage
            _save_failed_usage(deps.engine, project_id, usages)
            return ClusterResult(success=False, error=f"Could not filter suggestions: {exc}")
        usages += filtered.usage
        meta["stages"]["filter"] = {
            "seconds": round(time.perf_counter() - t0, 4),
            "cost_usd": _cost(filtered.usage),
            "kept": len(filtered.suggestions),
            "dropped": [{"keyword": k, "reason": r} for k, r in filtered.dropped],
            "provider": filtered.provider,
        }
        notify("filter", meta["stages"]["filter"]["seconds"])
    finally:
        if reservation is not None:
            deps.budget.settle(reservation, _cost(usages))  # type: ignore[union-attr]

    warnings = enriched.warnings + filtered.warnings
    invented = sum(1 for sug in filtered.suggestions if sug.source == "lexicon")
    if invented:
        warnings.append(
            f"{invented} of {len(filtered.suggestions)} pages are modifier ideas that are not in "
            "your keyword data: check their search volume before building them."
        )
    meta["total_seconds"] = round(time.perf_counter() - t_start, 4)
    meta["total_cost_usd"] = _cost(usages)
    meta["warnings"] = warnings
    cluster_id = _save_cluster(deps.engine, project_id, seed, filtered.suggestions, meta, usages)
    return ClusterResult(
        success=True,
        cluster_id=cluster_id,
        suggestions=filtered.suggestions,
        generation_metadata=meta,
        warnings=warnings,
    )


def _save_failed_usage(engine: Engine, project_id: Any, usages: list[Usage]) -> None:
    """Log the calls of a run that created no cluster (billed calls must still count)."""
    if usages:
        with session_scope(engine) as s:
            record_usage(s, usages, project_id=project_id, cluster_id=None)


def _save_cluster(
    engine: Engine,
    project_id: Any,
    seed: str,
    suggestions: list[Suggestion],
    meta: dict[str, Any],
    usages: list[Usage],
) -> uuid.UUID:
    """One transaction: the cluster, its pages and the APIUsage rows of the run."""
    with session_scope(engine) as s:
        cluster = KeywordCluster(
            project_id=project_id,
            seed_keyword=seed,
            name=seed,
            status="suggestions_ready",
            generation_metadata=meta,
        )
        s.add(cluster)
        s.flush()
        for order, sug in enumerate(suggestions):
            s.add(
                ClusterPage(
                    cluster_id=cluster.id,
                    keyword=sug.keyword,
                    role=sug.role,
                    url_slug=sug.url_slug,
                    expansion_strategy=sug.expansion_strategy,
                    reasoning=sug.reasoning,
                    search_volume=sug.search_volume,
                    cpc=sug.cpc,
                    competition=sug.competition,
                    competition_level=sug.competition_level,
                    composite_score=sug.composite_score,
                    is_approved=False,
                    sort_order=order,
                )
            )
        record_usage(s, usages, project_id=project_id, cluster_id=cluster.id)
        return cluster.id
