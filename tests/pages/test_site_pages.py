"""AppTest of pages/primary_keywords.py and pages/cannibalization.py on imported rankings."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.providers.offline_volume import ImportedVolumeProvider
from services.site import api
from tests.fakes.embedder import HashEmbedder
from tests.unit.site.rankings_samples import gsc_query_page

PAGES = Path(__file__).resolve().parents[2] / "pages"


def page(name: str, project_id) -> AppTest:
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    at.session_state["_frame"] = True  # as if app.py (the router) ran first
    at.session_state["project_id"] = str(project_id)
    return at


def _seed(engine, project_id) -> None:
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    api.run_primary_keywords(
        engine, project_id, embedder=HashEmbedder(), volume=ImportedVolumeProvider(engine)
    )


def test_primary_keywords_page_lists_and_bulk_approves(app_context, engine, project_id):
    at = page("primary_keywords.py", project_id).run()
    assert not at.exception
    assert any("No suggestions yet" in i.value for i in at.info)
    _seed(engine, project_id)
    at.run()
    assert [m.value for m in at.metric] == ["3", "0", "0", "0"]
    approve_all = next(b for b in at.button if b.label == "Approve all suggestions")
    approve_all.click().run()
    assert not at.exception
    assert at.metric[1].value == "3"
    assert any("Approved 3 primary keywords" in s.value for s in at.success)


def test_cannibalization_page_filters_and_exports(app_context, engine, project_id):
    _seed(engine, project_id)
    at = page("cannibalization.py", project_id).run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["1", "2"]
    assert set(at.dataframe[0].value["Keyword"]) == {"trail shoes"}
    at.toggle[0].set_value(False).run()
    assert set(at.dataframe[0].value["Keyword"]) == {"trail shoes", "shoe care"}
    at.text_input[0].input("care").run()
    assert set(at.dataframe[0].value["Keyword"]) == {"shoe care"}


def test_primary_keywords_page_reads_url_patterns_only_when_asked(
    app_context, engine, project_id, monkeypatch
):
    _seed(engine, project_id)
    calls: list[object] = []
    real = api.url_patterns_table
    monkeypatch.setattr(api, "url_patterns_table", lambda *a: calls.append(a) or real(*a))
    at = page("primary_keywords.py", project_id).run()
    assert not at.exception
    assert calls == []  # the expander is closed: every page of the site is not read (issue 22)
    at.toggle(key="primary_patterns").set_value(True).run()
    assert not at.exception
    assert len(calls) == 1
    assert any("No pattern yet" in c.value for c in at.caption) or at.dataframe
