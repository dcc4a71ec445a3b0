"""Same-search variants: comparisons, implied head nouns, spelled-out short forms, hints."""

from __future__ import annotations

import numpy as np
import pytest

from services.clustering.variants import build_context, same_search_key, variant_groups


@pytest.mark.parametrize(
    "other",
    [
        "conventional vs fha",
        "fha versus conventional",
        "compare fha and conventional",
        "fha loan vs conventional loan",
        "fha vs conventional loan",
        "difference between fha and conventional loans",
    ],
)
def test_comparisons_in_any_order_and_wording_share_a_key(other):
    assert same_search_key(other) == same_search_key("fha vs conventional")


def test_different_comparisons_stay_apart():
    assert same_search_key("fha vs va") != same_search_key("fha vs conventional")
    assert same_search_key("fha vs conventional") != same_search_key("fha conventional loan")


def test_implied_head_noun_needs_the_longer_form_in_the_list():
    words = ["bilt credit card", "amex credit card", "chase credit card", "bilt card"]
    ctx = build_context(words)
    assert same_search_key("bilt card", ctx) == same_search_key("bilt credit card", ctx)
    # Without the list's evidence the short form is its own search.
    assert same_search_key("bilt card") != same_search_key("bilt credit card")


def test_implied_head_noun_not_taken_when_the_head_is_mostly_used_alone():
    # "football socks" is one kind of sock among many: "nike socks" is its own page.
    words = ["nike football socks", "adidas football socks", "nike socks", "adidas socks"]
    words += [f"{c} socks" for c in ("red", "blue", "wool", "ankle", "grip")]
    ctx = build_context(words)
    assert same_search_key("nike socks", ctx) != same_search_key("nike football socks", ctx)


def test_short_form_read_as_the_phrase_only_when_the_list_spells_it_out():
    ctx = build_context(["personal injury lawyer", "pi lawyer", "car accident lawyer al"])
    assert same_search_key("pi lawyer", ctx) == same_search_key("personal injury lawyers", ctx)
    assert "al" not in ctx.acronyms  # "accident lawyer" is never written "al lawyer"


def test_variant_groups_union_lexical_keys_variants_and_hints():
    words = [
        "fha vs conventional",
        "conventional vs fha loan",
        "running shoes women",
        "women's running shoe",
        "trail shoes",
        "hiking shoes",
        "chatgpt prompts",
        "chat gpt prompts",
    ]
    groups = variant_groups(words)
    assert groups[0] == groups[1]
    assert groups[2] == groups[3]
    assert groups[6] == groups[7]
    assert groups[4] != groups[5]
    hinted = variant_groups(words, hints=[None, None, None, None, "shoes", "shoes", "", None])
    assert hinted[4] == hinted[5]
    assert hinted[6] == hinted[7] and hinted[0] != hinted[4]


def test_large_lists_tokenise_once_with_the_same_groups(monkeypatch):
    from services.clustering import variants
    from services.clustering.lexical import lexical_keys, lexical_keys_of
    from services.core.text import tokens

    words = [
        "Women's Trail Shoes 2024",
        "trail-shoes",
        "trail shoe for women",
        "trinkwasser-tests",
        "trinkwasser test",
        "pi lawyer",
        "personal injury lawyer",
        "the",
        "fha vs conventional loan",
        "compare conventional and fha",
        "uk",
        "",
    ]
    for w in words:
        assert lexical_keys_of(w, tokens(w)) == lexical_keys(w)
    small = variants.variant_groups(words)
    monkeypatch.setattr(variants, "KEY_CACHE_SIZE", 2)
    np.testing.assert_array_equal(variants.variant_groups(words), small)
    assert small[0] == small[2] and small[3] == small[4] and small[8] == small[9]
