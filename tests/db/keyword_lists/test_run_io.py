"""Loading a run's keywords and saving its members (services.keyword_lists.store / .save)."""

from __future__ import annotations

from sqlalchemy import select

from db.models import ListClusterMember
from db.session import session_scope
from services.clustering.pages import ClusterOptions
from services.keyword_lists import save, store
from services.keyword_lists.run import run_list_clustering
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords


def test_pending_keywords_come_in_one_order_on_every_database(engine, project_id):
    # Inserted out of order: the order is volume (unknown first), then keyword.
    add_keywords(
        engine,
        project_id,
        [("b shoes", 20), ("c shoes", None), ("a shoes", 20), ("d shoes", 5), ("e shoes", None)],
    )
    pending = store.load_pending(engine, project_id)
    assert pending["keyword"].tolist() == ["c shoes", "e shoes", "d shoes", "a shoes", "b shoes"]


def test_members_are_written_page_by_page(engine, project_id, monkeypatch):
    monkeypatch.setattr(save, "WRITE_CHUNK", 2)  # several pages (COPY rows on PostgreSQL)
    words = ["red running shoes", "red running shoe", "blue sofa", "blue sofas", "lamp"]
    add_keywords(engine, project_id, [(w, 10 * (i + 1)) for i, w in enumerate(words)])
    run_list_clustering(
        engine, project_id, lambda _n: TrigramEmbedder(), ClusterOptions(singleton_min_volume=None)
    )
    with session_scope(engine) as s:
        rows = s.execute(
            select(
                ListClusterMember.keyword,
                ListClusterMember.cluster_id,
                ListClusterMember.reason,
                ListClusterMember.search_volume,
                ListClusterMember.run_no,
            )
        ).all()
    by_word = {r.keyword: r for r in rows}
    assert set(by_word) == set(words)
    assert by_word["red running shoes"].cluster_id == by_word["red running shoe"].cluster_id
    assert by_word["red running shoes"].cluster_id is not None
    assert by_word["lamp"].cluster_id is None and by_word["lamp"].reason
    assert by_word["blue sofas"].search_volume == 40
    assert {r.run_no for r in rows} == {1}
