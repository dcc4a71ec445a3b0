"""SERP-overlap grouping: keywords whose top-10 organic URLs overlap belong on one page.

Pure: URLs in, groups out. Fetching and the ``serp_cache`` table are in
:mod:`services.keyword_lists.serp_store` (DataForSEO ``serp/google/organic/live/advanced``,
one task per request, depth 10, $0.002 each). The top 10 = items of
``type == "organic"`` ordered by ``rank_group`` (paid, featured snippets, AI overviews … are
interleaved in the response and skipped). URLs are normalised (scheme, ``www.``, trailing
slash, fragment and tracking parameters removed) and cached per keyword, location,
language and device in ``serp_cache``, so a keyword is paid for once.

Grouping (:func:`serp_groups`): keywords by descending volume; each still-free keyword
becomes a centre and takes every free keyword sharing at least ``min_shared`` URLs with it
(default 3, the usual "hard" SERP clustering setting; 2-7 allowed). Pairs are counted
through an inverted index URL → keywords, never an n×n matrix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pandas as pd

from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.providers.base import Usage

#: Shared top-10 URLs that make two keywords one page (issue: ≥ 3, configurable 2-7).
DEFAULT_MIN_SHARED = 3
MIN_SHARED_RANGE = (2, 7)
#: Organic results compared per keyword.
TOP_N = 10
#: A URL ranking for more than this many keywords of the list (home pages, Wikipedia) links
#: too much to tell pages apart and is ignored when counting shared URLs.
MAX_URL_KEYWORDS = 2_000
_TRACKING = ("utm_", "gclid", "fbclid", "msclkid", "srsltid")

FetchOne = Callable[[str], tuple[list[str], Usage]]


def normalise_url(url: str) -> str:
    """Comparable form of a result URL ("https://www.X.com/a/?utm_source=y#f" → "x.com/a")."""
    parts = urlsplit((url or "").strip())
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    out = host + path
    if query:
        out += "?" + urlencode(query)
    return out


def top_urls(result: list[Any], top_n: int = TOP_N) -> list[str]:
    """Top organic URLs of a ``serp/google/organic/live/advanced`` task result, rank order."""
    items: list[dict[str, Any]] = []
    for block in result or []:
        if isinstance(block, dict):
            items += [i for i in block.get("items") or [] if isinstance(i, dict)]
    organic = [i for i in items if i.get("type") == "organic" and i.get("url")]
    organic.sort(key=lambda i: (i.get("rank_group") or 10**6, i.get("rank_absolute") or 10**6))
    seen: list[str] = []
    for item in organic:
        url = normalise_url(str(item["url"]))
        if url not in seen:
            seen.append(url)
        if len(seen) == top_n:
            break
    return seen


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
