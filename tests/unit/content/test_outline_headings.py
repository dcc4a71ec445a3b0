"""Headings a strategist keeps (issue 17 §2), on searches of the shared Semrush WordPress
export (../shared/data/semrush-wordpress): no question fragments, no ungrammatical
questions, no headings in another language's grammar, honest counts in the notes."""

from __future__ import annotations

from services.content.casing import Casing
from services.content.outline import plan_outline
from services.content.topics import TopicIndex

UNIVERSE = [
    ("wordpress plugins", 0),
    ("next-radio-player wordpress plugin", 1600),
    ("wordpress redirect plugin", 1380),
    ("plugins de landing page wordpress", 1080),
    ("wordpress search plugin", 970),
    ("what wordpress plugins", 480),
    ("what are wordpress plugins", 90),
    ("can replit build a wordpress plugins", 260),
    ("are there any wordpress plugins that increase traffic", 50),
    ("how many wordpress plugins", 40),
]


def test_fragments_bad_grammar_and_foreign_headings_are_left_out():
    plan = plan_outline(
        "listicle", "wordpress plugins", index=TopicIndex(UNIVERSE), casing=Casing()
    )
    texts = [str(o["text"]) for o in plan.outline]
    assert "WordPress redirect plugin" in texts and "WordPress search plugin" in texts
    assert not any(" de " in t for t in texts)
    # the group's grammatical question is kept, its fragment wording is not
    assert plan.faq == [
        "What are WordPress plugins?",
        "Are there any WordPress plugins that increase traffic?",
    ]
    assert not any(t in texts for t in ("How many WordPress plugins?", "What WordPress plugins?"))


def test_notes_count_in_words():
    one = plan_outline(
        "guide",
        "wordpress redirect plugin",
        index=TopicIndex(
            [("wordpress redirect plugin", 1380), ("wordpress redirect plugin free", 90)]
        ),
        casing=Casing(),
    )
    assert one.notes[0].startswith("only 1 related search in the project's data")


def test_the_summary_line_reads_as_text():
    from services.content.briefs import ASSUMED, brief_summary

    line = brief_summary(
        {"page_type": "article", "primary_keyword": "wordpress chat plugin",
         "word_count": [1200, 2000], "word_count_source": ASSUMED}
    )  # fmt: skip
    assert "1,200-2,000 words (assumed: the format's default, no competitor pages analysed)" in (
        line
    )
    assert "((" not in line and "))" not in line


def test_product_listing_titles_are_no_headings():
    universe = [
        ("wordpress portfolio themes", 480),
        ("best portfolio wordpress themes", 290),
        ("werkstatt v1.3.1 creative portfolio wordpress themes", 210),
        ("werkstatt v2.0.3 creative portfolio wordpress themes", 210),
        ("topseo - seo digital marketing wordpress portfolio theme", 50),
        ("portfolio website wordpress theme", 50),
    ]
    plan = plan_outline(
        "listicle", "wordpress portfolio themes", index=TopicIndex(universe), casing=Casing()
    )
    texts = [str(o["text"]) for o in plan.outline if o["source"] == "related search"]
    assert texts[:2] == ["Best portfolio WordPress themes", "Portfolio website WordPress theme"]
    assert not any("Werkstatt" in t or "Topseo" in t for t in texts)


# Searches of the shared Ahrefs "socks" export (a development set, not committed).
SOCKS = [
    ("merino wool socks", 5500),
    ("merino wool socks women's uk", 250),
    ("merino wool socks womens uk", 150),
    ("merino wool ladies socks", 200),
    ("merino wool walking socks ladies", 250),
    ("mens merino wool socks", 600),
    ("merino wool socks mens", 250),
    ("pure merino wool socks", 150),
]


def test_headings_take_the_wording_in_natural_order_without_the_market():
    plan = plan_outline("collection", "merino wool socks", index=TopicIndex(SOCKS), casing=Casing())
    texts = [str(o["text"]) for o in plan.outline]
    assert "Merino wool ladies socks" in texts  # not "Merino wool socks women's UK"
    assert "Men's merino wool socks" in texts  # not "Merino wool socks men's"
    assert not any(t.lower().endswith((" uk", " mens", " ladies")) for t in texts)


def test_shop_by_names_each_audience_once_and_no_market():
    from services.content.facets import facets

    subtopics = [
        ("merino wool socks women's uk", 400),
        ("merino wool walking socks ladies", 250),
        ("mens merino wool socks", 600),
        ("pure merino wool socks", 150),
    ]
    assert facets("merino wool socks", subtopics, Casing()) == [
        "women's",
        "walking",
        "men's",
        "pure",
    ]


def test_a_dated_search_is_no_heading_of_an_undated_page():
    # Shared Semrush wordpress export: news of one month belongs to the news page.
    universe = [
        ("wordpress security", 0),
        ("wordpress security vulnerability october", 390),
        ("wordpress security checklist", 210),
        ("wordpress security update september", 320),
        ("wordpress security update today", 210),
        ("wordpress security plugins", 1000),
    ]
    plan = plan_outline("guide", "wordpress security", index=TopicIndex(universe), casing=Casing())
    texts = [str(o["text"]) for o in plan.outline]
    assert "WordPress security checklist" in texts
    assert not any(w in t for t in texts for w in ("October", "September", "today"))


def test_a_question_asked_after_its_topic_is_no_heading():
    # Ahrefs law development set: "car accident should i get a lawyer" (1,100/month).
    universe = [
        ("car accident lawyer", 76000),
        ("car accident should i get a lawyer", 1100),
        ("should i get a lawyer for a car accident", 350),
        ("car accident lawyer fee", 900),
    ]
    plan = plan_outline("guide", "car accident lawyer", index=TopicIndex(universe), casing=Casing())
    texts = [str(o["text"]) for o in plan.outline] + plan.faq
    assert "Car accident lawyer fee" in texts
    assert not any(t.lower().startswith("car accident should") for t in texts)


def test_the_pages_words_with_need_put_in_are_no_heading():
    universe = [
        ("car accident lawyer", 76000),
        ("car accident need lawyer", 1320),
        ("car accident lawyer fee", 900),
        ("car accident lawyer for passengers", 300),
    ]
    plan = plan_outline("guide", "car accident lawyer", index=TopicIndex(universe), casing=Casing())
    texts = [str(o["text"]) for o in plan.outline]
    assert "Car accident lawyer fee" in texts
    assert "Car accident need lawyer" not in texts


def test_shop_by_lists_kinds_of_product_once():
    from services.content.facets import facets

    # Ahrefs "socks" development set.
    subtopics = [
        ("pregnancy compression socks", 850),
        ("compression socks benefits", 450),
        ("medical compression socks", 450),
    ]
    assert facets("compression socks", subtopics, Casing()) == ["pregnancy", "medical"]
    swollen = [
        ("compression ankle socks for swollen ankles", 300),
        ("compression ankle socks for swollen feet", 200),
    ]
    assert facets("compression ankle socks", swollen, Casing()) == ["swollen"]


def test_a_heading_drops_a_trailing_market_word():
    universe = [
        ("compression ankle socks", 700),
        ("compression socks for swollen feet and ankles uk", 100),
        ("compression socks for swollen ankles", 150),
    ]
    plan = plan_outline(
        "collection", "compression ankle socks", index=TopicIndex(universe), casing=Casing()
    )
    texts = [str(o["text"]) for o in plan.outline]
    assert "Compression socks for swollen feet and ankles" in texts
