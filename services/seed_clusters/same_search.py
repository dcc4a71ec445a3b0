"""Same search, one page: the funnel's wording tests on top of the shared rules.

:func:`find_same_search` groups keywords one result page answers: the shared lexical and
same-search rules (:func:`services.clustering.variants.variant_groups`), brand short forms,
comparisons whose parts name the same things, "how do I …" wordings and the embedding
cosine between wordings that differ by no page-changing word. Used by Stage 3
(:mod:`services.seed_clusters.intents`) and by Send to review.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from services.clustering.lexical import _key_token
from services.clustering.spelling import abbreviates
from services.clustering.variants import is_short_form, same_comparison, variant_groups
from services.core.text import (
    FILLER_WORDS,
    MONTH_NAMES,
    NEWS_WORDS,
    PAGE_CHANGING_WORDS,
    STOP_WORDS,
    content_tokens,
    normalize_keyword,
    singularize,
    tokens,
)
from services.providers.base import Candidate, Embedder
from services.seed_clusters.intents import WORDING

#: all-MiniLM-L6-v2 cosine at which two keywords target the same page. Chosen on pairs such
#: as "trail running shoes for women" / "womens trail running shoe" (≥ 0.93) versus
#: "trail running shoes" / "trail running shoes for women" (≈ 0.85, distinct pages).
NEAR_DUPLICATE_COSINE = 0.93
#: Cosine at which two compared parts name the same thing ("amex platinum" / "american
#: express platinum"); parts of a comparison are short names, closer than whole keywords.
SAME_PART_COSINE = 0.8


def find_same_search(
    keywords: list[str], embedder: Embedder | None, threshold: float = NEAR_DUPLICATE_COSINE
) -> list[list[int]]:
    """Group indices of keywords that one result page answers.

    Union-find over :func:`services.clustering.variants.variant_groups` (lexical variants,
    comparisons in any order or wording, implied head nouns, short forms the list spells
    out), brand short forms ("amex gold card" = "american express gold card", see
    :func:`short_form_swap`), comparisons whose parts name the same things
    (:func:`services.clustering.variants.same_comparison`) and whole-keyword embedding cosine
    ≥ ``threshold`` between different wordings.

    Returns:
        Groups (lists of indices into ``keywords``) of size ≥ 2.
    """
    n = len(keywords)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    if n == 0:
        return []
    first: dict[int, int] = {}
    for i, g in enumerate(variant_groups(keywords).tolist()):
        if g in first:
            union(i, first[g])
        else:
            first[g] = i
    by_words: dict[frozenset[str], int] = {}
    for i, kw in enumerate(keywords):  # same words in another wording or as a how-to question
        key = _words(kw)
        if key and key in by_words:
            union(i, by_words[key])
        elif key:
            by_words[key] = i
    cosine = _embedding_unions(keywords, embedder, threshold, union)
    if cosine is not None:  # "wordpress wp security plugin" = "wordpress security plugins"
        plain: dict[frozenset[str], int] = {}
        for i, kw in enumerate(keywords):
            plain.setdefault(_words(kw), i)
        for i, kw in enumerate(keywords):
            short = redundant_short_form(kw, cosine)
            j = plain.get(_words(kw, drop=frozenset([short]))) if short else None
            if j is not None and find(i) != find(j):
                union(i, j)
    contexts = _contexts(keywords)
    for i in range(n):
        for j in range(i + 1, n):
            if find(i) != find(j) and short_form_swap(keywords[i], keywords[j], cosine, contexts):
                union(i, j)

    def same_part(x: str, y: str) -> bool:
        if short_form_swap(x, y, cosine, contexts):
            return True
        digits_differ = _digits(x) != _digits(y)
        return bool(cosine and not digits_differ and cosine(x, y) >= SAME_PART_COSINE)

    comparisons = [i for i, kw in enumerate(keywords) if _is_comparison(kw)]
    for a_pos, i in enumerate(comparisons):
        for j in comparisons[a_pos + 1 :]:
            if find(i) != find(j) and same_comparison(keywords[i], keywords[j], similar=same_part):
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


#: Embedding cosine (all-MiniLM-L6-v2) that confirms a short form: "amex" / "american
#: express" 0.65, against "chase" / "capital one" 0.43 and "bofa" / "bank of america" 0.28
#: (the data must confirm that one: two shared contexts).
SHORT_FORM_COSINE = 0.5
#: Contexts both forms must share in the candidate list when the embedder does not confirm.
SHORT_FORM_CONTEXTS = 2


def _embedding_unions(
    keywords: list[str],
    embedder: Embedder | None,
    threshold: float,
    union: Callable[[int, int], None],
) -> Callable[[str, str], float] | None:
    """Union different wordings at embedding cosine ≥ ``threshold``; returns the cosine
    function for the part tests (None without an embedder)."""
    if embedder is None or len(keywords) < 2:
        return None
    vecs = embedder.embed(keywords)
    sims = vecs @ vecs.T
    ii, jj = np.where(np.triu(sims, k=1) >= threshold)
    words = [_words(kw) for kw in keywords]
    changers = [frozenset(tokens(kw)) & PAGE_CHANGING_WORDS for kw in keywords]
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        # A keyword that only ADDS words to another is a narrower search with its own
        # page ("add google analytics to wordpress website" ⊃ "add google analytics to
        # website"), however close the embedding; a different wording is the same search,
        # and so is one that only adds a noun its other words imply (implied_noun).
        # Words that change the page (best, near me, vs, free …) are no wording detail:
        # only evidence joins "best x" and "x" (issue 16).
        narrower = words[i] < words[j] or words[j] < words[i]
        if changers[i] == changers[j] and (not narrower or implied_noun(keywords[i], keywords[j])):
            union(i, j)

    def cosine(x: str, y: str) -> float:
        vx, vy = embedder.embed([x, y])
        return float(vx @ vy)

    return cosine


def short_form_swap(
    a: str,
    b: str,
    cosine: Callable[[str, str], float] | None,
    contexts: dict[str, set[str]] | None = None,
) -> bool:
    """Whether ``a`` and ``b`` are the same words but for a brand short form and its long form
    ("amex gold card" / "american express gold card").

    The swap must have the shape of an abbreviation
    (:func:`services.clustering.variants.is_short_form`) and be confirmed by the embedder
    (cosine ≥ :data:`SHORT_FORM_COSINE`) or by the list (both forms occur with at least
    :data:`SHORT_FORM_CONTEXTS` same other words, ``contexts`` from :func:`_contexts`).
    """
    ta = [singularize(t) for t in tokens(a)]
    tb = [singularize(t) for t in tokens(b)]
    only_a = [t for t in ta if t not in tb]
    only_b = [t for t in tb if t not in ta]
    if len(only_a) > len(only_b):
        only_a, only_b = only_b, only_a
    if len(only_a) != 1 or not 2 <= len(only_b) <= 4:
        return False
    short, phrase = only_a[0], only_b
    if not is_short_form(short, phrase):
        return False
    long_form = " ".join(phrase)
    if cosine is not None and cosine(short, long_form) >= SHORT_FORM_COSINE:
        return True
    if contexts:
        shared = contexts.get(short, set()) & contexts.get(long_form, set())
        return len(shared) >= SHORT_FORM_CONTEXTS
    return False


def _contexts(keywords: list[str]) -> dict[str, set[str]]:
    """Word or word run → the rests of the keywords it occurs in ("amex" → {"gold card",
    "platinum"}); runs of 1-4 words."""
    out: dict[str, set[str]] = {}
    for kw in keywords:
        toks = [singularize(t) for t in normalize_keyword(kw).split()]
        for size in range(1, 5):
            for start in range(0, len(toks) - size + 1):
                run = " ".join(toks[start : start + size])
                rest = " ".join(toks[:start] + toks[start + size :])
                if rest:
                    out.setdefault(run, set()).add(rest)
    return out


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


#: Kept for callers of the earlier name.
find_near_duplicates = find_same_search


_YEAR = re.compile(r"^(19|20)\d\d$")


#: Words of a "how to / how do I / how can you …" question around a task: "how do i add a
#: website to google analytics" asks for the page "add website to google analytics" does.
#: Other questions keep their words: "what are payday loans" is not "payday loans".
_HOW_WORDS = frozenset(["how", "do", "doe", "did", "i", "can", "you", "we", "should", "one"])


def _words(keyword: str, drop: frozenset[str] = frozenset()) -> frozenset[str]:
    """Content words (singular, no stop or filler words, no years, no month in a search for
    news, no "how do i" wording, none of ``drop``) of a keyword: "wordpress themes 2025" and
    "wordpress themes" have the same words."""
    raw = tokens(keyword) if drop else ()
    content = (
        [singularize(t) for t in raw if t not in drop and t not in STOP_WORDS]
        if drop
        else content_tokens(keyword)
    )
    toks = [t for t in content if t not in FILLER_WORDS and not _YEAR.match(t)]
    # In a search for news a month is a date, not another page: "wordpress security news
    # december 2025" is the news page's search; "may 2025 calendar" keeps its month.
    if NEWS_WORDS.intersection(toks):
        toks = [t for t in toks if t not in MONTH_NAMES]
    if toks and toks[0] == "how":
        toks = [t for t in toks if t not in _HOW_WORDS]
    # Audience words and plurals folded as in the lexical keys ("womens" = "women" = "woman"),
    # so "nike socks women" is seen to add "nike" to "womens socks".
    return frozenset(_key_token(t) or t for t in toks)


#: Nouns a keyword's other words may imply: the thing a platform builds ("move wordpress
#: site to new host" = "move wordpress to new host") and the news of a dated event ("…
#: vulnerability news november 2025"). Joined only with embedding cosine ≥
#: :data:`NEAR_DUPLICATE_COSINE` (MiniLM: 0.95-0.96 for those two pairs, against 0.87 for
#: "personal injury lawyer website" / "personal injury lawyer", 0.73 for "add website to
#: desktop" / "add to desktop", 0.71 for "wordpress security news" / "wordpress security").
IMPLIED_NOUNS = frozenset(["site", "sites", "website", "websites", "news"])
#: Content words the shorter keyword must keep beside the implied noun.
IMPLIED_NOUN_MIN_WORDS = 2
#: Merge reason shown in review for :func:`implied_noun`.
IMPLIED_NOUN = "implied noun (site, website, news)"


def implied_noun(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ only by nouns of :data:`IMPLIED_NOUNS` (the shorter one
    keeping at least :data:`IMPLIED_NOUN_MIN_WORDS` content words). The shape only: the
    caller confirms with the embedding cosine."""
    ra, rb = _words(a, drop=IMPLIED_NOUNS), _words(b, drop=IMPLIED_NOUNS)
    return ra == rb and _words(a) != _words(b) and len(ra) >= IMPLIED_NOUN_MIN_WORDS


