"""Site onboarding, part B: what pages, the CLI and other packages call.

One module per action family, each opening one unit of work per user action:

- :mod:`services.site.rankings_api` — rankings import;
- :mod:`services.site.primary_api` — the primary-keyword run (and its job);
- :mod:`services.site.primary_review` — the approval table, edits, approvals, moves;
- :mod:`services.site.cannibalization_api` — cannibalization report, settings, coverage;
- :mod:`services.site.optimise` — "optimise existing page" tasks and their brief inputs;
- :mod:`services.site.url_patterns` — the site's own URL patterns.

This module re-exports their public names (``services.site.api.covered_by`` is what the
seed funnel calls). The crawl (part A) lives in :mod:`services.site.crawl`.
"""

from __future__ import annotations

from services.site.cannibalization_api import (
    CANNIBALIZATION_KEY,
    CannibalizationResult,
    cannibalization_report,
    cannibalization_settings,
    covered_by,
    save_cannibalization_settings,
)
from services.site.optimise import (
    OptimiseBrief,
    optimise_brief_inputs,
    optimise_briefs_inputs,
    site_url_pattern,
    url_patterns_table,
)
from services.site.page_inputs import SKIPPED_PAGE_SOURCES
from services.site.primary import score_candidate
from services.site.primary_api import (
    JOB_KIND,
    VOLUME_BATCH_SIZE,
    PrimaryRunReport,
    primary_keywords_job,
    run_primary_keywords,
    start_primary_keywords_job,
)
from services.site.primary_llm import MAX_PARALLEL_PAGES
from services.site.primary_review import (
    LABEL_HELP,
    TABLE_COLUMNS,
    ApprovalResult,
    bulk_approve_primaries,
    primary_keywords_frame,
    primary_keywords_table,
    save_primary_decisions,
)
from services.site.rankings_api import import_rankings

__all__ = [
    "CANNIBALIZATION_KEY",
    "JOB_KIND",
    "LABEL_HELP",
    "MAX_PARALLEL_PAGES",
    "SKIPPED_PAGE_SOURCES",
    "TABLE_COLUMNS",
    "VOLUME_BATCH_SIZE",
    "ApprovalResult",
    "OptimiseBrief",
    "CannibalizationResult",
    "PrimaryRunReport",
    "bulk_approve_primaries",
    "cannibalization_report",
    "cannibalization_settings",
    "covered_by",
    "import_rankings",
    "optimise_brief_inputs",
    "optimise_briefs_inputs",
    "primary_keywords_frame",
    "primary_keywords_job",
    "primary_keywords_table",
    "run_primary_keywords",
    "save_cannibalization_settings",
    "save_primary_decisions",
    "score_candidate",
    "site_url_pattern",
    "start_primary_keywords_job",
    "url_patterns_table",
]
