"""The project's evidence switch (issue 16: "a project setting can switch it off"): shown on
the project form, saved, and never reset by saving the brand profile."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.keyword_lists.evidence_store import read_settings
from services.projects.api import get_project, save_project
from services.seed_clusters.api import evidence_enabled, set_evidence_enabled

APP = Path(__file__).resolve().parents[2] / "app.py"
LABEL = "Group keywords by the evidence in the data"


def test_saving_the_profile_keeps_a_switched_off_evidence_setting(engine):
    pid = save_project(engine, name="Loans")
    assert evidence_enabled(engine, pid)  # absent = on
    set_evidence_enabled(engine, pid, False)
    save_project(engine, name="Loans", project_id=pid, domain="loans.example")
    assert not evidence_enabled(engine, pid) and not get_project(engine, pid).use_evidence
    save_project(engine, name="Loans", project_id=pid, use_evidence=True)
    assert evidence_enabled(engine, pid)
    with engine.connect() as conn:
        assert read_settings(conn, pid)["use_evidence"] is True  # list clustering reads it too


def test_the_project_form_switches_evidence_off(app_context, engine, monkeypatch):
    import services.app.jobs as jobs

    monkeypatch.setattr(jobs, "start_worker", lambda app: None)
    pid = save_project(engine, name="Sock shop")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["project"] = str(pid)
    at.run()
    (box,) = [c for c in at.checkbox if c.label == LABEL]
    assert box.value is True
    box.uncheck()
    next(b for b in at.button if b.label == "Save project").click().run()
    assert not at.exception
    assert not evidence_enabled(engine, pid)
