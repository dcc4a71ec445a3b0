"""Issue 16 in list clustering: evidence on by default and recorded per merge; URL keywords
and competitor brands to Unclustered with their true reason."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from db.models import PageRanking, Project
from db.session import session_scope
from services.clustering.pages import ClusterOptions
from services.keyword_lists import store as list_store
from services.keyword_lists.filters import REASON_URL
from services.keyword_lists.run import run_list_clustering
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

ROWS = [
    {"keyword": "nike socks", "search_volume": 77000, "grouping_hint": "nike socks"},
    {"keyword": "sports socks brand", "search_volume": 900, "grouping_hint": "nike socks"},
    {"keyword": "football boots", "search_volume": 5000},
    {"keyword": "football boots kids", "search_volume": 800},
]


def run(engine, project_id, **kw):
    emb = TrigramEmbedder()
    return run_list_clustering(engine, project_id, lambda n: emb, ClusterOptions(), **kw)


def members(engine, project_id):
    view = list_store.list_view(engine, project_id)
    names = dict(zip(view.clusters["id"], view.clusters["name"], strict=True))
    m = view.members.assign(cluster=view.members["cluster_id"].map(names))
    return m.set_index("keyword")


def test_parent_keyword_evidence_is_on_by_default_and_recorded_per_merge(engine, project_id):
    add_keywords(engine, project_id, ROWS)
    summary = run(engine, project_id)
    assert summary["evidence"]["on"] is True
    assert summary["evidence"]["columns"]["parent"] == 2
    assert summary["evidence"]["merged"] == {"same Parent Keyword": 2}
    got = members(engine, project_id)
    assert got.loc["sports socks brand", "cluster"] == got.loc["nike socks", "cluster"]
    assert got.loc["sports socks brand", "evidence"] == "same Parent Keyword"
    assert got.loc["nike socks", "evidence"] == "same Parent Keyword"
    assert pd.isna(got.loc["football boots", "evidence"])


def test_the_csv_export_says_what_merged_each_keyword(engine, project_id):
    import csv
    import io

    from services.keyword_lists.export import clusters_csv

    add_keywords(engine, project_id, ROWS)
    run(engine, project_id)
    rows = {
        r["keyword"]: r
        for r in csv.DictReader(io.StringIO(clusters_csv(engine, project_id).decode("utf-8-sig")))
    }
    assert rows["sports socks brand"]["merged_by"] == "same Parent Keyword"
    assert rows["football boots"]["merged_by"] == ""


def test_project_setting_switches_evidence_off(engine, project_id):
    add_keywords(engine, project_id, ROWS)
    with session_scope(engine) as s:
        s.get(Project, project_id).brand_config = {"use_evidence": False}
    summary = run(engine, project_id)
    assert summary["evidence"]["on"] is False
    assert summary["evidence"]["switched_off_by"] == "project"
    got = members(engine, project_id)
    assert got.loc["sports socks brand", "cluster"] != got.loc["nike socks", "cluster"]
    assert got["evidence"].isna().all()


def test_same_ranking_url_merges_and_says_so(engine, project_id):
    rows = [
        {"keyword": "chase cd rates today", "search_volume": 10000},
        {"keyword": "chase cd rate", "search_volume": 6700},
        {"keyword": "cd rates chase bank", "search_volume": 2100},
        {"keyword": "mortgage calculator", "search_volume": 9000},
    ]
    add_keywords(engine, project_id, rows)
    with session_scope(engine) as s:
        for kw in ("chase cd rates today", "chase cd rate", "cd rates chase bank"):
            s.add(
                PageRanking(
                    project_id=project_id,
                    page_url="https://bank.example/cd-rates/chase/",
                    normalized_url="bank.example/cd-rates/chase",
                    keyword=kw,
                    position=3,
                    source="gsc",
                    date=dt.date(2026, 11, 1),
                )
            )
    summary = run(engine, project_id)
    got = members(engine, project_id)
    trio = got.loc[["chase cd rates today", "chase cd rate", "cd rates chase bank"]]
    assert trio["cluster"].nunique() == 1 and trio["cluster"].iloc[0] == "chase cd rates today"
    assert set(trio["evidence"].dropna()) == {"same ranking URL"}
    assert summary["evidence"]["merged"].get("same ranking URL", 0) >= 2
    assert got.loc["mortgage calculator", "cluster"] != "chase cd rates today"


def test_url_and_competitor_keywords_go_to_unclustered_with_their_reason(engine, project_id):
    with session_scope(engine) as s:
        s.get(Project, project_id).brand_config = {"competitors": ["Marks and Spencer"]}
    rows = [
        {"keyword": "localhost/wordpress/wp-admin", "search_volume": 90000},
        {"keyword": "www.sockshop.co.uk", "search_volume": 50000},
        {"keyword": "marks and spencer mens socks", "search_volume": 2600},
        {"keyword": "mens socks", "search_volume": 9000},
        {"keyword": "men socks", "search_volume": 900},
    ]
    add_keywords(engine, project_id, rows)
    summary = run(engine, project_id)
    got = members(engine, project_id)
    for kw in ("localhost/wordpress/wp-admin", "www.sockshop.co.uk"):
        assert got.loc[kw, "cluster_id"] is None and got.loc[kw, "reason"] == REASON_URL
    assert (
        got.loc["marks and spencer mens socks", "reason"] == "competitor brand (marks and spencer)"
    )
    assert summary["unclustered_reasons"][REASON_URL] == 2
    view = list_store.list_view(engine, project_id)
    assert "localhost/wordpress/wp-admin" not in set(view.clusters["name"])
    assert set(view.hubs["name"]) <= {"mens socks"}


def test_the_run_switch_is_recorded_in_the_job_parameters():
    from services.keyword_lists.api import cluster_params

    assert cluster_params("balanced", 50, None)["evidence"] is None  # the project's setting
    assert cluster_params("balanced", 50, None, evidence=False)["evidence"] is False
