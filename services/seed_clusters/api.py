"""The seed funnel: ``generate_cluster`` runs Stage 1 → 2 → 3 and saves the suggestions.

Owner's spec: ``shared/design/cluster-funnel-spec.md``; design: ``cluster-funnel-design.md``.
Stage 4 (human approval) lives in the Cluster Review page, Stage 5 in
:mod:`services.seed_clusters.approval`.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine

from db.models import ClusterPage, KeywordCluster
from db.models.core import utcnow
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError, ProviderError
from services.core.ids import as_uuid
from services.core.text import content_tokens, normalize_keyword
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
from services.providers.dataforseo import SUGGESTIONS_PER_RUN
from services.seed_clusters import store
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
#: Stage 1 sources that are real keywords (the seed counts as the user's own).
REAL_SOURCES = frozenset(["data", "universe", "dataforseo", "seed"])
#: Fewer real candidates than this → the thin-data message (issue 8; shown when no LLM
#: proposes ideas, since the message's way out is switching one on).
THIN_DATA_BELOW = 8
#: DataForSEO Labs keyword suggestions asked for per run (one request; price per item).
DATAFORSEO_SUGGESTIONS = SUGGESTIONS_PER_RUN
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def validate_seed(seed_keyword: str) -> str:
    """The normalised seed, or the error to show at the seed input.

    Raises:
        InvalidInputError: empty, longer than :data:`MAX_SEED_LENGTH` characters, or without
            a letter ("123", "!!!").
    """
    seed = normalize_keyword(seed_keyword)
    if not seed:
        raise InvalidInputError("Enter a seed keyword.")
    if len(seed) > MAX_SEED_LENGTH:
        raise InvalidInputError(
            f"The seed keyword has {len(seed)} characters; use at most {MAX_SEED_LENGTH} "
            "(a seed is a short search phrase such as 'trail running shoes')."
        )
    if not _LETTER.search(seed):
        raise InvalidInputError(
            "The seed keyword needs at least one letter (e.g. 'trail running shoes')."
        )
    return seed


def thin_data_message(count: int, seed: str) -> str:
    """The message shown when fewer than :data:`THIN_DATA_BELOW` real keywords qualify."""
    noun = "keyword" if count == 1 else "keywords"
    return (
        f"Only {count} {noun} for '{seed}' in this project's data — import a "
        "Semrush/Ahrefs/Keyword Planner export for this seed, or switch on DataForSEO or an "
        "LLM in Settings."
    )


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
    """

    engine: Engine
    llm: LLMProvider
    volume: VolumeProvider | None
    embedder_factory: Callable[[], Embedder] | None = None
    fallback_llm: LLMProvider | None = None
    budget: BudgetPort | None = None
    estimate_usd: Callable[[], float] | None = None
    dataforseo_ideas: bool = False


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

    Every run makes a new cluster; a seed run before gets "seed (v2)", "seed (v3)"… (the
    New Cluster page asks first, with :func:`clusters_for_seed`).

    Raises:
        InvalidInputError: empty or over-long seed, or a seed without letters.
        NotFoundError: unknown project.
        BudgetExceeded: the estimate does not fit the monthly budget (nothing was called).
    """
    project_id = as_uuid(project_id)
    seed = validate_seed(seed_keyword)
    with session_scope(deps.engine) as s:
        site = store.site_settings(s, project_id)
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
        extra, extra_usage, extra_warnings = (
            _dataforseo_candidates(
                deps.volume, seed, project_id, {c.keyword for c in expansion.candidates}
            )
            if deps.dataforseo_ideas
            else ([], [], [])
        )
        usages += extra_usage
        expansion.candidates.extend(extra)
        keywords = [c.keyword for c in expansion.candidates]
        with session_scope(deps.engine) as s:
            in_data = set(store.imported_metrics(s, project_id, keywords))
            covered = store.approved_coverage(s, project_id)
        covered.update(_site_coverage(deps.engine, project_id, keywords))
        real_children = {
            c.keyword
            for c in expansion.candidates[1:]
            if c.keyword in in_data or c.source == "dataforseo"
        }
        passed_over: dict[str, str] = {}
        for u in expansion.usage:
            passed_over.update(u.metadata.get("passed_over", {}))
        meta["stages"]["expand"] = {
            "seconds": round(time.perf_counter() - t0, 4),
            "cost_usd": _cost(expansion.usage + extra_usage),
            "candidates": len(expansion.candidates),
            "from_keyword_data": sum(1 for c in expansion.candidates if c.keyword in in_data),
            "from_dataforseo": len(extra),
            "passed_over": [{"keyword": k, "reason": r} for k, r in passed_over.items()],
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
                site=site,
                covered=covered,
                in_data=in_data,
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

    warnings = extra_warnings + enriched.warnings + filtered.warnings
    llm_ideas = any(c.source not in REAL_SOURCES for c in expansion.candidates[1:])
    if len(real_children) < THIN_DATA_BELOW and not llm_ideas:
        warnings.insert(0, thin_data_message(len(real_children), seed))
    no_volume = [
        g for g in filtered.suggestions if g.source == "llm_idea" and g.search_volume is None
    ]
    if no_volume:
        warnings.append(
            f"{len(no_volume)} of {len(filtered.suggestions)} pages are LLM ideas without "
            "search volume: shown as such and not pre-selected."
        )
    covered_pages = [g for g in filtered.suggestions if g.covered_by]
    if covered_pages:
        warnings.append(
            f"{len(covered_pages)} suggested pages target keywords an approved page already "
            "covers; they are flagged and not pre-selected."
        )
    meta["site_type"] = site.site_type
    meta["score_weights"] = list(site.weights)
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


def _dataforseo_candidates(
    volume: VolumeProvider | None, seed: str, project_id: uuid.UUID, known: set[str]
) -> tuple[list[Candidate], list[Usage], list[str]]:
    """Real keywords from DataForSEO Labs keyword suggestions (one request) when DataForSEO
    is the volume source: those carrying every head term of the seed, with their metrics.

    Returns:
        (candidates with ``source="dataforseo"`` and metrics filled, usage, warnings); empty
        when the volume source is not DataForSEO. A failed request is a warning, not a failure.
    """
    suggest = getattr(volume, "keyword_suggestions", None)
    if suggest is None:
        return [], [], []
    try:
        result = suggest(seed, project_id=project_id, limit=DATAFORSEO_SUGGESTIONS)
    except ProviderError as exc:
        return [], list(exc.usage), [f"DataForSEO keyword suggestions unavailable: {exc}"]
    heads = set(content_tokens(seed))
    out = []
    for kw, data in result.data.items():
        kw = normalize_keyword(kw)
        if kw in known or not heads <= set(content_tokens(kw)):
            continue
        known.add(kw)
        volume_text = f"{data.search_volume:,}" if data.search_volume is not None else "unknown"
        out.append(
            Candidate(
                keyword=kw,
                expansion_strategy="other modifier",
                rationale=f"DataForSEO keyword suggestion: {volume_text} searches/month.",
                estimated_intent=(data.intent or "commercial").split(",")[0],
                source="dataforseo",
                search_volume=data.search_volume,
                cpc=data.cpc,
                competition=data.competition,
                competition_level=data.competition_level,
            )
        )
    return out, list(result.usage), []


def _site_coverage(engine: Engine, project_id: uuid.UUID, keywords: list[str]) -> dict[str, str]:
    """Keyword → URL of a page of the site that already ranks for it or holds it as its
    primary keyword (issue 9's rankings and primary keywords)."""
    from services.site.api import covered_by

    return dict(covered_by(engine, project_id, keywords))


def clusters_for_seed(engine: Engine, project_id: Any, seed_keyword: str) -> list[dict[str, Any]]:
    """Live clusters of the project already made from this seed, newest first
    (id, name, status, created_at); [] for an invalid seed."""
    try:
        seed = validate_seed(seed_keyword)
    except InvalidInputError:
        return []
    with session_scope(engine) as s:
        return store.clusters_for_seed(s, as_uuid(project_id), seed)


def set_cluster_archived(engine: Engine, cluster_id: Any, archived: bool) -> None:
    """Archive (hide from Clusters, Cluster Review and the dashboard) or restore a cluster.

    Raises:
        NotFoundError: unknown cluster.
    """
    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id))
        if cluster is None:
            raise NotFoundError("Cluster not found.")
        cluster.archived_at = utcnow() if archived else None
