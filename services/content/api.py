"""Content drafts: what pages, jobs and the CLI call (each function is one unit of work).

Flow per approved cluster (issue 10): :func:`generate_briefs` (offline, from data) →
:func:`drafts_preview` + :func:`start_drafts` (a background job of kind "drafts") or
:func:`run_drafts` (the job's body; per-page failures recorded, retry of failed pages only)
→ edits (:func:`save_draft`, :func:`set_status`) → outputs (:func:`workbook_xlsx`,
:func:`workbook_csvs`, :func:`matrixify_csv`); WordPress publishing is in
:mod:`services.content.publish`.
Statuses: brief → drafted → edited → approved → published; failed carries its message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.models import KeywordCluster, Project
from db.models.content import CONTENT_STATUSES, ContentPage
from db.session import session_scope
from services.content import matrixify, spreadsheet, store
from services.content.briefs import Brief, build_brief
from services.content.drafts import DraftResult, generate_draft, offline_skeleton
from services.content.links import (
    LinkNode,
    RankingIndex,
    links_by_page,
    plan_links,
    ranking_links,
)
from services.content.outline import QuestionIndex
from services.core.errors import BudgetExceeded, InvalidInputError, NotFoundError, ProviderError
from services.core.ids import as_uuid
from services.providers.base import BrandProfile, StructuredGenerator
from services.spend.budget import BudgetGuard, BudgetStatus, CostEstimate, estimate_drafts_cost
from services.spend.usage import record_usage

#: Draft fields a user may edit on the page (social posts under "social").
EDITABLE_DRAFT_FIELDS = ("title", "meta_description", "h1", "body_html")
EDITABLE_BRIEF_FIELDS = ("title", "meta_description", "h1", "cta")
SOCIAL_FIELDS = ("facebook", "linkedin", "x", "google_business_profile")
#: Statuses a user may set by hand (the others follow from generation and publishing).
MANUAL_STATUSES = ("edited", "approved")
#: Progress callback: ``progress(done, total, message)``; may raise ``JobCancelled``.
Progress = Callable[[int, int, str], None]


#: Scope prefix of a project's own (onboarded) pages outside the seed clusters.
SITE_PREFIX = "site:"
SITE_LABEL = "Site pages (onboarded, approved primaries)"


def site_scope(project_id: Any) -> str:
    """The scope id of a project's onboarded pages, used wherever a cluster id is taken."""
    return f"{SITE_PREFIX}{as_uuid(project_id)}"


def _resolve(s: Any, scope: Any) -> tuple[KeywordCluster | None, Project]:
    """(cluster or None for the site scope, project) of a scope id.

    Raises
    ------
    NotFoundError
        Unknown cluster or project.
    """
    if isinstance(scope, str) and scope.startswith(SITE_PREFIX):
        return None, store.get_project(s, scope[len(SITE_PREFIX) :])
    cluster = store.get_cluster(s, scope)
    return cluster, store.get_project(s, cluster.project_id)


def approved_clusters(engine: Engine, project_id: Any) -> list[tuple[str, str]]:
    """``(scope id, name)`` of the project's clusters with approved pages, newest first, then
    the site scope (:func:`site_scope`) when onboarded pages have approved primaries."""
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        out = [(str(cid), name) for cid, name in store.approved_clusters(s, pid)]
        if store.has_site_pages(s, pid):
            out.append((site_scope(pid), SITE_LABEL))
        return out


def require_cluster(engine: Engine, project_id: Any, cluster_id: Any) -> None:
    """Check that ``cluster_id`` (or a site scope) belongs to ``project_id``.

    Raises
    ------
    NotFoundError
        Unknown cluster, or one of another project.
    """
    with session_scope(engine) as s:
        _cluster, project = _resolve(s, cluster_id)
        if project.id != as_uuid(project_id):
            raise NotFoundError("This cluster belongs to another project.")


# --------------------------------------------------------------------------- briefs
@dataclass
class BriefsReport:
    """What :func:`generate_briefs` did (counts of pages)."""

    created: int
    regenerated: int

    @property
    def pages(self) -> int:
        """Briefs written."""
        return self.created + self.regenerated