def _is_comparison(keyword: str) -> bool:
    words = set(keyword.split())
    return bool(words & {"vs", "versus", "compare", "comparison", "or"})


def redundant_short_form(
    keyword: str, cosine: Callable[[str, str], float] | None = None
) -> str | None:
    """A brand short form written next to its own long form ("wp" in "wordpress wp security
    plugin"), or None.

    The shape of :func:`services.clustering.spelling.abbreviates` ("men" is no short form
    of "merino"), confirmed by the embedder (cosine ≥ :data:`SHORT_FORM_COSINE`: "wp" /
    "wordpress" 0.66, against "ar" / "attorney" 0.36 in "personal injury attorney ar",
    Arkansas) when ``cosine`` is given.
    """
    toks = tokens(keyword)
    for a, b in zip(toks, toks[1:], strict=False):
        for short, long_ in ((a, b), (b, a)):
            if abbreviates(short, long_) and (
                cosine is None or cosine(short, long_) >= SHORT_FORM_COSINE
            ):
                return short
    return None


#: Merge reason shown in review for :func:`redundant_short_form`.
BRAND_SHORT_FORM = "brand short form"


def wording_reason(reason: str, member: Candidate, primary: Candidate) -> str:
    """The merge reason shown in review for ``member`` under ``primary``: ``reason``, but
    :data:`IMPLIED_NOUN` or :data:`BRAND_SHORT_FORM` in place of the generic wording
    reason when the two keywords differ only by an implied noun or a redundant short form."""
    if reason != WORDING:
        return reason
    a, b = member.keyword, primary.keyword
    if implied_noun(a, b):
        return IMPLIED_NOUN
    for x, y in ((a, b), (b, a)):
        short = redundant_short_form(x)
        if short and _words(x, drop=frozenset([short])) == _words(y):
            return BRAND_SHORT_FORM
    return reason
