"""Briefs, outlines and the internal-link plan: pure functions on values."""

from __future__ import annotations

import re

from services.content.briefs import (
    BriefContext,
    PageInput,
    SerpResult,
    build_brief,
    page_type,
)
from services.content.casing import Casing
from services.content.copywriting import META_MAX_CHARS, TITLE_MAX_CHARS
from services.content.links import LinkNode, links_by_page, plan_links
from services.content.outline import plan_outline
from services.content.topics import Sibling, TopicIndex

UNIVERSE = [
    ("trail running shoes", 9900),
    ("how to clean trail running shoes", 320),
    ("are trail running shoes good for hiking", 880),
    ("what are trail running shoes", 1300),
    ("what is a trail running shoes", 90),  # the same search, worse grammar
    ("how to lace running shoes", 500),  # lacks "trail": not carried
    ("waterproof trail running shoes", 1600),
    ("best waterproof trail running shoes", 700),  # belongs to the waterproof sibling
    ("trail running shoes for wide feet", 590),
    ("wide feet trail running shoes", 40),  # same search as the one above
    ("mens trail running shoes", 2400),
    ("trail running shoes 2019", 300),  # a stale year
    ("trail running shoes uk", 880),
]


def ctx(site_type: str = "shopify", brand: str = "Trailhead Co", **kw) -> BriefContext:
    return BriefContext(
        site_type=site_type,
        brand_name=brand,
        index=TopicIndex(UNIVERSE),
        casing=Casing([brand]),
        **kw,
    )


def page(**kw) -> PageInput:
    base = dict(
        page_id="p1",
        primary_keyword="trail running shoes",
        url="https://example.com/collections/trail-running-shoes",
        role="parent",
        category="collection",
        search_volume=9900,
        intent="commercial",
        secondary=(("trail shoes", None),),
        page_type="collection",
    )
    base.update(kw)
    return PageInput(**base)


SIBLINGS = [Sibling("waterproof trail running shoes")]


def test_outline_one_heading_per_search_no_sibling_no_own_variant_no_stale_year():
    plan = plan_outline(
        "collection",
        "trail running shoes",
        index=TopicIndex(UNIVERSE),
        casing=Casing(),
        siblings=SIBLINGS,
    )
    texts = [str(o["text"]) for o in plan.outline]
    assert len(texts) == len({t.lower() for t in texts})
    assert "Trail running shoes for wide feet" in texts
    assert not any("Wide feet trail" in t for t in texts)  # one heading per search
    assert not any("aterproof" in t for t in texts)  # the sibling's topic stays there
    assert "Trail running shoes" not in texts and "Trail running shoes 2019" not in texts
    assert "Men's trail running shoes" in texts
    assert "Trail running shoes UK" not in texts  # market words: the same search
    assert plan.faq[0] == "What are trail running shoes?"
    assert "What is a trail running shoes?" not in plan.faq  # the same question once
    assert "How to clean trail running shoes" in texts  # a task, not an FAQ question
    assert texts[0] == "Intro (above the product grid)"
    assert texts[1] == "Shop by: men's, wide feet"


def test_outline_says_when_the_data_has_too_little():
    plan = plan_outline(
        "guide", "faye travel insurance", index=TopicIndex(UNIVERSE), casing=Casing()
    )
    assert [o["text"] for o in plan.outline] == ["Quick answer"]
    assert plan.notes and plan.notes[0].startswith("no related searches in the project")


def test_store_collection_brief_fields_limits_and_schema():
    brief = build_brief(
        page(),
        ctx(),
        siblings=SIBLINGS,
        serp=[SerpResult(1, "https://rival.com/trail")],
    )
    assert (brief.page_type, brief.format) == ("collection", "collection")
    assert brief.title == "Trail Running Shoes | Trailhead Co"
    assert len(brief.title) <= TITLE_MAX_CHARS
    assert 120 <= len(brief.meta_description) <= META_MAX_CHARS
    assert brief.meta_description.startswith("Shop trail running shoes at Trailhead Co.")
    assert brief.h1 == "Trail Running Shoes"
    assert brief.schema_type == "CollectionPage, ItemList, FAQPage"
    assert brief.cta == "Shop Trail Running Shoes"
    assert brief.intro.startswith("Shop Trail Running Shoes at Trailhead Co")
    assert brief.word_count == [300, 800] and brief.word_count_source.startswith("assumed")
    assert brief.intent == "commercial" and brief.intent_source == "keyword data"
    assert brief.angle and brief.ymyl == {}
    assert brief.missing == []


def test_brief_lists_missing_data_instead_of_inventing_it():
    brief = build_brief(
        page(primary_keyword="faye travel insurance", search_volume=None, intent=None),
        ctx(brand=""),
    )
    assert "search volume of the primary keyword" in brief.missing
    assert "SERP top 10 (not in the SERP cache)" in brief.missing
    assert any(m.startswith("no related searches") for m in brief.missing)
    assert any(m.startswith("brand name") for m in brief.missing)
    assert brief.title == "Faye Travel Insurance"  # no brand invented


