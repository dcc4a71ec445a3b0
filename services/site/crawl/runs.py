"""The life of one crawl run in the database: open (or reopen for a resume), save pages in
batches while crawling, close with the outcome. Used by :func:`services.site.crawl.api.run_crawl`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Engine

from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.site.crawl import store
from services.site.crawl.model import CrawlLimits, CrawlSummary, PageRecord, ResumeState
from services.site.crawl.report import CrawlReport, build_report, gone_note
from services.site.crawl.urls import check_start_url

#: Pages written per transaction while crawling (and at least every SAVE_EVERY_S seconds).
SAVE_BATCH = 25
SAVE_EVERY_S = 2.0


class Saver:
    """Buffers pages and writes them every :data:`SAVE_BATCH` pages / :data:`SAVE_EVERY_S`."""

    def __init__(
        self, engine: Engine, project_id: uuid.UUID, run_id: uuid.UUID, done_before: int
    ) -> None:
        self.engine, self.project_id, self.run_id = engine, project_id, run_id
        self.done_before = done_before
        self.buffer: list[PageRecord] = []
        self.last = time.monotonic()
        self.saved = 0
        self.summary: CrawlSummary | None = None

    @property
    def fetched(self) -> int:
        """URLs fetched by the run so far, earlier attempts included."""
        return self.done_before + (self.summary.fetched if self.summary else 0)

    def add(self, record: PageRecord) -> None:
        self.buffer.append(record)
        if len(self.buffer) >= SAVE_BATCH or time.monotonic() - self.last >= SAVE_EVERY_S:
            self.flush()

    def flush(self) -> None:
        self.last = time.monotonic()
        if not self.buffer:
            return
        with session_scope(self.engine) as s:
            self.saved += store.save_pages(s, self.project_id, self.run_id, self.buffer)
            store.record_progress(s, self.run_id, self.fetched)
        self.buffer = []


def open_run(
    engine: Engine,
    pid: uuid.UUID,
    start_url: str,
    limits: CrawlLimits,
    resume_run_id: Any,
    job_id: Any,
) -> tuple[uuid.UUID, str, CrawlLimits, ResumeState | None]:
    """A new ``running`` run, or the run to resume set back to ``running`` with its state."""
    with session_scope(engine) as s:
        if resume_run_id is None:
            start_url = check_start_url(start_url)
            run_id = store.create_run(s, pid, start_url, limits, job_id=job_id)
            return run_id, start_url, limits, None
        run = store.get_run(s, as_uuid(resume_run_id))
        if run is None or run.project_id != pid:
            raise NotFoundError("That crawl run does not exist.")
        if run.status not in store.RESUMABLE_RUNS:
            raise InvalidInputError(f"That crawl is {run.status}; start a new crawl instead.")
        resume = store.resume_state(s, run)
        run.status, run.finished_at, run.error = "running", None, None
        return run.id, run.start_url, CrawlLimits.from_dict(run.limits), resume


def end_state(summary: CrawlSummary) -> tuple[str, str | None]:
    """(run status, error) of a crawl that ran to its end."""
    if summary.error:
        return "failed", summary.error
    outcome = summary.final_outcome()
    return outcome.status, None if outcome.status == "completed" else outcome.summary()


def close_run(
    engine: Engine, saver: Saver, status: str, error: str | None, limits: CrawlLimits
) -> CrawlReport:
    """Write the last pages, mark gone pages (complete runs) and finish the run."""
    assert saver.summary is not None
    summary = saver.summary
    saver.flush()
    gone, note = 0, ""
    with session_scope(engine) as s:
        if status == "completed":
            note = gone_note(summary, limits)
            if not note:
                gone = store.mark_gone(s, saver.project_id, saver.run_id)
        elif status == "partial":
            note = "not checked: some URLs failed"
        report = build_report(
            saver.run_id,
            status,
            summary,
            summary.final_outcome(),
            fetched=saver.fetched,
            gone=gone,
            note=note,
        )
        store.finish_run(
            s,
            saver.run_id,
            status,
            summary,
            fetched=saver.fetched,
            error=error,
            stats=report.to_dict(),
        )
    return report
