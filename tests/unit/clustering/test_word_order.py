"""The primary keyword of an intent reads in natural word order (head noun last)."""

from __future__ import annotations

from services.clustering.word_order import head_noun, natural_wording

HIKING = [
    "merino wool socks hiking",
    "merino wool hiking socks",
    "merino wool walking socks",
    "merino walking socks",
    "merino hiking socks",
]
VOLUMES = [350, 300, 300, 200, 150]


def test_a_reordering_that_ends_with_the_head_noun_is_the_primary() -> None:
    # Shared Ahrefs "socks" export: 4 of 5 wordings end with "socks".
    assert HIKING[natural_wording(HIKING, VOLUMES, 0, "merino socks")] == "merino wool hiking socks"


def test_the_best_wording_stays_when_it_already_ends_with_the_head_noun() -> None:
    assert natural_wording(HIKING[1:], VOLUMES[1:], 0, "merino socks") == 0


def test_a_much_smaller_reordering_does_not_replace_it() -> None:
    assert natural_wording(HIKING, [1000, 300, 300, 200, 150], 0, "merino socks") == 0


def test_only_the_same_words_reordered_qualify() -> None:
    # "merino walking socks" ends with the head noun but has other words: no swap.
    keywords = ["merino wool socks hiking", "merino walking socks", "merino hiking socks"]
    assert natural_wording(keywords, [350, 300, 200], 0, "merino socks") == 0


def test_local_wordings_that_end_with_the_head_noun_stay() -> None:
    keywords = ["birmingham personal injury lawyer", "personal injury lawyer birmingham"]
    assert natural_wording(keywords, [1000, 900], 0, "personal injury lawyer") == 0
    # ... and one that does not end with it takes the reordering that does.
    assert natural_wording(keywords, [900, 1000], 1, "personal injury lawyer") == 0


def test_the_head_noun_of_a_seed() -> None:
    assert head_noun("trail running shoes for women") == "shoe"
    assert head_noun("personal injury lawyers near me") == "lawyer"
    assert head_noun("how to install wordpress") is None  # questions keep their wording
    assert natural_wording(["plugins wordpress", "wordpress plugins"], [900, 800], 0, "") == 0


def test_singular_and_plural_forms_of_the_same_words_are_a_reordering() -> None:
    # Shared Semrush wordpress export.
    keywords = ["theme wordpress free portfolio", "free portfolio wordpress themes"]
    assert natural_wording(keywords, [590, 260], 0, "wordpress themes") == 1
    assert natural_wording(keywords, [590, 200], 0, "wordpress themes") == 0  # under 0.4
