import math

import pytest

from services.core.scoring import calculate_score, volume_score
from services.core.slugs import collection_slug, normalize_slug
from services.core.text import canonical_key, normalize_keyword, tokens


@pytest.mark.parametrize(
    ("volume", "expected"),
    [(None, 0.0), (0, 0.0), (1, 0.0), (10, 10.0), (1000, 30.0), (10**6, 50.0), (10**9, 50.0)],
)
def test_volume_score_is_capped_log_scale(volume, expected):
    assert volume_score(volume) == pytest.approx(expected)


def test_composite_score_matches_the_owner_formula():
    # 0.50·min(50, log10(2400)·10) + 0.35·(0.8·100) + 0.15·((1 − 0.3)·100)
    expected = 0.5 * math.log10(2400) * 10 + 0.35 * 80 + 0.15 * 70
    assert calculate_score(2400, 0.8, 0.3) == pytest.approx(round(expected, 2))


def test_composite_score_leaves_unknown_competition_out():
    # Unknown competition is left out: volume and relevance weights scaled to sum 1.
    assert calculate_score(None, 1.0, None) == pytest.approx(round(0.35 / 0.85 * 100, 2))


def test_slug_matches_spec_example():
    assert (
        collection_slug("waterproof trail running shoes")
        == "/collections/waterproof-trail-running-shoes"
    )


def test_slug_strips_special_characters_and_caps_length():
    slug = collection_slug("Women's Trail-Running Shoes & Boots — ÜBER light!!! " + "extra " * 20)
    body = slug.removeprefix("/collections/")
    assert len(body) <= 60
    assert body == body.lower()
    assert all(ch.isalnum() or ch == "-" for ch in body)
    assert body.startswith("womens-trail-running-shoes-boots-uber-light")  # apostrophe dropped


def test_slugs_are_unique_within_a_cluster():
    taken: set[str] = set()
    a = collection_slug("trail shoes", taken)
    b = collection_slug("Trail Shoes!", taken)
    assert a != b and b == "/collections/trail-shoes-2"


def test_normalize_slug_accepts_user_edits():
    assert normalize_slug("/collections/My New Slug/") == "/collections/my-new-slug"
    assert normalize_slug("other page") == "/collections/other-page"


def test_near_duplicate_key_ignores_order_possessives_plurals_and_stop_words():
    assert canonical_key("women's trail running shoes") == canonical_key(
        "trail running shoes for women"
    )
    assert canonical_key("trail running shoe") == canonical_key("Trail  Running Shoes")
    assert canonical_key("trail running shoes") != canonical_key("road running shoes")


def test_normalize_keyword_handles_case_whitespace_and_unicode():
    assert normalize_keyword("  Trail\tRunning  SHOES ") == "trail running shoes"
    assert normalize_keyword("ＡＢＣ 🏃") == "abc 🏃"
    assert normalize_keyword("\u00a0Don\u2019t\u2003stop\n") == "don't stop"
    assert normalize_keyword(None) == ""  # type: ignore[arg-type]


def test_tokens_of_plain_and_punctuated_keywords():
    # Plain ASCII words take the split() path; the others the token pattern: same answers.
    assert tokens("Trail  Running Shoes") == ["trail", "running", "shoes"]
    assert tokens("women’s x-ray socks_2 24/7") == ["women", "x-ray", "socks", "2", "24", "7"]
    assert tokens("runners' café") == ["runners", "café"]


def test_singular_keeps_words_that_only_look_plural():
    from services.clustering.evidence import same_search_groups
    from services.core.text import singularize

    assert singularize("news") == "news" and singularize("series") == "series"
    assert singularize("shoes") == "shoe" and singularize("plugins") == "plugin"
    groups = same_search_groups(["wordpress news", "new wordpress"])
    assert groups.labels[0] != groups.labels[1]  # was one search by word order ("new")
