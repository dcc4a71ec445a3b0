"""The ``import`` background job: a large keyword export parsed, then saved batch by batch.

A page hands the upload to :func:`start_import`, which keeps the bytes in the data dir
(``<data dir>/uploads/``; a Redis worker on another machine needs the same data dir) and
queues the job. :func:`import_job` parses the file, then writes it with
:func:`~services.projects.imports.store.write_keywords` one committed batch at a time; each
batch's transaction also records ``saved`` / ``inserted`` / ``updated`` in the job's
``result``, so an interrupted import says exactly what was saved, survives a page reload,
and a resumed job (same id) skips the saved rows. The upload is deleted when the job
succeeds.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from db.models import Job
from services.core.errors import ImportFormatError
from services.core.ids import as_uuid
from services.core.wording import export_of

#: The job kind (see :func:`services.app.bootstrap.job_handlers`).
IMPORT_JOB_KIND = "import"
#: Uploads larger than this (bytes) import as a background job; smaller ones inline.
JOB_THRESHOLD_BYTES = 2_000_000
#: Uploads older than this (seconds) are deleted when a new import starts: 7 days.
UPLOAD_MAX_AGE_S = 7 * 24 * 3600


def uploads_dir(data_dir: Path) -> Path:
    """Folder that holds uploads waiting for (or resumable by) an import job."""
    path = data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_import(
    engine: Engine,
    project_id: uuid.UUID | str,
    data: bytes,
    filename: str,
    *,
    data_dir: Path,
    allow_non_queries: bool = False,
) -> uuid.UUID:
    """Keep the upload and queue an ``import`` job for it.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The application's engine.
    project_id : uuid.UUID or str
        The project that receives the keywords.
    data : bytes
        The uploaded export.
    filename : str
        Its original name (for messages).
    data_dir : pathlib.Path
        The data dir (:attr:`services.core.config.Settings.data_dir`).
    allow_non_queries : bool, optional
        The user confirmed a file whose rows mostly do not look like search queries.

    Returns
    -------
    uuid.UUID
        The job id.

    Raises
    ------
    JobAlreadyActive
        An import job is already queued or running for the project.
    ProviderError
        The job queue is unavailable.
    """
    from services import jobs

    folder = uploads_dir(data_dir)
    cutoff = time.time() - UPLOAD_MAX_AGE_S
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path = folder / f"{uuid.uuid4().hex}.upload"
    path.write_bytes(data)
    params = {"path": str(path), "filename": filename, "allow_non_queries": allow_non_queries}
    queued = False
    try:
        job_id = jobs.submit(IMPORT_JOB_KIND, as_uuid(project_id), params, engine=engine)
        queued = True
    finally:
        if not queued:
            path.unlink(missing_ok=True)  # refused or no queue: nothing will read it
    return job_id


def _saved_before(engine: Engine, job_id: uuid.UUID) -> dict[str, Any]:
    """What an earlier, interrupted run of this job saved (``{}`` on a first run)."""
    with engine.connect() as conn:
        result = conn.execute(select(Job.result).where(Job.id == job_id)).scalar()
    return dict(result or {}) if isinstance(result, dict) else {}


def import_job(ctx: Any) -> dict[str, Any]:
    """Handler of the ``import`` job (``ctx``: :class:`services.app.jobs.JobContext`).

    Parameters
    ----------
    ctx : JobContext
        ``ctx.params``: ``path`` (the kept upload), ``filename``, ``allow_non_queries``.

    Returns
    -------
    dict
        ``message`` (the report's summary, ≤ 300 characters), ``tool``, ``rows_read``,
        ``total`` (distinct keywords), ``saved``, ``inserted``, ``updated``, ``skipped``,
        ``skipped_reasons``, ``notes``, ``first_lines``, ``duplicates_merged``.

    Raises
    ------
    ImportFormatError
        The upload is gone or cannot be read (the job fails with that message).
    JobCancelled
        The user cancelled; batches already committed stay, and ``result`` says how many.
    """
    from services.projects.imports import parse_keyword_export, write_keywords

    params = ctx.params
    path = Path(str(params.get("path", "")))
    filename = str(params.get("filename") or path.name)
    if not path.is_file():
        raise ImportFormatError(
            f"{filename}: the uploaded file is no longer on the server; upload it again."
        )
    ctx.progress(1, f"Reading {filename}")
    frame, report = parse_keyword_export(
        path.read_bytes(), filename, allow_non_queries=bool(params.get("allow_non_queries"))
    )
    total = len(frame)
    before = _saved_before(ctx.engine, ctx.job_id)
    skip = int(before.get("saved", 0)) if before.get("total") == total else 0
    base_inserted = int(before.get("inserted", 0)) if skip else 0
    base_updated = int(before.get("updated", 0)) if skip else 0
    ctx.progress(5, f"Read {report.rows_read:,} rows from {export_of(report.tool)}")

    def on_batch(conn: Connection, saved: int, inserted: int, updated: int) -> None:
        record = {
            "saved": saved,
            "total": total,
            "inserted": base_inserted + inserted,
            "updated": base_updated + updated,
            "message": f"Saved {saved:,} of {total:,} keywords",
        }
        conn.execute(update(Job).where(Job.id == ctx.job_id).values(result=record))

    def progress(saved: int, of: int) -> None:
        ctx.progress(5 + 94 * saved / of, f"Saved {saved:,} of {of:,} keywords")

    inserted, updated = write_keywords(
        ctx.engine,
        ctx.project_id,
        frame,
        atomic=False,
        skip=skip,
        on_batch=on_batch,
        progress=progress,
    )
    report.inserted = base_inserted + inserted
    report.updated = base_updated + updated
    report.rows_imported = total
    path.unlink(missing_ok=True)
    return _result(report, total)


def _result(report: Any, total: int) -> dict[str, Any]:
    """The ``result`` of a finished import job (see :func:`import_job`)."""
    return {
        "message": report.summary(),
        "tool": report.tool,
        "rows_read": report.rows_read,
        "total": total,
        "saved": total,
        "inserted": report.inserted,
        "updated": report.updated,
        "skipped": report.skipped,
        "skipped_reasons": report.skipped_reasons,
        "notes": report.notes,
        "first_lines": report.first_lines,
        "duplicates_merged": report.duplicates_merged,
    }


def describe(job: Any) -> str:
    """One line for the page about an import job (a :class:`services.app.jobs.JobView`).

    A job that stopped before the end says how many keywords were saved — they stay
    saved — and that resuming finishes the rest.
    """
    result = job.result or {}
    if job.status == "succeeded":
        return str(result.get("message") or "Import finished.")
    saved, total = result.get("saved"), result.get("total")
    kept = (
        f"{saved:,} of {total:,} keywords were saved and stay saved"
        if isinstance(saved, int) and isinstance(total, int)
        else "no keywords were saved"
    )
    return f"The import stopped ({job.status}): {kept}. {job.error or ''}".strip()
