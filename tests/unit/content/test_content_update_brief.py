"""Update briefs and competing links (issue 18 §1), pure rules."""

from __future__ import annotations

from dataclasses import dataclass

from services.content.links import LinkNode, RankingIndex, RankingRow, plan_links, without_competing
from services.content.update_brief import as_update, headings_to_add


@dataclass(frozen=True)
class Page:
    url: str = "https://example.com/guides/senior-travel-insurance/"
    title: str = "Senior Travel Insurance Guide"
    h1: str = "Senior travel insurance"
    meta_description: str = ""
    headings: tuple[str, ...] = ("What it covers", "Frequently asked questions")
    primary_keyword: str = "senior travel insurance"
    keywords_to_add: tuple[str, ...] = ("senior travel insurance cost", "senior travel cover")
    already_in_headings: tuple[str, ...] = ("senior travel cover",)


OUTLINE = [
    {"level": 2, "text": "Quick answer", "source": "structure", "search_volume": None},
    {"level": 2, "text": "What senior travel insurance covers", "source": "related search"},
    {"level": 2, "text": "Cost of senior travel insurance", "source": "related search"},
    {"level": 2, "text": "FAQ", "source": "structure"},
    {"level": 3, "text": "Is it worth it?", "source": "question"},
]


def test_headings_the_page_has_are_not_proposed_again():
    added = headings_to_add(OUTLINE, Page(headings=("What senior travel insurance covers",)))
    assert [e["text"] for e in added] == [
        "Cost of senior travel insurance",
        "FAQ",
        "Is it worth it?",
    ]
    # no question left: no empty FAQ heading
    assert [e["text"] for e in headings_to_add(OUTLINE[:4], Page())] == [
        "What senior travel insurance covers",
        "Cost of senior travel insurance",
    ]


def test_as_update_keeps_the_url_and_lists_the_keywords_to_add():
    brief = {"url": "/new-slug/", "outline": OUTLINE, "missing": []}
    out = as_update(brief, Page())
    assert out["url"] == Page.url
    assert out["update"]["current_headings"] == list(Page.headings)
    assert out["update"]["keywords_to_add"] == [
        {"keyword": "senior travel insurance cost", "in_headings": False},
        {"keyword": "senior travel cover", "in_headings": True},
    ]
    # a proposed heading already carries "senior travel insurance cost": no extra H2
    assert out["outline"][0]["text"] == "What senior travel insurance covers"
    lone = as_update({"url": "/x/", "outline": OUTLINE[3:]}, Page())
    # the page has an FAQ section: the question goes under it, no second "FAQ"
    assert [e["text"] for e in lone["outline"]] == [
        "Senior travel insurance cost",
        "Is it worth it?",
    ]


def test_a_ranking_page_never_links_to_a_page_competing_with_it():
    hub = LinkNode("1", "travel insurance", "https://example.com/travel-insurance/", "parent")
    annual = LinkNode("2", "annual travel insurance", "https://example.com/annual/", "child")
    family = LinkNode("3", "family travel insurance", "https://example.com/family/", "child")
    nodes = [hub, annual, family]
    index = RankingIndex([RankingRow(hub.url, "annual travel insurances", 9.0, 30)])
    planned = plan_links(nodes)
    assert any(link.source_id == "1" and link.target_id == "2" for link in planned)
    kept = without_competing(planned, nodes, index)
    assert not any(link.source_id == "1" and link.target_id == "2" for link in kept)
    assert any(link.source_id == "1" and link.target_id == "3" for link in kept)
    # a page holding the keyword among its own keywords competes too
    holder = LinkNode(
        "1", "travel insurance", hub.url, "parent", None, ("family travel insurance",)
    )
    kept = without_competing(
        plan_links([holder, annual, family]), [holder, annual, family], RankingIndex([])
    )
    assert not any(link.source_id == "1" and link.target_id == "3" for link in kept)


def test_a_hub_update_brief_never_asks_to_add_its_own_primary_or_its_variants():
    hub = Page(
        url="https://example.com/travel-insurance/",
        primary_keyword="travel insurance",
        keywords_to_add=(
            "travel insurance",  # the approved hub page itself
            "Travel Insurances",  # singular/plural
            "insurance travel",  # word order
            "annual travel insurance",
            "travel insurance near me",  # a different page: kept
        ),
        already_in_headings=("travel insurance",),
    )
    out = as_update({"url": "/x/", "outline": []}, hub)
    adds = [a["keyword"] for a in out["update"]["keywords_to_add"]]
    assert adds == ["annual travel insurance", "travel insurance near me"]
    assert [e["text"] for e in out["outline"]] == [
        "Annual travel insurance",
        "Travel insurance near me",
    ]
