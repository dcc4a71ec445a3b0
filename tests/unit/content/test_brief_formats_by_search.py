"""Brief formats follow the search (publisher) and the business (service site); meta
descriptions sum the page up; acronyms keep their capitals (pure, no DB)."""

from __future__ import annotations

from dataclasses import replace

from services.content.briefs import BriefContext, PageInput, build_brief
from services.content.casing import Casing
from services.content.copywriting import meta_topics, roundup_noun
from services.content.templates import choose_format
from services.content.topics import TopicIndex

WORDPRESS = [
    ("wordpress chat plugin", 480),
    ("wordpress live chat plugin", 390),
    ("best chat plugin for wordpress", 260),
    ("wordpress chat plugin free", 170),
    ("idx wordpress plugin", 210),
    ("best idx plugin for wordpress", 720),
    ("what is a wordpress theme", 210),
    ("wordpress themes", 33100),
    ("brazilian food wordpress theme", 5400),  # one long-tail search, high volume
    ("wordpress child theme", 2900),
    ("create wordpress child theme", 480),
    ("wordpress child theme generator", 260),
    ("wordpress child theme tutorial", 170),
    ("free wordpress theme", 1900),
    ("free wordpress theme portfolio", 210),
    ("free wordpress theme blog", 170),
    ("free wordpress theme download", 140),
]
LAW = [
    ("car accident lawyer", 76000),
    ("car accident lawyer fee", 900),
    ("car accident lawyer in myrtle beach", 300),
    ("divorce lawyer", 40000),
    ("complex divorce lawyer", 200),
]


def ctx(site_type: str, universe) -> BriefContext:
    return BriefContext(site_type=site_type, index=TopicIndex(universe), casing=Casing())


def page(kw: str, page_type: str, intent: str | None, secondary=()) -> PageInput:
    return PageInput(
        "p1", kw, f"/{kw.replace(' ', '-')}", role="parent", search_volume=100,
        intent=intent, secondary=tuple(secondary), page_type=page_type,
    )  # fmt: skip


def sections(brief) -> list[str]:
    return [o["text"] for o in brief.outline if o["source"] == "structure"]


def test_publisher_commercial_noun_phrase_is_a_roundup_not_an_explainer():
    brief = build_brief(
        page("wordpress chat plugin", "landing", "transactional"), ctx("publisher", WORDPRESS)
    )
    assert brief.format == "listicle"
    assert brief.h1 == "Best WordPress Chat Plugins"
    assert brief.title == "Best WordPress Chat Plugins: Top Picks Compared"
    assert brief.meta_description.startswith("Best WordPress chat plugins: our picks compared")
    assert "explained" not in (brief.title + brief.meta_description).lower()
    assert "Answer the question behind" not in brief.angle
    assert "How we chose (criteria)" in sections(brief)


def test_publisher_landing_format_follows_the_search():
    cases = {
        ("wordpress chat plugin", "commercial"): "listicle",
        ("best chat plugin for wordpress", None): "listicle",
        ("how to add a chat plugin to wordpress", "commercial"): "how_to",
        ("what is a wordpress chat plugin", "commercial"): "guide",
        ("tidio vs crisp", "commercial"): "comparison",
        ("tidio chat plugin review", "commercial"): "review",
        ("wordpress chat plugin", "informational"): "guide",
    }
    for (kw, intent), fmt in cases.items():
        intents = (intent,) if intent else ()
        assert choose_format("landing", kw, "publisher", intents=intents) == fmt, kw


def test_question_guide_answers_the_question_and_noun_guide_explains():
    made = build_brief(
        page("what is a wordpress theme", "article", "informational"), ctx("publisher", WORDPRESS)
    )
    assert made.format == "guide"
    assert made.angle.startswith("Answer “What is a WordPress theme?”")
    noun = build_brief(
        page("wordpress chat plugin", "landing", "informational"), ctx("publisher", WORDPRESS)
    )
    assert noun.angle.startswith("Explain WordPress chat plugin")


def test_roundup_noun_pluralises_the_head_noun():
    assert roundup_noun("wordpress chat plugin") == "wordpress chat plugins"
    assert roundup_noun("plugin for wordpress chat") == "plugins for wordpress chat"
    assert roundup_noun("wordpress themes") == "wordpress themes"
    assert roundup_noun("seo agency") == "seo agencies"


def test_service_site_landing_is_a_service_page_with_sections_from_the_data():
    law = ctx("custom", LAW)
    car = build_brief(
        page(
            "car accident lawyer", "landing", None,
            [("car accident lawyer fee", 900), ("car accident lawyer in myrtle beach", 300)],
        ),
        law,
    )  # fmt: skip
    assert car.format == "service" and car.format_label == "Service page"
    got = sections(car)
    assert got[:3] == ["What the service is", "Who it is for", got[2]]
    assert got[2].startswith("How it works")
    assert {"Fees and pricing", "Areas served", "Proof (results, reviews, credentials)"} <= set(got)
    assert got[-1] == "Contact / book a consultation"
    assert car.cta.startswith("Contact us")
    assert "Service" in car.schema_type and "Review" not in car.schema_type
    assert "explained" not in car.title.lower()
    divorce = build_brief(
        page("divorce lawyer", "landing", None, [("complex divorce lawyer", 200)]), law
    )
    assert "Fees and pricing" not in sections(divorce)  # no search asks about cost
    assert "Areas served" not in sections(divorce)  # not a local search
    assert any(m.startswith("fees and pricing") for m in divorce.missing)
    near = build_brief(page("divorce lawyer near me", "landing", None), law)
    assert "Areas served" in sections(near)


