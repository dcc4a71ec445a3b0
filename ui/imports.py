"""The one keyword-export upload widget (Projects and Keyword Lists pages).

Small files import at once (one transaction, a progress bar); files over
:data:`services.projects.jobs.JOB_THRESHOLD_BYTES` run as the background ``import`` job,
whose progress and outcome (including how many keywords an interrupted import saved) the
panel below the button shows, also after a page reload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from services.core.errors import ClusterPlannerError, ImportConfirmationRequired
from services.projects.jobs import IMPORT_JOB_KIND, JOB_THRESHOLD_BYTES, describe, start_import
from ui.jobs import job_panel
from ui.jobs import submit as submit_job
from ui.safe import plain

if TYPE_CHECKING:
    from services.projects.imports import ImportReport

TOOLS_HINT = "Semrush, Ahrefs, Google Ads Keyword Planner or Search Console (CSV/TSV)"


def import_widget(app: Any, project_id: str, *, key: str = "import") -> ImportReport | None:
    """File uploader + Import button + the import job's panel.

    Parameters
    ----------
    app : services.app.bootstrap.AppContext
        Engine and settings (the data dir keeps uploads for the job).
    project_id : str
        The selected project.
    key : str, optional
        Widget-key prefix, unique per page.

    Returns
    -------
    ImportReport or None
        The report of an import that just finished inline, else None.
    """
    upload = st.file_uploader(
        f"Keyword export ({TOOLS_HINT})", type=["csv", "tsv", "txt"], key=f"{key}-file"
    )
    allow = st.checkbox(
        "Import anyway, even if most rows do not look like search queries",
        key=f"{key}-allow",
        help="Files that are mostly not keywords (ids, hashes, random text) are refused "
        "unless this is ticked.",
    )
    report: ImportReport | None = None
    if upload is not None and st.button("Import", type="primary", key=f"{key}-go"):
        data = upload.getvalue()
        if len(data) > JOB_THRESHOLD_BYTES:
            submit_job(
                lambda: start_import(
                    app.engine,
                    project_id,
                    data,
                    upload.name,
                    data_dir=app.settings.data_dir,
                    allow_non_queries=allow,
                )
            )
            return None
        from services.projects.imports import import_keywords  # parsers: pandas

        bar = st.progress(0.0, text="Reading the file…")
        try:
            report = import_keywords(
                app.engine,
                project_id,
                data,
                upload.name,
                progress=lambda f, msg: bar.progress(min(1.0, f), text=plain(msg)),
                allow_non_queries=allow,
            )
        except ImportConfirmationRequired as exc:
            st.warning(plain(exc))
            st.caption("Tick “Import anyway” above and press Import again to keep them.")
        except ClusterPlannerError as exc:
            st.error(plain(exc))
        else:
            bar.progress(1.0, text="Done")
            st.success(plain(report.summary()))
            _details(report)
    job_panel(app.engine, project_id, IMPORT_JOB_KIND, summary=describe, stopped=describe)
    return report


def _details(report: ImportReport) -> None:
    """Skipped rows and notes as a table (plain text by construction)."""
    rows = [
        {"what": reason, "rows": count, "first line": report.first_lines.get(reason)}
        for reason, count in {**report.skipped_reasons, **report.notes}.items()
    ]
    if rows:
        st.dataframe(rows, hide_index=True)
