"""AppTest for the issue-8 screens: seed errors at the input, same seed again, archive and
restore, human column names and totals, no empty chart, project site type and saved form."""

from pathlib import Path

from fakes.embedder import HashEmbedder
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import ClusterPage, Project
from db.session import session_scope
from services.projects.api import list_projects
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.queries import list_clusters
from tests.fakes.funnel import BRAND, TRAIL_CANDIDATES, TRAIL_VOLUMES, DictVolume, ScriptedLLM

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
    return element.value.replace("\\", "")


def _cluster(engine, project_id, volumes=TRAIL_VOLUMES):
    emb = HashEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(TRAIL_CANDIDATES),
        volume=DictVolume(volumes),
        embedder_factory=lambda: emb,
    )
    return generate_cluster("trail running shoes", BRAND, project_id, deps=deps)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_seed_errors_show_at_the_input(app_context, project_id):
    for seed, message in [
        ("", "Enter a seed keyword"),
        ("x" * 250, "at most 200"),
        ("!!! 123", "at least one letter"),
    ]:
        at = _page("new_cluster.py", project_id)
        at.text_input[0].input(seed)
        at.button[0].click().run()
        assert not at.exception
        assert at.error and message in _text(at.error[0])
        assert not at.status  # nothing ran, no collapsed box


def test_same_seed_again_offers_open_or_new_version(app_context, engine, project_id):
    first = _cluster(engine, project_id)
    at = _page("new_cluster.py", project_id)
    at.text_input[0].input("Trail Running Shoes")
    at.button[0].click().run()
    assert not at.exception
    assert at.info and "already has 1 cluster" in _text(at.info[0])
    _button(at, "Make a new version").click().run()
    assert not at.exception
    names = set(list_clusters(engine, project_id)["name"])
    assert names == {"trail running shoes", "trail running shoes (v2)"}
    at = _page("new_cluster.py", project_id)
    at.text_input[0].input("trail running shoes")
    at.button[0].click().run()
    _button(at, "Open the existing cluster").click().run()
    assert at.session_state["cluster_id"] != str(first.cluster_id)  # the newest


def test_archive_and_restore_a_cluster_with_confirmation(app_context, engine, project_id):
    result = _cluster(engine, project_id)
    at = _page("cluster_review.py", project_id, cluster_id=str(result.cluster_id))
    _button(at, "Archive cluster").click().run()
    assert at.warning and any("Archive 'trail running shoes'" in _text(w) for w in at.warning)
    assert len(list_clusters(engine, project_id)) == 1  # not yet
    _button(at, "Confirm").click().run()
    assert not at.exception
    assert list_clusters(engine, project_id).empty
    assert at.info and "No clusters yet" in at.info[0].value
    _button(at, "Restore").click().run()
    assert len(list_clusters(engine, project_id)) == 1


def test_clusters_page_counts_a_keyword_once_and_says_no_volume_data(
    app_context, engine, project_id
):
    _cluster(engine, project_id)
    second = _cluster(engine, project_id)
    at = _page("clusters.py", project_id)
    assert not at.exception
    total = sum(p.search_volume or 0 for p in second.suggestions)
    assert at.metric[3].value == f"{total:,}/mo"  # not twice
    assert "Seed keyword" in at.dataframe[0].value.columns
    with session_scope(engine) as s:
        for p in s.scalars(select(ClusterPage)):
            p.search_volume = None
    at = _page("clusters.py", project_id)
    assert any("No volume data" in i.value for i in at.info)


def test_project_site_type_is_saved_and_the_saved_project_stays_in_the_form(app_context, engine):
    at = _page("projects.py")
    at.text_input[0].input("Lender Guide")
    at.selectbox[1].set_value("publisher")
    at.button[0].click().run()
    assert not at.exception
    assert at.radio[0].value == "Edit selected"
    assert at.text_input[0].value == "Lender Guide"
    assert at.subheader and at.subheader[0].value == "Import keyword data"  # first, on top
    with session_scope(engine) as s:
        assert s.scalar(select(Project.site_type)) == "publisher"


def test_custom_site_type_without_pattern_is_refused(app_context, engine):
    at = _page("projects.py")
    at.text_input[0].input("Custom")
    at.selectbox[1].set_value("custom")
    at.button[0].click().run()
    assert at.error and "custom URL pattern" in _text(at.error[0])


def test_archive_and_restore_a_project(app_context, engine, project_id):
    at = _page("projects.py", project_id)
    _button(at, "Archive project").click().run()
    _button(at, "Confirm").click().run()
    assert not at.exception
    assert list_projects(engine) == []
    _button(at, "Restore").click().run()
    assert [p.id for p in list_projects(engine)] == [project_id]


def test_keyword_lists_tab_comes_back_from_the_url_after_a_reload(app_context, project_id):
    at = AppTest.from_file(str(PAGES / "keyword_lists.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.query_params["tab"] = "Keywords"  # the URL the browser reloads
    at.run()
    assert not at.exception
    assert at.session_state["tab"] == "Keywords"
    fresh = _page("keyword_lists.py", project_id)
    assert fresh.session_state["tab"] == "Import"