def test_store_and_publisher_landing_never_get_the_service_page():
    assert choose_format("landing", "car accident lawyer", "publisher") == "guide"
    assert choose_format("landing", "trail running shoes", "shopify") == "landing"
    assert choose_format("landing", "car accident lawyer", "custom") == "service"


def test_meta_names_broad_subtopics_not_the_top_volume_long_tail():
    index = TopicIndex(WORDPRESS)
    subtopics = [
        ("brazilian food wordpress theme", 5400),
        ("wordpress child theme", 2900),
        ("free wordpress theme", 1900),
    ]
    topics = meta_topics(subtopics, [], Casing(), lambda k: len(index.carrying(k)))
    assert topics[:2] == ["WordPress child theme", "free WordPress theme"]
    brief = build_brief(
        page("wordpress themes", "collection", "commercial", subtopics), ctx("publisher", WORDPRESS)
    )
    assert "brazilian" not in brief.meta_description.lower()


def test_acronyms_keep_their_capitals():
    casing = Casing()
    assert casing.title("idx wordpress plugin") == "IDX WordPress Plugin"
    assert casing.sentence("wordpress mls idx plugin") == "WordPress MLS IDX plugin"
    brief = build_brief(
        page("idx wordpress plugin", "landing", "commercial"), ctx("publisher", WORDPRESS)
    )
    assert "IDX" in brief.h1 and "Idx" not in brief.title + brief.meta_description


def test_meta_leaves_out_a_long_tail_no_other_keyword_carries():
    index = TopicIndex(WORDPRESS)
    topics = meta_topics(
        [("brazilian food wordpress theme", 5400)], [], Casing(), lambda k: len(index.carrying(k))
    )
    assert topics == []


def test_roundup_keeps_mass_nouns_singular_and_never_repeats_itself_in_the_meta():
    assert roundup_noun("wordpress hosting") == "wordpress hosting"
    assert roundup_noun("crm software") == "crm software"
    universe = [
        ("wordpress security plugin", 0),
        ("best wordpress security plugins", 1300),
        ("wordpress security plugin free", 300),
        ("free wordpress security plugin download", 50),
    ]
    brief = build_brief(
        page(
            "wordpress security plugin", "landing", None,
            [("best wordpress security plugins", 1300), ("wordpress security plugin free", 300)],
        ),
        ctx("publisher", universe),
    )  # fmt: skip
    # no intent label, but the page's own searches ask for "best …": a roundup
    assert brief.format == "listicle" and brief.h1 == "Best WordPress Security Plugins"
    assert "covers best" not in brief.meta_description.lower()


def test_how_to_angle_reads_as_a_sentence():
    brief = build_brief(
        page("how to install wordpress", "article", "informational"), ctx("publisher", WORDPRESS)
    )
    assert brief.format == "how_to"
    assert "avoid with how to" not in brief.angle
    assert "“how to install WordPress”" in brief.angle


def test_service_page_puts_city_searches_under_areas_served_and_says_near_you():
    law = ctx("custom", LAW)
    brief = build_brief(
        page(
            "car accident lawyer", "landing", None,
            [("car accident lawyer in myrtle beach", 300), ("car accident lawyer fee", 900)],
        ),
        law,
    )  # fmt: skip
    texts = [(o["level"], o["text"]) for o in brief.outline]
    at = texts.index((2, "Areas served"))
    end = next(i for i in range(at + 1, len(texts)) if texts[i][0] == 2)
    assert [t for _lvl, t in texts[at + 1 : end]] == ["Car accident lawyer in myrtle beach"]
    assert not any(lvl == 2 and "myrtle" in t for lvl, t in texts)
    near = build_brief(page("personal injury lawyer near me", "landing", None), law)
    assert near.h1 == "Personal Injury Lawyer Near You"
    assert "Near Me" not in near.title and "near me" not in near.meta_description


def test_roundup_has_no_heading_that_is_its_own_best_search():
    brief = build_brief(
        page(
            "wordpress chat plugin", "landing", "transactional",
            [("best chat plugin for wordpress", 260), ("wordpress live chat plugin", 390)],
        ),
        ctx("publisher", WORDPRESS),
    )  # fmt: skip
    headings = [o["text"].lower() for o in brief.outline if o["source"] == "related search"]
    assert "best chat plugin for wordpress" not in headings
    assert "wordpress live chat plugin" in headings