def test_long_keyword_title_and_meta_are_cut_at_a_word():
    kw = "waterproof lightweight breathable trail running shoes for wide feet and winter mud"
    brief = build_brief(page(primary_keyword=kw, secondary=((kw + " sale", 10),) * 3), ctx())
    assert len(brief.title) <= TITLE_MAX_CHARS and not brief.title.endswith(" ")
    assert len(brief.meta_description) <= META_MAX_CHARS


def test_page_type_chosen_in_review_is_kept():
    for chosen in ("comparison", "landing", "article", "collection"):
        brief = build_brief(
            page(page_type=chosen, primary_keyword="best ai writing tools"), ctx("wordpress")
        )
        assert brief.page_type == chosen
    # pages without a review type (onboarded site pages) fall back to keyword cues
    assert page_type(page(page_type=None, primary_keyword="hoka vs salomon"), ()) == "comparison"
    assert (
        page_type(page(page_type=None, primary_keyword="how to clean trail shoes"), ()) == "article"
    )
    assert page_type(page(page_type=None), ("commercial",)) == "collection"
    assert page_type(page(page_type=None, category="landing"), ("transactional",)) == "landing"


def test_publisher_formats_and_no_store_words():
    cases = {
        ("comparison", "best ai writing tools"): "listicle",
        ("comparison", "jasper vs copy ai"): "comparison",
        ("landing", "allianz travel insurance reviews"): "review",
        ("landing", "sofi personal loans"): "review",
        ("article", "how to clean trail running shoes"): "how_to",
        ("article", "mortgage calculator"): "tool",
        ("article", "how do payday loans work"): "guide",
        ("collection", "travel credit cards"): "listicle",
    }
    for (chosen, kw), fmt in cases.items():
        brief = build_brief(page(page_type=chosen, primary_keyword=kw), ctx("publisher"))
        assert brief.format == fmt, kw
        text = " ".join([brief.title, brief.meta_description, brief.cta, brief.intro])
        text += " ".join(str(o["text"]) for o in brief.outline)
        assert "shop" not in text.lower() and "product grid" not in text.lower(), kw
        assert "Product" not in brief.schema_type.split(", ")
        assert "CollectionPage" not in brief.schema_type


def test_review_template_sections_and_ymyl_on_finance():
    brief = build_brief(
        page(page_type="landing", primary_keyword="sofi personal loans", intent=None),
        ctx("publisher", brand="Money Guide"),
    )
    sections = [o["text"] for o in brief.outline if o["source"] == "structure"]
    assert sections[:3] == ["What it is", "Plans and pricing", "Pros and cons"]
    assert {"Who it is for", "Alternatives", "Verdict"} <= set(sections)
    assert brief.h1 == "SoFi Personal Loans"
    assert brief.title.startswith("SoFi Personal Loans Review")
    assert brief.ymyl["topic"] == "finance"
    assert brief.ymyl["disclaimer"] and brief.ymyl["expert_review"] and brief.ymyl["sources"]
    assert "Review" in brief.schema_type


def test_ymyl_from_the_project_setting_and_none_elsewhere():
    assert build_brief(page(), ctx()).ymyl == {}
    assert build_brief(page(), ctx(ymyl="health")).ymyl["topic"] == "health"


def test_casing_brands_acronyms_possessives_and_years():
    casing = Casing(["NerdWallet"]).learn(["Best ChatGPT Prompts for SEO", "chatgpt prompts"])
    assert casing.title("chatgpt prompts for seo") == "ChatGPT Prompts for SEO"
    assert casing.title("mens socks") == "Men's Socks"
    assert casing.title("nerdwallet travel insurance") == "NerdWallet Travel Insurance"
    assert casing.title("img travel insurance") == "IMG Travel Insurance"
    assert casing.title("best running socks uk 2020", keep_year=False) == "Best Running Socks UK"
    assert casing.title("best credit cards 2026") == "Best Credit Cards 2026"
    assert casing.sentence("socks for kids") == "Socks for kids"


def test_question_keyword_title_and_meta_are_sentences():
    brief = build_brief(
        page(page_type="article", primary_keyword="how do payday loans work", intent=None),
        ctx("publisher", brand=""),
    )
    assert brief.h1 == "How Do Payday Loans Work?"
    assert brief.meta_description.startswith(
        "How do payday loans work? The short answer first, then the details that matter."
    )
    assert brief.meta_description.endswith(".") and "?." not in brief.meta_description
    assert brief.ymyl["topic"] == "finance"


