"""Clustering runs on the database: statuses, reconciliation stability, moves, failures."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from db.models import KeywordMetric, ListCluster, ListClusterMember
from db.session import session_scope
from services.clustering.pages import (
    REASON_MOVED,
    SINGLETON_MIN_VOLUME,
    ClusterOptions,
    lone_reason,
)
from services.clustering.reconcile import Existing, plan_run
from services.core.errors import JobCancelled
from services.keyword_lists import store as list_store
from services.keyword_lists.run import run_list_clustering
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

OPTS = ClusterOptions(threshold=0.7, hub_threshold=0.2)
FIRST = [
    ("wordpress themes", 1000),
    ("wordpress theme", 400),
    # A filler word keeps the search ("best" would make a page of its own, issue 16).
    ("awesome wordpress themes", 700),
    ("wordpress plugin", 900),
    ("wordpress plugins", 800),
    ("zzyzx quokka", 5),
]


def run(engine, project_id, **kw):
    emb = TrigramEmbedder()
    return run_list_clustering(engine, project_id, lambda n: emb, kw.pop("options", OPTS), **kw)


def statuses(engine, project_id):
    with session_scope(engine) as s:
        rows = s.execute(
            select(KeywordMetric.keyword, KeywordMetric.status).where(
                KeywordMetric.project_id == project_id
            )
        )
        return dict(rows.all())


def clusters(engine, project_id):
    with session_scope(engine) as s:
        rows = (
            s.execute(select(ListCluster).where(ListCluster.project_id == project_id))
            .scalars()
            .all()
        )
        return {c.name: (c.id, c.is_approved, c.keyword_count, c.hub_id) for c in rows}


def test_first_run_places_every_keyword_and_marks_it_clustered(engine, project_id):
    add_keywords(engine, project_id, FIRST)
    add_keywords(engine, project_id, [("new discovery", 10)], status="discovered")
    summary = run(engine, project_id)
    assert summary["diff"]["new_clusters"] == 2 and summary["diff"]["unclustered"] == 1
    st = statuses(engine, project_id)
    assert {st[k] for k, _ in FIRST} == {"clustered"}
    assert st["new discovery"] == "discovered"  # not qualified yet: left alone
    view = list_store.list_view(engine, project_id)
    assert len(view.members) == len(FIRST)
    assert view.unclustered.set_index("keyword").loc["zzyzx quokka", "reason"] == lone_reason(
        SINGLETON_MIN_VOLUME
    )  # 5 searches/month, no close variant
    got = view.clusters.set_index("name")
    assert got.loc["wordpress themes", "keyword_count"] == 3
    assert got.loc["wordpress themes", "total_volume"] == 2100
    assert len(view.hubs) >= 1 and view.clusters["hub_id"].notna().all()


def test_reconciliation_keeps_ids_names_and_approvals(engine, project_id):
    add_keywords(engine, project_id, FIRST)
    run(engine, project_id)
    before = clusters(engine, project_id)
    with session_scope(engine) as s:
        s.get(ListCluster, before["wordpress themes"][0]).is_approved = True
    # A much higher-volume variant, a semantic neighbour, and an unrelated new pair. The
    # neighbour carries no page-changing modifier ("wordpress themes free" is a page of its
    # own and does not join by similarity, issue 16).
    add_keywords(
        engine,
        project_id,
        [
            ("wordpress theme's", 99_000),
            ("wordpress themes ideas", 50),
            ("cheap flights", 300),
            ("cheap flight", 200),
        ],
    )
    summary = run(engine, project_id)
    after = clusters(engine, project_id)
    for name in before:  # same ids, same names (no rename to the 99k variant), approvals kept
        assert after[name][0] == before[name][0]
    assert after["wordpress themes"][1] is True
    assert after["wordpress themes"][2] == 5  # grew by two
    assert "cheap flights" in after and "cheap flights" not in before
    diff = summary["diff"]
    assert diff["grown"] == {str(before["wordpress themes"][0]): 2}
    assert diff["untouched"] == 1  # wordpress plugin
    assert diff["new_clusters"] == 1
    assert summary["attached_lexical"] == 1 and summary["attached_semantic"] == 1


def test_single_keyword_pages_are_saved_grow_and_lone_keywords_are_retried(engine, project_id):
    add_keywords(engine, project_id, [*FIRST, ("qwxv blorp", 500)])
    run(engine, project_id)
    view = list_store.list_view(engine, project_id)
    single = view.clusters.set_index("name").loc["qwxv blorp"]
    assert single["keyword_count"] == 1 and single["total_volume"] == 500
    assert "qwxv blorp" not in set(view.unclustered["keyword"])
    before = clusters(engine, project_id)
    # A variant of the single-keyword page, and one of the lone keyword below the floor.
    add_keywords(engine, project_id, [("qwxv blorps", 20), ("zzyzx quokkas", 30)])
    summary = run(engine, project_id)
    after = clusters(engine, project_id)
    assert after["qwxv blorp"][0] == before["qwxv blorp"][0] and after["qwxv blorp"][2] == 2
    # "zzyzx quokka" (Unclustered, below the floor) was picked up again and now has a page.
    view = list_store.list_view(engine, project_id)
    assert view.unclustered.empty
    members = view.members.set_index("keyword")
    assert members.loc["zzyzx quokka", "cluster_id"] == members.loc["zzyzx quokkas", "cluster_id"]
    assert summary["keywords"] == 3  # two new + one retried


def test_plan_run_is_pure_and_reports_how_each_keyword_was_placed():
    existing = Existing(
        pd.DataFrame(
            {"id": ["c1"], "name": ["red shoes"], "centre_keyword": ["red shoes"], "hub_id": ["h1"]}
        ),
        pd.DataFrame({"keyword": ["red shoes", "red shoe"], "cluster_id": ["c1", "c1"]}),
    )
    pending = pd.DataFrame(
        {
            "keyword": ["shoes red", "red shoes sale", "blue hats", "blue hat"],
            "search_volume": [1, 2, 3, 4],
        }
    )
    plan = plan_run(
        existing, pending, TrigramEmbedder(), ClusterOptions(threshold=0.6, hub_threshold=0.99)
    )
    how = dict(zip(plan.keywords["keyword"], plan.keywords["how"], strict=True))
    assert how == {
        "shoes red": "lexical",
        "red shoes sale": "semantic",
        "blue hats": "new",
        "blue hat": "new",
    }
    assert plan.new_clusters["name"].tolist() == ["blue hat"]
    assert plan.diff["grown"] == {"c1": 2}


def test_moved_keyword_stays_where_the_user_put_it(engine, project_id):
    add_keywords(engine, project_id, FIRST)
    run(engine, project_id)
    list_store.move_keyword(engine, project_id, "wordpress plugins", None)
    view = list_store.list_view(engine, project_id)
    row = view.unclustered.set_index("keyword").loc["wordpress plugins"]
    assert row["reason"] == REASON_MOVED and bool(row["moved_by_user"])
    assert view.clusters.set_index("name").loc["wordpress plugin", "keyword_count"] == 1
    target = view.clusters.set_index("name").loc["wordpress themes", "id"]
    list_store.move_keyword(engine, project_id, "zzyzx quokka", target)
    add_keywords(engine, project_id, [("wordpress plugin free", 5)])
    run(engine, project_id)  # a new run neither retries nor moves user-placed keywords
    with session_scope(engine) as s:
        m = {r.keyword: r for r in s.execute(select(ListClusterMember)).scalars()}
        assert (
            m["wordpress plugins"].cluster_id is None
            and m["wordpress plugins"].reason == REASON_MOVED
        )
        assert m["zzyzx quokka"].cluster_id == target


def test_volume_floor_keywords_get_their_reason(engine, project_id):
    add_keywords(engine, project_id, FIRST)
    run(engine, project_id, options=ClusterOptions(threshold=0.7, min_volume=500))
    view = list_store.list_view(engine, project_id)
    reasons = view.unclustered.set_index("keyword")["reason"]
    assert reasons["wordpress theme"] == "below volume floor"
    assert reasons["zzyzx quokka"] == "below volume floor"


def test_a_failing_run_marks_keywords_failed_and_a_cancelled_one_restores_them(engine, project_id):
    add_keywords(engine, project_id, FIRST)

    class Broken(TrigramEmbedder):
        def embed(self, texts):
            raise RuntimeError("model files missing")

    with pytest.raises(RuntimeError):
        run_list_clustering(engine, project_id, lambda n: Broken(), OPTS)
    assert set(statuses(engine, project_id).values()) == {"failed"}

    def cancel(pct, msg):
        if pct > 20:
            raise JobCancelled("cancelled by the user")

    with pytest.raises(JobCancelled):
        run(engine, project_id, progress=cancel)
    # Released to the status the run found them in (issue 11 §1): failed by the first run.
    assert set(statuses(engine, project_id).values()) == {"failed"}
    assert list_store.list_view(engine, project_id).members.empty  # nothing half-written
    summary = run(engine, project_id)  # failed/cancelled keywords are picked up again
    assert summary["keywords"] == len(FIRST)


def test_nothing_pending_is_a_quiet_no_op(engine, project_id):
    assert run(engine, project_id)["keywords"] == 0
