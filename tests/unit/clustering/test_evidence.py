"""Same-search groups with evidence (issue 16): text rules, evidence, the rule per merge."""

from __future__ import annotations

import pandas as pd
import pytest

from services.clustering.evidence import group_frame, same_search_groups
from services.core.text import PAGE_CHANGING_WORDS, STOP_WORDS


def _pairs(keywords, **kw):
    g = same_search_groups(keywords, **kw)
    return {frozenset(keywords[i] for i in grp) for grp in g.groups()}, g


@pytest.mark.parametrize(
    ("a", "b", "rule"),
    [
        ("trail running shoe", "Trail Running Shoes", "singular/plural"),
        ("colourful socks", "colorful socks", "UK/US spelling"),
        ("tools for teachers ai", "ai tools for teachers", "word order"),
        ("heated socks uk", "heated socks", "same words"),
        ("trinkwassertest", "trinkwasser test", "compound spelling"),
        ("fha vs conventional loan", "conventional vs fha", "comparison order"),
    ],
)
def test_each_text_rule_is_recorded(a, b, rule):
    groups, g = _pairs([a, b])
    assert groups == {frozenset([a, b])}
    assert g.reasons == [rule, rule]


def test_short_forms_the_list_spells_out_and_implied_words():
    kws = [
        "hr ai tools",
        "ai tools for human resources",
        "merino socks",
        "merino wool socks",
        "merino wool hiking socks",
        "merino wool running socks",
    ]
    groups, g = _pairs(kws)
    assert frozenset(["hr ai tools", "ai tools for human resources"]) in groups
    assert frozenset(["merino socks", "merino wool socks"]) in groups
    assert g.reasons[0] == "short form" and g.reasons[2] == "implied word"


def test_a_typo_joins_its_higher_volume_correction_only():
    kws = ["wonens socks", "womens socks"] + [f"womens {m} socks" for m in ["ab", "cd", "ef", "gh"]]
    groups, g = _pairs(kws, volumes=[5, 1000, 10, 10, 10, 10])
    assert frozenset(["wonens socks", "womens socks"]) in groups
    assert g.reasons[0] == "typo"
    # A real word that is one edit from a frequent one is not a typo when it has more volume.
    _, g2 = _pairs(kws, volumes=[5000, 1000, 10, 10, 10, 10])
    assert g2.labels[0] != g2.labels[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("payday loans near me", "payday loans"),
        ("what are the best payday loans", "what are payday loans"),
        ("top wordpress themes", "wordpress themes"),
        ("free ai tools", "ai tools"),
        ("ai tools alternatives", "ai tools"),
        ("chatgpt reviews", "chatgpt"),
    ],
)
def test_words_that_change_the_page_keep_two_pages(a, b):
    groups, _ = _pairs([a, b])
    assert groups == set()


def test_page_changing_words_are_not_stop_words():
    assert not PAGE_CHANGING_WORDS & STOP_WORDS
    assert {"near", "me", "best", "top", "vs", "or"} <= PAGE_CHANGING_WORDS


def test_evidence_merges_and_names_itself():
    kws = ["chase cd rates today", "chase cd rate", "cd rates chase bank", "chase savings"]
    urls = [
        "https://www.chase.com/cd-rates/",
        "chase.com/cd-rates",
        "http://chase.com/cd-rates",
        None,
    ]
    groups, g = _pairs(kws, ranking_urls=urls)
    assert groups == {frozenset(kws[:3])}
    assert set(g.reasons[:3]) == {"same ranking URL"}
    assert g.reasons[3] == ""


def test_site_roots_and_blanks_are_no_evidence():
    kws = ["chase cd rates", "chase savings", "chase login"]
    groups, _ = _pairs(kws, ranking_urls=["https://chase.com/", "chase.com", ""])
    assert groups == set()


def test_parent_keyword_joins_but_never_splits_text_rules():
    kws = ["payday loans near me", "payday loans nearby", "payday loan near me", "payday loans"]
    parents = ["payday loans near me", "payday loans near me", "payday loan", None]
    groups, g = _pairs(kws, parent_keywords=parents)
    # "payday loan near me" has another parent but the same words: text rules keep it in.
    assert groups == {frozenset(kws[:3])}
    assert g.reasons[1] == "same Parent Keyword"
    assert g.reasons[2] == "singular/plural"


def test_serp_overlap_needs_the_threshold():
    urls = [[f"u{i}" for i in range(10)], [f"u{i}" for i in range(5, 15)], ["u0", "u1", "x", "y"]]
    kws = ["best running socks", "running socks reviews", "socks"]
    groups, g = _pairs(kws, serp_urls=urls)
    assert groups == {frozenset(kws[:2])}
    assert g.reasons[0] == "SERP overlap 5/10"
    groups6, _ = _pairs(kws, serp_urls=urls, min_serp_overlap=6)
    assert groups6 == set()


def test_group_frame_with_and_without_evidence():
    frame = pd.DataFrame(
        {
            "keyword": ["chase cd rates today", "chase cd rate", "cd rates chase bank"],
            "search_volume": [10_000, 6_700, 2_100],
            "grouping_hint": ["chase cd rates", "chase cd rates", "chase cd rates"],
        }
    )
    out = group_frame(frame)
    assert out["search_group"].nunique() == 1
    assert set(out["group_primary"]) == {"chase cd rates today"}
    assert out["merged_by"].tolist() == ["same Parent Keyword"] * 3
    text_only = group_frame(frame, use_evidence=False)
    assert text_only["search_group"].nunique() == 3


def test_evidence_length_must_match():
    with pytest.raises(ValueError, match="ranking_urls"):
        same_search_groups(["a", "b"], ranking_urls=["x"])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("self hosted wordpress", "self host wordpress"),
        ("consolidate payday loans", "payday loan consolidation"),
        ("optimize wordpress speed", "wordpress speed optimization"),
        ("migrate wix to wordpress", "wix to wordpress migration"),
    ],
)
def test_forms_of_one_word_are_one_search(a, b):
    pairs, g = _pairs([a, b])
    assert pairs == {frozenset([a, b])}
    assert g.reasons == ["stem variant", "stem variant"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("market research", "marketing research"),  # -ing noun: another thing
        ("project manager", "project management"),  # agent noun
        ("personal loan", "person loan"),  # adjective
        ("organ donor", "organization donor"),  # -ization is not the bare noun
        ("beste chatgpt prompts", "best chatgpt prompts"),  # page-changing word never folds
        ("payday loans near me", "payday loans"),
    ],
)
def test_stem_variants_keep_other_senses_apart(a, b):
    pairs, _ = _pairs([a, b])
    assert pairs == set()


def test_a_brand_short_form_next_to_the_brand_is_redundant():
    keywords = [
        "wordpress security plugins",
        "wordpress wp security plugin",
        "wordpress wp admin",
        "wordpress wp config",
        "wordpress themes",
        "wordpress hosting",
        "wordpress login",
    ]
    pairs, g = _pairs(keywords)
    assert pairs == {frozenset(keywords[:2])}
    assert g.reasons[:2] == ["brand short form", "brand short form"]


def test_a_short_form_needs_the_list_to_confirm_it_and_the_shape_of_one():
    # once only next to its "long form" (Arkansas), not a short form of "attorney"
    once = ["personal injury attorney ar", "personal injury attorney", "car accident attorney"]
    assert _pairs(once)[0] == set()
    # "men" is no short form of "merino" (a vowel), however often the two stand together
    men = ["men merino socks", "merino socks", "men merino hats", "men merino gloves"]
    assert _pairs(men)[0] == set()