def generate_briefs(engine: Engine, cluster_id: Any) -> BriefsReport:
    """Build (or rebuild) the brief of every approved page of a cluster, offline.

    ``cluster_id`` may also be a :func:`site_scope`: the onboarded site's approved pages
    outside the clusters (no parent: links go to the 2-3 most related pages).

    A rebuilt brief keeps the previous one in ``content_versions``; drafts and statuses
    are left as they are (a failed page without a draft goes back to "brief").

    Raises
    ------
    NotFoundError
        Unknown cluster.
    InvalidInputError
        The cluster has no approved pages yet (bulk-approve first).
    """
    with session_scope(engine) as s:
        cluster, project = _resolve(s, cluster_id)
        cid = cluster.id if cluster is not None else None
        pages = store.approved_pages(s, cluster) if cluster else store.site_pages(s, project)
        if not pages:
            raise InvalidInputError(
                "This cluster has no approved pages yet: approve it on Cluster Review first."
                if cluster
                else "The site has no approved primary keywords yet."
            )
        brand = BrandProfile.from_dict(project.brand_config).company_name
        questions = QuestionIndex(store.project_keywords(s, project.id))
        nodes = [
            LinkNode(p.page_id, p.primary_keyword, p.url, p.role, p.search_volume) for p in pages
        ]
        ranking = RankingIndex(store.ranking_rows(s, project.id))
        links = links_by_page(plan_links(nodes) + ranking_links(nodes, ranking))
        parent = next((p.primary_keyword for p in pages if p.role == "parent"), None)
        serps = store.cached_serps(s, project, [p.primary_keyword for p in pages])
        existing = store.content_by_page(s, [uuid.UUID(p.page_id) for p in pages])
        created = regenerated = 0
        for page in pages:
            brief = build_brief(
                page,
                brand_name=brand,
                questions=questions.carrying(page.primary_keyword),
                links=links.get(page.page_id),
                parent_keyword=parent if page.role != "parent" else None,
                serp=serps.get(page.primary_keyword, ()),
            )
            row = existing.get(uuid.UUID(page.page_id))
            if row is None:
                s.add(
                    ContentPage(
                        project_id=project.id,
                        crawled_page_id=uuid.UUID(page.page_id),
                        cluster_id=cid,
                        primary_keyword=brief.primary_keyword,
                        page_type=brief.page_type,
                        status="brief",
                        brief=brief.to_dict(),
                        draft={},
                    )
                )
                created += 1
                continue
            store.keep_version(s, row, "brief")
            row.brief = brief.to_dict()
            row.page_type = brief.page_type
            row.primary_keyword = brief.primary_keyword
            row.cluster_id = cid
            if row.status == "failed" and not row.draft:
                row.status, row.error = "brief", None
            regenerated += 1
        return BriefsReport(created=created, regenerated=regenerated)


# --------------------------------------------------------------------------- reading
@dataclass
class ContentView:
    """One page's brief and draft as the page shows them (a detached copy)."""

    id: uuid.UUID
    primary_keyword: str
    page_type: str
    status: str
    error: str | None
    brief: dict[str, Any]
    draft: dict[str, Any]
    model: str | None
    prompt_version: str | None
    cost_usd: float
    wp_post_id: int | None
    wp_url: str | None
    versions: int = 0

    def record(self) -> dict[str, Any]:
        """The mapping :mod:`spreadsheet` and :mod:`matrixify` read."""
        return asdict(self)


def _view(row: ContentPage, versions: int = 0) -> ContentView:
    return ContentView(
        id=row.id,
        primary_keyword=row.primary_keyword,
        page_type=row.page_type,
        status=row.status,
        error=row.error,
        brief=dict(row.brief or {}),
        draft=dict(row.draft or {}),
        model=row.model,
        prompt_version=row.prompt_version,
        cost_usd=float(row.cost_usd or 0.0),
        wp_post_id=row.wp_post_id,
        wp_url=row.wp_url,
        versions=versions,
    )


def list_content(engine: Engine, cluster_id: Any) -> list[ContentView]:
    """Every content record of a cluster, parent first (empty before briefs exist)."""
    with session_scope(engine) as s:
        cluster, project = _resolve(s, cluster_id)
        rows = store.content_pages(s, cluster.id if cluster else None, project.id)
        return [_view(r) for r in rows]


def content_table(views: Sequence[ContentView]) -> pd.DataFrame:
    """Overview table: keyword, type, status, title, URL, cost (USD), error."""
    return pd.DataFrame(
        [
            {
                "keyword": v.primary_keyword,
                "type": v.page_type,
                "status": v.status,
                "title": (v.draft or v.brief).get("title", ""),
                "url": v.brief.get("url", ""),
                "cost_usd": round(v.cost_usd, 4),
                "error": v.error or "",
            }
            for v in views
        ],
        columns=["keyword", "type", "status", "title", "url", "cost_usd", "error"],
    )


