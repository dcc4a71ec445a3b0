"""The ``import`` job: progress, batches committed and recorded, resume after an
interruption, the upload kept until success (issue 11, item 1's import part)."""

from __future__ import annotations

import pytest
from huey import Huey
from sqlalchemy import func, select, update

from db.models import Job, KeywordMetric
from services import jobs
from services.core.errors import ClusterPlannerError
from services.projects import jobs as import_jobs
from services.projects.imports import store
from tests.conftest import SEMRUSH_WP

WP_KEYWORDS = 12_679


class WorkerKilled(ClusterPlannerError):
    """Stands in for a worker that dies mid-import."""


@pytest.fixture()
def queue(engine, monkeypatch):
    monkeypatch.setitem(jobs.HANDLERS, "import", import_jobs.import_job)
    jobs.reset()
    jobs.configure(
        progress_interval_s=0.0,
        huey=Huey("test-import-job", immediate=True),
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: None),
    )
    yield engine
    jobs.reset()


def _count(engine, project_id) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(KeywordMetric.project_id == project_id)
        ).scalar_one()


def test_import_job_saves_every_keyword_and_deletes_the_upload(queue, project_id, tmp_path):
    job_id = import_jobs.start_import(
        queue, project_id, SEMRUSH_WP.read_bytes(), SEMRUSH_WP.name, data_dir=tmp_path
    )

    job = jobs.get_job(job_id, engine=queue)
    assert job.status == "succeeded", job.error
    assert (job.result["inserted"], job.result["updated"]) == (WP_KEYWORDS, 0)
    assert job.result["saved"] == job.result["total"] == WP_KEYWORDS
    assert job.message.startswith(f"Imported {WP_KEYWORDS:,} keywords from a Semrush export")
    assert _count(queue, project_id) == WP_KEYWORDS
    assert list(import_jobs.uploads_dir(tmp_path).iterdir()) == []
    assert import_jobs.describe(job) == job.result["message"]


def test_an_interrupted_import_says_what_was_saved_and_resumes_from_there(
    queue, project_id, tmp_path, monkeypatch
):
    monkeypatch.setattr(store, "CHUNK_SIZE", 1_000)
    real_write = store.write_keywords

    def dies_after_three_batches(*args, **kwargs):
        inner = kwargs["progress"]

        def progress(saved, total):
            inner(saved, total)
            if saved >= 3_000:
                raise WorkerKilled("worker killed")

        return real_write(*args, **{**kwargs, "progress": progress})

    monkeypatch.setattr("services.projects.imports.write_keywords", dies_after_three_batches)
    job_id = import_jobs.start_import(
        queue, project_id, SEMRUSH_WP.read_bytes(), SEMRUSH_WP.name, data_dir=tmp_path
    )

    job = jobs.get_job(job_id, engine=queue)  # what a reloaded page reads
    assert job.status == "failed"
    assert job.result["saved"] == 3_000 and job.result["total"] == WP_KEYWORDS
    assert _count(queue, project_id) == 3_000  # the committed batches stayed
    assert "3,000 of 12,679 keywords were saved" in import_jobs.describe(job)
    assert len(list(import_jobs.uploads_dir(tmp_path).iterdir())) == 1  # kept for a resume

    monkeypatch.setattr("services.projects.imports.write_keywords", real_write)
    with queue.begin() as conn:  # re-queued with the same id, as "Resume" does
        conn.execute(update(Job).where(Job.id == job_id).values(status="running"))
    ctx = jobs.JobContext(job_id, job.project_id, job.params, jobs.get_deps())
    result = import_jobs.import_job(ctx)

    assert (result["inserted"], result["updated"]) == (WP_KEYWORDS, 0)  # not re-counted
    assert _count(queue, project_id) == WP_KEYWORDS
    assert list(import_jobs.uploads_dir(tmp_path).iterdir()) == []


def test_a_missing_upload_fails_the_job_with_a_clear_message(queue, project_id, tmp_path):
    job_id = import_jobs.start_import(
        queue, project_id, b"Keyword,Volume,Keyword Difficulty\n", "gone.csv", data_dir=tmp_path
    )  # fails at parse: header only
    job = jobs.get_job(job_id, engine=queue)
    assert job.status == "failed" and "no data rows" in (job.error or "")

    ctx = jobs.JobContext(job_id, job.project_id, {"path": str(tmp_path / "x")}, jobs.get_deps())
    with pytest.raises(ClusterPlannerError, match="no longer on the server"):
        import_jobs.import_job(ctx)


def test_the_import_kind_is_wired_in_the_composition_root():
    from services.app.bootstrap import job_handlers, wire_process

    wire_process()
    assert "import" in jobs.HANDLERS  # registered without importing the handler's module
    assert job_handlers()["import"] is import_jobs.import_job
