"""Outline (H2/H3) of a brief from the page's own keyword data (pure).

The H2s come from the page's secondary keywords (highest search volume first); the FAQ's
H3s are the question keywords of the project's data that carry the page's head terms (every
content word of the primary keyword, plural-insensitive) — the "People also ask" of our own
data. Collection pages get the structure of collection copy (intro above the product grid,
buying guide below it, FAQ) rather than an article's. Nothing here is invented: every
heading is a keyword from the data or a structural section named as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.clustering.intent import QUESTION_PATTERN
from services.core.text import content_tokens, normalize_keyword

#: H2s taken from secondary keywords (the rest stay in the keyword list of the brief).
MAX_SECONDARY_H2 = 8
#: Question H3s in the FAQ section.
MAX_QUESTIONS = 6

_QUESTION = re.compile(QUESTION_PATTERN)


@dataclass(frozen=True)
class Question:
    """A question keyword of the project's data with its search volume (searches/month)."""

    keyword: str
    search_volume: int | None


class QuestionIndex:
    """Inverted index of the project's question keywords by content word.

    Parameters
    ----------
    keywords : iterable of (keyword, search volume)
        The project's keyword universe (``KeywordMetric``); non-questions are skipped.
    """

    def __init__(self, keywords: Iterable[tuple[str, int | None]]) -> None:
        self._questions: list[Question] = []
        self._words: list[frozenset[str]] = []
        self._postings: dict[str, set[int]] = {}
        seen: set[str] = set()
        for raw, volume in keywords:
            kw = normalize_keyword(raw)
            if not kw or kw in seen or not _QUESTION.search(kw):
                continue
            seen.add(kw)
            idx = len(self._questions)
            words = frozenset(content_tokens(kw))
            self._questions.append(Question(kw, volume))
            self._words.append(words)
            for w in words:
                self._postings.setdefault(w, set()).add(idx)

    def __len__(self) -> int:
        return len(self._questions)

    def carrying(self, keyword: str, limit: int = MAX_QUESTIONS) -> list[Question]:
        """Questions containing every content word of ``keyword``, highest volume first.

        Returns
        -------
        list[Question]
            At most ``limit``; [] when the keyword has no content word or nothing matches.
        """
        head = set(content_tokens(keyword))
        if not head:
            return []
        postings = sorted((self._postings.get(w, set()) for w in head), key=len)
        hits = set(postings[0]).intersection(*postings[1:])
        found = [self._questions[i] for i in hits]
        found.sort(key=lambda q: (-(q.search_volume or 0), q.keyword))
        return found[:limit]


def _heading(keyword: str) -> str:
    text = normalize_keyword(keyword)
    return text[:1].upper() + text[1:]


def build_outline(
    page_type: str,
    primary_keyword: str,
    secondary: Sequence[tuple[str, int | None]],
    questions: Sequence[Question],
) -> list[dict[str, object]]:
    """H2/H3 outline of one page.

    Parameters
    ----------
    page_type : str
        "collection", "article", "comparison" or "landing".
    primary_keyword : str
        The page's primary keyword (not repeated as an H2; it is the H1).
    secondary : sequence of (keyword, search volume)
        The page's secondary keywords.
    questions : sequence of Question
        From :meth:`QuestionIndex.carrying`.

    Returns
    -------
    list[dict]
        ``{"level": 2|3, "text": str, "source": "structure"|"secondary keyword"|"question"}``
        in page order.
    """
    primary = normalize_keyword(primary_keyword)
    ranked = sorted(
        {normalize_keyword(k): v for k, v in secondary if normalize_keyword(k) != primary}.items(),
        key=lambda kv: (-(kv[1] or 0), kv[0]),
    )[:MAX_SECONDARY_H2]
    out: list[dict[str, object]] = []

    def add(level: int, text: str, source: str) -> None:
        out.append({"level": level, "text": text, "source": source})

    if page_type == "collection":
        add(2, f"Intro above the product grid: {primary}", "structure")
        if ranked:
            add(2, "Buying guide (below the product grid)", "structure")
            for kw, _v in ranked:
                add(3, _heading(kw), "secondary keyword")
    else:
        for kw, _v in ranked:
            add(2, _heading(kw), "secondary keyword")
    if questions:
        add(2, "FAQ", "structure")
        for q in questions:
            add(3, _heading(q.keyword) + ("" if q.keyword.endswith("?") else "?"), "question")
    return out
