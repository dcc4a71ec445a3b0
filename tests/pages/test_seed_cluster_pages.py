"""AppTest for the seed-cluster pages (seeded session state, assertions on rendered values)."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import KeywordMetric, Project
from db.session import session_scope
from services.seed_clusters.api import FunnelDeps, generate_cluster
from tests.fakes.funnel import (
    BRAND,
    TRAIL_CANDIDATES,
    TRAIL_VOLUMES,
    DictVolume,
    HashingEmbedder,
    ScriptedLLM,
)

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _page(name, project_id=None, **state):
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    at.session_state["_frame"] = True
    if project_id is not None:
        at.session_state["project_id"] = str(project_id)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def _text(element):
    """An element's text without the Markdown escapes of ``ui.safe.plain``."""
    return element.value.replace("\\", "")


def _seed_cluster(engine, project_id):
    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    return generate_cluster("trail running shoes", BRAND, project_id, deps=deps)


def test_projects_page_creates_a_project_with_brand_profile(app_context, engine):
    at = _page("projects.py")
    assert not at.exception
    at.text_input[0].input("Ridgeline")
    at.text_input[1].input("https://ridgeline.example/")
    at.text_input[2].input("Ridgeline Running")
    at.text_area[0].input("trail running shoes\nrunning socks")
    at.text_input[4].input("Salomon, Hoka")
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "Saved project 'Ridgeline'" in _text(at.success[0])
    with session_scope(engine) as s:
        p = s.scalar(select(Project))
        assert p.domain == "ridgeline.example"
        assert p.brand_config["products"] == ["trail running shoes", "running socks"]
        assert p.brand_config["competitors"] == ["Salomon", "Hoka"]


def test_projects_page_edit_mode_shows_import_section(app_context, project_id):
    at = _page("projects.py", project_id)
    assert not at.exception
    assert at.text_input[0].value == "Test Store"
    assert any("Import keyword data" in h.value for h in at.subheader)


def test_new_cluster_page_without_project_asks_for_one(app_context):
    at = _page("new_cluster.py")
    assert at.info and "project" in at.info[0].value


def test_new_cluster_page_generates_offline_cluster(app_context, engine, project_id):
    with session_scope(engine) as s:
        s.add_all(
            KeywordMetric(
                project_id=project_id, keyword=k.replace("'", ""), search_volume=v, source="semrush"
            )
            for k, v in TRAIL_VOLUMES.items()
        )
    at = _page("new_cluster.py", project_id)
    assert not at.exception
    assert "LLM: **offline**" in at.caption[0].value
    at.text_input[0].input("trail running shoes")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state["cluster_id"]
    table = at.dataframe[0].value
    assert 8 <= len(table) <= 12
    assert list(table["role"]).count("parent") == 1
    assert table.iloc[0]["keyword"] == "trail running shoes"
    # Issue 8: every page is real data, with its type, path, source and score breakdown.
    assert set(table["source"]) == {"data"}
    assert {"page type", "URL path", "volume pts", "relevance pts", "competition pts"} <= set(
        table.columns
    )
    parts = table[["volume pts", "relevance pts", "competition pts"]].sum(axis=1)
    assert (parts - table["score"]).abs().max() < 0.02


def test_cluster_review_page_shows_suggestions_and_approves_the_preselected_pages(
    app_context, engine, project_id
):
    result = _seed_cluster(engine, project_id)
    at = _page("cluster_review.py", project_id, cluster_id=str(result.cluster_id))
    assert not at.exception
    assert "trail running shoes" in at.caption[0].value
    assert f"{len(result.suggestions)} pages" in at.caption[0].value
    approve = next(b for b in at.button if b.label == "Approve selected")
    approve.click().run()
    preselected = sum(s.preselected for s in result.suggestions)
    assert at.success and f"Approved: {preselected} pages created" in _text(at.success[0])


def test_clusters_page_lists_clusters_with_volume(app_context, engine, project_id):
    result = _seed_cluster(engine, project_id)
    at = _page("clusters.py", project_id)
    assert not at.exception
    assert at.metric[0].value == "1"
    total = sum(p.search_volume or 0 for p in result.suggestions)
    assert at.metric[3].value == f"{total:,}/mo"
    df = at.dataframe[0].value
    assert df.iloc[0]["Status"] == "suggestions_ready"  # human column names
    assert df.iloc[0]["Pages"] == len(result.suggestions)
    assert "total_search_volume" not in df.columns


@pytest.mark.parametrize("page", ["cluster_review.py", "clusters.py"])
def test_cluster_pages_without_clusters_say_so(app_context, project_id, page):
    at = _page(page, project_id)
    assert not at.exception
    assert at.info and "No clusters yet" in at.info[0].value


def test_project_count_unchanged_by_page_views(app_context, engine, project_id):
    _page("projects.py", project_id)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1


def test_cluster_review_select_all_and_approve(app_context, engine, project_id):
    from db.models import CrawledPage, KeywordCluster

    result = _seed_cluster(engine, project_id)
    at = _page("cluster_review.py", project_id, cluster_id=str(result.cluster_id))
    at.toggle[0].set_value(True).run()
    next(b for b in at.button if b.label == "Approve selected").click().run()
    assert not at.exception
    assert at.success and f"Approved: {len(result.suggestions)} pages created" in _text(
        at.success[0]
    )
    assert "status: **approved**" in at.caption[0].value
    with session_scope(engine) as s:
        assert s.get(KeywordCluster, result.cluster_id).status == "approved"
        assert s.scalar(select(func.count()).select_from(CrawledPage)) == len(result.suggestions)
