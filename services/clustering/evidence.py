"""One search, one page: group keywords by the same-search rules and the data's evidence.

Shared by the seed funnel (Stage 3), Send to review and list clustering. Pure: strings,
numbers and URL lists in; group numbers and the reason of every merge out.

Rules, applied in this order with union-find; the FIRST rule that joins two keywords is
the one recorded for that merge (:attr:`SearchGroups.merges`, :attr:`SearchGroups.reasons`):

Text rules (the same-search rules; always on):

1. ``"singular/plural"`` — the same words in the same order once case, accents,
   possessives and plurals are folded ("trail running shoe" = "Trail Running Shoes").
2. ``"UK/US spelling"`` — the same words but for a British/American spelling pair that
   the list itself holds in both forms (colour/color, organise/organize, centre/center,
   catalogue/catalog, analyse/analyze).
3. ``"word order"`` — the same words in another order, stop words ignored ("tools for
   teachers ai" = "ai tools for teachers").
4. ``"same words"`` — the lexical bag key also ignores filler words, years, audience
   synonyms (ladies = women) and market words (uk, usa)
   (:func:`services.clustering.lexical.lexical_keys`).
5. ``"compound spelling"`` — "trinkwassertest" = "trinkwasser test".
6. ``"comparison order"`` — "a vs b" = "b vs a" = "compare a and b"
   (:func:`services.clustering.variants.same_search_key`).
7. ``"short form"`` — a short form the list spells out (hr = human resources, pi =
   personal injury) or a head noun the list implies ("bilt card" = "bilt credit card").
8. ``"implied word"`` — a word the data nearly always writes after a modifier ("merino
   socks" = "merino wool socks" when most "merino" keywords say "merino wool" and the
   list holds the longer keyword).
9. ``"typo"`` — one edit (insert, delete, substitute, swap) in one word of 5+ letters,
   when the corrected keyword is in the list with more search volume and the misspelt
   word is at most :data:`TYPO_MAX_SHARE` as frequent in the list as its correction
   ("wonens socks" → "womens socks").
10. ``"stem variant"`` — forms of one word with one Snowball stem: verb, participle and
    action noun ("self host wordpress" = "self hosted wordpress", "consolidate" =
    "consolidation"); never "-ing" nouns, agent nouns or adjectives ("marketing" ≠
    "market"; :data:`services.clustering.spelling.STEM_SUFFIX_CLASSES`).
11. ``"brand short form"`` — a short form written next to its own long form, when the
    list also uses it alone in its place ("wordpress wp security plugin" = "wordpress
    security plugins").

Words that change the page (:data:`services.core.text.PAGE_CHANGING_WORDS`: near me,
best, top, review, cheap, free, vs, or, alternatives …) are not stop words: no text rule
drops them, so "payday loans near me" and "payday loans" stay two pages unless evidence
joins them.

Evidence (optional; each merges, never splits what the text rules joined):

12. ``"same Parent Keyword"`` — the same non-empty Ahrefs Parent Keyword / Parent Topic.
13. ``"same ranking URL"`` — the same page of the site ranks for both (organic export,
    Search Console query+page, the project's rankings); site roots ("/") are ignored, a
    home page ranks for everything.
14. ``"SERP overlap k/10"`` — at least ``min_serp_overlap`` (default
    :data:`DEFAULT_MIN_SERP_OVERLAP`, a setting) of the two keywords' top-10 organic URLs
    are the same (pairs counted through an URL → keywords index, no n×n matrix).

API
---
:func:`same_search_groups` (sequences in, :class:`SearchGroups` out) and
:func:`group_frame` (a DataFrame with ``keyword`` and optional ``search_volume``,
``grouping_hint``, ``ranking_url``, ``serp_urls`` columns in; the frame plus
``search_group``, ``group_primary`` and ``merged_by`` out). Cost is linear in the number of
keywords (keys and inverted indexes), so list clustering can call it on 30k keywords.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from services.clustering.lexical import _fold, lexical_keys
from services.clustering.search_groups import Merge, SearchGroups, UnionFind  # noqa: F401
from services.clustering.serp_settings import DEFAULT_MIN_SERP_OVERLAP
from services.clustering.spelling import (  # noqa: F401  (re-exported)
    TYPO_MAX_SHARE,
    drop_redundant,
    implied_words,
    redundant_short_forms,
    spelling_map,
    stem_map,
    typo_map,
)
from services.clustering.variants import VariantContext, build_context, same_search_key
from services.core.text import STOP_WORDS, normalize_keyword, singularize, tokens

#: An URL ranking for more than this many keywords of the list links too much (hubs,
#: Wikipedia) and is ignored by the SERP-overlap rule.
MAX_URL_KEYWORDS = 2_000
#: The rule names, in the order they apply.
TEXT_RULES = (
    "singular/plural",
    "UK/US spelling",
    "word order",
    "same words",
    "compound spelling",
    "comparison order",
    "short form",
    "implied word",
    "typo",
    "stem variant",
    "brand short form",
)
EVIDENCE_RULES = ("same Parent Keyword", "same ranking URL", "SERP overlap")


def _folded(keyword: str) -> list[str]:
    """Tokens with case, accents, possessives, hyphens and plurals folded, in order."""
    return [singularize(_fold(t)) for t in tokens(keyword)]


def _bag(toks: Sequence[str]) -> str:
    return " ".join(sorted({t for t in toks if t not in STOP_WORDS}))


def _text_keys(
    keywords: Sequence[str],
    volumes: np.ndarray,
    context: VariantContext,
) -> list[tuple[str, list[str | None]]]:
    """(rule, key per keyword) for every text rule, in order."""
    folded = [_folded(k) for k in keywords]
    vocab = {t for toks in folded for t in toks}
    spelling = spelling_map(vocab)
    spelled = [[spelling.get(t, t) for t in toks] for toks in folded]
    lex = [lexical_keys(k) for k in keywords]
    ssk = [same_search_key(k, context) for k in keywords]
    keys: list[tuple[str, list[str | None]]] = [
        ("singular/plural", [" ".join(t) or None for t in folded]),
        ("UK/US spelling", [" ".join(t) or None for t in spelled]),
        ("word order", [_bag(t) or None for t in spelled]),
        ("same words", [b or None for b, _ in lex]),
        ("compound spelling", [c or None for _, c in lex]),
        ("comparison order", [k if k.startswith("cmp:") else None for k in ssk]),
        ("short form", [None if k.startswith("cmp:") else k for k in ssk]),
    ]
    bags = {_bag(t): i for i, t in enumerate(spelled)}
    implied = implied_words(spelled)
    implied_keys: list[str | None] = []
    for toks in spelled:
        longer = [
            w
            for i, t in enumerate(toks)
            for w in (
                (t, implied[t])
                if t in implied and (i + 1 >= len(toks) or toks[i + 1] != implied[t])
                else (t,)
            )
        ]
        bag = _bag(longer)
        implied_keys.append(bag if len(longer) > len(toks) and bag in bags else _bag(toks))
    keys.append(("implied word", implied_keys))
    typos = typo_map(spelled)
    typo_keys: list[str | None] = []
    for i, toks in enumerate(spelled):
        fixed = [typos.get(t, t) for t in toks]
        bag = _bag(fixed)
        j = bags.get(bag)
        ok = fixed != toks and j is not None and volumes[j] >= volumes[i]
        typo_keys.append(bag if ok else _bag(toks))
    keys.append(("typo", typo_keys))
    stems, shorts = stem_map(vocab), redundant_short_forms(spelled)
    stem_keys = list(keys[2][1])  # the word-order bags where no rule applies
    brand_keys = list(stem_keys)
    for i, toks in enumerate(spelled):
        if stems and not stems.keys().isdisjoint(toks):
            toks = [stems.get(t, t) for t in toks]
            stem_keys[i] = brand_keys[i] = _bag(toks) or None
        if shorts and not shorts.keys().isdisjoint(toks):
            brand_keys[i] = _bag(drop_redundant(toks, shorts)) or None
    keys += [("stem variant", stem_keys), ("brand short form", brand_keys)]
    return keys


def _url_key(url: str | None) -> str | None:
    """Comparable ranking URL; None for blanks and site roots."""
    if url is None or (isinstance(url, float) and np.isnan(url)):
        return None
    text = str(url).strip()
    if not text:
        return None
    parts = urlsplit(text if "//" in text else "//" + text)
    path = parts.path.rstrip("/")
    if not path and not parts.query:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    return host + path + ("?" + parts.query if parts.query else "")


def _hint_key(hint: object) -> str | None:
    if hint is None or (isinstance(hint, float) and np.isnan(hint)):
        return None
    text = normalize_keyword(str(hint))
    return text if text and text != "nan" else None


def _serp_unions(uf: UnionFind, serp_urls: Sequence[Sequence[str]], min_overlap: int) -> None:
    """Union every pair sharing at least ``min_overlap`` top URLs (inverted index)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, urls in enumerate(serp_urls):
        for u in set(urls or ()):
            postings[u].append(i)
    for i, urls in enumerate(serp_urls):
        shared: Counter[int] = Counter()
        for u in set(urls or ()):
            post = postings[u]
            if len(post) <= MAX_URL_KEYWORDS:
                shared.update(j for j in post if j > i)
        for j, count in sorted(shared.items()):
            if count >= min_overlap:
                uf.union(i, j, f"SERP overlap {count}/10", evidence=True)