def test_roundup_lists_product_searches_as_candidate_picks():
    filler = [(f"wordpress tip number {i}", 10) for i in range(300)]  # realistic shares
    universe = [
        *WORDPRESS,
        *filler,
        ("divi wordpress theme", 1000),
        ("divi wordpress theme review", 90),
        ("wordpress seo theme", 500),
        ("yoast seo vs rank math", 800),
        *[(f"wordpress seo tip {i}", 10) for i in range(10)],  # "seo": a topic word here
    ]
    brief = build_brief(
        page(
            "wordpress themes", "collection", "commercial",
            [("divi wordpress theme", 1000), ("wordpress seo theme", 500)],
        ),
        ctx("publisher", universe),
    )  # fmt: skip
    rows = [(o["level"], o["text"]) for o in brief.outline]
    picks = next(i for i, (_lvl, t) in enumerate(rows) if t.startswith("The picks"))
    assert rows[picks + 1] == (3, "Divi WordPress theme")
    assert (2, "WordPress SEO theme") in rows  # reviewed/compared but common: a feature


def test_briefs_sheet_names_the_page_type_as_the_site_type_does():
    from services.content import spreadsheet

    brief = build_brief(page("car accident lawyer", "landing", None), ctx("custom", LAW))
    frames = spreadsheet.workbook_frames([{"brief": brief.to_dict(), "status": "brief"}])
    assert frames["Briefs"]["page_type"].tolist() == ["service page"]


def test_service_site_articles_lead_to_a_consultation_not_more_reading():
    law = ctx("custom", LAW)
    guide = build_brief(page("what to do after a car accident", "article", "informational"), law)
    assert guide.format == "guide"
    assert guide.cta == "Contact us to book a consultation"
    how = build_brief(
        page("how to file a car accident claim", "article", "informational"),
        law,
        parent_keyword="car accident lawyer",
    )
    assert how.cta.endswith("book a consultation about Car Accident Lawyer")
    publisher = build_brief(
        page("what is a wordpress theme", "article", "informational"), ctx("publisher", WORDPRESS)
    )
    assert "consultation" not in publisher.cta


def test_meta_never_covers_a_ranking_search():
    topics = meta_topics(
        [("best car accident injury lawyers", 900), ("car accident lawyer fee", 300)],
        [],
        Casing(),
    )
    assert topics == ["car accident lawyer fee"]


# Searches of the shared Semrush wordpress export.
SECURITY = [
    ("wordpress security", 0),
    ("wordpress security plugins", 1000),
    ("best wordpress security plugins", 260),
    ("wordpress security news", 22200),
    ("verify wordpress installation security", 590),
]


def test_a_publisher_topic_hub_is_a_guide_and_a_product_hub_a_roundup():
    assert choose_format("collection", "wordpress security", "publisher") == "guide"
    assert choose_format("collection", "wordpress security plugins", "publisher") == "listicle"
    assert choose_format("collection", "wordpress security", "shopify") == "collection"
    hub = build_brief(page("wordpress security", "collection", None), ctx("publisher", SECURITY))
    assert hub.title == "WordPress Security: The Complete Guide"  # not "Best … Securities"


def test_a_task_keyword_is_a_how_to_and_news_is_an_updates_page():
    assert choose_format("article", "verify wordpress installation security", "publisher") == (
        "how_to"
    )
    assert choose_format("article", "backup plugins wordpress", "publisher") == "guide"
    assert choose_format("article", "add-ons for wordpress", "publisher") == "guide"
    news = build_brief(
        replace(page("wordpress security news", "article", None), role="child"),
        ctx("publisher", SECURITY),
    )
    assert news.title == "WordPress Security News: Latest Updates"
    assert "explained" not in news.meta_description.lower()


def test_a_hub_whose_roundup_is_a_sibling_page_is_not_a_second_roundup():
    from services.content.topics import Sibling

    hub = replace(page("wordpress security plugins", "collection", None), role="child")
    alone = build_brief(hub, ctx("publisher", SECURITY))
    assert alone.format == "listicle" and alone.h1 == "Best WordPress Security Plugins"
    with_roundup = build_brief(
        hub, ctx("publisher", SECURITY), siblings=[Sibling("best wordpress security plugins")]
    )
    assert with_roundup.format == "guide"
    assert with_roundup.h1 == "WordPress Security Plugins"
    assert with_roundup.title == "WordPress Security Plugins: What They Do and How to Choose"


def test_a_state_code_after_a_place_is_capitalised_and_never_an_everyday_word():
    casing = Casing()
    assert casing.title("car accident lawyers philadelphia pa") == (
        "Car Accident Lawyers Philadelphia PA"
    )
    assert casing.title("car accident lawyer san bernardino ca").endswith("San Bernardino CA")
    assert casing.title("houston or dallas lawyer") == "Houston or Dallas Lawyer"
    assert casing.title("personal assistant pa jobs") == "Personal Assistant Pa Jobs"


def test_a_singular_product_hub_is_one_to_choose():
    from services.content.copywriting import guide_kind, make_title

    kind = guide_kind("wordpress seo theme", products=True)
    assert make_title(
        "guide", "wordpress seo theme", "WordPress SEO Theme", "", False, kind=kind
    ) == ("WordPress SEO Theme: How to Choose One")
