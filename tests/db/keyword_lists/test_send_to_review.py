"""Send to review (hub → KeywordCluster), the approval bridge, and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from db.models import ClusterPage, KeywordCluster, ListCluster, ListHub
from db.session import session_scope
from services.clustering.pages import ClusterOptions
from services.core.errors import NotFoundError
from services.core.scoring import calculate_score
from services.keyword_lists import store as list_store
from services.keyword_lists.export import clusters_csv
from services.keyword_lists.run import run_list_clustering
from services.keyword_lists.send_to_review import send_hub_to_review, sync_approvals
from services.seed_clusters.approval import bulk_approve
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

ROWS = [
    {"keyword": "wordpress themes", "search_volume": 1000, "competition": 0.4, "cpc": 1.5},
    {"keyword": "wordpress theme", "search_volume": 400},
    {"keyword": "awesome wordpress themes", "search_volume": 700},  # filler: same search
    {"keyword": "wordpress theme builder", "search_volume": 300, "competition": 0.2},
    {"keyword": "wordpress theme builders", "search_volume": 90},
    {"keyword": '=HYPERLINK("http://x")', "search_volume": 1},
]


@pytest.fixture()
def clustered(engine, project_id):
    add_keywords(engine, project_id, ROWS)
    emb = TrigramEmbedder()
    # One hub holding both page clusters (loose hub threshold on the trigram fake).
    run_list_clustering(
        engine, project_id, lambda n: emb, ClusterOptions(threshold=0.8, hub_threshold=0.1)
    )
    return list_store.list_view(engine, project_id)


def test_hub_becomes_a_cluster_with_pillar_parent_and_children(engine, project_id, clustered):
    hub = clustered.hubs.iloc[0]
    assert hub["clusters"] == 2
    review_id = send_hub_to_review(engine, project_id, hub["id"])
    with session_scope(engine) as s:
        review = s.get(KeywordCluster, review_id)
        assert (
            review.status == "suggestions_ready"
            and review.generation_metadata["source"] == "keyword_list"
        )
        pages = sorted(review.pages, key=lambda p: p.sort_order)
        parent, child = pages
        assert (parent.role, parent.keyword) == (
            "parent",
            "wordpress themes",
        )  # pillar = highest volume
        assert set(parent.secondary_keywords) == {"awesome wordpress themes", "wordpress theme"}
        assert parent.secondary_keywords[0] == "awesome wordpress themes"  # by volume
        assert (child.role, child.keyword) == ("child", "wordpress theme builder")
        assert child.secondary_keywords == ["wordpress theme builders"]
        assert parent.url_slug == "/collections/wordpress-themes"
        assert parent.search_volume == 1000 and parent.cpc == 1.5
        assert 0 < parent.composite_score <= calculate_score(1000, 1.0, 0.4)
    # Idempotent: a hub is sent once.
    assert send_hub_to_review(engine, project_id, hub["id"]) == review_id
    with session_scope(engine) as s:
        assert len(s.execute(select(KeywordCluster)).scalars().all()) == 1
        assert s.get(ListHub, hub["id"]).review_cluster_id == review_id
    with pytest.raises(NotFoundError):
        send_hub_to_review(engine, project_id, review_id)


def test_same_bulk_approve_bridge_and_approvals_flow_back(engine, project_id, clustered):
    review_id = send_hub_to_review(engine, project_id, clustered.hubs.iloc[0]["id"])
    with session_scope(engine) as s:
        for page in s.execute(
            select(ClusterPage).where(ClusterPage.cluster_id == review_id)
        ).scalars():
            page.is_approved = True
    report = bulk_approve(engine, review_id)
    assert report.created == 2 and report.status == "approved"
    assert sync_approvals(engine, project_id) == 2
    with session_scope(engine) as s:
        assert all(c.is_approved for c in s.execute(select(ListCluster)).scalars())


def test_csv_export_is_formula_safe_and_lists_unclustered_last(engine, project_id, clustered):
    text = clusters_csv(engine, project_id).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["cluster"] == "wordpress themes" and rows[0]["is_cluster_name"] == "True"
    bad = next(r for r in rows if "hyperlink" in r["keyword"].lower())
    assert bad["keyword"].startswith("'=")
    assert (
        bad["cluster"] == "Unclustered"
        and bad["unclustered_reason"] == "no close variant and below 50 searches/month"
    )
    assert rows[-1] is bad
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())


def _hub(engine, project_id, names_volumes, site_type="shopify"):
    from db.models import Project

    with session_scope(engine) as s:
        s.get(Project, project_id).site_type = site_type
        hub = ListHub(project_id=project_id, name=names_volumes[0][0])
        s.add(hub)
        s.flush()
        for i, (name, volume) in enumerate(names_volumes):
            s.add(
                ListCluster(
                    project_id=project_id,
                    hub_id=hub.id,
                    name=name,
                    centre_keyword=name,
                    is_pillar=i == 0,
                    keyword_count=1,
                    total_volume=volume,
                )
            )
        return hub.id


def test_clusters_of_a_hub_that_target_the_same_search_become_one_page(engine, project_id):
    hub_id = _hub(
        engine,
        project_id,
        [
            ("best premium credit cards", 5000),
            ("amex platinum vs chase reserve", 300),
            ("american express platinum vs chase sapphire reserve", 900),
            ("compare amex platinum and chase sapphire reserve", 100),
            ("chase sapphire reserve review", 700),
        ],
        site_type="publisher",
    )
    review_id = send_hub_to_review(engine, project_id, hub_id)
    with session_scope(engine) as s:
        pages = sorted(s.get(KeywordCluster, review_id).pages, key=lambda p: p.sort_order)
        keywords = [p.keyword for p in pages]
        assert keywords == [
            "best premium credit cards",
            "american express platinum vs chase sapphire reserve",
            "chase sapphire reserve review",
        ]
        comparison = pages[1]
        assert set(comparison.secondary_keywords) >= {
            "amex platinum vs chase reserve",
            "compare amex platinum and chase sapphire reserve",
        }
        assert comparison.page_type == "comparison" and comparison.source == "data"
        # Publisher: /<section>/<slug>/ with the pillar as the section.
        assert comparison.url_slug.startswith("/best-premium-credit-cards/")
        assert "Same search as" in comparison.reasoning
