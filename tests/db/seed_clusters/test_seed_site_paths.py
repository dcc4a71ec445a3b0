"""The seed funnel suggests paths by the site's own URL pattern (issue 18 §2): Cluster Review
shows the path approval keeps, and where it came from."""

from __future__ import annotations

from sqlalchemy import select

import services.seed_clusters.store as funnel_store
from db.models import ClusterPage, CrawledPage, Project
from db.session import session_scope
from services.core.urls import url_identity
from services.seed_clusters.api import generate_cluster
from services.seed_clusters.approval import bulk_approve
from tests.db.seed_clusters.test_funnel import _deps
from tests.fakes.funnel import BRAND, DictVolume, ScriptedLLM

SITE = "https://www.example.com"
CANDIDATES = [
    (kw, "attribute")
    for kw in [
        "travel insurance",
        "annual travel insurance",
        "travel insurance for seniors",
        "cheap travel insurance",
        "travel insurance for families",
        "single trip travel insurance",
        "backpacker travel insurance",
        "cruise travel insurance",
        "ski travel insurance",
        "business travel insurance",
        "student travel insurance",
        "family travel insurance cover",
        "medical travel insurance",
        "europe travel insurance",
        "usa travel insurance",
        "travel insurance with covid cover",
    ]
]
VOLUMES = {kw: 1000 * (len(CANDIDATES) - i) for i, (kw, _s) in enumerate(CANDIDATES)}
CRAWLED = [
    "/travel/learn/what-is-trip-cancellation-insurance/",
    "/travel/learn/travel-insurance-cost/",
    "/travel/learn/best-travel-credit-cards/",
    "/travel/learn/lost-luggage/",
    "/about/",
]


def _site(engine, project_id, crawled: list[str]) -> None:
    with session_scope(engine) as s:
        s.get(Project, project_id).site_type = "publisher"
        for path in crawled:
            s.add(
                CrawledPage(
                    project_id=project_id,
                    url=SITE + path,
                    normalized_url=url_identity(SITE + path),
                    source="crawl",
                    status="completed",
                    category="other",
                )
            )


def _run(engine, project_id) -> dict[str, ClusterPage]:
    deps = _deps(engine, ScriptedLLM(CANDIDATES), DictVolume(VOLUMES))
    res = generate_cluster("travel insurance", BRAND, project_id, deps=deps)
    cid = res.cluster_id
    with session_scope(engine) as s:
        pages = s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == cid)).all()
        s.expunge_all()
    return {p.keyword: p for p in pages}


def test_stage3_follows_the_sites_own_pattern_loaded_once(engine, project_id, monkeypatch):
    _site(engine, project_id, CRAWLED)
    loads = []
    real = funnel_store.site_pages
    monkeypatch.setattr(
        funnel_store, "site_pages", lambda s, pid: loads.append(pid) or real(s, pid)
    )
    pages = _run(engine, project_id)
    assert loads == [project_id]  # one lookup per run, not per page
    annual = pages["annual travel insurance"]
    assert annual.url_slug == "/travel/learn/annual-travel-insurance/"
    assert "Path: /travel/learn/{slug}/ — the site's own pattern" in annual.reasoning
    assert all(p.url_slug.startswith("/travel/learn/") for p in pages.values())
    # approval keeps the path review showed (on the site's host)
    cluster_id = annual.cluster_id
    before = {k: p.url_slug for k, p in pages.items() if p.is_approved}
    bulk_approve(engine, cluster_id)
    with session_scope(engine) as s:
        after = {
            p.keyword: p.url_slug
            for p in s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == cluster_id))
            if p.is_approved
        }
    assert after == before


def test_without_site_urls_the_site_types_default_applies(engine, project_id):
    _site(engine, project_id, [])
    pages = _run(engine, project_id)
    annual = pages["annual travel insurance"]
    assert annual.url_slug == "/travel-insurance/annual-travel-insurance/"
    assert "site's own pattern" not in annual.reasoning
