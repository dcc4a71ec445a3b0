"""On-topic rule (stems, IDF, head noun) and the filters' true reasons (issue 16)."""

from __future__ import annotations

import pytest

from services.clustering.keyword_filters import exclusion_reason
from services.clustering.topic import SeedTopic, stem
from services.core.text import normalize_keyword

UNIVERSE = [
    "how to get out of payday loans",
    "how many payday loans can i get at once",
    "payday loans",
    "payday loans near me",
    "what are payday loans",
    "payday loan consolidation",
    "how to consolidate payday loans",
    "ai image generation tools",
    "ai video generation tools",
    "ai tools",
    "best ai tools",
    "ai writing tools",
    "ai detection tools",
    "personal loans",
    "business loan no personal guarantee",
    "chase cd rates",
    *[f"ai tools for job {i}" for i in range(20)],
]


def test_stemming_joins_consolidate_and_consolidation():
    assert stem("consolidate") == stem("consolidation") == stem("consolidating")
    t = SeedTopic.of("payday loan consolidation", UNIVERSE)
    assert t.match("how to consolidate payday loans") == "full"
    assert t.match("can i consolidate payday loans") == "full"
    assert t.match("payday loans") is None


@pytest.mark.parametrize(
    ("seed", "drift", "reason_word"),
    [
        ("how to get out of payday loans", "how many payday loans can i get at once", "out"),
        ("ai image generation tools", "ai video generation tools", "image"),
    ],
)
def test_one_shared_token_is_no_topic(seed, drift, reason_word):
    t = SeedTopic.of(seed, UNIVERSE)
    assert t.match(drift) is None
    assert t.missing_text(drift) == reason_word
    assert t.overlap(drift) < 1.0


def test_a_generic_word_may_be_missing_from_a_long_seed():
    t = SeedTopic.of("ai image generation tools", UNIVERSE)
    assert t.generic in {stem("ai"), stem("tools")}
    assert t.match("ai image generation") == "partial"
    assert t.match("free ai image generation tools") == "full"


def test_the_seed_modifier_must_qualify_the_seed_head():
    t = SeedTopic.of("personal loans", UNIVERSE)
    assert t.match("business loan no personal guarantee") is None
    assert t.match("personal loans for bad credit") == "full"
    assert SeedTopic.of("chase cd rates", UNIVERSE).match("cd rates chase bank") == "full"


def test_a_compound_head_the_data_confirms_may_drop_its_second_word():
    socks = [
        "merino wool socks",
        "merino wool hiking socks",
        "merino wool socks women",
        "merino socks",
        "wool socks",
        "wool blend socks",
        "personal loans",
        "personal finance tips",
    ]
    t = SeedTopic.of("merino wool socks", socks)
    assert t.implied == {stem("wool")}
    assert t.match("merino socks") == "full"
    assert t.match("wool socks") is None  # "merino" is the topic, not implied
    # The head noun is never implied: "personal finance tips" is no personal loan.
    assert SeedTopic.of("personal loans", socks).match("personal finance tips") is None


def test_topic_overlap_is_idf_weighted():
    t = SeedTopic.of("ai writing tools", UNIVERSE)
    # "writing" is rarer than "ai"/"tools": missing it costs more than missing "tools".
    assert t.overlap("ai writing assistant") > t.overlap("ai tools")


# ------------------------------------------------------------------------------- filters
@pytest.mark.parametrize(
    ("keyword", "intent", "site_type", "starts"),
    [
        ("undress ai free tools", None, "publisher", "unsafe for the brand"),
        ("porn ai generator", None, "publisher", "unsafe for the brand"),
        ("localhost/wordpress/wp-admin", None, "wordpress", "a URL, domain or local path"),
        ("wordpress.org themes", None, "wordpress", "a URL, domain or local path"),
        ("https://example.com/socks", None, "shopify", "a URL, domain or local path"),
        ("chase", "navigational,branded", "publisher", "navigational (the data labels it"),
        ("nike", "navigational", "shopify", "navigational (the data labels it"),
        ("chase login", None, "publisher", "navigational (a log-in"),
        ("superdrug compression socks", None, "shopify", "competitor brand (superdrug)"),
        ("ai tools for youtube", None, "shopify", "no store page"),
        ("socks jobs", None, "woocommerce", "no store page"),
        ("купить носки", None, "shopify", "off-topic (another script)"),
        ("a b c d e f g h i j k", None, "shopify", "off-topic (more than 10 words)"),
    ],
)
def test_each_filter_reason(keyword, intent, site_type, starts):
    reason = exclusion_reason(keyword, intent, ("Superdrug",), site_type=site_type)
    assert reason is not None and reason.startswith(starts), reason


@pytest.mark.parametrize(
    ("keyword", "intent", "site_type"),
    [
        ("how to stop payday loans from debiting my account", None, "publisher"),
        ("ai tools for youtube", None, "publisher"),
        ("chase cd rates", "commercial,branded", "publisher"),
        ("nike socks", "navigational,branded", "shopify"),  # the project's own brand
        ("superdrug vs boots compression socks", None, "shopify"),  # a comparison
        ("hemp socks", None, "shopify"),  # reviewed out of the word list
        ("24/7 payday loans", None, "publisher"),
        ("don\u2019t stop believing socks", None, "shopify"),  # typographic apostrophe
    ],
)
def test_real_topics_are_kept(keyword, intent, site_type):
    assert (
        exclusion_reason(keyword, intent, ("Superdrug",), site_type=site_type, brand="Nike") is None
    )


def test_typographic_apostrophe_is_normalised():
    assert normalize_keyword("Don\u2019t Stop") == "don't stop"


def test_everyday_words_on_the_profanity_list_stay_real_pages():
    for keyword in (
        "nude socks",
        "sexual harassment lawyer",
        "cumming ga car accident lawyer",
        "led strip lights",
        "virgin olive oil",
    ):
        assert exclusion_reason(keyword) is None, keyword
    assert exclusion_reason("undress ai free tools").startswith("unsafe for the brand")
