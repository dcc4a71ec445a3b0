"""Content drafts: what pages, jobs and the CLI call (each function is one unit of work).

Flow per approved cluster: :func:`generate_briefs` (offline, from data;
:mod:`services.content.brief_actions`) and :func:`analyse_competitors` (the SERP pages'
headings and lengths; :mod:`services.content.competitor_actions`) → :func:`drafts_preview`
+ :func:`start_drafts` or :func:`run_drafts` (:mod:`services.content.draft_actions`) →
edits (:func:`save_draft`, :func:`set_status`; :mod:`services.content.views`) → outputs
(:func:`workbook_xlsx`, :func:`workbook_csvs`, :func:`matrixify_csv`;
:mod:`services.content.exports`); WordPress publishing is in :mod:`services.content.publish`.
Statuses: brief → drafted → edited → approved → published; failed carries its message.

Importing this module is cheap: the names are imported from their module on first use (views,
exports and the actions load pandas; :mod:`services.core.lazy`). A new name goes under
``TYPE_CHECKING`` (for readers and mypy), into ``_EXPORTS`` and ``__all__``;
``tests/unit/test_lazy_facades.py`` checks they match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.models.content import CONTENT_STATUSES
from services.core.lazy import by_module, lazy_exports

if TYPE_CHECKING:
    from services.content.brief_actions import (
        BriefsReport,
        generate_briefs,
    )
    from services.content.briefs import (
        brief_summary,
    )
    from services.content.competitor_actions import (
        CompetitorsReport,
        analyse_competitors,
        serp_client_of,
    )
    from services.content.draft_actions import (
        DraftsPreview,
        DraftsReport,
        drafts_preview,
        regenerate_draft,
        run_drafts,
        start_drafts,
    )
    from services.content.exports import (
        matrixify_csv,
        workbook_csvs,
        workbook_xlsx,
    )
    from services.content.views import (
        EDITABLE_BRIEF_FIELDS,
        EDITABLE_DRAFT_FIELDS,
        MANUAL_STATUSES,
        SITE_LABEL,
        SITE_PREFIX,
        SOCIAL_FIELDS,
        ContentView,
        Progress,
        approved_clusters,
        brief_tables,
        content_table,
        get_content,
        list_content,
        require_cluster,
        save_brief,
        save_draft,
        set_status,
        site_scope,
    )

_EXPORTS = by_module(
    {
        "services.content.brief_actions": (
            "BriefsReport",
            "generate_briefs",
        ),
        "services.content.briefs": ("brief_summary",),
        "services.content.competitor_actions": (
            "CompetitorsReport",
            "analyse_competitors",
            "serp_client_of",
        ),
        "services.content.draft_actions": (
            "DraftsPreview",
            "DraftsReport",
            "drafts_preview",
            "regenerate_draft",
            "run_drafts",
            "start_drafts",
        ),
        "services.content.exports": (
            "matrixify_csv",
            "workbook_csvs",
            "workbook_xlsx",
        ),
        "services.content.views": (
            "EDITABLE_BRIEF_FIELDS",
            "EDITABLE_DRAFT_FIELDS",
            "MANUAL_STATUSES",
            "SITE_LABEL",
            "SITE_PREFIX",
            "SOCIAL_FIELDS",
            "ContentView",
            "Progress",
            "approved_clusters",
            "brief_tables",
            "content_table",
            "get_content",
            "list_content",
            "require_cluster",
            "save_brief",
            "save_draft",
            "set_status",
            "site_scope",
        ),
    }
)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
__all__ = [
    "CONTENT_STATUSES",
    "EDITABLE_BRIEF_FIELDS",
    "EDITABLE_DRAFT_FIELDS",
    "MANUAL_STATUSES",
    "SITE_LABEL",
    "SITE_PREFIX",
    "SOCIAL_FIELDS",
    "BriefsReport",
    "CompetitorsReport",
    "Progress",
    "analyse_competitors",
    "serp_client_of",
    "approved_clusters",
    "brief_tables",
    "require_cluster",
    "site_scope",
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
    "brief_summary",
]
