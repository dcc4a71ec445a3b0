"""The open cluster lives in the URL (issue 19): a reload or a shared link opens it."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.seed_clusters.api import set_cluster_archived
from tests.pages.test_seed_cluster_pages import _seed_cluster

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _review(project_id, **query):
    at = AppTest.from_file(str(PAGES / "cluster_review.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def test_cluster_review_opens_the_cluster_of_the_url_and_writes_the_choice_back(
    app_context, engine, project_id
):
    first = _seed_cluster(engine, project_id)
    at = _review(project_id)
    assert not at.exception
    assert at.query_params["cluster"] == str(first.cluster_id)  # the open cluster is in the URL
    at = _review(project_id, cluster=str(first.cluster_id))
    assert at.selectbox[0].value == str(first.cluster_id)
    assert not at.warning


def test_an_archived_or_unknown_cluster_in_the_url_says_so_and_offers_the_picker(
    app_context, engine, project_id
):
    result = _seed_cluster(engine, project_id)
    set_cluster_archived(engine, result.cluster_id, True)
    _seed_cluster(engine, project_id)  # another, live cluster: it must not open in its place
    at = _review(project_id, cluster=str(result.cluster_id))
    assert not at.exception
    assert any("not in this project or is archived" in w.value for w in at.warning)
    assert at.selectbox[0].value is None
    assert not any(b.label == "Approve selected" for b in at.button)
