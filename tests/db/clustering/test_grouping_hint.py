"""Grouping hint: an imported Ahrefs Parent Keyword is kept and, when asked, groups keywords."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from db.models import KeywordMetric, ListCluster, ListClusterMember
from db.session import session_scope
from services.clustering.pages import ClusterOptions
from services.keyword_lists import store as list_store
from services.keyword_lists.run import run_list_clustering
from services.projects.imports import import_keywords
from tests.fakes.keyword_lists import TrigramEmbedder

AHREFS = (
    b"#,Keyword,Country,Difficulty,Volume,CPC,CPS,Parent Keyword,Last Update,SERP Features\n"
    b"1,nike socks,gb,1,77000,0.6,0.86,nike socks,2022-01-22,Sitelinks\n"
    b"2,sports socks brand,gb,3,900,0.6,0.86,Nike Socks,2022-01-22,Sitelinks\n"
    b"3,football boots,gb,9,5000,0.6,0.86,,2022-01-22,Sitelinks\n"
)


def clusters_by_keyword(engine, project_id):
    with session_scope(engine) as s:
        rows = s.execute(
            select(KeywordMetric.keyword, ListCluster.name)
            .join(ListClusterMember, ListClusterMember.keyword_id == KeywordMetric.id)
            .join(ListCluster, ListCluster.id == ListClusterMember.cluster_id)
            .where(KeywordMetric.project_id == project_id)
        ).all()
    return dict(rows)


def test_parent_keyword_is_imported_as_hint(engine, project_id):
    import_keywords(engine, project_id, AHREFS, "socks.csv")
    pending = list_store.load_pending(engine, project_id).set_index("keyword")
    assert pending.loc["sports socks brand", "grouping_hint"] == "nike socks"
    assert pd.isna(pending.loc["football boots", "grouping_hint"])


def test_hint_groups_only_when_the_run_asks_for_it(engine, project_id):
    import_keywords(engine, project_id, AHREFS, "socks.csv")
    emb = TrigramEmbedder()
    summary = run_list_clustering(
        engine, project_id, lambda n: emb, ClusterOptions(use_grouping_hint=True)
    )
    assert summary["grouping_hint"] is True
    got = clusters_by_keyword(engine, project_id)
    assert got["sports socks brand"] == got["nike socks"] == "nike socks"
    assert got["football boots"] != "nike socks"


def test_switched_off_for_the_run_the_hint_is_ignored(engine, project_id):
    # Issue 16: evidence is on by default; the run (or the project) can switch it off.
    import_keywords(engine, project_id, AHREFS, "socks.csv")
    emb = TrigramEmbedder()
    summary = run_list_clustering(
        engine, project_id, lambda n: emb, ClusterOptions(), evidence=False
    )
    assert summary["grouping_hint"] is False
    assert summary["evidence"]["on"] is False
    assert summary["evidence"]["switched_off_by"] == "run"
    got = clusters_by_keyword(engine, project_id)
    assert got["sports socks brand"] != got["nike socks"]


def test_the_option_is_recorded_in_the_job_parameters():
    from services.keyword_lists.api import cluster_params

    params = cluster_params("balanced", 50, None, use_grouping_hint=True)
    assert params["options"]["use_grouping_hint"] is True
    assert ClusterOptions.from_dict(params["options"]).use_grouping_hint is True
    assert cluster_params("balanced", 50, None)["options"]["use_grouping_hint"] is False
