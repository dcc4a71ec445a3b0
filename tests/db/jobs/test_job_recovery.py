"""Jobs never stay stuck (issue 11 item 1): heartbeat, lease, recovery, SIGTERM, resume,
double-submit refusal and a cancel that takes effect within 2 s."""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from huey import MemoryHuey
from sqlalchemy import select, update

from db.models import Job, KeywordMetric, utcnow
from db.session import session_scope
from services import jobs
from services.core.errors import InvalidInputError, JobAlreadyActive
from services.jobs import heartbeat, recovery
from services.jobs import queue as job_queue
from services.keyword_lists import store as list_store
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

STOP = threading.Event()


def ok_handler(ctx):
    ctx.progress(50, "half way")
    return {"message": "done"}


def python_busy_handler(ctx):
    """Long Python work without progress reports (e.g. a big planning loop)."""
    ctx.progress(5, "working")
    list_store.mark_clustering(ctx.engine, ctx.project_id)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not STOP.is_set():
            sum(range(2000))
    except BaseException:
        list_store.reset_clustering(ctx.engine, ctx.project_id)
        raise
    return {"message": "finished"}


def c_blocked_handler(ctx):
    """A handler stuck in one long C call (the async exception cannot land in it)."""
    ctx.progress(5, "working")
    list_store.mark_clustering(ctx.engine, ctx.project_id)
    STOP.wait(8)
    return {"message": "finished late"}


def sleepy_handler(ctx):
    ctx.progress(5, "working")
    STOP.wait(1.0)
    return {"message": "slept"}


@pytest.fixture()
def queue(engine, monkeypatch):
    handlers = {
        "ok": ok_handler,
        "busy": python_busy_handler,
        "blocked": c_blocked_handler,
        "sleepy": sleepy_handler,
    }
    for kind, handler in handlers.items():
        monkeypatch.setitem(jobs.HANDLERS, kind, handler)
    for kind in ("cluster", "busy", "blocked"):
        monkeypatch.setitem(jobs.RELEASE_HOOKS, kind, list_store.reset_clustering)
    emb = TrigramEmbedder()
    jobs.reset()
    # Not immediate: submit only queues (tests run the task in a thread of their own).
    jobs.configure(
        progress_interval_s=0.0,
        huey=MemoryHuey("test-recovery", results=False),
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: emb),
        heartbeat_s=0.1,
        lease_s=1.0,
    )
    STOP.clear()
    yield engine
    STOP.set()
    jobs.reset()


def statuses(engine, project_id) -> dict[str, int]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(KeywordMetric.status).where(KeywordMetric.project_id == project_id)
        ).scalars()
        out: dict[str, int] = {}
        for st in rows:
            out[st] = out.get(st, 0) + 1
        return out


def running_job(engine, project_id, *, kind="cluster", worker=None, age_s=0.0):
    """A job row as a worker left it: running at 21 %, heartbeat ``age_s`` old."""
    with session_scope(engine) as s:
        beat = utcnow() - timedelta(seconds=age_s)
        job = Job(
            project_id=project_id,
            kind=kind,
            status="running",
            progress=21,
            message="Planning",
            params={},
            result={},
            started_at=beat,
            heartbeat_at=beat,
            worker=worker or "other-host:1",
            active_key=jobs.active_key(kind, project_id),
        )
        s.add(job)
        s.flush()
        return job.id


def start(job_id) -> threading.Thread:
    t = threading.Thread(target=jobs.run_job, args=(str(job_id),), daemon=True)
    t.start()
    return t


