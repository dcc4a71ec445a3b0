"""The one import widget on the Projects and Keyword Lists pages (AppTest): inline import,
the confirm for files that are mostly not keywords, large files as a job, plain-text output."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from huey import Huey
from streamlit.testing.v1 import AppTest

from services.app import jobs
from services.projects import jobs as import_jobs
from services.projects.imports import load_keyword_universe

PAGES = Path(__file__).resolve().parents[2] / "pages"
HEADER = "Keyword,Volume,Keyword Difficulty\n"
IMAGE = "![p](http://127.0.0.1:9/x.png)"


@pytest.fixture()
def queue(app_context, engine, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL_S", 0.0)
    monkeypatch.setattr(jobs, "HANDLERS", {**jobs.HANDLERS, "import": import_jobs.import_job})
    jobs.reset()
    jobs.configure(
        huey=Huey("import-widget-test", immediate=True),
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: None),
    )
    yield app_context
    jobs.reset()


def _page(name: str, project_id) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    return at.run()


def _press(at: AppTest, label: str) -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def _upload(at: AppTest, text: str, name: str = "export.csv") -> AppTest:
    at.file_uploader[0].set_value((name, text.encode(), "text/csv"))
    return at.run()


def test_projects_page_imports_inline_and_shows_user_text_plainly(queue, engine, project_id):
    rows = [f"wordpress theme {i},{100 + i},20" for i in range(20)] + [f"{IMAGE} theme,5,5"]
    at = _upload(_page("projects.py", project_id), HEADER + "\n".join(rows) + "\n", IMAGE + ".csv")

    at = _press(at, "Import")

    assert not at.exception
    assert at.success[0].value.startswith("Imported 21 keywords from a Semrush export")
    assert len(load_keyword_universe(engine, project_id)) == 21
    assert all("](" not in e.value for e in [*at.success, *at.error, *at.warning])


def test_a_gibberish_file_needs_the_confirmation(queue, engine, project_id):
    rng = random.Random(3)
    junk = ["".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))]
    junk += [
        "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
        for _ in range(99)
    ]
    at = _upload(
        _page("keyword_lists.py", project_id), HEADER + "".join(f"{k},1,1\n" for k in junk)
    )

    at = _press(at, "Import")
    assert "do not look like search queries" in at.warning[0].value
    assert load_keyword_universe(engine, project_id).empty

    at.checkbox[0].check().run()
    at = _press(at, "Import")
    assert not at.exception and at.success[0].value.startswith("Imported 100 keywords")


def test_a_large_file_runs_as_a_job_whose_outcome_survives_a_reload(
    queue, engine, project_id, monkeypatch
):
    monkeypatch.setattr("ui.imports.JOB_THRESHOLD_BYTES", 100)
    rows = "".join(f"trail running shoe {i},{i},10\n" for i in range(300))
    at = _upload(_page("projects.py", project_id), HEADER + rows)

    _press(at, "Import")  # queued; the immediate queue runs it now

    job = jobs.latest_job(project_id, "import", engine=engine)
    assert job is not None and job.status == "succeeded" and job.result["inserted"] == 300
    reloaded = _page("projects.py", project_id)  # a fresh session: the panel reads the job row
    assert not reloaded.exception
    assert any(s.value.startswith("Imported 300 keywords") for s in reloaded.success)


def test_cluster_review_caption_shows_a_markdown_seed_as_plain_text(
    app_context, engine, project_id
):
    from sqlalchemy import update

    from db.models import KeywordCluster
    from services.seed_clusters.api import FunnelDeps, generate_cluster
    from tests.fakes.funnel import (
        BRAND,
        TRAIL_CANDIDATES,
        TRAIL_VOLUMES,
        DictVolume,
        HashingEmbedder,
        ScriptedLLM,
    )

    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    with engine.begin() as conn:
        conn.execute(
            update(KeywordCluster)
            .where(KeywordCluster.id == result.cluster_id)
            .values(seed_keyword=IMAGE)
        )

    at = AppTest.from_file(str(PAGES / "cluster_review.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.session_state["cluster_id"] = str(result.cluster_id)
    at = at.run()

    assert not at.exception
    caption = at.caption[0].value
    assert "![p](" not in caption and r"!\[p\](http://127.0.0.1:9/x.png)" in caption