def same_search_groups(
    keywords: Sequence[str],
    *,
    volumes: Sequence[float] | np.ndarray | None = None,
    parent_keywords: Sequence[object] | None = None,
    ranking_urls: Sequence[object] | None = None,
    serp_urls: Sequence[Sequence[str]] | None = None,
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP,
    context: VariantContext | None = None,
) -> SearchGroups:
    """Group keywords that one page answers, recording the rule of every merge.

    Parameters
    ----------
    keywords : sequence of str
        (n,) keywords (any case and spacing).
    volumes : array-like, optional
        (n,) search volume (searches/month; NaN/None = 0). Used by the typo rule only (the
        misspelling must have less volume than its correction).
    parent_keywords : sequence, optional
        (n,) Ahrefs Parent Keyword / Parent Topic per keyword (None/""/NaN = none).
    ranking_urls : sequence, optional
        (n,) URL of the page that ranks for the keyword (None = none); site roots ignored.
    serp_urls : sequence of sequences of str, optional
        (n,) normalised top-10 organic URLs per keyword ([] = not fetched).
    min_serp_overlap : int
        Shared top-10 URLs that make one page (default 4).
    context : VariantContext, optional
        Defaults to :func:`services.clustering.variants.build_context` of ``keywords``.

    Returns
    -------
    SearchGroups
        Labels, the first rule that attached each keyword, and every merge.

    Raises
    ------
    ValueError
        An evidence sequence whose length differs from ``keywords``.

    Examples
    --------
    >>> g = same_search_groups(
    ...     ["chase cd rates today", "chase cd rate", "cd rates chase bank"],
    ...     ranking_urls=["chase.com/cd-rates"] * 3,
    ... )
    >>> g.labels.tolist(), g.reasons
    ([0, 0, 0], ['same ranking URL', 'same ranking URL', 'same ranking URL'])
    """
    n = len(keywords)
    for name, seq in (
        ("parent_keywords", parent_keywords),
        ("ranking_urls", ranking_urls),
        ("serp_urls", serp_urls),
        ("volumes", volumes),
    ):
        if seq is not None and len(seq) != n:
            raise ValueError(f"{name} has {len(seq)} values for {n} keywords.")
    uf = UnionFind(n)
    if n == 0:
        return SearchGroups(np.zeros(0, np.int64), [], [])
    vol = np.nan_to_num(
        np.asarray(volumes if volumes is not None else np.zeros(n), np.float64), nan=0.0
    )
    context = context if context is not None else build_context(keywords)
    for rule, keys in _text_keys(keywords, vol, context):
        uf.union_by_key(keys, rule)
    if parent_keywords is not None:
        hints = [_hint_key(h) for h in parent_keywords]
        for i, hint in enumerate(hints):
            if hint and hint == normalize_keyword(keywords[i]):
                root = uf.find(i)
                uf.anchors[root] = uf.anchors.get(root, frozenset()) | {hint}
        uf.union_by_key(hints, "same Parent Keyword", evidence=True)
    if ranking_urls is not None:
        urls = [_url_key(u) for u in ranking_urls]  # type: ignore[arg-type]
        uf.union_by_key(urls, "same ranking URL", evidence=True)
    if serp_urls is not None:
        _serp_unions(uf, serp_urls, min_serp_overlap)
    return SearchGroups(uf.labels(), uf.reasons, uf.merges, uf)