def get_content(engine: Engine, content_id: Any) -> ContentView:
    """One page's brief and draft (with the number of kept versions).

    Raises
    ------
    NotFoundError
        Unknown id.
    """
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        return _view(row, len(store.versions(s, row.id)))


# --------------------------------------------------------------------------- edits
def save_brief(engine: Engine, content_id: Any, edits: dict[str, Any]) -> ContentView:
    """Save edits of the brief's title, meta description, H1 and CTA (others ignored)."""
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        brief = dict(row.brief or {})
        brief.update({k: str(v) for k, v in edits.items() if k in EDITABLE_BRIEF_FIELDS})
        row.brief = brief
        return _view(row)


def save_draft(engine: Engine, content_id: Any, edits: dict[str, Any]) -> ContentView:
    """Save edits of the draft (title, meta, H1, body, social posts); status → edited.

    Raises
    ------
    InvalidInputError
        The page has no written draft yet (an outline skeleton is not editable copy).
    """
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        if (row.draft or {}).get("kind") != "llm":
            raise InvalidInputError("Generate the draft before editing it.")
        draft = dict(row.draft)
        draft.update({k: str(v) for k, v in edits.items() if k in EDITABLE_DRAFT_FIELDS})
        social = dict(draft.get("social") or {})
        social.update(
            {k: str(v) for k, v in (edits.get("social") or {}).items() if k in SOCIAL_FIELDS}
        )
        draft["social"] = social
        if draft != row.draft:
            row.draft = draft
            if row.status in ("drafted", "approved", "published"):
                row.status = "edited"
        return _view(row)


def set_status(engine: Engine, content_id: Any, status: str) -> ContentView:
    """Mark a drafted page edited or approved.

    Raises
    ------
    InvalidInputError
        Status not settable by hand, or the page has no written draft.
    """
    if status not in MANUAL_STATUSES:
        raise InvalidInputError(f"Status must be one of {', '.join(MANUAL_STATUSES)}.")
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        if (row.draft or {}).get("kind") != "llm":
            raise InvalidInputError("Only a written draft can be edited or approved.")
        row.status = status
        return _view(row)


# --------------------------------------------------------------------------- drafts
@dataclass
class DraftsPreview:
    """Shown before a drafts batch: pages, model, estimate next to the budget left."""

    pages: int
    model: str
    estimate: CostEstimate
    budget: BudgetStatus | None

    @property
    def is_offline(self) -> bool:
        """True when no LLM is connected (outline skeletons only, $0)."""
        return self.model == "offline"

    @property
    def fits(self) -> bool:
        """True when the estimate fits the budget left (always offline)."""
        if self.budget is None:
            return True
        return self.estimate.total_usd <= self.budget.remaining_usd + 1e-9

    @property
    def message(self) -> str:
        """One line for the page and the CLI."""
        if self.is_offline:
            return (
                f"{self.pages} page(s): no LLM connected — outline skeletons only "
                "(connect an LLM in Settings to draft the text)."
            )
        left = self.budget.remaining_usd if self.budget else 0.0
        return (
            f"{self.pages} page(s) on {self.model}: estimated ${self.estimate.total_usd:.4f}"
            f" · ${left:.2f} left this month"
        )


def _site_type(project: Any) -> str:
    """The project's site type as the prompts name it ("Shopify store"…), "" when unset."""
    from services.core.slugs import SITE_TYPE_LABELS

    kind = str(getattr(project, "site_type", "") or "")
    return SITE_TYPE_LABELS.get(kind, kind)


def _model_of(llm: StructuredGenerator | None) -> str:
    if llm is None:
        return "offline"
    return str(getattr(llm, "active_model", getattr(llm, "model", llm.name)))


def _targets(s: Any, scope: Any, only_failed: bool) -> list[ContentPage]:
    cluster, project = _resolve(s, scope)
    rows = store.content_pages(s, cluster.id if cluster else None, project.id)
    wanted = ("failed",) if only_failed else ("brief", "failed")
    return [r for r in rows if r.status in wanted]


def drafts_preview(
    engine: Engine, cluster_id: Any, llm: StructuredGenerator | None, *, only_failed: bool = False
) -> DraftsPreview:
    """Pages a batch would draft (status brief or failed; failed only on retry) and its cost."""
    with session_scope(engine) as s:
        n = len(_targets(s, cluster_id, only_failed))
    model = _model_of(llm)
    budget = None if llm is None else BudgetGuard(engine).status()
    return DraftsPreview(
        pages=n, model=model, estimate=estimate_drafts_cost(model, n), budget=budget
    )


