"""Downloads of a scope's briefs and drafts: the XLSX workbook, its CSVs, Matrixify."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from services.content import matrixify, spreadsheet
from services.content.views import list_content
from services.core.errors import NotFoundError


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
