"""SERP fetching and the ``serp_cache`` table for SERP-overlap grouping of keyword lists.

Fetch: DataForSEO ``serp/google/organic/live/advanced`` (one task per request, depth 10,
$0.002 each — ``services.providers.pricing``), through the DataForSEO provider's HTTP client (same
retries, rate-limit back-off, circuit breaker and error type). Top URLs are cached per keyword,
location, language and device, so a keyword is paid for once. Grouping itself is pure:
:mod:`services.clustering.serp_overlap`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, select

from db.models import SerpCache, utcnow
from db.session import session_scope
from services.clustering.serp_overlap import TOP_N, FetchOne, top_urls
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import Usage
from services.providers.pricing import SERP_ORGANIC_LIVE_ADVANCED, dataforseo_estimate_usd

#: Failed fetches in a row after which a run stops (the service is down, not one keyword).
MAX_CONSECUTIVE_FAILURES = 3
#: Unclustered reason of a keyword whose SERP could not be fetched (the message follows).
REASON_SERP_FAILED = "SERP not fetched"


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
    with engine.connect() as conn:
        return read_cached(conn, keywords, location, language, device)


def read_cached(
    conn: Any, keywords: Sequence[str], location: str, language: str, device: str = "desktop"
) -> dict[str, list[str]]:
    """:func:`cached_urls` on an open connection or session."""
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords))
    out: dict[str, list[str]] = {}
    t = SerpCache
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
    failures: dict[str, str] | None = None,
) -> tuple[dict[str, list[str]], list[Usage]]:
    """Top URLs of every keyword, from the cache or fetched (and cached) one by one.

    Returns
    -------
    tuple
        keyword → top URLs, and the ``Usage`` of the calls made.

    Parameters
    ----------
    failures : dict, optional
        When given, a failed fetch is recorded here (keyword → message) and the run goes on
        with the next keyword (batch rule: one failure per row, not per run); only
        :data:`MAX_CONSECUTIVE_FAILURES` failures in a row stop it.

    Raises
    ------
    services.core.errors.ProviderError
        A fetch failed (without ``failures``) or the service failed repeatedly; SERPs fetched
        before it are cached and the usage of all calls is attached to the error as ``usage``.
    """
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords if normalize_keyword(k)))
    have = cached_urls(engine, wanted, location, language, device)
    missing = [k for k in wanted if k not in have]
    usage: list[Usage] = []
    streak = 0
    for done, kw in enumerate(missing, start=1):
        try:
            urls, use = fetch(kw)
        except ProviderError as exc:
            exc.usage = usage + list(exc.usage)
            streak += 1
            if failures is None or streak >= MAX_CONSECUTIVE_FAILURES:
                raise
            failures[kw] = str(exc)[:300]
            usage = list(exc.usage)
            continue
        streak = 0
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
