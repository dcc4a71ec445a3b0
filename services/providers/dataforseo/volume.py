"""DataForSEO as the funnel's volume provider: Google Ads search volume (live) with a 30-day
cache in the project's keyword data, plus Labs keyword suggestions and search intent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.text import normalize_keyword
from services.providers.base import (
    KeywordData,
    KeywordMetricsStore,
    Usage,
    VolumeResult,
    metrics_store,
)
from services.providers.dataforseo.parsing import (
    MAX_KEYWORDS_PER_REQUEST,
    PROVIDER,
    _chunks,
    _labs_keyword,
    _parse_search_volume,
    _sendable,
    keyword_problem,
)
from services.providers.dataforseo.transport import DataForSEOClient, DataForSEOError
from services.providers.pricing import (
    KEYWORD_SUGGESTIONS_LIVE,
    SEARCH_INTENT_LIVE,
    SEARCH_VOLUME_LIVE,
)

log = logging.getLogger(__name__)

DEFAULT_LOCATION = "United States"
DEFAULT_LANGUAGE = "English"
#: A keyword fetched within this many days is served from ``KeywordMetric``.
DEFAULT_CACHE_TTL_DAYS = 30


class DataForSEOVolumeProvider:
    """``VolumeProvider`` on Google Ads search volume (live), plus Labs suggestions/intent.

    Parameters
    ----------
    client : DataForSEOClient
        The HTTP client (credentials, retries, breaker).
    metrics : KeywordMetricsStore
        The project's stored keywords: location/language and the ``KeywordMetric`` cache
        (an engine is wrapped, for one release).
    cache_ttl_days : float
        Keywords fetched within this many days are not requested again.
    now : callable
        UTC clock (tests move time).
    """

    name = PROVIDER

    def __init__(
        self,
        client: DataForSEOClient,
        metrics: KeywordMetricsStore | Any,
        *,
        cache_ttl_days: float = DEFAULT_CACHE_TTL_DAYS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.metrics = metrics_store(metrics)
        self.cache_ttl = timedelta(days=cache_ttl_days)
        self._now = now

    def __repr__(self) -> str:
        return f"DataForSEOVolumeProvider(base_url={self.client.base_url!r})"

    # ----------------------------------------------------------------- helpers
    def _locale(self, project_id: Any) -> tuple[str, str]:
        """(location_name, language_name) of the project; United States / English by default."""
        found = self.metrics.locale(project_id) if project_id is not None else None
        if found is None:
            return DEFAULT_LOCATION, DEFAULT_LANGUAGE
        return found[0] or DEFAULT_LOCATION, found[1] or DEFAULT_LANGUAGE

    def _cached(self, project_id: Any, keywords: list[str]) -> dict[str, KeywordData]:
        """Keywords of the project fetched from DataForSEO within the TTL (indexed queries)."""
        if project_id is None or not keywords:
            return {}
        fetched_after = self._now() - self.cache_ttl
        return self.metrics.lookup(
            project_id, keywords, source=PROVIDER, fetched_after=fetched_after
        )

    def _store(self, project_id: Any, data: dict[str, KeywordData]) -> None:
        """Cache fetched metrics in the project's keyword data (a failed write is logged)."""
        if project_id is None or not data:
            return
        self.metrics.save_fetched(project_id, data, source=PROVIDER, fetched_at=self._now())

    # ----------------------------------------------------------------- the port
    def lookup(self, keywords: Sequence[str], *, project_id: Any = None) -> VolumeResult:
        """Search volume, CPC and competition of ``keywords`` (Google Ads, live).

        Cached keywords (fetched within the TTL for this project) are not requested; the
        rest go out in one request per ≤ 1000 keywords.

        Parameters
        ----------
        keywords : sequence of str
            Keywords in any case (normalised and lowercased here).
        project_id : optional
            Owning project: location/language and cache scope. Without it nothing is
            cached and United States / English is used.

        Returns
        -------
        VolumeResult
            ``data``: normalised keyword → metrics (search volume searches/month,
            CPC USD or None — the live capture has no ``cpc`` —, competition 0-1 from
            ``competition_index``/100, competition_level "LOW"|"MEDIUM"|"HIGH");
            ``usage``: one per request with DataForSEO's ``cost`` (USD);
            ``skipped``: keyword → why it was not sent.

        Raises
        ------
        DataForSEOError
            A request failed after retries (``exc.usage`` holds billed requests).
        """
        wanted = list(dict.fromkeys(normalize_keyword(k) for k in keywords if normalize_keyword(k)))
        skipped: dict[str, str] = {}
        sendable: dict[str, str] = {}  # sent form → our keyword
        for kw in wanted:
            sent = _sendable(kw)
            problem = keyword_problem(sent)
            if problem:
                skipped[kw] = problem
            else:
                sendable.setdefault(sent, kw)
        data = self._cached(project_id, [sendable[s] for s in sendable])
        missing = [s for s, kw in sendable.items() if kw not in data]
        location, language = self._locale(project_id) if missing else ("", "")
        usage: list[Usage] = []
        notes: dict[str, str] = {}
        fetched: dict[str, KeywordData] = {}
        if missing:
            self._fetch(missing, sendable, (location, language), project_id, fetched, usage, notes)
            self._store(project_id, fetched)
        data.update(fetched)
        cached = len(sendable) - len(missing)
        if not missing:
            # A zero-cost record so the Costs page and metadata show the cache hit.
            usage.append(
                Usage(
                    provider=PROVIDER,
                    endpoint=SEARCH_VOLUME_LIVE,
                    requests=0,
                    metadata={"keywords": 0, "cached": cached},
                )
            )
        else:
            usage = [replace(u, metadata={**u.metadata, "cached": cached}) for u in usage]
        if notes:
            log.warning("DataForSEO returned %d out-of-range values: %s", len(notes), notes)
            usage[-1] = replace(usage[-1], metadata={**usage[-1].metadata, "notes": notes})
        return VolumeResult(data=data, usage=usage, skipped=skipped)

    def _fetch(
        self,
        missing: list[str],
        sendable: dict[str, str],
        locale: tuple[str, str],
        project_id: Any,
        fetched: dict[str, KeywordData],
        usage: list[Usage],
        notes: dict[str, str],
    ) -> None:
        """Request ``missing`` (sent forms) in chunks of ≤ 1000 into ``fetched`` and ``usage``;
        what was fetched before a failure is cached before the error propagates."""
        location, language = locale
        for chunk in _chunks(missing, MAX_KEYWORDS_PER_REQUEST):
            task = {"keywords": chunk, "location_name": location, "language_name": language}
            try:
                response = self.client.post(SEARCH_VOLUME_LIVE, task, items=len(chunk))
            except DataForSEOError as exc:
                exc.usage = usage + exc.usage
                self._store(project_id, fetched)
                raise
            usage.append(response.usage)
            by_sent = _parse_search_volume(response.result, notes)
            for sent in chunk:
                kw = sendable[sent]
                item = by_sent.get(sent)
                # Keywords Google has no data for are cached as "no volume" too, so a
                # re-run does not pay to ask again.
                fetched[kw] = (
                    KeywordData(
                        keyword=kw,
                        search_volume=item.search_volume,
                        cpc=item.cpc,
                        competition=item.competition,
                        competition_level=item.competition_level,
                        source=PROVIDER,
                    )
                    if item
                    else KeywordData(keyword=kw, source=PROVIDER)
                )

    def keyword_suggestions(
        self, seed: str, *, project_id: Any = None, limit: int = 100
    ) -> VolumeResult:
        """Labs keyword suggestions containing ``seed`` (discovery for keyword lists).

        Parameters
        ----------
        seed : str
            The seed keyword (lowercased).
        project_id : optional
            For location/language.
        limit : int
            Maximum suggestions, 1-1000 (price grows per item).

        Returns
        -------
        VolumeResult
            ``data`` in DataForSEO's order (search volume descending): volume, CPC USD,
            competition 0-1 (Labs reports 0-1 directly), level, keyword difficulty 0-100,
            main intent. The seed's own row is included when DataForSEO returns it.

        Raises
        ------
        DataForSEOError
            As :meth:`lookup`.
        """
        seed_kw = _sendable(seed)
        location, language = self._locale(project_id)
        task = {
            "keyword": seed_kw,
            "location_name": location,
            "language_name": language,
            "include_seed_keyword": True,
            "limit": max(1, min(int(limit), 1000)),
        }
        response = self.client.post(KEYWORD_SUGGESTIONS_LIVE, task, items=1)
        notes: dict[str, str] = {}
        data: dict[str, KeywordData] = {}
        for block in response.result:
            if not isinstance(block, dict):
                continue
            seed_data = block.get("seed_keyword_data")
            rows = ([seed_data] if isinstance(seed_data, dict) else []) + list(
                block.get("items") or []
            )
            for row in rows:
                kd = _labs_keyword(row, notes)
                if kd is not None and kd.keyword not in data:
                    data[kd.keyword] = kd
        usage = response.usage
        if notes:
            usage = replace(usage, metadata={**usage.metadata, "notes": notes})
        return VolumeResult(data=data, usage=[usage])

    def search_intent(self, keywords: Sequence[str], *, project_id: Any = None) -> VolumeResult:
        """Labs search intent of ``keywords`` (one request per ≤ 1000).

        Returns
        -------
        VolumeResult
            ``data``: keyword → ``KeywordData`` whose ``intent`` is the main label followed
            by secondary labels, comma-joined (e.g. "commercial,transactional").

        Raises
        ------
        DataForSEOError
            As :meth:`lookup`.
        """
        wanted = list(dict.fromkeys(_sendable(k) for k in keywords if normalize_keyword(k)))
        _, language = self._locale(project_id)
        data: dict[str, KeywordData] = {}
        usage: list[Usage] = []
        for chunk in _chunks(wanted, MAX_KEYWORDS_PER_REQUEST):
            try:
                response = self.client.post(
                    SEARCH_INTENT_LIVE,
                    {"keywords": chunk, "language_name": language},
                    items=len(chunk),
                )
            except DataForSEOError as exc:
                exc.usage = usage + exc.usage
                raise
            usage.append(response.usage)
            for block in response.result:
                for item in (block or {}).get("items") or []:
                    kw = normalize_keyword(str(item.get("keyword") or ""))
                    main = (item.get("keyword_intent") or {}).get("label")
                    if not kw or not main:
                        continue
                    labels = [main] + [
                        s.get("label")
                        for s in item.get("secondary_keyword_intents") or []
                        if isinstance(s, dict) and s.get("label") and s.get("label") != main
                    ]
                    data[kw] = KeywordData(keyword=kw, intent=",".join(labels), source=PROVIDER)
        return VolumeResult(data=data, usage=usage)
