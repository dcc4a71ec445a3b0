"""The project's keywords as topics: same-search keys, topic words, the cluster's pages (pure).

:class:`TopicIndex` indexes the project's keyword universe by content word and gives each
keyword its same-search key (:func:`services.clustering.variants.same_search_key`, with
question auxiliaries and a few short forms normalised, so "how do payday loans work" = "how
does payday loans work" and "wordpress wp security plugin" = "wordpress security plugin").
:class:`ClusterTopics` holds which searches each approved page of a cluster owns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.clustering.intent_rules import QUESTION_PATTERN
from services.clustering.variants import VariantContext, build_context, same_search_key
from services.content.places import state_codes
from services.core.text import STOP_WORDS, content_tokens, normalize_keyword, singularize, tokens

_QUESTION = re.compile(QUESTION_PATTERN)
AUX_WORDS = re.compile(r"\b(do|does|did|is|are|was|were|can|a|an|the|i|you|we|my|your)\b")
#: Stop words that still tell two pages apart ("best wordpress hosting" is a listicle
#: beside the "wordpress hosting" guide).
MODIFIERS = frozenset(["best", "top", "near", "me"])
#: Short forms written beside their long form in the data ("wordpress wp security plugin").
SYNONYMS = {"wp": "wordpress", "ecommerce": "e-commerce"}


@dataclass(frozen=True)
class Sibling:
    """Another approved page of the same cluster (its keywords are off-limits here)."""

    primary: str
    secondary: tuple[str, ...] = ()


class TopicIndex:
    """The project's keywords by content word, with their same-search keys.

    Parameters
    ----------
    keywords : iterable of (keyword, search volume)
        The project's keyword universe (``KeywordMetric``), searches/month or None.
    """

    def __init__(self, keywords: Iterable[tuple[str, int | None]]) -> None:
        self._kw: list[str] = []
        self._vol: list[int] = []
        self._words: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        seen: set[str] = set()
        for raw, volume in keywords:
            kw = normalize_keyword(raw)
            if not kw or kw in seen:
                continue
            seen.add(kw)
            idx = len(self._kw)
            words = frozenset(content_tokens(kw))
            self._kw.append(kw)
            self._vol.append(int(volume or 0))
            self._words.append(words)
            for w in words:
                self._postings[w].append(idx)
        self.context: VariantContext = build_context(self._kw)
        self.places = _learned_places(self._kw)
        self._key = lru_cache(maxsize=None)(self._compute_key)

    def __len__(self) -> int:
        return len(self._kw)

    def _compute_key(self, keyword: str) -> str:
        text = AUX_WORDS.sub(" ", normalize_keyword(keyword))
        text = " ".join(SYNONYMS.get(t, t) for t in text.split())
        return same_search_key(text, self.context)

    def key(self, keyword: str) -> str:
        """Same-search key of ``keyword`` (question auxiliaries ignored)."""
        return str(self._key(keyword))

    def share(self, word: str) -> float:
        """Share of the project's keywords holding ``word`` (a content token), 0-1."""
        return len(self._postings.get(word, ())) / max(len(self._kw), 1)

    def carrying(self, keyword: str) -> list[tuple[str, int, frozenset[str]]]:
        """(keyword, searches/month, content words) of every keyword holding all content
        words of ``keyword``; [] when it has none."""
        head = set(content_tokens(keyword))
        if not head:
            return []
        postings = sorted((self._postings.get(w, []) for w in head), key=len)
        hits = set(postings[0]).intersection(*postings[1:])
        return [(self._kw[i], self._vol[i], self._words[i]) for i in sorted(hits)]


@lru_cache(maxsize=200_000)
def cached_tokens(keyword: str) -> tuple[str, ...]:
    """:func:`services.core.text.tokens`, cached (headings are checked many times)."""
    return tuple(tokens(keyword))


@lru_cache(maxsize=200_000)
def cached_content_tokens(keyword: str) -> tuple[str, ...]:
    """:func:`services.core.text.content_tokens`, cached."""
    return tuple(content_tokens(keyword))


@lru_cache(maxsize=200_000)
def topic_words(keyword: str) -> frozenset[str]:
    """Singular words of a keyword without stop words, keeping :data:`MODIFIERS`."""
    return frozenset(
        singularize(t) for t in cached_tokens(keyword) if t not in STOP_WORDS or t in MODIFIERS
    )


def is_question(keyword: str) -> bool:
    """A question keyword (a "how to" is a task, not a question: it stays a heading)."""
    return bool(_QUESTION.search(keyword)) and not keyword.startswith("how to ")


#: Times a word must stand before a state at a keyword's end to be read as a city.
PLACE_MIN_SEEN = 2
#: ... and in at least this share of the keywords holding it ("accident" precedes a state
#: now and then, "clearwater" mostly).
PLACE_MIN_SHARE = 0.25


def _learned_places(keywords: Sequence[str]) -> frozenset[str]:
    """City words the data itself shows: the word before a state at a keyword's end
    ("columbia sc", "savannah ga", "houston texas"), seen :data:`PLACE_MIN_SEEN` times and in
    :data:`PLACE_MIN_SHARE` of the keywords holding the word."""
    states = state_codes() | {"texas", "california", "florida", "georgia", "ohio", "virginia"}
    seen: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for kw in keywords:
        toks = kw.split()
        for t in toks:
            total[t] += 1
        if len(toks) >= 2 and toks[-1] in states:
            seen[toks[-2]] += 1
    return frozenset(
        w
        for w, n in seen.items()
        if n >= PLACE_MIN_SEEN and n >= PLACE_MIN_SHARE * total[w] and w not in STOP_WORDS
    )


class ClusterTopics:
    """The approved pages of one cluster as the outline needs them: which searches each page
    owns (primary and secondary keywords, by same-search key) and each page's topic words,
    indexed so that a page's outline checks only the siblings sharing a rare word.

    Parameters
    ----------
    index : TopicIndex
        The project's keywords (same-search keys).
    pages : sequence of (page id, primary keyword, secondary keywords)
        Every approved page of the cluster.
    """

    def __init__(self, index: TopicIndex, pages: Sequence[tuple[str, str, Sequence[str]]]) -> None:
        self.index = index
        self._owners: dict[str, set[str]] = defaultdict(set)
        self._words: dict[str, frozenset[str]] = {}
        counts: dict[str, int] = defaultdict(int)
        for pid, primary, secondary in pages:
            for kw in (primary, *secondary):
                self._owners[index.key(kw)].add(pid)
            words = topic_words(primary)
            self._words[pid] = words
            for w in words:
                counts[w] += 1
        self._by_rare: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        for pid, words in self._words.items():
            if words:
                rare = min(words, key=lambda w: (counts[w], w))
                self._by_rare[rare].append((pid, words))

    def taken(self, key: str, page_id: str) -> bool:
        """True when another page owns the search ``key``."""
        return bool(self._owners.get(key, set()) - {page_id})

    def belongs_elsewhere(self, words: frozenset[str], page_id: str, own: frozenset[str]) -> bool:
        """True when ``words`` carry every word of a sibling's primary that is more specific
        than this page's (``own``: its topic words)."""
        for w in words:
            for pid, sib in self._by_rare.get(w, ()):
                if pid != page_id and sib <= words and not sib <= own:
                    return True
        return False