def primaries(
    groups: SearchGroups, keywords: Sequence[str], volumes: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Index of each keyword's group primary: the highest search volume, then the shortest
    keyword, then the first.

    Returns
    -------
    np.ndarray
        (n,) int64 index of the primary keyword of each keyword's group.
    """
    vol = np.nan_to_num(np.asarray(volumes, np.float64), nan=-1.0)
    best: dict[int, int] = {}
    for i, g in enumerate(groups.labels.tolist()):
        j = best.get(g)
        if j is None or (-vol[i], len(keywords[i])) < (-vol[j], len(keywords[j])):
            best[g] = i
    return np.array([best[g] for g in groups.labels.tolist()], np.int64)


def group_frame(
    frame: pd.DataFrame,
    *,
    use_evidence: bool = True,
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP,
) -> pd.DataFrame:
    """DataFrame form of :func:`same_search_groups`.

    Parameters
    ----------
    frame : DataFrame
        ``keyword`` (required); optional ``search_volume``, ``grouping_hint`` (Parent
        Keyword / Parent Topic), ``ranking_url`` and ``serp_urls`` (list of URLs) columns.
    use_evidence : bool
        False = text rules only (the project setting that switches evidence off).
    min_serp_overlap : int
        See :func:`same_search_groups`.

    Returns
    -------
    DataFrame
        A copy with ``search_group`` (int), ``group_primary`` (the primary keyword of the
        group) and ``merged_by`` (the rule that attached the row, "" when alone).
    """
    keywords = frame["keyword"].astype(str).tolist()
    volumes = frame["search_volume"].to_numpy(np.float64) if "search_volume" in frame else None

    def col(name: str) -> list[object] | None:
        return frame[name].tolist() if use_evidence and name in frame else None

    groups = same_search_groups(
        keywords,
        volumes=volumes,
        parent_keywords=col("grouping_hint"),
        ranking_urls=col("ranking_url"),
        serp_urls=col("serp_urls"),  # type: ignore[arg-type]
        min_serp_overlap=min_serp_overlap,
    )
    out = frame.copy()
    out["search_group"] = groups.labels
    prim = primaries(groups, keywords, volumes if volumes is not None else np.zeros(len(keywords)))
    out["group_primary"] = [keywords[j] for j in prim]
    out["merged_by"] = groups.reasons
    return out