def test_article_on_a_store_is_a_supporting_article_linking_to_the_collection():
    brief = build_brief(
        page(page_type="article", primary_keyword="how to clean trail running shoes"),
        ctx(),
        parent_keyword="trail running shoes",
    )
    assert brief.format == "how_to" and brief.schema_type.startswith("Article, HowTo")
    assert brief.cta == "Shop Trail Running Shoes"
    assert brief.title == "How to Clean Trail Running Shoes: Step-by-Step Guide"


def test_sibling_links_by_topic_similarity_not_volume_with_varied_anchors():
    nodes = [
        LinkNode("p", "travel insurance", "/p", "parent", 50000),
        LinkNode(
            "a", "travel insurance for seniors", "/a", "child", 900, ("senior travel insurance",)
        ),
        LinkNode(
            "b",
            "travel insurance for over 70s",
            "/b",
            "child",
            300,
            ("over 70 seniors travel insurance",),
        ),
        LinkNode("c", "faye travel insurance", "/c", "child", 7700),
        LinkNode("d", "img travel insurance", "/d", "child", 6000),
    ]
    links = plan_links(nodes)
    by = links_by_page(links)
    sib_a = [x["target_id"] for x in by["a"]["outgoing"] if x["relation"] == "to sibling"]
    assert sib_a == ["b"]  # the related page, not the high-volume brands
    sib_c = [x["target_id"] for x in by["c"]["outgoing"] if x["relation"] == "to sibling"]
    assert sib_c == []  # nothing in common beyond the head term
    anchors_to_p = [x.anchor for x in links if x.target_id == "p"]
    assert len(set(anchors_to_p)) > 1  # exact, partial, natural in turn
    assert {x["target_id"] for x in by["p"]["outgoing"]} == {"a", "b", "c", "d"}


def test_links_in_a_two_page_cluster_have_no_siblings():
    links = plan_links(
        [LinkNode("p", "shoes", "/p", "parent"), LinkNode("a", "red shoes", "/a", "child")]
    )
    assert [(x.source_id, x.target_id, x.relation) for x in links] == [
        ("p", "a", "to child"),
        ("a", "p", "to parent"),
    ]


def test_ranking_pages_become_link_sources_unless_they_compete():
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
            # ranks for the target's own search: it competes, so no link from it
            RankingRow("https://shop.example/blogs/news/best", "trail running shoe", 8.0, 30),
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
    ]
    assert links[0].relation == "from a page ranking for “trail running shoe guide”"
    assert [x for x in links if x.target_id == "a"] == []
    by = links_by_page(links)
    assert "" not in by and len(by["p"]["incoming"]) == 2


def test_city_and_state_variants_are_local_pages_not_sections():
    universe = [
        ("personal injury lawyer", 104000),
        ("houston personal injury lawyer", 6900),
        ("personal injury lawyer los angeles", 8300),
        ("car accident lawyer san bernardino ca", 400),
        ("personal injury lawyer st louis", 900),
        ("orange county personal injury lawyer", 1350),
        ("personal injury lawyer near me", 90000),
        ("personal injury lawyer free consultation", 2350),
        ("personal injury lawyer fees", 300),
        ("what does a personal injury lawyer do", 500),
    ]
    plan = plan_outline(
        "guide", "personal injury lawyer", index=TopicIndex(universe), casing=Casing()
    )
    texts = [o["text"] for o in plan.outline]
    assert "Personal injury lawyer free consultation" in texts
    assert "Personal injury lawyer fees" in texts
    assert not any(
        c in t.lower() for t in texts for c in ("houston", "angeles", "louis", "near me")
    )
    assert "Orange county personal injury lawyer" not in texts
    # 4 or 5: "… near me" is the primary's own search under some same-search rules
    assert any(re.match(r"[45] local variants left out", n) for n in plan.notes)


def test_words_that_are_also_towns_stay_topics():
    from services.content.places import only_places

    assert only_places(["san", "bernardino", "ca"]) and only_places(["grand", "rapids"])
    assert not only_places(["sale"]) and not only_places(["batman"])  # a word; a Turkish city
    assert not only_places(["wool"]) and not only_places([])


def test_how_to_groups_other_tasks_and_drops_near_duplicates():
    universe = [
        ("how to install wordpress", 3600),
        ("how to install ssl on wordpress", 170),
        ("how to install ssl certificate wordpress", 140),  # the same task, one word more
        ("how to install wordpress on ubuntu", 160),
        ("top website builder keywords wix squarespace weebly wordpress install list", 90),
    ]
    plan = plan_outline(
        "how_to", "how to install wordpress", index=TopicIndex(universe), casing=Casing()
    )
    rows = [(o["level"], o["text"]) for o in plan.outline]
    assert (2, "Related tasks (short answers, link where a page exists)") in rows
    assert (3, "How to install SSL on WordPress") in rows
    assert (3, "How to install WordPress on Ubuntu") in rows
    assert not any("certificate" in t or "builder" in t for _l, t in rows)
