"""The cue-word prefilter of ``rule_intents`` answers exactly what the patterns answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.clustering import intent_rules as intent
from services.core.text import normalize_keyword
from services.providers.base import SEARCH_INTENTS

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"


def _by_patterns(keyword: str) -> tuple[str, ...]:
    kw = normalize_keyword(keyword)
    return tuple(label for label in SEARCH_INTENTS if intent._RULES[label].search(kw))


def _probe_keywords() -> list[str]:
    """Every word of the patterns' sources alone, first, last, in the middle, and next to
    the word that follows it in the source (the phrases: "how to", "for sale", "log in")."""
    words: list[str] = []
    for pattern in intent._RULES.values():
        words += re.findall(r"[a-z]+", re.sub(r"\\[a-z]", " ", pattern.pattern))
    out = []
    for w, nxt in zip(words, words[1:] + ["x"], strict=True):
        for form in (w, w + "s", w[:-1]):
            out += [form, f"zz {form}", f"{form} zz", f"zz {form} zz", f"{form} {nxt}"]
            out += [f"zz {form} {nxt} zz", f"{form}{nxt}", f"{form}-{nxt}", f"www.{form}.com"]
    return out + ["https://x", "x.io", "wp-admin", "how-to guide", "sign-in", "log in page"]


def test_whole_word_cues_match_anywhere() -> None:
    # A word in the first set must match its pattern wherever it stands in a keyword.
    for label, (whole, _first) in intent._CUE_WORDS.items():
        for word in whole:
            assert intent._RULES[label].search(f"zz {word} zz"), (label, word)


def test_prefilter_agrees_with_the_patterns_on_probes() -> None:
    probes = _probe_keywords()
    assert len(probes) > 1000
    wrong = [k for k in probes if intent.rule_intents(k) != _by_patterns(k)]
    assert wrong == []


def test_prefilter_agrees_with_the_patterns_on_a_real_export() -> None:
    path = SHARED / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv"
    if not path.exists():
        pytest.skip("needs ../shared/data")
    keywords = [line.split(",", 1)[0] for line in path.read_text("utf-8").splitlines()[1:]]
    wrong = [k for k in keywords if intent.rule_intents(k) != _by_patterns(k)]
    assert len(keywords) > 12_000 and wrong == []