@dataclass
class DraftsReport:
    """What a drafts batch did."""

    drafted: int = 0
    failed: int = 0
    skeletons: int = 0
    cost_usd: float = 0.0
    failures: dict[str, str] = field(default_factory=dict)  # keyword → reason
    stopped: str = ""  # why the batch stopped early (budget), "" when it ran to the end

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (job result), with a one-line ``message``."""
        out = asdict(self)
        out["message"] = (
            f"{self.drafted} drafted, {self.failed} failed, {self.skeletons} outline "
            f"skeleton(s); ${self.cost_usd:.4f}"
            + (f"; stopped: {self.stopped}" if self.stopped else "")
        )
        return out


def run_drafts(
    engine: Engine,
    cluster_id: Any,
    llm: StructuredGenerator | None,
    *,
    only_failed: bool = False,
    site_type: str = "",
    budget: BudgetGuard | None = None,
    progress: Progress | None = None,
) -> DraftsReport:
    """Draft every page of a cluster with status brief (or failed; only failed on retry).

    Without an LLM each page gets an outline skeleton (status stays "brief"). With one, the
    batch's estimate is reserved against the monthly budget first; each page then runs the
    three calls outside any transaction and is saved on its own: a failure marks that page
    "failed" with the reason and the batch goes on. Usage rows are written for every billed
    call, failed ones included; the reservation is settled with the actual cost at the end,
    also when the job is cancelled. A budget top-up refused before a call (the run meter of
    :mod:`services.spend.meter`) fails that page and stops the batch (``report.stopped``);
    the prompts name the project's site type unless ``site_type`` is given.

    Parameters
    ----------
    progress : callable, optional
        ``progress(done, total, message)`` before each page; raising ``JobCancelled`` stops
        the batch (pages done so far are kept).

    Raises
    ------
    BudgetExceeded
        The estimate does not fit the budget; nothing was called.
    NotFoundError
        Unknown cluster.
    """
    with session_scope(engine) as s:
        cluster, project = _resolve(s, cluster_id)
        cid = cluster.id if cluster is not None else None
        brand = BrandProfile.from_dict(project.brand_config)
        site_type = site_type or _site_type(project)
        project_id = project.id
        targets = [
            (r.id, r.primary_keyword, Brief.from_dict(r.brief))
            for r in _targets(s, cluster_id, only_failed)
        ]
    report = DraftsReport()
    if llm is None:
        with session_scope(engine) as s:
            for content_id, _kw, brief in targets:
                row = store.get_content(s, content_id)
                row.draft = offline_skeleton(brief)
                row.status, row.error = "brief", None
                report.skeletons += 1
        return report
    model = _model_of(llm)
    reservation = None
    if budget is not None and targets:
        estimate = estimate_drafts_cost(model, len(targets)).total_usd
        reservation = budget.reserve(estimate, f"drafts: {len(targets)} page(s)")
    try:
        for i, (content_id, keyword, brief) in enumerate(targets):
            if progress is not None:
                progress(i, len(targets), f"Drafting {i + 1}/{len(targets)}: {keyword}")
            result: DraftResult | None = None
            error: ProviderError | None = None
            try:
                result = generate_draft(llm, brief, brand, site_type=site_type)
            except ProviderError as exc:
                error = exc
            _save_result(engine, content_id, project_id, cid, result, error, report, keyword)
            if isinstance(error, BudgetExceeded):  # a refused top-up: the rest would be too
                report.stopped = str(error)
                break
        if progress is not None:
            progress(len(targets), len(targets), report.to_dict()["message"])
    finally:
        if budget is not None and reservation is not None:
            budget.settle(reservation, report.cost_usd)
    return report


def _save_result(
    engine: Engine,
    content_id: uuid.UUID,
    project_id: uuid.UUID,
    cluster_id: uuid.UUID | None,
    result: DraftResult | None,
    error: ProviderError | None,
    report: DraftsReport,
    keyword: str,
) -> None:
    """Save one page's draft, or its failure, with its usage rows (one transaction)."""
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        if result is not None:
            report.cost_usd += record_usage(
                s, result.usage, project_id=project_id, cluster_id=cluster_id
            )
            if (row.draft or {}).get("kind") == "llm":
                store.keep_version(s, row, "draft")
            row.draft = result.draft
            row.status, row.error = "drafted", None
            row.model, row.prompt_version = result.model, result.prompt_version
            row.cost_usd = result.cost_usd
            report.drafted += 1
        elif error is not None:
            report.cost_usd += record_usage(
                s, list(getattr(error, "usage", [])), project_id=project_id, cluster_id=cluster_id
            )
            row.status, row.error = "failed", str(error)[:2000]
            report.failed += 1
            report.failures[keyword] = str(error)[:500]


