"""Rankings import (site onboarding, part B): one unit of work per import."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from services.core.ids import as_uuid
from services.core.wording import export_of
from services.projects.imports.lock_wait import wait_for_writer
from services.site import store
from services.site.rankings import RankingsReport, parse_rankings_export

Progress = Callable[[float, str], None]


def _noop(_percent: float, _message: str) -> None:
    return None


def import_rankings(
    engine: Engine,
    project_id: Any,
    data: bytes,
    filename: str = "",
    progress: Progress | None = None,
) -> RankingsReport:
    """Import a rankings export: page-query rows, pages, and keyword metrics, all or nothing.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    project_id : uuid.UUID or str
    data : bytes
        Search Console query+page, Ahrefs Organic keywords or Semrush Organic Positions
        export (see :mod:`services.site.rankings`).
    filename : str, optional
        For error messages.
    progress : callable, optional
        ``progress(percent 0-100, message)``.

    Returns
    -------
    RankingsReport
        Rows read/imported/skipped (with reasons), pages (and how many were new: created as
        ``CrawledPage(source='rankings')``), keywords (and how many were new to the universe).

    Raises
    ------
    ImportFormatError
        The file is not a readable rankings export (nothing written).
    NotFoundError
        Unknown project.
    """
    started = time.perf_counter()
    report_progress = progress or _noop
    report_progress(0, "Reading the rankings file")
    rows, metrics, report = parse_rankings_export(data, filename)
    report_progress(30, f"Read {report.rows_read:,} rows from {export_of(report.tool)}")
    pid = as_uuid(project_id)
    pages = rows.drop_duplicates("normalized_url")[["normalized_url", "page_url"]]

    def write() -> int:
        # One transaction; on SQLite it waits behind another writer (a concurrent import).
        with engine.begin() as conn:
            store.check_project(conn, pid)
            page_ids, created = store.ensure_pages(conn, pid, pages)
            report_progress(45, f"{len(pages):,} pages ({created:,} new)")
            store.upsert_rankings(conn, pid, rows, page_ids)
            report_progress(80, f"Saved {len(rows):,} page-query rows")
            report.keywords_inserted = store.upsert_keyword_metrics(conn, pid, metrics)
        return created

    report.pages_created = wait_for_writer(engine, write)
    report.seconds = time.perf_counter() - started
    report_progress(100, "Rankings imported")
    return report
