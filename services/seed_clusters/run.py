"""One seed funnel run: its providers (:class:`FunnelDeps`), state, the three stages with
their timings and costs, and the saved cluster. Called by
:func:`services.seed_clusters.api.generate_cluster`, which re-exports the public names."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine

from db.models import ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.errors import ProviderError
from services.providers.base import (
    BrandProfile,
    Candidate,
    Embedder,
    ExpansionRequest,
    FilterRequest,
    LLMProvider,
    Usage,
    VolumeProvider,
)
from services.seed_clusters import store
from services.seed_clusters.enrich import VOLUME_FLOOR, run_stage2
from services.seed_clusters.expand import run_stage1
from services.seed_clusters.intents import FunnelEvidence
from services.seed_clusters.results import (
    dataforseo_candidates,
    empty_seed_message,
    result_warnings,
    suggested_seed,
)
from services.seed_clusters.select import MAX_KEEP, MIN_KEEP, Suggestion, run_stage3
from services.spend.usage import record_usage


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
        dataforseo_ideas: also take real keywords from DataForSEO Labs keyword suggestions
            (one more request; the composition root turns it on with DataForSEO and adds its
            price to the estimate shown before the run).
        dataforseo_serps: with DataForSEO on, Stage 3 also compares the Google top 10 of
            the strongest candidates (:mod:`services.seed_clusters.serps`; up to 30 SERPs,
            $0.002 each when not cached, asked of the budget hold first).
    """

    engine: Engine
    llm: LLMProvider
    volume: VolumeProvider | None
    embedder_factory: Callable[[], Embedder] | None = None
    fallback_llm: LLMProvider | None = None
    budget: BudgetPort | None = None
    estimate_usd: Callable[[], float] | None = None
    dataforseo_ideas: bool = False
    dataforseo_serps: bool = False


@dataclass
class ClusterResult:
    """What the New Cluster page shows.

    Attributes:
        success: False when Stage 1 failed (no cluster was created).
        cluster_id: id of the saved ``KeywordCluster`` (None on failure).
        suggestions: up to 12 pages, the parent first (fewer with thin data).
        generation_metadata: per-stage seconds, cost USD and counts (also saved on the cluster).
        warnings: user-facing warnings (e.g. "volume data unavailable: …").
        error: the failure message when ``success`` is False.
        message: why a successful run saved no cluster (no page has search volume and
            ``keep_empty`` was False); None when the cluster was saved.
        suggested_seed: a real keyword to use instead of a seed the data does not hold
            (the highest-demand keyword of the seed's intent), or None.
        notes: what the evidence could not do, for the review (e.g. "SERP evidence was not
            available: …"); also saved as ``generation_metadata["notes"]``.
    """

    success: bool
    cluster_id: uuid.UUID | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    generation_metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    message: str | None = None
    suggested_seed: str | None = None
    notes: list[str] = field(default_factory=list)


def cost_of(usages: list[Usage]) -> float:
    return round(sum(u.cost_usd for u in usages), 6)


@dataclass
class Run:
    """State of one funnel run shared by its stages (usages, metadata, timings)."""

    seed: str
    project_id: uuid.UUID
    deps: FunnelDeps
    notify: Callable[[str, float | None], None]
    usages: list[Usage] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def start_meta(self, estimate: float) -> dict[str, Any]:
        """The generation metadata a run starts with: providers, cost estimate (USD)."""
        return {
            "providers": {
                "llm": getattr(self.deps.llm, "name", ""),
                "volume": getattr(self.deps.volume, "name", None),
            },
            "estimate_usd": round(estimate, 6),
            "stages": {},
        }

    def timed(self, stage: str, t0: float, **data: Any) -> None:
        self.meta["stages"][stage] = {"seconds": round(time.perf_counter() - t0, 4), **data}
        self.notify(stage, self.meta["stages"][stage]["seconds"])


