"""Background jobs on huey: state in the jobs table, progress, cancel, failure, real consumers."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import pytest
from huey import Huey, RedisHuey, SqliteHuey

from services import jobs
from services.core.errors import InvalidInputError, NotFoundError
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

GATE = threading.Event()


def ok_handler(ctx):
    for pct in (10, 50, 90):
        ctx.progress(pct, f"step {pct}")
    return {"message": "all good", "echo": ctx.params.get("x")}


def failing_handler(ctx):
    ctx.progress(30, "working")
    raise InvalidInputError("Seeds are missing.")


def buggy_handler(ctx):
    raise KeyError("boom")


def cancel_mid_way(ctx):
    ctx.progress(10, "started")
    jobs.cancel(ctx.job_id, engine=ctx.engine)  # as if the user pressed Cancel now
    ctx.progress(60, "next block")  # raises JobCancelled
    return {"message": "should not get here"}


def slow_handler(ctx):
    ctx.progress(5, "waiting")
    GATE.wait(10)
    ctx.progress(100, "done")
    return {"message": "slow done"}


HANDLERS = {
    "ok": ok_handler,
    "fail": failing_handler,
    "bug": buggy_handler,
    "cancel": cancel_mid_way,
    "slow": slow_handler,
}


@pytest.fixture()
def immediate(engine, monkeypatch):
    for kind, handler in HANDLERS.items():
        monkeypatch.setitem(jobs.HANDLERS, kind, handler)
    emb = TrigramEmbedder()
    jobs.reset()
    jobs.configure(
        progress_interval_s=0.0,
        huey=Huey("test-immediate", immediate=True),
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: emb),
    )
    yield engine
    jobs.reset()


def test_success_records_progress_result_and_timestamps(immediate, project_id):
    job_id = jobs.submit("ok", project_id, {"x": 7})
    job = jobs.get_job(job_id)
    assert job.status == "succeeded" and job.progress == 100
    assert job.result == {"message": "all good", "echo": 7} and job.message == "all good"
    assert job.started_at and job.finished_at and job.error is None and not job.is_active
    assert jobs.latest_job(project_id, "ok").id == job_id  # what the page finds after a refresh


def test_failure_is_recorded_with_its_message(immediate, project_id):
    job = jobs.get_job(jobs.submit("fail", project_id, {}))
    assert job.status == "failed" and job.error == "Seeds are missing." and job.progress == 30
    bug = jobs.get_job(jobs.submit("bug", project_id, {}))
    assert bug.status == "failed" and bug.error == "KeyError: 'boom'"


def test_cancel_while_running_stops_at_the_next_block(immediate, project_id):
    job = jobs.get_job(jobs.submit("cancel", project_id, {}))
    assert job.status == "cancelled" and job.progress == 10 and job.result == {}


def test_cancel_before_start_and_unknown_ids(immediate, engine, project_id):
    from db.models import Job
    from db.session import session_scope

    with session_scope(engine) as s:
        row = Job(project_id=project_id, kind="ok", status="queued", params={}, result={})
        s.add(row)
        s.flush()
        jid = row.id
    assert jobs.cancel(jid).status == "cancelled"
    jobs.run_job(str(jid))  # a worker picking it up later does nothing
    assert jobs.get_job(jid).status == "cancelled"
    with pytest.raises(NotFoundError):
        jobs.get_job(uuid.uuid4())
    with pytest.raises(InvalidInputError):
        jobs.submit("nope", project_id, {})


def test_cluster_job_end_to_end(immediate, project_id):
    add_keywords(immediate, project_id, [("red shoes", 100), ("red shoe", 50), ("blue hats", 10)])
    job = jobs.get_job(jobs.submit("cluster", project_id, {"options": {"threshold": 0.7}}))
    assert job.status == "succeeded", job.error
    assert job.result["diff"]["new_clusters"] == 1 and job.result["diff"]["unclustered"] == 1


def test_cluster_job_failure_marks_keywords_failed(immediate, engine, project_id):
    add_keywords(engine, project_id, [("red shoes", 100)])
    job = jobs.get_job(jobs.submit("cluster", project_id, {"options": {"strictness": "extreme"}}))
    assert job.status == "failed" and "Strictness" in job.error
    from services.keyword_lists.store import list_view

    assert list_view(engine, project_id).keywords["status"].tolist() == ["failed"]


def test_discovery_job_more_than_ten_seeds_fails_with_the_message(immediate, project_id):
    job = jobs.get_job(
        jobs.submit("discovery", project_id, {"seeds": [f"s{i}" for i in range(11)]})
    )
    assert job.status == "failed" and "At most 10 seed keywords" in job.error


def wait_for(job_id, done=lambda j: j.status in ("succeeded", "failed", "cancelled"), timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get_job(job_id)
        if done(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {jobs.get_job(job_id)}")


def consumer_test(h, engine, project_id, monkeypatch):
    for kind, handler in HANDLERS.items():
        monkeypatch.setitem(jobs.HANDLERS, kind, handler)
    jobs.reset()
    jobs.configure(
        progress_interval_s=0.0,
        huey=h,
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: TrigramEmbedder()),
    )
    GATE.clear()
    try:
        consumer = jobs.start_worker()
        assert consumer is not None and jobs.start_worker() is consumer  # idempotent
        slow = jobs.submit("slow", project_id, {})
        running = wait_for(slow, lambda j: j.progress == 5)
        assert (
            running.progress == 5 and running.message == "waiting"
        )  # progress visible while it runs
        GATE.set()
        assert wait_for(slow).status == "succeeded"
        assert wait_for(jobs.submit("ok", project_id, {"x": 1})).result["echo"] == 1
    finally:
        GATE.set()
        jobs.reset()


def test_real_consumer_thread_with_sqlite_storage(engine, project_id, tmp_path, monkeypatch):
    consumer_test(
        SqliteHuey("test-sqlite", filename=str(tmp_path / "huey.db")),
        engine,
        project_id,
        monkeypatch,
    )


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_real_consumer_thread_with_redis(engine, project_id, monkeypatch):
    h = RedisHuey(
        f"test-{uuid.uuid4().hex[:8]}",
        url=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    try:
        consumer_test(h, engine, project_id, monkeypatch)
    finally:
        h.storage.flush_all()


def test_build_huey_picks_storage_from_settings(tmp_path):
    from services.core.config import load_settings

    sqlite = jobs.build_huey(
        load_settings(
            env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}, secrets_file=tmp_path / "none"
        )
    )
    assert isinstance(sqlite, SqliteHuey) and sqlite.storage.filename == str(tmp_path / "huey.db")
    redis = jobs.build_huey(
        load_settings(
            env={
                "CLUSTER_PLANNER_DATA_DIR": str(tmp_path),
                "REDIS_URL": "redis://127.0.0.1:6379/3",
            },
            secrets_file=tmp_path / "none",
        )
    )
    assert isinstance(redis, RedisHuey)
