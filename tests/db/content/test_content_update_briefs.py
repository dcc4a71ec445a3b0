"""Update briefs (issue 18 §1 × issue 17): an approved page an existing URL covers gets a
brief to update that URL — its crawled headings, the keywords to add — and no link from a
ranking page to a page competing with it; an uncovered page gets the normal brief."""

from __future__ import annotations

from sqlalchemy import select

from db.models import CrawledPage
from db.models.content import ContentPage
from db.session import session_scope
from services.content.api import generate_briefs
from services.content.briefs import brief_summary
from services.content.update_brief import task_line
from services.seed_clusters.approval import approve_pages
from services.site import api
from tests.db.site.test_optimise_existing import SITE, _cluster, _export

# (keyword, position, volume, path, traffic); the hub also ranks for "annual travel insurance"
RANKINGS = [
    ("travel insurance", 4, 90500, "/travel/learn/travel-insurance/", 3100),
    ("annual travel insurance", 9, 1300, "/travel/learn/travel-insurance/", 30),
    ("senior travel insurance", 5, 1900, "/travel/learn/senior-travel-insurance/", 120),
    ("travel insurance for seniors", 8, 1600, "/travel/learn/senior-travel-insurance/", 40),
    ("cheap travel insurance", 6, 6600, "/travel/learn/cheap-travel-insurance/", 310),
]


def _briefs(engine, cluster_id) -> dict[str, dict]:
    with session_scope(engine) as s:
        rows = s.scalars(select(ContentPage).where(ContentPage.cluster_id == cluster_id)).all()
        return {str(r.brief["url"]): dict(r.brief) for r in rows}


def test_covered_pages_get_update_briefs_and_new_pages_the_normal_brief(engine, project_id):
    api.import_rankings(engine, project_id, _export(RANKINGS), "positions.csv")
    with session_scope(engine) as s:
        page = s.scalar(
            select(CrawledPage).where(CrawledPage.url.like("%senior-travel-insurance/"))
        )
        page.title, page.h1 = "Senior Travel Insurance: 2026 Guide", "Senior travel insurance"
        page.headings = {"h1": ["Senior travel insurance"], "h2": ["What it covers", "Cost"]}
    cluster_id = _cluster(
        engine,
        project_id,
        [
            ("travel insurance", "parent", None),
            ("travel insurance for seniors", "child", None),
            ("annual travel insurance", "child", None),
            ("travel insurance for families", "child", None),
        ],
    )
    report = approve_pages(
        engine, cluster_id, select_all=True, new_pages=["annual travel insurance"]
    )
    assert (report.created, report.optimised) == (2, 2)
    assert generate_briefs(engine, cluster_id).created == 4
    briefs = _briefs(engine, cluster_id)
    senior = briefs[SITE + "/travel/learn/senior-travel-insurance/"]
    update = senior["update"]
    assert update["task"].startswith(
        "Update the existing page https://www.example.com/travel/learn/senior-travel-insurance/"
    )
    assert update["current_h1"] == "Senior travel insurance"
    assert update["current_headings"] == ["What it covers", "Cost"]
    # "travel insurance for seniors" is the same search as the page's primary keyword
    # ("senior travel insurance", word order): not a keyword to add, no H2 for it
    assert update["keywords_to_add"] == []
    assert update["same_search_as_primary"] == ["travel insurance for seniors"]
    assert "Travel insurance for seniors" not in {e["text"] for e in senior["outline"]}
    assert all(e.get("to_add") and e["source"] != "structure" for e in senior["outline"])
    assert not {e["text"] for e in senior["outline"]} & {"What it covers", "Cost"}
    assert task_line(update).endswith(
        "Keywords to add: none. Same search as its primary keyword: travel insurance for seniors."
    )
    summary = brief_summary(senior)
    assert "Same search as the page's primary keyword" in summary
    assert "Current headings: What it covers | Cost" in summary
    # the hub known only from rankings: an update brief that says its headings are unknown
    hub = briefs[SITE + "/travel/learn/travel-insurance/"]
    # the hub's own primary keyword is never a keyword to add to it
    assert "travel insurance" not in [a["keyword"] for a in hub["update"]["keywords_to_add"]]
    assert hub["update"]["same_search_as_primary"] == ["travel insurance"]
    assert any("crawl it" in m for m in hub["missing"])
    # uncovered pages: the normal new-page brief at the site's own pattern
    families = briefs[SITE + "/travel/learn/travel-insurance-for-families/"]
    assert families.get("update") == {} and families["outline"]
    # the hub ranks for "annual travel insurance": it never links to the new duplicate
    annual = briefs[SITE + "/travel/learn/annual-travel-insurance/"]
    assert annual["update"] == {}
    assert not any(
        link["source_url"] == hub["url"] for link in annual["internal_links"]["incoming"]
    )
    assert not any(
        link["target_url"] == annual["url"] for link in hub["internal_links"]["outgoing"]
    )
    assert any(link["target_url"] == families["url"] for link in hub["internal_links"]["outgoing"])