def finish(
    run: Run,
    site: Any,
    stages: tuple[Any, Any, Any],
    in_data: set[str],
    evidence: FunnelEvidence,
    extra_warnings: list[str],
    keep_empty: bool,
    t_start: float,
) -> ClusterResult:
    """Warnings, metadata and the suggested seed (``stages`` = the Stage 1, 2 and 3 outcomes);
    the cluster saved unless it holds no
    search volume and ``keep_empty`` is False (a Stage 2 outage keeps its best effort)."""
    seed, deps, project_id = run.seed, run.deps, run.project_id
    expansion, enriched, filtered = stages
    warnings = extra_warnings + enriched.warnings + filtered.warnings
    warnings = result_warnings(seed, expansion.candidates, in_data, filtered, warnings)
    suggested = suggested_seed(seed, filtered.suggestions, enriched.candidates, in_data)
    run.meta.update(
        site_type=site.site_type,
        score_weights=list(site.weights),
        total_seconds=round(time.perf_counter() - t_start, 4),
        total_cost_usd=cost_of(run.usages),
        warnings=warnings,
        evidence=evidence.columns if evidence.enabled else [],
        suggested_seed=suggested,
    )
    empty = not any(
        g.search_volume is not None or g.demand is not None for g in filtered.suggestions
    )
    if empty and not keep_empty and not enriched.failed:  # an outage keeps its best effort
        save_failed_usage(deps.engine, project_id, run.usages)
        return ClusterResult(
            success=True,
            suggestions=filtered.suggestions,
            generation_metadata=run.meta,
            warnings=warnings,
            message=empty_seed_message(seed, suggested),
            suggested_seed=suggested,
            notes=list(run.meta.get("notes", [])),
        )
    cluster_id = save_cluster(
        deps.engine, project_id, seed, filtered.suggestions, run.meta, run.usages
    )
    return ClusterResult(
        success=True,
        cluster_id=cluster_id,
        suggestions=filtered.suggestions,
        generation_metadata=run.meta,
        warnings=warnings,
        suggested_seed=suggested,
        notes=list(run.meta.get("notes", [])),
    )


def stage1(
    run: Run, brand: BrandProfile
) -> ClusterResult | tuple[Any, list[str], set[str], dict[str, str]]:
    """Stage 1 (expand, plus DataForSEO ideas): (expansion, warnings, in_data, covered), or
    the failed :class:`ClusterResult`."""
    deps, seed, project_id = run.deps, run.seed, run.project_id
    run.notify("expand", None)
    t0 = time.perf_counter()
    try:
        expansion = run_stage1(
            deps.llm, ExpansionRequest(seed=seed, brand=brand, project_id=project_id)
        )
    except ProviderError as exc:
        run.usages += exc.usage
        save_failed_usage(deps.engine, project_id, run.usages)
        return ClusterResult(success=False, error=f"Could not generate suggestions: {exc}")
    run.usages += expansion.usage
    extra, extra_usage, extra_warnings = (
        dataforseo_candidates(
            deps.volume, seed, project_id, {c.keyword for c in expansion.candidates}
        )
        if deps.dataforseo_ideas
        else ([], [], [])
    )
    run.usages += extra_usage
    expansion.candidates.extend(extra)
    keywords = [c.keyword for c in expansion.candidates]
    with session_scope(deps.engine) as s:
        in_data = set(store.imported_metrics(s, project_id, keywords))
        covered = store.approved_coverage(s, project_id)
    covered.update(_site_coverage(deps.engine, project_id, keywords))
    passed_over: dict[str, str] = {}
    for u in expansion.usage:
        passed_over.update(u.metadata.get("passed_over", {}))
    run.timed(
        "expand",
        t0,
        cost_usd=cost_of(expansion.usage + extra_usage),
        candidates=len(expansion.candidates),
        from_keyword_data=sum(1 for c in expansion.candidates if c.keyword in in_data),
        from_dataforseo=len(extra),
        passed_over=[{"keyword": k, "reason": r} for k, r in passed_over.items()],
    )
    return expansion, extra_warnings, in_data, covered