def regenerate_draft(
    engine: Engine,
    content_id: Any,
    llm: StructuredGenerator,
    *,
    site_type: str = "",
    budget: BudgetGuard | None = None,
) -> ContentView:
    """Draft one page again; the previous draft is kept in ``content_versions``.

    Like a batch of one: the page's estimate is reserved against the monthly budget first
    (``budget``, default a :class:`BudgetGuard` on ``engine``) and settled with the actual
    cost afterwards.

    Raises
    ------
    BudgetExceeded
        The estimate does not fit the budget; nothing was called.
    ProviderError
        The calls failed (the page is marked failed with the reason; its draft is kept).
    """
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        project = store.get_project(s, row.project_id)
        brand = BrandProfile.from_dict(project.brand_config)
        site_type = site_type or _site_type(project)
        brief = Brief.from_dict(row.brief)
        ids = (row.id, row.project_id, row.cluster_id, row.primary_keyword)
    guard = budget or BudgetGuard(engine)
    reservation = guard.reserve(
        estimate_drafts_cost(_model_of(llm), 1).total_usd, f"draft: {ids[3]}"[:200]
    )
    report = DraftsReport()
    try:
        try:
            result = generate_draft(llm, brief, brand, site_type=site_type)
        except ProviderError as exc:
            _save_result(engine, ids[0], ids[1], ids[2], None, exc, report, ids[3])
            raise
        _save_result(engine, ids[0], ids[1], ids[2], result, None, report, ids[3])
    finally:
        guard.settle(reservation, report.cost_usd)
    return get_content(engine, ids[0])


def start_drafts(
    engine: Engine,
    project_id: Any,
    cluster_id: Any,
    llm: StructuredGenerator | None,
    *,
    only_failed: bool = False,
) -> uuid.UUID:
    """Check the preview against the budget and queue a "drafts" job.

    Raises
    ------
    InvalidInputError
        Nothing to draft.
    BudgetExceeded
        The estimate does not fit the budget left.
    """
    from services.app import jobs

    preview = drafts_preview(engine, cluster_id, llm, only_failed=only_failed)
    if preview.pages == 0:
        raise InvalidInputError(
            "No page to draft: generate briefs first, or every page is already drafted."
        )
    if not preview.fits and preview.budget is not None:
        raise BudgetExceeded(
            preview.estimate.total_usd, preview.budget.remaining_usd, preview.budget.budget_usd
        )
    scope = cluster_id if str(cluster_id).startswith(SITE_PREFIX) else str(as_uuid(cluster_id))
    params = {"cluster_id": scope, "only_failed": bool(only_failed)}
    return jobs.submit("drafts", project_id, params, engine=engine)


# --------------------------------------------------------------------------- outputs
def _records(engine: Engine, cluster_id: Any) -> list[dict[str, Any]]:
    views = list_content(engine, cluster_id)
    if not views:
        raise NotFoundError("No briefs for this cluster yet: generate the briefs first.")
    return [v.record() for v in views]


def workbook_xlsx(engine: Engine, cluster_id: Any) -> bytes:
    """The drafts spreadsheet (sheets Briefs, Drafts, Internal links, Social posts)."""
    return spreadsheet.frames_to_xlsx(spreadsheet.workbook_frames(_records(engine, cluster_id)))


def workbook_csvs(engine: Engine, cluster_id: Any) -> dict[str, bytes]:
    """One CSV per sheet of :func:`workbook_xlsx`, keyed by file name."""
    return spreadsheet.frames_to_csvs(spreadsheet.workbook_frames(_records(engine, cluster_id)))


def matrixify_csv(engine: Engine, cluster_id: Any, *, command: str = "MERGE") -> bytes:
    """Matrixify "Custom Collections" CSV of the cluster's collection pages
    (save as :data:`services.content.matrixify.CSV_NAME`)."""
    frame = matrixify.collections_frame(_records(engine, cluster_id), command=command)
    return matrixify.to_csv(frame)


__all__ = [
    "CONTENT_STATUSES",
    "BriefsReport",
    "ContentView",
    "DraftsPreview",
    "DraftsReport",
    "content_table",
    "drafts_preview",
    "generate_briefs",
    "get_content",
    "list_content",
    "matrixify_csv",
    "regenerate_draft",
    "run_drafts",
    "save_brief",
    "save_draft",
    "set_status",
    "start_drafts",
    "workbook_csvs",
    "workbook_xlsx",
]
