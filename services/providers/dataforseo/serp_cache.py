"""The ``serp_cache`` table: top-10 organic URLs per keyword and market, paid for once.

One row per (keyword, location, language, device) with the normalised top URLs in rank
order and what the fetch cost. :func:`fetch_serps` is the one path that fetches SERPs: it
reads the cache, fetches only the keywords missing from it (one request each, see
:mod:`services.providers.dataforseo.serp`) and caches every answer as it arrives, so an
interrupted run keeps what it paid for. Used by list clustering (SERP mode and evidence),
the seed funnel's Stage 3 and the competitor actions.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, select

from db.models import SerpCache, utcnow
from db.session import session_scope
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import Usage
from services.providers.dataforseo.serp import DEFAULT_DEVICE, FetchOne
from services.providers.pricing import SERP_ORGANIC_LIVE_ADVANCED, dataforseo_estimate_usd

#: Failed fetches in a row after which a run stops (the service is down, not one keyword).
MAX_CONSECUTIVE_FAILURES = 3
#: Keywords per ``IN (...)`` list.
_IN_CHUNK = 5_000


def estimate_serp_cost(
    engine: Engine,
    keywords: Sequence[str],
    location: str,
    language: str,
    device: str = DEFAULT_DEVICE,
) -> tuple[int, float]:
    """(keywords not cached yet, their estimated cost in USD at $0.002 each)."""
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords if normalize_keyword(k)))
    missing = len(wanted) - len(cached_urls(engine, wanted, location, language, device))
    return missing, dataforseo_estimate_usd(SERP_ORGANIC_LIVE_ADVANCED, requests=missing)


def cached_urls(
    engine: Engine,
    keywords: Sequence[str],
    location: str,
    language: str,
    device: str = DEFAULT_DEVICE,
) -> dict[str, list[str]]:
    """keyword → cached top URLs for the keywords that have a cache row."""
    with engine.connect() as conn:
        return read_cached(conn, keywords, location, language, device)


def read_cached(
    conn: Any,
    keywords: Sequence[str],
    location: str,
    language: str,
    device: str = DEFAULT_DEVICE,
) -> dict[str, list[str]]:
    """:func:`cached_urls` on an open connection or session (normalised keyword → URLs)."""
    t = SerpCache
    market = (t.location_name == location, t.language_name == language, t.device == device)
    if conn.execute(select(t.keyword).where(*market).limit(1)).first() is None:
        return {}  # nothing cached for this market: no keyword to normalise and look up
    wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords))
    out: dict[str, list[str]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = conn.execute(
            select(t.keyword, t.urls).where(
                t.keyword.in_(wanted[start : start + _IN_CHUNK]), *market
            )
        ).all()
        out.update({k: list(u or []) for k, u in rows})
    return out


def _store(
    engine: Engine, kw: str, urls: list[str], use: Usage, market: tuple[str, str, str]
) -> None:
    location, language, device = market
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


def fetch_serps(
    engine: Engine,
    keywords: Sequence[str],
    fetch: FetchOne,
    *,
    location: str,
    language: str,
    device: str = DEFAULT_DEVICE,
    progress: Callable[[float], None] | None = None,
    failures: dict[str, str] | None = None,
    deadline_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[dict[str, list[str]], list[Usage]]:
    """Top URLs of every keyword, from the cache or fetched (and cached) one by one.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Where ``serp_cache`` lives.
    keywords : sequence of str
        Any case and spacing; normalised and deduplicated.
    fetch : FetchOne
        :func:`services.providers.dataforseo.serp.live_fetcher` (or a fake).
    location, language, device : str
        The market of the cache rows.
    progress : callable, optional
        ``progress(fraction of the missing keywords fetched)``.
    failures : dict, optional
        When given, a failed fetch is recorded here (keyword → message) and the run goes on
        with the next keyword (batch rule: one failure per row, not per run); only
        :data:`MAX_CONSECUTIVE_FAILURES` failures in a row stop it.
    deadline_s : float, optional
        Start no new request after this many seconds (an interactive run's time budget;
        keywords are fetched in the order given, so put the important ones first). The
        keywords left out are simply absent from the result; a later call fetches them.
    clock : callable
        Monotonic seconds (tests move time).

    Returns
    -------
    tuple
        (normalised keyword → top URLs, the ``Usage`` of the calls made).

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
    started = clock()
    for done, kw in enumerate(missing, start=1):
        if deadline_s is not None and clock() - started >= deadline_s:
            break
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
        _store(engine, kw, urls, use, (location, language, device))
        if progress:
            progress(done / len(missing))
    return have, usage
