"""Briefs, outlines and the internal-link plan: pure functions on values."""

from __future__ import annotations

from services.content.briefs import (
    META_MAX_CHARS,
    TITLE_MAX_CHARS,
    PageInput,
    SerpResult,
    build_brief,
    page_type,
)
from services.content.links import LinkNode, links_by_page, plan_links
from services.content.outline import QuestionIndex, build_outline

UNIVERSE = [
    ("trail running shoes", 9900),
    ("how to clean trail running shoes", 320),
    ("are trail running shoes good for hiking", 880),
    ("what are trail running shoes", 1300),
    ("how to lace running shoes", 500),  # lacks "trail": not carried
    ("best trail running shoes", 4400),  # not a question
]


def page(**kw) -> PageInput:
    base = dict(
        page_id="p1",
        primary_keyword="trail running shoes",
        url="https://example.com/collections/trail-running-shoes",
        role="parent",
        category="collection",
        search_volume=9900,
        intent="commercial",
        secondary=(("waterproof trail running shoes", 1600), ("trail shoes", None)),
    )
    base.update(kw)
    return PageInput(**base)


def test_question_index_keeps_questions_carrying_every_head_term_by_volume():
    idx = QuestionIndex(UNIVERSE)
    found = [q.keyword for q in idx.carrying("Trail Running Shoes")]
    assert found == [
        "what are trail running shoes",
        "are trail running shoes good for hiking",
        "how to clean trail running shoes",
    ]
    assert idx.carrying("") == []


def test_collection_outline_has_intro_buying_guide_and_faq_from_data_only():
    idx = QuestionIndex(UNIVERSE)
    outline = build_outline(
        "collection",
        "trail running shoes",
        [("trail shoes", None), ("waterproof trail running shoes", 1600)],
        idx.carrying("trail running shoes"),
    )
    texts = [(o["level"], o["text"], o["source"]) for o in outline]
    assert texts[0] == (2, "Intro above the product grid: trail running shoes", "structure")
    assert texts[1] == (2, "Buying guide (below the product grid)", "structure")
    # secondary keywords by volume (unknown volume last)
    assert texts[2] == (3, "Waterproof trail running shoes", "secondary keyword")
    assert texts[3] == (3, "Trail shoes", "secondary keyword")
    assert (2, "FAQ", "structure") in texts
    assert (3, "What are trail running shoes?", "question") in texts


def test_brief_fields_limits_and_missing_data():
    idx = QuestionIndex(UNIVERSE)
    brief = build_brief(
        page(),
        brand_name="Trailhead Co",
        questions=idx.carrying("trail running shoes"),
        serp=[SerpResult(1, "https://rival.com/trail")],
    )
    assert brief.page_type == "collection"
    assert brief.title == "Trail Running Shoes | Trailhead Co"
    assert len(brief.title) <= TITLE_MAX_CHARS
    assert len(brief.meta_description) <= META_MAX_CHARS
    assert brief.meta_description.startswith("Shop trail running shoes at Trailhead Co.")
    assert brief.h1 == "Trail Running Shoes"
    assert brief.secondary_keywords[0] == {
        "keyword": "waterproof trail running shoes",
        "search_volume": 1600,
    }
    assert brief.word_count == [300, 800]
    assert brief.schema_type == "CollectionPage, ItemList, FAQPage"
    assert brief.cta == "Shop trail running shoes"
    assert brief.intent == "commercial" and brief.intent_source == "keyword data"
    assert brief.serp == [{"rank": 1, "url": "https://rival.com/trail", "title": ""}]
    assert brief.missing == []


def test_brief_lists_missing_data_instead_of_inventing_it():
    brief = build_brief(page(search_volume=None, secondary=(), intent=None))
    assert "search volume of the primary keyword" in brief.missing
    assert "secondary keywords" in brief.missing
    assert "SERP top 10 (not in the SERP cache)" in brief.missing
    assert any(m.startswith("brand name") for m in brief.missing)
    assert brief.title == "Trail Running Shoes"  # no brand invented
    assert brief.intent_source in ("keyword modifiers", "")


def test_long_keyword_title_and_meta_are_cut_at_a_word():
    kw = "waterproof lightweight breathable trail running shoes for wide feet and winter mud"
    brief = build_brief(
        page(primary_keyword=kw, secondary=((kw + " sale", 10),) * 3), brand_name="X"
    )
    assert len(brief.title) <= TITLE_MAX_CHARS and not brief.title.endswith(" ")
    assert len(brief.meta_description) <= META_MAX_CHARS


