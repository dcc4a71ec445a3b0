"""Send to review paths pages by the seed funnel's rule (``site_rules.site_path``): the
site's own URL pattern learnt from its ranking URLs, so review shows the URL approval keeps."""

from __future__ import annotations

from db.models import KeywordCluster
from db.session import session_scope
from services.keyword_lists.send_to_review import send_hub_to_review
from services.seed_clusters.approval import bulk_approve
from services.site import api
from tests.db.keyword_lists.test_send_to_review import _hub
from tests.fakes.keyword_lists import TrigramEmbedder
from tests.unit.site.rankings_samples import SEMRUSH_HEADER

SHOP = "https://shop.example"
# The store keeps its guides under /blogs/sock-care/, not Shopify's default /blogs/news/.
RANKINGS = [
    ("how to wash merino socks", "/blogs/sock-care/how-to-wash-merino-socks"),
    ("how to fold socks", "/blogs/sock-care/how-to-fold-socks"),
    ("how to stop socks slipping", "/blogs/sock-care/how-to-stop-socks-slipping"),
    ("running socks", "/collections/running-socks"),
    ("grip socks", "/collections/grip-socks"),
    ("merino socks", "/collections/merino-socks"),
]


def _export() -> bytes:
    rows = [
        f'{kw},3,3,1000,40,1.0,{SHOP}{path},100,1.0,10.0,0.5,1000,"[1]",'
        '2025-09-11,"","informational",Organic'
        for kw, path in RANKINGS
    ]
    return ("\n".join([SEMRUSH_HEADER, *rows]) + "\n").encode()


def test_review_paths_follow_the_sites_own_pattern_and_approval_keeps_them(engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    hub_id = _hub(
        engine,
        project_id,
        [("nike socks", 77000), ("nike grip socks", 5400), ("how to wash nike socks", 300)],
        site_type="shopify",
    )
    review_id = send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder())
    with session_scope(engine) as s:
        pages = {p.keyword: p for p in s.get(KeywordCluster, review_id).pages}
        paths = {k: p.url_slug for k, p in pages.items()}
        article = pages["how to wash nike socks"]
        assert article.url_slug == "/blogs/sock-care/how-to-wash-nike-socks"
        assert "Path: /blogs/sock-care/{slug} — the site's own pattern" in article.reasoning
        for p in pages.values():
            p.is_approved = True
    assert paths["nike grip socks"] == "/collections/nike-grip-socks"
    assert not any("/blogs/news/" in p for p in paths.values())
    bulk_approve(engine, review_id)
    with session_scope(engine) as s:
        after = {p.keyword: p.url_slug for p in s.get(KeywordCluster, review_id).pages}
    assert after == paths  # approval re-paths by the same rule: nothing moves


def test_a_service_sites_hub_becomes_service_and_location_pages(engine, project_id):
    from db.models import Project

    with session_scope(engine) as s:
        s.get(Project, project_id).url_pattern = "/{slug}/"
    hub_id = _hub(
        engine,
        project_id,
        [
            ("car accident lawyer", 40000),
            ("car accident lawyer reviews", 900),
            ("car accident lawyer near me", 30000),
            ("how long does a car accident claim take", 700),
        ],
        site_type="custom",
    )
    review_id = send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder())
    with session_scope(engine) as s:
        pages = {p.keyword: p for p in s.get(KeywordCluster, review_id).pages}
        types = {k: p.page_type for k, p in pages.items()}
        assert types == {
            "car accident lawyer": "landing",
            "car accident lawyer reviews": "landing",
            "car accident lawyer near me": "landing",
            "how long does a car accident claim take": "article",
        }
        assert "Service page linked from" in pages["car accident lawyer reviews"].reasoning
        assert "Location page linked from" in pages["car accident lawyer near me"].reasoning


def test_the_hubs_parent_is_typed_as_the_seed_funnel_types_it(engine, project_id):
    hub_id = _hub(
        engine,
        project_id,
        [("cabelas credit card", 9000), ("cabelas credit card login help", 100)],
        site_type="publisher",
    )
    review_id = send_hub_to_review(engine, project_id, hub_id, TrigramEmbedder())
    with session_scope(engine) as s:
        parent = next(p for p in s.get(KeywordCluster, review_id).pages if p.role == "parent")
        # a landing keyword as the parent is the hub listing its children, as in Stage 3
        assert (parent.keyword, parent.page_type) == ("cabelas credit card", "collection")
