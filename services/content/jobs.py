"""Background-job handler of kind "drafts" (wired in ``services.app.bootstrap.job_handlers``)."""

from __future__ import annotations

from typing import Any

from services.content import api
from services.providers.base import StructuredGenerator
from services.spend.budget import BudgetGuard

#: ``JobDeps.extras`` key of a test seam: the StructuredGenerator to use instead of the
#: provider chosen in Settings (``None`` there forces the offline skeletons).
LLM_EXTRA = "content_llm"


def _llm(ctx: Any) -> StructuredGenerator | None:
    extras = getattr(ctx.deps, "extras", {}) or {}
    if LLM_EXTRA in extras:
        llm: StructuredGenerator | None = extras[LLM_EXTRA]
        return llm
    from services.providers.registry import structured_generator

    app = ctx.deps.app
    return None if app is None else structured_generator(app.providers())


def drafts_job(ctx: Any) -> dict[str, Any]:
    """Draft the pages of ``params["cluster_id"]`` (failed ones only with ``only_failed``).

    Progress is reported per page; a cancel stops the batch between pages (the pages done
    are kept and the budget reservation is settled with what was spent).

    Returns
    -------
    dict
        :meth:`services.content.api.DraftsReport.to_dict` (counts, cost USD, failures).
    """
    llm = _llm(ctx)
    params = ctx.params
    report = api.run_drafts(
        ctx.engine,
        params["cluster_id"],
        llm,
        only_failed=bool(params.get("only_failed")),
        site_type=str(params.get("site_type") or ""),
        budget=BudgetGuard(ctx.engine) if llm is not None else None,
        progress=lambda done, total, msg: ctx.progress(100.0 * done / max(total, 1), msg),
    )
    return report.to_dict()
