"""The list-clustering side of the shared evidence rules: hints and per-member merge rules."""

from __future__ import annotations

from services.keyword_lists.evidence import (
    Evidence,
    hints_of,
    is_evidence,
    merged_by,
    search_groups,
)

WORDS = ["chase cd rates today", "chase cd rate", "cd rates chase bank", "mortgage calculator"]
VOLS = [10000, 6700, 2100, 9000]


def test_same_ranking_url_joins_and_is_recorded_only_inside_one_cluster():
    ev = Evidence(url=["bank.example/cd/chase"] * 3 + [None])
    groups = search_groups(WORDS, VOLS, ev)
    hints = hints_of(groups)
    assert hints[0] == hints[1] == hints[2] is not None and hints[3] is None
    assert merged_by(groups, ["a", "a", "a", "b"])[:3] == ["same ranking URL"] * 3
    # The model put one of them elsewhere: no mate in its cluster, nothing recorded.
    got = merged_by(groups, ["a", "a", "c", None])
    assert got[2] is None and got[3] is None


def test_text_rules_first_evidence_never_splits():
    words = ["nike socks", "socks nike", "nike sock sale"]
    ev = Evidence(parent=["nike socks", "nike socks x", "nike socks"])  # Ahrefs splits twins
    groups = search_groups(words, [100, 50, 10], ev)
    assert len(set(groups.labels.tolist())) == 1  # twins stay together, parent adds the third
    rules = merged_by(groups, ["a", "a", "a"])
    assert rules[1] == "word order" and rules[2] == "same Parent Keyword"
    assert is_evidence(rules[2]) and not is_evidence(rules[1])


def test_without_evidence_only_the_text_rules():
    groups = search_groups(WORDS, VOLS, None)
    assert len(set(groups.labels.tolist())) == 4
    assert Evidence().any() is False


def test_serp_overlap_follows_the_workspace_setting_carried_by_the_evidence():
    shared = [f"https://site{i}.example/cd/" for i in range(3)]
    serp = [
        [*shared, *(f"https://a{i}.example/" for i in range(7))],
        [*shared, *(f"https://b{i}.example/" for i in range(7))],
        [],
        [],
    ]
    words = ["chase cd rates", "best cd rates chase", "mortgage calculator", "loan calculator"]
    default = search_groups(words, VOLS, Evidence(serp=serp))  # 3 shared < 4 (default)
    assert default.labels[0] != default.labels[1]
    three = search_groups(words, VOLS, Evidence(serp=serp, min_serp_overlap=3))
    assert three.labels[0] == three.labels[1] != three.labels[2]
    assert merged_by(three, ["a", "a", "b", "c"])[1] == "SERP overlap ≥ 3/10"
