"""Live Stage 2 (and Labs discovery/intent) on DataForSEO v3, with a 30-day volume cache.

Client choice: ``requests`` + ``urllib3.Retry`` rather than the generated
``dataforseo-client`` package, because

* DataForSEO reports most outcomes inside an HTTP 200 body (envelope ``status_code`` and
  per-task ``status_code``: 40202 rate limit, 40203 cost limit, a failed task inside a
  20000 envelope — ``shared/contracts/dataforseo/NOTES.md``). The generated client only
  raises on non-2xx and has no retries, so every one of these checks would be ours anyway;
* its pydantic models deserialise whole responses strictly: a documented example (Labs
  ``keyword_suggestions``) already comes back with ``items == None``, and a malformed or
  drifting field fails the whole call. We read the few fields we need tolerantly (the
  search-volume capture has no ``cpc`` key at all);
* it serialises every request field, sending ``null`` for unset ones; we send only what
  we mean;
* ``requests`` imports in ~0.1 s against ~0.9 s.

Retries: ONE layer, :func:`services.providers.retry.call_with_retries` (no ``urllib3.Retry``
underneath: the two layers multiplied into 9 requests in 39 s on a 429). Connect errors and
5xx are retried ``http_retries`` times, 40202/429 ``rate_limit_retries`` times, a
``Retry-After`` is honoured up to 20 s, and the whole call stays within a deadline (30 s by
default, setting ``PROVIDER_STAGE_DEADLINE_S``); a read timeout is never resent (it may have
been billed). Every failure is a typed :class:`~services.core.errors.ProviderError` with the
status and the task id as request id; every billed attempt (a 40202 may carry a ``cost``) is
summed into the returned ``Usage`` or the error's ``usage``. Search volumes are range-checked
here: 0..10¹⁰ searches/month, a negative or absurd value is stored as unknown with a note.

Note: pybreaker holds its lock for the duration of a guarded call, so concurrent runs on
one account queue behind each other. Google Ads live allows 12 requests/min per account
anyway (NOTES.md), so this costs little and keeps us under the limit.

Modules: :mod:`~services.providers.dataforseo.transport` (HTTP, retries, envelope, breaker),
:mod:`~services.providers.dataforseo.parsing` (tolerant reading, keyword rules),
:mod:`~services.providers.dataforseo.volume` (the volume provider and its cache); this module
re-exports their public names.

Behaviour: one POST per ≤ 1000 keywords (the search-volume price is per request),
keywords lowercased, keywords Google Ads rejects (> 80 characters, > 10 words, characters
outside Google's allowed set) skipped and reported; 40202 backs off and retries; a
circuit breaker (pybreaker) stops calling a dead service; every response's ``cost`` is
returned as a ``Usage``. Results land in ``KeywordMetric`` (``source="dataforseo"``,
``fetched_at``) and are served from there for :data:`DEFAULT_CACHE_TTL_DAYS`.
"""

from __future__ import annotations

from services.providers.dataforseo.parsing import (
    ALLOWED_SYMBOLS,
    MAX_CPC_USD,
    MAX_KEYWORD_CHARS,
    MAX_KEYWORD_WORDS,
    MAX_KEYWORDS_PER_REQUEST,
    MAX_SEARCH_VOLUME,
    STORABLE_SEARCH_VOLUME,
    keyword_problem,
)
from services.providers.dataforseo.transport import (
    BREAKER_FAIL_MAX,
    BREAKER_RESET_S,
    COST_LIMIT,
    DEFAULT_BASE_URL,
    DEFAULT_HTTP_RETRIES,
    DEFAULT_RATE_LIMIT_BACKOFF_S,
    DEFAULT_RATE_LIMIT_RETRIES,
    DEFAULT_TIMEOUT_S,
    OK,
    PROVIDER,
    RATE_LIMITED,
    DataForSEOClient,
    DataForSEOError,
    TaskResponse,
    shared_breaker,
)
from services.providers.dataforseo.volume import (
    DEFAULT_CACHE_TTL_DAYS,
    DEFAULT_LANGUAGE,
    DEFAULT_LOCATION,
    DataForSEOVolumeProvider,
)

__all__ = [
    "ALLOWED_SYMBOLS",
    "BREAKER_FAIL_MAX",
    "BREAKER_RESET_S",
    "COST_LIMIT",
    "DEFAULT_BASE_URL",
    "DEFAULT_CACHE_TTL_DAYS",
    "DEFAULT_HTTP_RETRIES",
    "DEFAULT_LANGUAGE",
    "DEFAULT_LOCATION",
    "DEFAULT_RATE_LIMIT_BACKOFF_S",
    "DEFAULT_RATE_LIMIT_RETRIES",
    "DEFAULT_TIMEOUT_S",
    "MAX_CPC_USD",
    "MAX_KEYWORDS_PER_REQUEST",
    "MAX_KEYWORD_CHARS",
    "MAX_KEYWORD_WORDS",
    "MAX_SEARCH_VOLUME",
    "OK",
    "PROVIDER",
    "RATE_LIMITED",
    "STORABLE_SEARCH_VOLUME",
    "DataForSEOClient",
    "DataForSEOError",
    "DataForSEOVolumeProvider",
    "TaskResponse",
    "keyword_problem",
    "shared_breaker",
]
