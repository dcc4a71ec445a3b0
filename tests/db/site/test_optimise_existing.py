"""Optimise, don't duplicate (issue 18 §1-2): covered pages become optimise tasks on their
URL; new pages live on the site's host and follow its own URL pattern."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import ClusterPage, CrawledPage, KeywordCluster, PageKeywords
from db.session import session_scope
from services.seed_clusters.approval import approve_pages, bulk_approve
from services.site import api
from services.site.optimise import optimise_brief_inputs, site_url_pattern
from tests.unit.site.rankings_samples import SEMRUSH_HEADER

SITE = "https://www.example.com"
# (keyword, position, volume, path, traffic): the site serves travel guides under
# /travel/learn/ on www while the project's domain is "example.com".
RANKINGS = [
    ("travel insurance", 4, 90500, "/travel/learn/travel-insurance/", 3100),
    ("faye travel insurance", 2, 2900, "/travel/learn/faye-travel-insurance/", 649),
    ("cheap travel insurance", 6, 6600, "/travel/learn/cheap-travel-insurance/", 310),
    ("senior travel insurance", 5, 1900, "/travel/learn/senior-travel-insurance/", 120),
    ("travel insurance for seniors", 8, 1600, "/travel/learn/senior-travel-insurance/", 40),
    ("best credit cards", 3, 40500, "/credit-cards/best/", 2000),
    ("credit card points", 9, 5400, "/credit-cards/points/", 90),
    ("airline miles", 12, 8100, "/credit-cards/airline-miles/", 70),
]


def _export(rankings=RANKINGS) -> bytes:
    """A SEMrush positions export of ``rankings`` (keyword, position, volume, path, traffic)."""
    rows = [
        f'{kw},{pos},{pos},{vol},40,1.0,{SITE}{path},{traffic},1.0,10.0,0.5,1000,"[1]",'
        '2025-09-11,"","informational",Organic'
        for kw, pos, vol, path, traffic in rankings
    ]
    return ("\n".join([SEMRUSH_HEADER, *rows]) + "\n").encode()


def _cluster(engine, project_id, pages: list[tuple[str, str, str | None]]):
    """A suggested cluster: (keyword, role, covered_by as the funnel stored it)."""
    with session_scope(engine) as s:
        cluster = KeywordCluster(
            project_id=project_id,
            seed_keyword=pages[0][0],
            name=pages[0][0],
            status="suggestions_ready",
        )
        s.add(cluster)
        s.flush()
        for i, (kw, role, cover) in enumerate(pages):
            s.add(
                ClusterPage(
                    cluster_id=cluster.id,
                    keyword=kw,
                    role=role,
                    url_slug="/" + kw.replace(" ", "-") + "/",
                    page_type="article",
                    is_approved=True,
                    sort_order=i,
                    covered_by=cover,
                )
            )
        return cluster.id


def _pages(engine, project_id) -> int:
    with session_scope(engine) as s:
        return s.scalar(
            select(func.count())
            .select_from(CrawledPage)
            .where(CrawledPage.project_id == project_id)
        )


def test_an_all_covered_cluster_creates_no_page_and_links_each_to_its_url(engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    before = _pages(engine, project_id)
    cluster_id = _cluster(
        engine,
        project_id,
        [
            ("travel insurance", "parent", None),
            # the funnel stored the non-www, slash-less form: one URL identity
            (
                "faye travel insurance",
                "child",
                "http://example.com/travel/learn/faye-travel-insurance",
            ),
            ("cheap travel insurance", "child", None),
            ("travel insurance for seniors", "child", None),
        ],
    )
    report = bulk_approve(engine, cluster_id)
    assert (report.created, report.optimised) == (0, 4)
    assert _pages(engine, project_id) == before
    tasks = dict(report.optimise_tasks)
    assert tasks["faye travel insurance"] == SITE + "/travel/learn/faye-travel-insurance/"
    assert tasks["travel insurance for seniors"] == SITE + "/travel/learn/senior-travel-insurance/"
    assert "Optimise https://www.example.com/travel/learn/cheap-travel-insurance/" in report.message
    with session_scope(engine) as s:
        linked = {
            p.keyword: s.get(CrawledPage, p.crawled_page_id).url
            for p in s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == cluster_id))
        }
        senior = s.scalar(
            select(CrawledPage).where(CrawledPage.url.like("%senior-travel-insurance/"))
        )
        keywords = s.scalar(select(PageKeywords).where(PageKeywords.crawled_page_id == senior.id))
        assert keywords.is_approved and "travel insurance for seniors" in (
            [keywords.primary_keyword, *keywords.secondary_keywords]
        )
    assert linked["cheap travel insurance"] == SITE + "/travel/learn/cheap-travel-insurance/"
    assert all(url.startswith(SITE + "/travel/learn/") for url in linked.values())
    again = bulk_approve(engine, cluster_id)
    assert (again.created, again.optimised, again.already_bridged) == (0, 0, 4)


def test_the_update_brief_gets_the_crawled_page_and_the_keywords_to_add(engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    with session_scope(engine) as s:
        page = s.scalar(
            select(CrawledPage).where(CrawledPage.url.like("%senior-travel-insurance/"))
        )
        page.title, page.h1 = "Senior Travel Insurance: 2026 Guide", "Senior travel insurance"
        page.headings = {"h1": ["Senior travel insurance"], "h2": ["What it covers", "Cost"]}
        page_id = page.id
    cluster_id = _cluster(
        engine,
        project_id,
        [("travel insurance", "parent", None), ("travel insurance for seniors", "child", None)],
    )
    bulk_approve(engine, cluster_id)
    brief = optimise_brief_inputs(engine, project_id, page_id)
    assert brief is not None
    assert brief.h1 == "Senior travel insurance"
    assert brief.headings == ("What it covers", "Cost")
    assert "travel insurance for seniors" in brief.keywords_to_add


def test_new_page_on_request_warns_and_follows_the_sites_host_and_pattern(engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    cluster_id = _cluster(
        engine,
        project_id,
        [
            ("travel insurance", "parent", None),
            ("travel insurance for seniors", "child", None),
            ("annual travel insurance", "child", None),
        ],
    )
    report = approve_pages(
        engine, cluster_id, select_all=True, new_pages=["travel insurance for seniors"]
    )
    assert (report.created, report.optimised, report.new_beside_covered) == (2, 1, 1)
    assert "will compete for the same search" in report.warnings[0]
    assert "/travel/learn/{slug}/" in report.patterns[0]
    with session_scope(engine) as s:
        created = s.scalars(select(CrawledPage.url).where(CrawledPage.source == "cluster")).all()
    assert sorted(created) == [
        SITE + "/travel/learn/annual-travel-insurance/",
        SITE + "/travel/learn/travel-insurance-for-seniors/",
    ]


def test_the_inferred_pattern_is_exposed_with_its_evidence(engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    found = site_url_pattern(engine, project_id, "annual travel insurance", "article")
    assert found is not None and found.pattern == "/travel/learn/{slug}/"
    assert found.pages == 4 and "travel-insurance" in found.evidence
    assert site_url_pattern(engine, project_id, "gardening tools", "article") is None
