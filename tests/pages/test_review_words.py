"""Cluster Review words and counts (issue 19): "—" for a missing volume, never "None"; the
count says "1 page"; a rejected edit is reported above the table, not below the buttons."""

from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import ClusterPage
from db.session import session_scope
from tests.pages.test_seed_cluster_pages import _seed_cluster

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _review(project_id, cluster_id):
    at = AppTest.from_file(str(PAGES / "cluster_review.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.query_params["cluster"] = str(cluster_id)
    return at.run()


def test_missing_volume_reads_dash_and_one_page_is_singular(app_context, engine, project_id):
    result = _seed_cluster(engine, project_id)
    with session_scope(engine) as s:
        pages = s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == result.cluster_id))
        for i, p in enumerate(pages):
            if p.role == "parent":
                p.search_volume = None
            elif i > 0:
                s.delete(p)
    at = _review(project_id, result.cluster_id)
    assert not at.exception
    table = at.dataframe[0].value
    assert table["search_volume"].tolist() == ["—"]
    assert "None" not in table.astype(str).to_string()
    caption = at.caption[0].value
    assert "1 page ·" in caption and "1 pages" not in caption and "1 selected" in caption


def test_a_rejected_edit_is_reported_above_the_table(app_context, engine, project_id, monkeypatch):
    import services.seed_clusters.review as review
    from services.core.errors import InvalidInputError

    def refuse(*_args, **_kwargs):
        raise InvalidInputError("'trail running shoes': a path must start with /")

    monkeypatch.setattr(review, "to_decisions", refuse)
    result = _seed_cluster(engine, project_id)
    at = _review(project_id, result.cluster_id)
    next(b for b in at.button if b.label == "Save edits").click().run()
    assert not at.exception
    main = list(at.main)
    kinds = [e.type for e in main]
    assert at.error and "a path must start with /" in at.error[0].value
    assert kinds.index("error") < kinds.index("dataframe") < kinds.index("button")  # in view
