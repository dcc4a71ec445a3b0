"""Draft actions: preview and budget, the drafts batch, one page again, the background job.

:func:`drafts_preview` + :func:`start_drafts` (a background job of kind "drafts") or
:func:`run_drafts` (the job's body; per-page failures recorded, retry of failed pages only);
:func:`regenerate_draft` for one page. Each opens its own unit of work per step.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.models.content import ContentPage
from db.session import session_scope
from services.content import store
from services.content.briefs import Brief
from services.content.drafts import DraftResult, generate_draft, offline_skeleton
from services.content.views import (
    SITE_PREFIX,
    ContentView,
    Progress,
    get_content,
    resolve,
)
from services.core.errors import BudgetExceeded, InvalidInputError, ProviderError
from services.core.ids import as_uuid
from services.core.outcome import BatchOutcome
from services.providers.base import BrandProfile, StructuredGenerator
from services.spend.budget import BudgetGuard, BudgetStatus, CostEstimate, estimate_drafts_cost
from services.spend.usage import record_usage


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
    cluster, project = resolve(s, scope)
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

    @property
    def outcome(self) -> BatchOutcome:
        """The batch's end state by the one rule (:mod:`services.core.outcome`): drafts and
        outline skeletons succeed, each failure counts with its reason, and a batch the budget
        stopped early is at least partial."""
        out = BatchOutcome(noun="page")
        out.ok(self.drafted + self.skeletons)
        for why in self.failures.values():
            out.fail(why)
        if self.failed > len(self.failures):
            out.fail("draft failed", self.failed - len(self.failures))
        if self.stopped:
            out.fail(f"batch stopped: {self.stopped}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (job result), with a one-line ``message`` and the ``outcome``."""
        out = asdict(self)
        out["outcome"] = self.outcome.as_dict()
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
    :mod:`services.providers.meter`) fails that page and stops the batch (``report.stopped``);
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
        cluster, project = resolve(s, cluster_id)
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
    from services import jobs

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
