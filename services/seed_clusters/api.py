"""The seed funnel: ``generate_cluster`` runs Stage 1 → 2 → 3 and saves the suggestions.

Owner's spec: ``shared/design/cluster-funnel-spec.md``; design: ``cluster-funnel-design.md``.
Stage 4 (human approval) lives in the Cluster Review page, Stage 5 in
:mod:`services.seed_clusters.approval`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from db.models import KeywordCluster, Project
from db.models.core import utcnow
from db.session import session_scope
from services.core.app_settings import PROJECT_EVIDENCE_KEY, project_uses_evidence
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.lazy import by_module, lazy_exports
from services.core.text import normalize_keyword
from services.providers.base import (
    BrandProfile,
)

if TYPE_CHECKING:
    from services.seed_clusters.results import (  # noqa: F401  (re-exported names)
        DATAFORSEO_SUGGESTIONS,
        THIN_DATA_BELOW,
        dataforseo_candidates,
        empty_seed_message,
        result_warnings,
        suggested_seed,
        thin_data_message,
    )
    from services.seed_clusters.run import (  # noqa: F401  (re-exported)
        BudgetPort,
        ClusterResult,
        FunnelDeps,
        Run,
        cost_of,
        evidence_of,
        finish,
        stage1,
        stage2,
        stage3,
    )

#: Re-exported names, imported from their module on first use (they load pandas;
#: :mod:`services.core.lazy`): the facade's own imports stay light, so the pages importing
#: :func:`validate_seed` or :func:`set_cluster_archived` load none of it. A new name goes
#: under ``TYPE_CHECKING`` and here.
_EXPORTS = by_module(
    {
        "services.seed_clusters.results": (
            "DATAFORSEO_SUGGESTIONS",
            "THIN_DATA_BELOW",
            "dataforseo_candidates",
            "empty_seed_message",
            "result_warnings",
            "suggested_seed",
            "thin_data_message",
        ),
        "services.seed_clusters.run": (
            "BudgetPort",
            "ClusterResult",
            "FunnelDeps",
            "Run",
            "cost_of",
            "evidence_of",
            "finish",
            "stage1",
            "stage2",
            "stage3",
        ),
    }
)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

#: Stage labels shown by the New Cluster page, in order.
STAGE_LABELS = {
    "expand": "Generating suggestions",
    "enrich": "Checking search volume",
    "filter": "Finalizing results",
}
MAX_SEED_LENGTH = 200
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


def generate_cluster(
    seed_keyword: str,
    brand_config: dict[str, Any] | None,
    project_id: Any,
    *,
    deps: FunnelDeps,
    progress: Callable[[str, float | None], None] | None = None,
    keep_empty: bool = False,
    use_evidence: bool | None = None,
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
        keep_empty: save the cluster even when no page has a search volume from any source
            (default False: such a seed is not saved; the result carries a message and
            ``suggested_seed``). A Stage 2 outage still saves the best-effort result (spec).
        use_evidence: group wordings by the data's Parent Keyword and ranking URL when the
            project has them, and by SERP overlap with DataForSEO on
            (``deps.dataforseo_serps``, :mod:`services.seed_clusters.serps`); None (default) = the project's switch
            (``brand_config["use_evidence"]``, :func:`evidence_enabled`; on unless switched
            off); False = the same-search text rules only.

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
    from services.seed_clusters import store
    from services.seed_clusters.run import (
        ClusterResult,
        Run,
        cost_of,
        evidence_of,
        finish,
        stage1,
        stage2,
        stage3,
    )
    from services.seed_clusters.serps import serp_stage

    project_id = as_uuid(project_id)
    seed = validate_seed(seed_keyword)
    with session_scope(deps.engine) as s:
        site = store.with_site_sections(s, project_id, store.site_settings(s, project_id))
    brand = BrandProfile.from_dict(brand_config)
    run = Run(seed, project_id, deps, progress or (lambda _stage, _seconds: None))
    estimate = deps.estimate_usd() if deps.estimate_usd else 0.0
    reservation = None
    if deps.budget is not None and estimate > 0:
        reservation = deps.budget.reserve(estimate, f"cluster: {seed}")
    run.meta = run.start_meta(estimate)
    t_start = time.perf_counter()
    try:
        first = stage1(run, brand)
        if isinstance(first, ClusterResult):
            return first
        expansion, extra_warnings, in_data, covered = first
        enriched = stage2(run, expansion.candidates)
        if use_evidence is None:
            use_evidence = evidence_enabled(deps.engine, project_id)
        evidence = evidence_of(run, enriched.candidates, covered, use_evidence)
        evidence = serp_stage(run, brand, site.site_type, enriched.candidates, evidence)
        filtered = stage3(run, brand, enriched, site, covered, in_data, evidence)
        if isinstance(filtered, ClusterResult):
            return filtered
    finally:
        if reservation is not None:
            deps.budget.settle(reservation, cost_of(run.usages))  # type: ignore[union-attr]
    stages = (expansion, enriched, filtered)
    return finish(run, site, stages, in_data, evidence, extra_warnings, keep_empty, t_start)


def _project(s: Any, project_id: Any) -> Project:
    project = s.get(Project, as_uuid(project_id))
    if project is None:
        raise NotFoundError("Project not found.")
    return project


def evidence_enabled(engine: Engine, project_id: Any) -> bool:
    """Whether the project groups keywords by the data's evidence (Parent Keyword, ranking
    URL, SERP overlap) on top of the same-search text rules; on unless switched off
    (``brand_config[PROJECT_EVIDENCE_KEY]``, the key list clustering reads too).

    Raises:
        NotFoundError: unknown project.
    """
    with session_scope(engine) as s:
        return project_uses_evidence(_project(s, project_id).brand_config)


def set_evidence_enabled(engine: Engine, project_id: Any, enabled: bool) -> None:
    """Switch the project's use of evidence on or off (:func:`evidence_enabled`).

    Raises:
        NotFoundError: unknown project.
    """
    with session_scope(engine) as s:
        project = _project(s, project_id)
        project.brand_config = {**(project.brand_config or {}), PROJECT_EVIDENCE_KEY: bool(enabled)}


def clusters_for_seed(engine: Engine, project_id: Any, seed_keyword: str) -> list[dict[str, Any]]:
    """Live clusters of the project already made from this seed, newest first
    (id, name, status, created_at); [] for an invalid seed."""
    try:
        seed = validate_seed(seed_keyword)
    except InvalidInputError:
        return []
    from services.seed_clusters import store

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
