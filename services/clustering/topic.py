"""On topic: which keywords belong to a seed's cluster, and how well (issue 16).

A child must carry the seed's topic, not one of its words: "how many payday loans can i
get at once" shares "get" and "payday loans" with "how to get out of payday loans" but not
"out"; "ai video generation tools" lacks the "image" of "ai image generation tools";
"business loan no personal guarantee" holds "personal" and "loan" but "personal" qualifies
the guarantee, not the loan.

Words are compared as Snowball English stems (PyStemmer) of singular tokens, so
"consolidate" = "consolidation" and "generator" = "generation". Rules of :meth:`SeedTopic.match`:

* every content stem of the seed is in the keyword ("full"); or
* a seed of :data:`PARTIAL_MIN_STEMS`+ stems misses exactly one, and that one is
  generic: the seed's stem the project's data uses most (lowest IDF), or its head noun
  when at least half of the data's keywords carry it, e.g. "tools" in an AI-tools export
  ("partial");
* a seed word (not the head) the data nearly always writes with the word before it may be
  left out ("merino socks" for "merino wool socks": a compound head the data confirms);
* for seeds of 2-3 stems, the seed's first word must not follow its head noun at a
  distance (it would qualify another noun: "loan … personal guarantee").

:meth:`SeedTopic.overlap` is the IDF-weighted share of the seed's stems a keyword carries
(0-1), the word part of the Stage 3 topic fit (the other part is the embedding).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

from services.core.text import FILLER_WORDS, STOP_WORDS, singularize, tokens

#: Seeds with at least this many content stems may miss their most generic one.
PARTIAL_MIN_STEMS = 4
#: A head noun at least half of the project's keywords carry (IDF ≤ log(2) + 1) is generic
#: too: "tools" in an AI-tools export.
GENERIC_IDF = math.log(2.0) + 1.0
#: A seed word implies the next one ("merino" → "wool") when it is the rarer of the two and
#: at least this many of the data's keywords and this share of those with it hold both.
IMPLIED_MIN = 3
IMPLIED_SHARE = 0.5
#: Question and task words a "how do I …" wording adds without changing the topic.
QUESTION_WORDS = frozenset(
    ["how", "what", "which", "why", "when", "where", "who", "do", "does", "did", "i", "can"]
)

_STEMMER = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English stem of a singular token ("consolidation" → "consolid")."""
    return str(_STEMMER.stemWord(singularize(word.replace("-", ""))))


#: Superlatives that make a list of the same topic: in a seed they name the parent page's
#: intent, not its topic ("best travel credit cards" → "amex travel cards" is on topic).
SUPERLATIVES = frozenset(["best", "top", "rated"])


def stems(keyword: str) -> list[str]:
    """Content stems of a keyword in order (stop and filler words out)."""
    return [stem(t) for t in tokens(keyword) if t not in STOP_WORDS and t not in FILLER_WORDS]


def topic_stems(seed: str) -> list[str]:
    """The stems a child must carry: the seed's content stems less :data:`SUPERLATIVES`."""
    return [
        stem(t)
        for t in tokens(seed)
        if t not in SUPERLATIVES and t not in STOP_WORDS and t not in FILLER_WORDS
    ] or stems(seed)


@dataclass(frozen=True)
class SeedTopic:
    """A seed's stems with their IDF over the project's keywords.

    Attributes
    ----------
    seed : str
    stems : tuple of str
        The seed's content stems, in order, unique.
    idf : dict
        Stem → ``log((1 + N) / (1 + df)) + 1`` over the keyword list given to :meth:`of`
        (smooth IDF as in scikit-learn's TfidfVectorizer).
    implied : frozenset of str
        Seed stems (not the head) the data nearly always writes with the seed word before
        them (:data:`IMPLIED_SHARE`): "wool" after "merino", so "merino socks" is on topic
        for "merino wool socks".
    """

    seed: str
    stems: tuple[str, ...]
    idf: dict[str, float] = field(default_factory=dict)
    implied: frozenset[str] = frozenset()

    @classmethod
    def of(cls, seed: str, keywords: Iterable[str | Iterable[str]]) -> SeedTopic:
        """Build from the seed and the project's keywords (strings or token lists)."""
        own = tuple(dict.fromkeys(topic_stems(seed)))
        wanted = set(own)
        df = dict.fromkeys(own, 0)
        pairs = {(a, b): 0 for a, b in zip(own, own[1:-1], strict=False)}  # head excluded
        n = 0
        for kw in keywords:
            n += 1
            words = tokens(kw) if isinstance(kw, str) else kw
            have = {stem(t) for t in words} & wanted
            for s in have:
                df[s] += 1
            for a, b in pairs:
                if a in have and b in have:
                    pairs[(a, b)] += 1
        idf = {s: math.log((1 + n) / (1 + df[s])) + 1.0 for s in own}
        implied = frozenset(
            b
            for (a, b), both in pairs.items()
            # The implying word is the rarer one: "merino" → "wool", never "ai" → "image".
            if both >= IMPLIED_MIN and both >= IMPLIED_SHARE * df[a] and df[a] <= df[b]
        )
        return cls(seed, own, idf, implied)

    @property
    def generic(self) -> str | None:
        """The seed's most generic stem (lowest IDF; the last one on ties), or None."""
        if not self.stems:
            return None
        return min(reversed(self.stems), key=lambda s: self.idf.get(s, 1.0))

    def missing(self, keyword: str) -> list[str]:
        """Seed stems the keyword does not carry."""
        have = set(stems(keyword))
        return [s for s in self.stems if s not in have]

    def match(self, keyword: str) -> str | None:
        """ "full", "partial" or None (off topic) — see the module docstring."""
        if not self.stems:
            return None
        missing = [s for s in self.missing(keyword) if s not in self.implied]
        if not missing:
            return "full" if self._order_ok(keyword) else None
        if len(missing) == 1 and len(self.stems) >= PARTIAL_MIN_STEMS:
            gone = missing[0]
            container = gone == self.stems[-1] and self.idf.get(gone, 99.0) <= GENERIC_IDF
            if gone == self.generic or container:
                return "partial"
        return None

    def _order_ok(self, keyword: str) -> bool:
        """The seed's first word must not qualify another noun after its head (2-3 stems)."""
        if not 2 <= len(self.stems) <= 3:
            return True
        ks = stems(keyword)
        first, head = self.stems[0], self.stems[-1]
        pos_first = [i for i, s in enumerate(ks) if s == first]
        pos_head = [i for i, s in enumerate(ks) if s == head]
        return any(f < h or abs(f - h) == 1 for f in pos_first for h in pos_head)

    def overlap(self, keyword: str) -> float:
        """IDF-weighted share (0-1) of the seed's stems the keyword carries."""
        total = sum(self.idf.get(s, 1.0) for s in self.stems)
        if not total:
            return 0.0
        have = set(stems(keyword))
        return sum(self.idf.get(s, 1.0) for s in self.stems if s in have) / total

    def missing_text(self, keyword: str) -> str:
        """The seed words a keyword lacks, for a drop reason ("image")."""
        gone = set(self.missing(keyword))
        words = [t for t in tokens(self.seed) if t not in STOP_WORDS and stem(t) in gone]
        return " ".join(words) or self.seed
