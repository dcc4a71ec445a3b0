"""SERP-overlap grouping: keywords whose top-10 organic URLs overlap belong on one page.

Fetch: DataForSEO ``serp/google/organic/live/advanced`` (one task per request, depth 10,
$0.002 each — ``services.spend.pricing``), through the DataForSEO provider's HTTP client (same
retries, rate-limit back-off, circuit breaker and error type). The top 10 = items of
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

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from db.models import SerpCache, utcnow
from db.session import session_scope
from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.providers.base import Usage
from services.spend.pricing import SERP_ORGANIC_LIVE_ADVANCED, dataforseo_estimate_usd

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


def estimate_serp_cost(
    engine: Engine, keywords: Sequence[str], location: str, language: str, device: str = "desktop"
) -> tuple[int, float]:
    """Keywords not cached yet and their estimated cost (USD, $0.002 each)."""
    missing = len(keywords) - len(cached_urls(engine, keywords, location, language, device))
    return missing, dataforseo_estimate_usd(SERP_ORGANIC_LIVE_ADVANCED, requests=missing)


def cached_urls(
    engine: Engine, keywords: Sequence[str], location: str, language: str, device: str = "desktop"
) -> dict[str, list[str]]:
    """keyword → cached top URLs for the keywords that have a cache row."""
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords))
    out: dict[str, list[str]] = {}
    t = SerpCache
    with engine.connect() as conn:
        for start in range(0, len(wanted), 5_000):
            rows = conn.execute(
                select(t.keyword, t.urls).where(
                    t.keyword.in_(wanted[start : start + 5_000]),
                    t.location_name == location,
                    t.language_name == language,
                    t.device == device,
                )
            ).all()
            out.update({k: list(u or []) for k, u in rows})
    return out


def live_fetcher(client: Any, location: str, language: str, device: str = "desktop") -> FetchOne:
    """A fetch function over the DataForSEO client (``DataForSEOClient.post``)."""

    def fetch(keyword: str) -> tuple[list[str], Usage]:
        task = {
            "keyword": keyword,
            "location_name": location,
            "language_name": language,
            "device": device,
            "depth": TOP_N,
        }
        response = client.post(SERP_ORGANIC_LIVE_ADVANCED, task, items=1)
        return top_urls(response.result), response.usage

    return fetch


def fetch_serps(
    engine: Engine,
    keywords: Sequence[str],
    fetch: FetchOne,
    *,
    location: str,
    language: str,
    device: str = "desktop",
    progress: Callable[[float], None] | None = None,
) -> tuple[dict[str, list[str]], list[Usage]]:
    """Top URLs of every keyword, from the cache or fetched (and cached) one by one.

    Returns
    -------
    tuple
        keyword → top URLs, and the ``Usage`` of the calls made.

    Raises
    ------
    services.core.errors.ProviderError
        A fetch failed; SERPs fetched before it are cached and their usage is attached
        to the error as ``usage`` when the error supports it.
    """
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords if normalize_keyword(k)))
    have = cached_urls(engine, wanted, location, language, device)
    missing = [k for k in wanted if k not in have]
    usage: list[Usage] = []
    for done, kw in enumerate(missing, start=1):
        try:
            urls, use = fetch(kw)
        except Exception as exc:
            if hasattr(exc, "usage"):
                exc.usage = usage + list(exc.usage)
            raise
        usage.append(use)
        have[kw] = urls
        with session_scope(engine) as s:
            s.add(
                SerpCache(
                    id=uuid.uuid4(),
                    keyword=kw[:700],
                    location_name=location,
                    language_name=language,
                    device=device,
                    urls=urls,
                    cost_usd=use.cost_usd,
                    fetched_at=utcnow(),
                )
            )
        if progress:
            progress(done / len(missing))
    return have, usage


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