def stage2(run: Run, candidates: list[Candidate]) -> Any:
    """Stage 2: one batch lookup of volume, CPC and competition."""
    run.notify("enrich", None)
    t0 = time.perf_counter()
    enriched = run_stage2(run.deps.volume, candidates, run.project_id)
    run.usages += enriched.usage
    run.timed(
        "enrich",
        t0,
        cost_usd=cost_of(enriched.usage),
        with_volume=sum(1 for c in enriched.candidates if c.search_volume is not None),
        flagged_low_volume=sum(1 for c in enriched.candidates if c.low_volume),
        volume_floor=VOLUME_FLOOR,
        skipped=enriched.skipped,
    )
    return enriched


def evidence_of(
    run: Run, candidates: list[Candidate], covered: dict[str, str], enabled: bool
) -> FunnelEvidence:
    """What the project's data says about the candidates: Parent Keyword, ranking URL
    (the site's rankings, primary keywords and approved pages), Keyword Difficulty, intents."""
    with session_scope(run.deps.engine) as s:
        rows = store.evidence_rows(s, run.project_id, [c.keyword for c in candidates])
    return FunnelEvidence(
        parent_keywords={k: h for k, (h, _, _) in rows.items() if h},
        ranking_urls=dict(covered),
        difficulty={k: kd for k, (_, kd, _) in rows.items() if kd is not None},
        intents={k: i for k, (_, _, i) in rows.items() if i},
        enabled=enabled,
    )


def stage3(
    run: Run,
    brand: BrandProfile,
    enriched: Any,
    site: Any,
    covered: dict[str, str],
    in_data: set[str],
    evidence: FunnelEvidence,
) -> Any:
    """Stage 3: intents, filters, roles, slugs, scores; or the failed :class:`ClusterResult`."""
    deps = run.deps
    run.notify("filter", None)
    t0 = time.perf_counter()
    try:
        filtered = run_stage3(
            deps.llm,
            FilterRequest(
                seed=run.seed,
                brand=brand,
                candidates=tuple(enriched.candidates),
                project_id=run.project_id,
                min_keep=MIN_KEEP,
                max_keep=MAX_KEEP,
                volume_floor=VOLUME_FLOOR,
            ),
            deps.embedder_factory,
            fallback=deps.fallback_llm,
            volume_known=enriched.volume_available,
            site=site,
            covered=covered,
            in_data=in_data,
            evidence=evidence,
        )
    except ProviderError as exc:
        run.usages += exc.usage
        save_failed_usage(deps.engine, run.project_id, run.usages)
        return ClusterResult(success=False, error=f"Could not filter suggestions: {exc}")
    run.usages += filtered.usage
    run.timed(
        "filter",
        t0,
        cost_usd=cost_of(filtered.usage),
        kept=len(filtered.suggestions),
        dropped=[{"keyword": k, "reason": r} for k, r in filtered.dropped],
        merged=[
            {"page": g.keyword, "keyword": k, "reason": r}
            for g in filtered.suggestions
            for k, r in g.merged.items()
        ],
        competition=dict(Counter(g.competition_source for g in filtered.suggestions)),
        provider=filtered.provider,
    )
    return filtered


def save_failed_usage(engine: Engine, project_id: Any, usages: list[Usage]) -> None:
    """Log the calls of a run that created no cluster (billed calls must still count)."""
    if usages:
        with session_scope(engine) as s:
            record_usage(s, usages, project_id=project_id, cluster_id=None)


def save_cluster(
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
            name=store.next_version_name(s, project_id, seed),
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
                    is_approved=sug.preselected,
                    sort_order=order,
                    page_type=sug.page_type,
                    source=sug.source,
                    relevance=sug.relevance,
                    score_parts=dict(sug.score_parts),
                    secondary_keywords=list(sug.secondary_keywords),
                    covered_by=sug.covered_by,
                )
            )
        record_usage(s, usages, project_id=project_id, cluster_id=cluster.id)
        return cluster.id


def _site_coverage(engine: Engine, project_id: uuid.UUID, keywords: list[str]) -> dict[str, str]:
    """Keyword → URL of a page of the site that already ranks for it or holds it as its
    primary keyword (issue 9's rankings and primary keywords)."""
    from services.site.api import covered_by

    return dict(covered_by(engine, project_id, keywords))
