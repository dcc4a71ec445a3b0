"""Search-intent modifier rules: the cue words and question words that label a keyword
informational, commercial, transactional or navigational on their own (the first step of
:func:`services.clustering.intent.classify_intents`, also used by the briefs and the offline
LLM). Pure: strings in, labels out.
"""

from __future__ import annotations

import re

from services.core.text import normalize_keyword
from services.providers.base import SEARCH_INTENTS

INFORMATIONAL, COMMERCIAL, TRANSACTIONAL, NAVIGATIONAL = SEARCH_INTENTS


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: "best" / "top" as a ranking cue (a roundup or comparison page), not in the fixed phrases
#: of a guide: "wordpress security best practices", "best way to back up wordpress", "best
#: time to post" (shared Semrush wordpress export).
RANKED_PATTERN = r"\b(?:best|top)\b(?!\s+(?:practices?|way to|time to)\b)"
#: A keyword that opens with a question word (shared with the funnel's collection-page test).
QUESTION_PATTERN = (
    r"^(how|what|why|when|where|who|which|can|does|do|is|are|should|will|could|would)\b"
)
#: Cue words per intent. Calibrated on the tuning halves of the labelled files
#: (``python bench/cluster_quality.py --intent``: Semrush wordpress and designrush
#: exports, Ahrefs chatgpt-prompts; fixed half split by keyword, seed 20260424): a cue
#: whose keywords carry its label in under 30 % of ≥ 5 tuning rows was dropped —
#: informational "example" (0.27 of 11); commercial "pro" (0.00 of 6), "like" (0.23 of 13),
#: "platforms" (0.27 of 11), "apps" (0.29 of 21); transactional "cost(s)" (0.02 of 57),
#: "download" (0.08 of 13), "plan(s)" (0.09 of 23), "get" (0.10 of 20), "free" (0.15 of
#: 182), "subscription" (0.17 of 6), "store" (0.17 of 12), "booking" (0.20 of 5), "price"
#: (0.25 of 8); navigational "youtube" (0 of 11), "account" (0 of 14), "dashboard" (0 of
#: 16), "admin" (0.10 of 41), "contact" (0.15 of 39).
_RULES: dict[str, re.Pattern[str]] = {
    INFORMATIONAL: re.compile(
        QUESTION_PATTERN + r"|\b(how to|tutorial|guide|meaning|definition|define|examples|"
        r"tips|ideas|learn|learning|course|courses|training|news|history|explained|"
        r"difference|error|errors|not working|fix|issue|issues|problem|problems|"
        r"documentation|docs|codex|requirements)\b"
    ),
    COMMERCIAL: re.compile(
        r"\b(best|top|vs|versus|compare|comparison|review|reviews|rated|alternative|"
        r"alternatives|similar|recommended|services?|agency|agencies|company|companies|"
        r"developers?|designers?|experts?|consultants?|freelancers?|hire|hiring|"
        r"providers?|premium|affordable|themes|templates|plugins|tools|software|"
        r"builders|extensions|solutions)\b"
    ),
    TRANSACTIONAL: re.compile(
        r"\b(buy|purchase|order|prices|pricing|cheap|discount|coupon|coupons|"
        r"promo|deal|deals|sale|for sale|downloads|trial|subscribe|"
        r"quote|shop|book|log ?in|sign ?in)\b"
    ),
    NAVIGATIONAL: re.compile(
        r"(https?://|www\.|\.(com|net|org|io|co|de|es|fr|uk)\b|\blog ?in\b|\bsign ?in\b|"
        r"\bsignin\b|\bsign up\b|\bsignup\b|\bwp-admin\b|"
        r"\bwp-login\b|\breddit\b|\bphone number\b|"
        r"\bcustomer service\b|\bofficial\b|\bwebsite\b$)"
    ),
}


#: Per intent, (whole-word cues, first words of the other cues): a keyword with a word of
#: the first set matches the intent's :data:`_RULES` pattern; one with a word of the second
#: may (a phrase such as "not working" or "log in", a question word that must open the keyword,
#: "website" that must end it); a keyword with neither cannot, except the navigational
#: addresses (``www.``, ``https://``, ``.com``), which need a "." or ":". Checked against the
#: patterns' sources by ``tests/unit/clustering/test_intent_prefilter.py``.
_CUE_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    INFORMATIONAL: (
        _words(
            "tutorial guide meaning definition define examples tips ideas learn learning course"
            " courses training news history explained difference error errors fix issue issues"
            " problem problems documentation docs codex requirements"
        ),
        _words("how what why when where who which can does do is are should will could would not"),
    ),
    COMMERCIAL: (
        _words(
            "best top vs versus compare comparison review reviews rated alternative alternatives"
            " similar recommended service services agency agencies company companies developer"
            " developers designer designers expert experts consultant consultants freelancer"
            " freelancers hire hiring provider providers premium affordable themes templates"
            " plugins tools software builders extensions solutions"
        ),
        frozenset(),
    ),
    TRANSACTIONAL: (
        _words(
            "buy purchase order prices pricing cheap discount coupon coupons promo deal deals sale"
            " downloads trial subscribe quote shop book login signin"
        ),
        _words("log sign"),
    ),
    NAVIGATIONAL: (
        _words("login signin signup reddit official"),
        _words("log sign wp phone customer website"),
    ),
}
_WORD = re.compile(r"\w+")


def rule_intents(keyword: str) -> tuple[str, ...]:
    """Intents the modifier rules find in ``keyword`` (may be empty), in canonical order."""
    kw = normalize_keyword(keyword)
    words = set(kw.split() if kw.isascii() and kw.replace(" ", "").isalnum() else _WORD.findall(kw))
    address = "." in kw or ":" in kw
    out = []
    for label in SEARCH_INTENTS:
        whole, first = _CUE_WORDS[label]
        if not words.isdisjoint(whole):
            out.append(label)  # a whole-word cue: the pattern matches
        elif (not words.isdisjoint(first) or (address and label == NAVIGATIONAL)) and _RULES[
            label
        ].search(kw):
            out.append(label)
    return tuple(out)
