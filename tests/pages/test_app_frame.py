"""AppTest of the router (app.py): the real menu comes before any database work, archived
projects are not offered."""

import importlib
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from services.projects.api import save_project, set_project_archived

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_router_runs_and_offers_only_live_projects(app_context, engine, monkeypatch):
    import services.app.jobs as jobs

    monkeypatch.setattr(jobs, "start_worker", lambda app: None)
    live = save_project(engine, name="Live shop")
    gone = save_project(engine, name="Test junk")
    set_project_archived(engine, gone, True)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    picker = at.sidebar.selectbox[0]
    assert picker.options == ["Live shop"]
    assert at.session_state["project_id"] == str(live)


def _router(monkeypatch):
    import services.app.jobs as jobs

    monkeypatch.setattr(jobs, "start_worker", lambda app: None)
    return AppTest.from_file(str(APP), default_timeout=60)


def test_the_project_in_the_url_is_opened_and_the_choice_is_written_back(
    app_context, engine, monkeypatch
):
    save_project(engine, name="A first client")
    second = save_project(engine, name="B second client")
    at = _router(monkeypatch)
    at.query_params["project"] = str(second)  # a deep link / reload / new tab
    at.run()
    assert not at.exception
    assert at.session_state["project_id"] == str(second)
    assert at.sidebar.selectbox[0].value == str(second)

    fresh = _router(monkeypatch).run()  # no project in the URL: the first one, written to it
    first = fresh.session_state["project_id"]
    assert first != str(second) and fresh.query_params["project"] == first


def test_an_unknown_or_archived_project_in_the_url_says_so_and_opens_nothing(
    app_context, engine, monkeypatch
):
    save_project(engine, name="Live shop")
    gone = save_project(engine, name="Archived shop")
    set_project_archived(engine, gone, True)
    at = _router(monkeypatch)
    at.query_params["project"] = str(gone)
    at.run()
    assert not at.exception
    assert "project_id" not in at.session_state
    assert at.sidebar.selectbox[0].value is None  # the picker is offered, nothing opened
    assert any("'Archived shop', is archived" in w.value for w in at.sidebar.warning)

    at = _router(monkeypatch)
    at.query_params["project"] = "00000000-0000-0000-0000-000000000000"
    at.run()
    assert any("does not exist" in w.value for w in at.sidebar.warning)


def test_selfcheck_names_the_install_command_in_the_sidebar(app_context, engine, monkeypatch):
    from services.app import selfcheck

    real = selfcheck.run_selfcheck

    def no_html_clean(name):
        if name == "lxml_html_clean":
            raise ImportError("No module named 'lxml_html_clean'")
        return importlib.import_module(name)

    monkeypatch.setattr(selfcheck, "run_selfcheck", lambda: real(no_html_clean))
    st.cache_resource.clear()  # the check runs once per server
    at = _router(monkeypatch)
    at.run()
    st.cache_resource.clear()
    assert not at.exception
    assert any("Crawl extraction is not installed" in e.value for e in at.sidebar.error)
    assert [c.value for c in at.sidebar.code] == ['pip install "lxml_html_clean>=0.4,<1"']


def test_a_new_project_is_opened_in_the_url_too(app_context, engine, monkeypatch):
    first = save_project(engine, name="Alpha client")
    at = _router(monkeypatch)
    at.query_params["project"] = str(first)
    at.run()
    next(r for r in at.radio if r.label == "Project").set_value("Create new").run()
    at.text_input[0].input("Beta shop")
    next(b for b in at.button if b.label == "Save project").click().run()
    assert not at.exception
    new = at.session_state["project_id"]
    assert new != str(first)
    assert at.query_params["project"] == new  # a reload opens the new project, not the old one
    at.run()  # a reload of that URL
    assert at.session_state["project_id"] == new and at.query_params["project"] == new
