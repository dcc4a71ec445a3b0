"""AppTest of the router (app.py): the real menu comes before any database work, archived
projects are not offered."""

from pathlib import Path

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


def test_navigation_is_declared_before_any_heavy_import():
    source = APP.read_text()
    nav = source.index("st.navigation(")
    for heavy in ("services.app.context", "services.projects.api", "services.core.errors"):
        assert source.index(heavy) > nav, heavy
