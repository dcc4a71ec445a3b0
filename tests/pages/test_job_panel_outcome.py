"""The job panel colours a finished batch by its outcome: a job that ran to its end with
failed rows is amber (partial) or red (failed), not green."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from db.models import Job
from db.session import session_scope


def _panel(engine_url: str, project_id: str) -> None:
    from sqlalchemy import create_engine

    from ui.jobs import job_panel

    job_panel(create_engine(engine_url), project_id, "drafts")


def _finished_drafts_job(engine, project_id, status: str) -> None:
    with session_scope(engine) as s:
        s.add(
            Job(
                project_id=project_id,
                kind="drafts",
                status="succeeded",
                progress=100,
                message="done",
                params={},
                result={"message": "1 drafted, 2 failed", "outcome": {"status": status}},
            )
        )


def test_a_partial_batch_is_amber_not_green(app_context, engine, project_id):
    _finished_drafts_job(engine, project_id, "partial")
    url = engine.url.render_as_string(hide_password=False)
    at = AppTest.from_function(_panel, args=(url, str(project_id))).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["1 drafted, 2 failed"] and not at.success
