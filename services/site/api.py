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

Importing this module is cheap: each name is imported from its module on first use (most of
them load pandas; :mod:`services.core.lazy`). A new name goes under ``TYPE_CHECKING`` (for
readers and mypy) and into ``_EXPORTS`` and ``__all__``; ``tests/unit/test_lazy_facades.py`` checks they
match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.core.lazy import by_module, lazy_exports

if TYPE_CHECKING:
    from services.site.cannibalization import (
        ACTIONS,
        CannibalizationSettings,
        filter_report,
        to_csv_bytes,
        with_headers,
    )
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
    from services.site.page_inputs import (
        SKIPPED_PAGE_SOURCES,
    )
    from services.site.primary import (
        score_candidate,
        to_decisions,
    )
    from services.site.primary_api import (
        JOB_KIND,
        VOLUME_BATCH_SIZE,
        PrimaryRunReport,
        primary_keywords_job,
        run_primary_keywords,
        start_primary_keywords_job,
    )
    from services.site.primary_llm import (
        MAX_PARALLEL_PAGES,
    )
    from services.site.primary_review import (
        LABEL_HELP,
        TABLE_COLUMNS,
        ApprovalResult,
        bulk_approve_primaries,
        primary_keywords_frame,
        primary_keywords_table,
        save_primary_decisions,
    )
    from services.site.rankings_api import (
        import_rankings,
    )

_EXPORTS = by_module(
    {
        "services.site.cannibalization": (
            "ACTIONS",
            "CannibalizationSettings",
            "filter_report",
            "to_csv_bytes",
            "with_headers",
        ),
        "services.site.cannibalization_api": (
            "CANNIBALIZATION_KEY",
            "CannibalizationResult",
            "cannibalization_report",
            "cannibalization_settings",
            "covered_by",
            "save_cannibalization_settings",
        ),
        "services.site.optimise": (
            "OptimiseBrief",
            "optimise_brief_inputs",
            "optimise_briefs_inputs",
            "site_url_pattern",
            "url_patterns_table",
        ),
        "services.site.page_inputs": ("SKIPPED_PAGE_SOURCES",),
        "services.site.primary": (
            "score_candidate",
            "to_decisions",
        ),
        "services.site.primary_api": (
            "JOB_KIND",
            "VOLUME_BATCH_SIZE",
            "PrimaryRunReport",
            "primary_keywords_job",
            "run_primary_keywords",
            "start_primary_keywords_job",
        ),
        "services.site.primary_llm": ("MAX_PARALLEL_PAGES",),
        "services.site.primary_review": (
            "LABEL_HELP",
            "TABLE_COLUMNS",
            "ApprovalResult",
            "bulk_approve_primaries",
            "primary_keywords_frame",
            "primary_keywords_table",
            "save_primary_decisions",
        ),
        "services.site.rankings_api": ("import_rankings",),
    }
)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
__all__ = [
    "ACTIONS",
    "CannibalizationSettings",
    "filter_report",
    "to_csv_bytes",
    "with_headers",
    "CANNIBALIZATION_KEY",
    "CannibalizationResult",
    "cannibalization_report",
    "cannibalization_settings",
    "covered_by",
    "save_cannibalization_settings",
    "OptimiseBrief",
    "optimise_brief_inputs",
    "optimise_briefs_inputs",
    "site_url_pattern",
    "url_patterns_table",
    "SKIPPED_PAGE_SOURCES",
    "score_candidate",
    "to_decisions",
    "JOB_KIND",
    "VOLUME_BATCH_SIZE",
    "PrimaryRunReport",
    "primary_keywords_job",
    "run_primary_keywords",
    "start_primary_keywords_job",
    "MAX_PARALLEL_PAGES",
    "LABEL_HELP",
    "TABLE_COLUMNS",
    "ApprovalResult",
    "bulk_approve_primaries",
    "primary_keywords_frame",
    "primary_keywords_table",
    "save_primary_decisions",
    "import_rankings",
]
