"""Nothing stays stuck: running jobs whose worker is gone are interrupted and released.

A running job whose heartbeat is older than the lease (:func:`~services.jobs.registry.lease_s`,
setting ``JOB_LEASE_S``), or whose worker process on this host is gone, is marked
``interrupted`` by whichever process looks next — :func:`recover_stale` runs on page load
(:mod:`services.app.context`), at worker start and before each submit — and its side effects
are undone by the kind's release hook. The hooks registered with ``on_sweep`` (budget holds of
killed runs, :func:`services.spend.budget.recover_stale_reservations`) run after each sweep.
"""

from __future__ import annotations

import atexit
import logging
import os
import time
from datetime import timedelta

from sqlalchemy import Engine, func, select

import services.jobs.registry as registry
from db.models import Job, utcnow
from services.jobs.heartbeat import _running, _running_lock
from services.jobs.registry import RECOVER_EVERY_S, WORKER_HOST, WORKER_ID
from services.jobs.table import interrupt_job

log = logging.getLogger(__name__)


def _worker_gone(worker: str | None) -> bool:
    """True when ``worker`` ("host:pid") was a process on this host that no longer runs."""
    if not worker or ":" not in worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != WORKER_HOST or not pid.isdigit():
        return False
    if worker == WORKER_ID:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_stale(engine: Engine, *, lease: float | None = None) -> int:
    """Interrupt running jobs whose lease expired or whose worker is gone; run sweep hooks.

    A running job is stale when its last heartbeat (or start) is older than the lease
    (:func:`~services.jobs.registry.lease_s`), or when its worker was a process on this host
    that no longer exists (restart after SIGKILL: recovered at once). Stale jobs become
    ``interrupted`` and their kind's release hook runs; then the sweep hooks run (budget
    holds of killed runs are settled).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    lease : float, optional
        Seconds; default :func:`~services.jobs.registry.lease_s`.

    Returns
    -------
    int
        Jobs interrupted.
    """
    seconds = lease if lease is not None else registry.lease_s()
    cutoff = utcnow() - timedelta(seconds=seconds)
    last_sign = func.coalesce(Job.heartbeat_at, Job.started_at, Job.updated_at)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Job.id, Job.worker, last_sign < cutoff).where(Job.status == "running")
        ).all()
    recovered = 0
    for jid, worker, expired in rows:
        if jid in _running:
            continue  # alive in this process
        if expired or _worker_gone(worker):
            reason = (
                f"Interrupted: worker {worker} stopped"
                if not expired
                else "Interrupted: no heartbeat from its worker within the lease"
            )
            recovered += int(interrupt_job(engine, jid, reason))
    registry.after_sweep(engine)
    return recovered


_last_sweep: dict[int, float] = {}


def recover_stale_throttled(engine: Engine) -> int:
    """:func:`recover_stale` at most once per :data:`RECOVER_EVERY_S` per engine (page loads).

    Never raises: housekeeping must not break a page.
    """
    now = time.monotonic()
    if now - _last_sweep.get(id(engine), float("-inf")) < RECOVER_EVERY_S:
        return 0
    _last_sweep[id(engine)] = now
    try:
        return recover_stale(engine)
    except Exception:  # boundary: a page load must not fail on housekeeping
        log.exception("could not recover stale jobs")
        return 0


def recover_interrupted(engine: Engine, *, older_than: timedelta = timedelta(0)) -> int:
    """Interrupt every running job not running in this process (the embedded worker restarted).

    Kept for callers of the old API; :func:`recover_stale` is the general form.
    """
    cutoff = utcnow() - older_than
    with engine.connect() as conn:
        ids = (
            conn.execute(select(Job.id).where(Job.status == "running", Job.updated_at <= cutoff))
            .scalars()
            .all()
        )
    return sum(
        int(interrupt_job(engine, jid, "Interrupted: the app restarted while the job ran."))
        for jid in ids
        if jid not in _running
    )


@atexit.register
def _interrupt_own_jobs() -> None:
    """At interpreter exit (SIGTERM to the app): mark this process's running jobs interrupted."""
    with _running_lock:
        running = list(_running.items())
    for jid, engine in running:
        try:
            interrupt_job(engine, jid, "Interrupted: the worker process exited.")
        except Exception:  # exiting: log and go on with the next job
            log.exception("could not mark job %s interrupted at exit", jid)
