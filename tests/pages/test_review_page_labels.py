"""Cluster Review names page types as the site type does (site_rules.page_label): a custom
(service) site's landing page reads "service page" / "location page", a publisher's
collection "hub"; the stored page type is untouched."""

from pathlib import Path

import pandas as pd
from sqlalchemy import select

from db.models import ClusterPage, Project
from db.session import session_scope
from tests.pages.test_seed_cluster_pages import _seed_cluster
from ui.seed_clusters import review_display

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _table(rows):
    return pd.DataFrame(
        [{"page_type": t, "keyword": k, "search_volume": 10} for t, k in rows]
    ).astype({"search_volume": "Int64"})


def test_review_display_shows_the_site_types_page_label():
    table = _table([("landing", "car accident lawyer"), ("landing", "divorce lawyer near me")])
    shown = review_display(table, "custom")
    assert shown["page_type"].tolist() == ["service page", "location page"]
    assert table["page_type"].tolist() == ["landing", "landing"]  # stored values untouched
    hub = review_display(_table([("collection", "wordpress themes")]), "publisher")
    assert hub["page_type"].tolist() == ["hub"]


def test_review_page_shows_labels_for_a_service_site(app_context, engine, project_id):
    from streamlit.testing.v1 import AppTest

    result = _seed_cluster(engine, project_id)
    with session_scope(engine) as s:
        s.get(Project, project_id).site_type = "custom"
        for p in s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == result.cluster_id)):
            p.page_type = "landing"
    at = AppTest.from_file(str(PAGES / "cluster_review.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.query_params["cluster"] = str(result.cluster_id)
    at.run()
    assert not at.exception
    types = set(at.dataframe[0].value["page_type"])
    assert types and types <= {"service page", "location page"}
