"""AppTest of pages/keyword_lists.py: filters, cluster job with progress, clusters view, discover."""

from __future__ import annotations

from pathlib import Path

import pytest
from huey import Huey
from streamlit.testing.v1 import AppTest

from services.app import jobs
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "keyword_lists.py")


@pytest.fixture()
def inline_jobs(app_context, engine):
    """Jobs run inline (huey immediate mode) with a fast fake embedder."""
    emb = TrigramEmbedder()
    jobs.reset()
    jobs.configure(
        huey=Huey("page-test", immediate=True),
        deps=jobs.JobDeps(engine=engine, embedder_factory=lambda n: emb),
    )
    yield
    jobs.reset()


def page(project_id, tab: str | None = None) -> AppTest:
    """The page as opened from a link: only the tab in ``?tab=`` is rendered (issue 22)."""
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["_frame"] = True
    if project_id is not None:
        at.session_state["project_id"] = str(project_id)
    if tab is not None:
        at.query_params["tab"] = tab
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_no_project_selected(inline_jobs):
    at = page(None).run()
    assert not at.exception
    assert any("select a project" in i.value.lower() for i in at.info)


def test_filter_cluster_and_view(inline_jobs, engine, project_id):
    add_keywords(
        engine,
        project_id,
        [
            {
                "keyword": "wordpress themes",
                "search_volume": 1000,
                "keyword_difficulty": 30,
                "intent": "commercial",
            },
            {"keyword": "wordpress theme", "search_volume": 400, "keyword_difficulty": 10},
            # A filler word: the same search ("best" would be a page of its own, issue 16).
            {"keyword": "awesome wordpress themes", "search_volume": 700, "keyword_difficulty": 12},
            {"keyword": "zzyzx quokka", "search_volume": 5},
        ],
    )
    at = page(project_id, "Keywords").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 4
    next(n for n in at.number_input if n.label == "Max. KD ").set_value(20)
    at.run()
    assert set(at.dataframe[0].value["keyword"]) == {
        "wordpress theme",
        "awesome wordpress themes",
        "zzyzx quokka",
    }
    button(at, "Cluster").click()
    at.run()
    assert not at.exception
    assert any("1 new cluster," in s.value and "1 unclustered" in s.value for s in at.success)
    at.query_params["tab"] = "Clusters"  # the user opens the Clusters tab
    at.run()
    assert not at.exception
    assert at.get("plotly_chart")  # treemap of hubs → clusters → keywords
    labels = [e.label for e in at.expander]
    assert any(label.startswith("wordpress themes · 3 keywords · 2,100/mo") for label in labels)
    assert "Unclustered · 1 keyword" in labels  # not "1 keywords"
    # Closed cards draw no member table (issue 22); opening one shows its keywords.
    assert not at.dataframe
    from services.keyword_lists.api import list_view

    for cid in list_view(engine, project_id).clusters["id"]:
        at.session_state[f"card-{cid}"] = True
    at.session_state["unclustered"] = True
    at.run()
    tables = [set(d.value["keyword"]) for d in at.dataframe]
    assert {"wordpress themes", "wordpress theme", "awesome wordpress themes"} in tables
    assert {"zzyzx quokka"} in tables
    assert [d.label for d in at.get("download_button")] == ["Export clusters (CSV)"]
    hub = next(b for b in at.selectbox if b.label == "Hub")
    assert at.query_params["hub"] == hub.value  # the chosen hub is in the URL
    button(at, "Send to review").click()
    at.run()
    assert any("Cluster Review" in s.value for s in at.success)


def test_discover_refuses_more_than_ten_seeds(inline_jobs, project_id):
    at = page(project_id, "Discover").run()
    at.text_area[0].set_value("\n".join(f"seed {i}" for i in range(11)))
    button(at, "Discover").click()
    at.run()
    assert any("At most 10 seed keywords" in e.value for e in at.error)


def test_failed_job_shows_its_message(inline_jobs, engine, project_id):
    add_keywords(engine, project_id, [("red shoes", 10)])
    jobs.submit("cluster", project_id, {"options": {"strictness": "extreme"}}, engine=engine)
    at = page(project_id, "Keywords").run()
    assert any("cluster job failed" in e.value and "Strictness" in e.value for e in at.error)


def test_a_failed_job_can_be_resumed_from_the_page(inline_jobs, engine, project_id):
    add_keywords(engine, project_id, [("red shoes", 10), ("red shoe", 5)])
    job_id = jobs.submit(
        "cluster", project_id, {"options": {"strictness": "extreme"}}, engine=engine
    )
    first = jobs.get_job(job_id, engine=engine)
    assert first.status == "failed"
    at = page(project_id, "Keywords").run()
    resume = [b for b in at.button if b.label == "Resume"]
    assert resume, "a failed job offers Resume"
    resume[0].click().run()
    again = jobs.get_job(job_id, engine=engine)  # the same job ran once more (inline queue)
    assert again.started_at is not None and again.started_at > first.started_at


def test_only_the_open_tab_is_computed(inline_jobs, engine, project_id, monkeypatch):
    from services.keyword_lists import api

    add_keywords(engine, project_id, [("red shoes", 10)])
    built = []
    monkeypatch.setattr(api, "clusters_csv", lambda *a: built.append(a) or b"x")
    real_view = api.list_view
    views = []
    monkeypatch.setattr(api, "list_view", lambda *a: views.append(a) or real_view(*a))
    at = page(project_id).run()  # the Import tab: no keyword list is loaded
    assert not at.exception and views == []
    at = page(project_id, "Keywords").run()
    assert not at.exception and len(views) == 1
    assert built == []  # the clusters CSV is built only when the download is clicked
