"""SERP-overlap grouping: keywords whose top-10 organic URLs overlap belong on one page.

Pure: URLs in, groups out. The request and the top-10 URLs are in
:mod:`services.providers.dataforseo.serp` (DataForSEO ``serp/google/organic/live/advanced``,
one task per request, depth 10, $0.002 each; re-exported here: :func:`top_urls`,
:func:`normalise_url`), the cache in :mod:`services.providers.dataforseo.serp_cache`
(per keyword, location, language and device, so a keyword is paid for once).

Grouping (:func:`serp_groups`): keywords by descending volume; each still-free keyword
becomes a centre and takes every free keyword sharing at least ``min_shared`` URLs with it
(default 3, the usual "hard" SERP clustering setting; 2-7 allowed). Pairs are counted
through an inverted index URL → keywords, never an n×n matrix.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from services.clustering.serp_settings import (  # noqa: F401  (re-exported)
    DEFAULT_MIN_SERP_OVERLAP,
    DEFAULT_MIN_SHARED,
    EVIDENCE_SETTINGS_KEY,
    MIN_SHARED_RANGE,
    SERP_KEYWORDS_RANGE,
    checked_min_overlap,
    checked_serp_keywords,
    min_overlap_of,
    serp_keywords_of,
)
from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.providers.dataforseo.serp import (  # noqa: F401  (re-exported)
    TOP_N,
    FetchOne,
    normalise_url,
    top_urls,
)

#: A URL ranking for more than this many keywords of the list (home pages, Wikipedia) links
#: too much to tell pages apart and is ignored when counting shared URLs.
MAX_URL_KEYWORDS = 2_000


def pairs_by_overlap(urls: Sequence[Sequence[str]], thresholds: Sequence[int]) -> dict[int, int]:
    """How many keyword pairs share at least k top URLs, per k in ``thresholds``.

    Counted through an inverted index URL → keywords (URLs ranking for more than
    :data:`MAX_URL_KEYWORDS` keywords ignored, as in the grouping).

    Returns
    -------
    dict
        k → number of unordered pairs with ≥ k shared URLs.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for i, lst in enumerate(urls):
        for u in set(lst or ()):
            postings[u].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for post in postings.values():
        if len(post) > MAX_URL_KEYWORDS:
            continue
        for x, a in enumerate(post):
            for b in post[x + 1 :]:
                shared[(a, b)] += 1
    return {k: sum(1 for c in shared.values() if c >= k) for k in thresholds}


def serp_groups(
    keywords: Sequence[str],
    urls: Sequence[Sequence[str]],
    volumes: Sequence[float] | np.ndarray,
    *,
    min_shared: int = DEFAULT_MIN_SHARED,
) -> np.ndarray:
    """Group keywords whose top URLs share at least ``min_shared`` entries with a centre.

    Parameters
    ----------
    keywords : sequence of str
        The keywords (for tie-breaking only).
    urls : sequence of sequence of str
        Normalised top URLs per keyword (empty = no SERP data).
    volumes : array-like
        Search volume per keyword (searches/month); higher volume = centre first.
    min_shared : int
        Shared URLs needed, within :data:`MIN_SHARED_RANGE`.

    Returns
    -------
    np.ndarray
        Group number per keyword; -1 for keywords that share ``min_shared`` URLs with no
        other keyword (or have no SERP data).

    Raises
    ------
    InvalidInputError
        ``min_shared`` outside 2-7.
    """
    lo, hi = MIN_SHARED_RANGE
    if not lo <= int(min_shared) <= hi:
        raise InvalidInputError(f"Shared URLs must be between {lo} and {hi}.")
    n = len(keywords)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, lst in enumerate(urls):
        for u in set(lst):
            postings[u].append(i)
    sets = [set(u) for u in urls]
    vol = np.nan_to_num(np.asarray(volumes, np.float64), nan=0.0)
    order = sorted(range(n), key=lambda i: (-vol[i], len(keywords[i]), keywords[i]))
    labels = np.full(n, -1, np.int64)
    next_label = 0
    for centre in order:
        if labels[centre] >= 0 or not sets[centre]:
            continue
        shared: dict[int, int] = defaultdict(int)
        for u in sets[centre]:
            post = postings[u]
            if len(post) > MAX_URL_KEYWORDS:
                continue
            for j in post:
                if j != centre and labels[j] < 0:
                    shared[j] += 1
        members = [j for j, c in shared.items() if c >= min_shared]
        if not members:
            continue
        labels[centre] = next_label
        labels[members] = next_label
        next_label += 1
    return labels


def shared_with(urls: Sequence[str], anchors: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(best anchor index, shared URL count) of ``urls`` against anchor URL lists (-1, 0 if none)."""
    mine = set(urls)
    best, count = -1, 0
    for i, a in enumerate(anchors):
        c = len(mine & set(a))
        if c > count:
            best, count = i, c
    return best, count


def urls_frame(keywords: Sequence[str], url_map: dict[str, list[str]]) -> pd.Series:
    """URL lists aligned with ``keywords`` ([] when missing)."""
    return pd.Series([url_map.get(normalize_keyword(k), []) for k in keywords], dtype=object)