def test_page_types():
    assert page_type(page(primary_keyword="hoka vs salomon trail shoes"), ()) == "comparison"
    assert page_type(page(primary_keyword="how to clean trail shoes"), ()) == "article"
    assert page_type(page(), ("commercial",)) == "collection"
    assert page_type(page(category="landing"), ("transactional",)) == "landing"
    assert page_type(page(category="blog"), ("informational",)) == "article"


def test_links_parent_children_and_two_to_three_siblings_with_target_anchor():
    nodes = [
        LinkNode("p", "trail running shoes", "/c/p", "parent", 9900),
        LinkNode("a", "waterproof trail running shoes", "/c/a", "child", 1600),
        LinkNode("b", "waterproof trail shoes for women", "/c/b", "child", 300),
        LinkNode("c", "trail running shoes for men", "/c/c", "child", 900),
        LinkNode("d", "cheap trail running shoes", "/c/d", "child", 700),
        LinkNode("e", "vegan trail running shoes", "/c/e", "child", 100),
    ]
    links = plan_links(nodes)
    by = links_by_page(links)
    out_a = by["a"]["outgoing"]
    assert out_a[0] == {
        "source_id": "a",
        "source_url": "/c/a",
        "target_id": "p",
        "target_url": "/c/p",
        "anchor": "trail running shoes",
        "relation": "to parent",
    }
    siblings = [link["target_id"] for link in out_a if link["relation"] == "to sibling"]
    assert len(siblings) == 3 and "a" not in siblings
    assert {link["target_id"] for link in by["p"]["outgoing"]} == {"a", "b", "c", "d", "e"}
    keyword_of = {n.page_id: n.keyword for n in nodes}
    assert all(link.anchor == keyword_of[link.target_id] for link in links)
    assert len(by["p"]["incoming"]) == 5


def test_links_in_a_two_page_cluster_have_no_siblings():
    links = plan_links(
        [LinkNode("p", "shoes", "/p", "parent"), LinkNode("a", "red shoes", "/a", "child")]
    )
    assert [(x.source_id, x.target_id, x.relation) for x in links] == [
        ("p", "a", "to child"),
        ("a", "p", "to parent"),
    ]


def test_article_brief_title_h1_cta_and_word_count():
    brief = build_brief(
        page(primary_keyword="how to clean trail running shoes", category="blog", intent=None),
        brand_name="Trailhead Co",
        parent_keyword="trail running shoes",
    )
    assert brief.page_type == "article"
    assert brief.h1 == "How to Clean Trail Running Shoes"
    assert brief.title == "How to Clean Trail Running Shoes | Trailhead Co"
    assert brief.cta == "Browse trail running shoes"
    assert brief.word_count == [1200, 2000] and brief.schema_type == "Article"
    assert brief.intent == "informational" and brief.intent_source == "keyword modifiers"


def test_ranking_pages_become_link_sources_for_related_keywords():
    from services.content.links import RankingIndex, RankingRow, ranking_links

    nodes = [
        LinkNode("p", "trail running shoes", "https://shop.example/collections/trail", "parent"),
        LinkNode(
            "a", "waterproof trail running shoes", "https://shop.example/collections/wp", "child"
        ),
    ]
    index = RankingIndex(
        [
            RankingRow(
                "https://shop.example/blogs/news/trail-guide", "trail running shoe guide", 4.0, 120
            ),
            RankingRow(
                "https://shop.example/blogs/news/trail-guide", "best trail running shoes", 8.0, 30
            ),
            RankingRow("https://shop.example/pages/about", "about trail running shoes", 2.0, 5),
            RankingRow("https://shop.example/collections/trail/", "trail running shoes", 1.0, 900),
            RankingRow("https://shop.example/blogs/news/rain", "waterproof jackets", 3.0, 500),
        ]
    )
    links = ranking_links(nodes, index)
    to_parent = [(x.source_url, x.anchor) for x in links if x.target_id == "p"]
    assert to_parent == [
        ("https://shop.example/blogs/news/trail-guide", "trail running shoes"),
        ("https://shop.example/pages/about", "trail running shoes"),
    ]  # the cluster page itself (trailing slash) is not a source; clicks order the rest
    assert links[0].relation == "from a page ranking for “trail running shoe guide”"
    assert [x for x in links if x.target_id == "a"] == []  # nothing ranks for "waterproof trail…"
    by = links_by_page(links)
    assert "" not in by and len(by["p"]["incoming"]) == 2
