"""One page per search with the real embedder and the list's own evidence (issue 8, point 5):
the issue's "amex platinum vs chase reserve" variants, brand short forms, and what must stay
apart."""

import pytest

from services.clustering.variants import is_short_form
from services.providers.embeddings import get_embedder
from services.seed_clusters.select import find_same_search, short_form_swap


@pytest.fixture(scope="module")
def minilm():
    return get_embedder("minilm")


def _groups(keywords, embedder):
    return sorted(sorted(keywords[i] for i in g) for g in find_same_search(keywords, embedder))


def test_the_issue_comparisons_are_one_search_with_minilm(minilm):
    keywords = [
        "amex platinum vs chase reserve",
        "american express platinum vs chase sapphire reserve",
        "compare amex platinum and chase sapphire reserve",
        "chase reserve vs amex platinum",
        "amex gold card",
        "american express gold card",
    ]
    assert _groups(keywords, minilm) == sorted(
        [sorted(keywords[:4]), ["american express gold card", "amex gold card"]]
    )


def test_different_searches_stay_apart_with_minilm(minilm):
    keywords = [
        "chase travel cards",
        "capital one travel cards",
        "iphone 15 vs samsung s24",
        "iphone 14 vs samsung s23",
        "women running shoes",
        "men running shoes",
        "trail running shoes",
        "trail running shoes for women",
        "add google analytics to website",
        "add google analytics to wordpress website",
    ]
    assert _groups(keywords, minilm) == []


def test_narrower_searches_and_years_from_the_wordpress_export(minilm):
    keywords = [
        "wordpress themes",
        "best theme wordpress",
        "best wordpress themes 2025",
        "wordpress seo theme",
        "best wordpress theme for seo",
        "wordpress theme seo",
    ]
    assert _groups(keywords, minilm) == sorted(
        [
            # "best" changes the page (issue 16): the list of the best themes is not the
            # definition page, and the embedding alone does not join them.
            ["best theme wordpress", "best wordpress themes 2025"],
            ["wordpress seo theme", "wordpress theme seo"],
        ]
    )


def test_a_short_form_the_embedder_does_not_know_needs_two_shared_contexts():
    with_data = [
        "bofa credit card",
        "bank of america credit card",
        "bofa login",
        "bank of america login",
    ]
    assert _groups(with_data, None) == [
        ["bank of america credit card", "bofa credit card"],
        ["bank of america login", "bofa login"],
    ]
    assert _groups(["bofa credit card", "bank of america credit card"], None) == []
    assert not short_form_swap("chase travel cards", "capital one travel cards", None, None)


@pytest.mark.parametrize(
    ("short", "phrase", "expected"),
    [
        ("amex", "american express", True),
        ("bofa", "bank of america", True),
        ("fha", "federal housing administration", True),
        ("chase", "capital one", False),
        ("men", "women", False),
        ("a", "american express", False),
        ("themes", "theme seo", False),
    ],
)
def test_short_form_shape(short, phrase, expected):
    assert is_short_form(short, phrase.split()) is expected


def test_how_to_questions_around_a_task_are_the_task_but_what_questions_are_not():
    keywords = [
        "add new website to google analytics",
        "how to add a new website to google analytics",
        "how do i add a new website to google analytics",
        "payday loans",
        "what are payday loans",
        "how do payday loans work",
        "how do payday loans work?",
    ]
    assert _groups(keywords, None) == sorted(
        [
            sorted(keywords[:3]),
            ["how do payday loans work", "how do payday loans work?"],
        ]
    )


def test_a_noun_the_other_words_imply_is_one_search_with_minilm(minilm):
    keywords = [
        "move wordpress site to new host",
        "move wordpress to new host",
        "self hosted wordpress website",
        "self hosted wordpress",
        "wordpress plugin vulnerability news november 2025",
        "wordpress plugin vulnerability november 2025",
        # the noun is the subject here: narrower searches, their own pages
        "personal injury lawyer website",
        "personal injury lawyer",
        "add website to desktop",
        "add to desktop",
        "wordpress security news",
        "wordpress security",
        "wordpress website",
        "wordpress",
    ]
    assert _groups(keywords, minilm) == sorted([sorted(keywords[i : i + 2]) for i in (0, 2, 4)])


def test_implied_noun_reason_is_recorded():
    from services.providers.base import Candidate
    from services.seed_clusters.intents import WORDING
    from services.seed_clusters.same_search import IMPLIED_NOUN, implied_noun, wording_reason

    a, b = (
        Candidate(keyword="move wordpress site to new host", expansion_strategy="attribute"),
        Candidate(keyword="move wordpress to new host", expansion_strategy="attribute"),
    )
    assert wording_reason(WORDING, a, b) == IMPLIED_NOUN
    assert wording_reason("same Parent Keyword", a, b) == "same Parent Keyword"
    assert not implied_noun("wordpress website", "wordpress")  # one word left: the seed itself
    assert not implied_noun("best wordpress website", "wordpress website")


def test_a_brand_short_form_next_to_the_brand_is_one_search_with_minilm(minilm):
    from services.providers.base import Candidate
    from services.seed_clusters.intents import WORDING
    from services.seed_clusters.same_search import BRAND_SHORT_FORM, wording_reason

    keywords = [
        "wordpress security plugins",
        "wordpress wp security plugin",
        # Arkansas, not "attorney" (cosine 0.36); "men" has no short form's shape
        "personal injury attorney ar",
        "personal injury attorney",
        "men merino socks",
        "merino socks",
    ]
    assert _groups(keywords, minilm) == [sorted(keywords[:2])]
    a, b = (Candidate(keyword=k, expansion_strategy="attribute") for k in keywords[:2])
    assert wording_reason(WORDING, b, a) == BRAND_SHORT_FORM


def test_the_month_of_a_news_search_is_a_date_but_not_of_other_searches():
    # Shared Semrush wordpress export: monthly news searches are the news page's.
    keywords = [
        "wordpress security news",
        "wordpress security news december 2025",
        "wordpress security news november 2025",
        "may 2025 calendar",
        "calendar",
    ]
    assert _groups(keywords, None) == [sorted(keywords[:3])]
