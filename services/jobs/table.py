"""The ``jobs`` table (:class:`db.models.Job`): rows created, finished, read and cancelled.

Job state — kind, status (queued | running | succeeded | failed | cancelled | interrupted),
progress 0-100, message, error, timestamps — lives in the table, so a page that polls
:func:`get_job` shows the same progress after a browser refresh, and any process can cancel.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import services.jobs.registry as registry
from db.models import Job, utcnow
from db.session import session_scope
from services.core.errors import JobAlreadyActive, NotFoundError
from services.core.ids import as_uuid
from services.jobs.registry import ACTIVE, RESUMABLE


@dataclass
class JobView:
    """A job as the page shows it (a detached copy of the row)."""

    id: uuid.UUID
    project_id: uuid.UUID | None
    kind: str
    status: str
    progress: int
    message: str
    error: str | None
    cancel_requested: bool
    params: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """True while queued or running."""
        return self.status in ACTIVE

    @property
    def can_resume(self) -> bool:
        """True when :func:`services.jobs.resume` can re-queue it (interrupted, failed or
        cancelled)."""
        return self.status in RESUMABLE


def view(job: Job) -> JobView:
    """A detached :class:`JobView` of a row."""
    return JobView(
        id=job.id,
        project_id=job.project_id,
        kind=job.kind,
        status=job.status,
        progress=int(job.progress or 0),
        message=job.message or "",
        error=job.error,
        cancel_requested=bool(job.cancel_requested),
        params=dict(job.params or {}),
        result=dict(job.result or {}),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        heartbeat_at=job.heartbeat_at,
    )


def active_key(
    kind: str, project_id: uuid.UUID | None, params: dict[str, Any] | None = None
) -> str:
    """The "one active job" key: ``kind:project`` for kinds registered as exclusive per
    project, else ``kind:project:<hash of the parameters>`` (the same job twice)."""
    key = f"{kind}:{project_id or '-'}"
    if kind in registry.EXCLUSIVE_PER_PROJECT:
        return key
    digest = hashlib.sha1(
        json.dumps(params or {}, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return f"{key}:{digest}"


def already_active(engine: Engine, key: str, kind: str) -> JobAlreadyActive:
    """The error for a second submit of an active job, saying since when and how far it is."""
    with session_scope(engine) as s:
        job = s.execute(select(Job).where(Job.active_key == key)).scalar_one_or_none()
        if job is None:
            return JobAlreadyActive(f"A {kind} job is already queued or running for this project.")
        since = job.started_at or job.created_at
        when = f" since {since:%H:%M} UTC" if since else ""
        return JobAlreadyActive(
            f"A {kind} job is already {job.status}{when} for this project "
            f"({int(job.progress or 0)} %): wait for it to finish or cancel it first."
        )


def finish(
    engine: Engine,
    job_id: uuid.UUID,
    status: str,
    *,
    error: str | None = None,
    message: str | None = None,
    result: dict[str, Any] | None = None,
    only_if: tuple[str, ...] | None = None,
) -> bool:
    """Write a final status; with ``only_if``, only when the job is still in one of those
    statuses (a job already interrupted or cancelled by another process keeps its status).

    Returns
    -------
    bool
        True when the row was written.
    """
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        if job is None or (only_if is not None and job.status not in only_if):
            return False
        job.status = status
        job.finished_at = utcnow()
        job.active_key = None
        if status == "succeeded":
            job.progress = 100
        if error is not None:
            job.error = error[:10_000]
        if message is not None:
            job.message = message[:2000]
        if result is not None:
            job.result = result
        return True


def interrupt_job(engine: Engine, job_id: uuid.UUID, reason: str) -> bool:
    """Mark a running job ``interrupted`` and release what it held (the kind's release hook).

    Returns
    -------
    bool
        True when the job was running (and is now interrupted).
    """
    with session_scope(engine) as s:
        job = s.get(Job, job_id)
        if job is None or job.status != "running":
            return False
        kind, project_id, progress = job.kind, job.project_id, int(job.progress or 0)
    done = finish(
        engine,
        job_id,
        "interrupted",
        error=reason,
        message=f"Interrupted at {progress} % — resume it to run again",
        only_if=("running",),
    )
    if done:
        registry.release(engine, kind, project_id)
    return done


def _job(session: Session, job_id: Any) -> Job:
    """The row of ``job_id``; raises ``NotFoundError`` when there is none."""
    job = session.get(Job, as_uuid(job_id))
    if job is None:
        raise NotFoundError("That job does not exist.")
    return job


def get_job(job_id: Any, *, engine: Engine | None = None) -> JobView:
    """The job's current state.

    Raises
    ------
    NotFoundError
        No such job.
    """
    with session_scope(engine or registry.get_deps().engine) as s:
        return view(_job(s, job_id))


def latest_job(
    project_id: Any, kind: str | None = None, *, engine: Engine | None = None
) -> JobView | None:
    """The project's most recent job (of ``kind``), e.g. to resume after a browser refresh."""
    engine = engine or registry.get_deps().engine
    stmt = select(Job).where(Job.project_id == as_uuid(project_id))
    if kind:
        stmt = stmt.where(Job.kind == kind)
    with session_scope(engine) as s:
        job = s.execute(stmt.order_by(Job.created_at.desc()).limit(1)).scalar_one_or_none()
        return view(job) if job else None


def cancel(job_id: Any, *, engine: Engine | None = None) -> JobView:
    """Cancel a job: a queued one at once, a running one within 2 s (its watcher sees the flag).

    Raises
    ------
    NotFoundError
        No such job.
    """
    with session_scope(engine or registry.get_deps().engine) as s:
        job = _job(s, job_id)
        if job.status == "queued":
            job.status, job.finished_at, job.message = (
                "cancelled",
                utcnow(),
                "Cancelled before it started",
            )
            job.cancel_requested = True
            job.active_key = None
        elif job.status == "running":
            job.cancel_requested = True
            job.message = "Cancelling…"
        return view(job)