def wait_status(job_id, wanted, timeout=5.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if jobs.get_job(job_id).status in wanted:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise AssertionError(f"still {jobs.get_job(job_id).status}")


# --------------------------------------------------------------------------- lease
def test_expired_lease_interrupts_the_job_and_releases_its_keywords(queue, project_id):
    add_keywords(queue, project_id, [("trail shoes", 10), ("hiking boots", 20)])
    list_store.mark_clustering(queue, project_id)
    job_id = running_job(queue, project_id, age_s=5.0)
    assert jobs.recover_stale(queue) == 1
    job = jobs.get_job(job_id)
    assert job.status == "interrupted" and job.can_resume
    assert "heartbeat" in (job.error or "") and "21 %" in job.message
    assert statuses(queue, project_id) == {"qualified": 2}
    assert jobs.recover_stale(queue) == 0  # idempotent


def test_fresh_heartbeat_on_another_host_is_left_alone(queue, project_id):
    job_id = running_job(queue, project_id, age_s=0.0, worker="elsewhere:123")
    assert jobs.recover_stale(queue) == 0
    assert jobs.get_job(job_id).status == "running"


def test_dead_worker_on_this_host_is_recovered_at_once(queue, project_id):
    add_keywords(queue, project_id, [("trail shoes", 10)])
    list_store.mark_clustering(queue, project_id)
    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # above pid_max: no such process
    job_id = running_job(queue, project_id, age_s=0.0, worker=dead)
    assert jobs.recover_stale(queue) == 1
    assert jobs.get_job(job_id).status == "interrupted"
    assert statuses(queue, project_id) == {"qualified": 1}


def test_heartbeat_is_written_while_the_job_runs(queue, project_id):
    job_id = jobs.submit("sleepy", project_id)
    t = start(job_id)
    time.sleep(0.5)
    with session_scope(queue) as s:
        job = s.get(Job, job_id)
        assert job.status == "running" and job.worker == jobs.WORKER_ID
        assert job.heartbeat_at > job.started_at
    # A running job of this very process is never taken for stale.
    assert jobs.recover_stale(queue, lease=0.0) == 0
    t.join(5)
    assert jobs.get_job(job_id).status == "succeeded"


# --------------------------------------------------------------------------- SIGTERM / exit
def test_sigterm_interruption_signal_marks_the_job_and_releases(queue, project_id):
    add_keywords(queue, project_id, [("trail shoes", 10)])
    list_store.mark_clustering(queue, project_id)
    job_id = running_job(queue, project_id, worker=jobs.WORKER_ID)
    # What huey's consumer emits for a task in flight when it stops on SIGTERM.
    job_queue._on_interrupted("interrupted", SimpleNamespace(args=(str(job_id),)))
    job = jobs.get_job(job_id)
    assert job.status == "interrupted" and "SIGTERM" in (job.error or "")
    assert statuses(queue, project_id) == {"qualified": 1}


def test_exit_hook_interrupts_jobs_running_in_this_process(queue, project_id):
    job_id = running_job(queue, project_id, worker=jobs.WORKER_ID)
    with heartbeat._running_lock:
        heartbeat._running[job_id] = queue
    try:
        recovery._interrupt_own_jobs()
    finally:
        heartbeat._running.pop(job_id, None)
    assert jobs.get_job(job_id).status == "interrupted"


# --------------------------------------------------------------------------- resume / submit
def test_resume_requeues_an_interrupted_job_which_then_runs(queue, project_id):
    job_id = running_job(queue, project_id, kind="ok", age_s=5.0)
    jobs.recover_stale(queue)
    view = jobs.resume(job_id)
    assert view.status == "queued" and view.progress == 0 and view.error is None
    start(job_id).join(5)
    assert jobs.get_job(job_id).status == "succeeded"
    with pytest.raises(InvalidInputError, match="succeeded"):
        jobs.resume(job_id)


def test_double_submit_is_refused_with_a_clear_message(queue, project_id):
    first = jobs.submit("ok", project_id)
    with pytest.raises(JobAlreadyActive, match="already queued") as info:
        jobs.submit("ok", project_id)
    assert "cancel it" in str(info.value)
    # Another kind, or the same kind once the first finished, is accepted.
    jobs.submit("sleepy", project_id)
    start(first).join(5)
    assert jobs.get_job(first).status == "succeeded"
    assert jobs.submit("ok", project_id) != first


def test_a_dead_job_does_not_block_the_next_submit(queue, project_id):
    stale = running_job(queue, project_id, kind="ok", age_s=5.0)
    new = jobs.submit("ok", project_id)  # recovery runs first
    assert jobs.get_job(stale).status == "interrupted" and new != stale


# --------------------------------------------------------------------------- cancel ≤ 2 s
@pytest.mark.parametrize("kind", ["busy", "blocked"])
def test_cancel_takes_effect_within_two_seconds(queue, project_id, kind):
    add_keywords(queue, project_id, [("trail shoes", 10), ("hiking boots", 20)])
    job_id = jobs.submit(kind, project_id)
    t = start(job_id)
    wait_status(job_id, {"running"})
    time.sleep(0.3)
    assert statuses(queue, project_id) == {"clustering": 2}
    pressed = time.perf_counter()
    jobs.cancel(job_id)
    waited = wait_status(job_id, {"cancelled"})
    while statuses(queue, project_id) != {"qualified": 2} and time.perf_counter() - pressed < 2:
        time.sleep(0.02)
    released = time.perf_counter() - pressed
    assert waited < 2.0 and released < 2.0, (waited, released)
    STOP.set()
    t.join(10)
    job = jobs.get_job(job_id)
    assert job.status == "cancelled" and job.result == {}  # a late finish changes nothing
    with session_scope(queue) as s:
        assert s.execute(select(Job.active_key).where(Job.id == job_id)).scalar() is None


def test_running_job_sees_a_cancel_issued_elsewhere(queue, project_id):
    job_id = jobs.submit("sleepy", project_id)
    t = start(job_id)
    wait_status(job_id, {"running"})
    with session_scope(queue) as s:  # another process pressed Cancel
        s.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
    assert wait_status(job_id, {"cancelled"}) < 2.0
    t.join(5)
