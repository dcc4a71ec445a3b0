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

Behaviour: one POST per ≤ 1000 keywords (the search-volume price is per request),
keywords lowercased, keywords Google Ads rejects (> 80 characters, > 10 words, characters
outside Google's allowed set) skipped and reported; 40202 backs off and retries; a
circuit breaker (pybreaker) stops calling a dead service; every response's ``cost`` is
returned as a ``Usage``. Results land in ``KeywordMetric`` (``source="dataforseo"``,
``fetched_at``) and are served from there for :data:`DEFAULT_CACHE_TTL_DAYS`.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, overload

import pybreaker
import requests
from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from db.models import KeywordMetric, Project
from services.core.errors import (
    BadResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.projects.keyword_data import lookup_metrics
from services.providers.base import KeywordData, Usage, VolumeResult
from services.providers.retry import (
    Deadline,
    call_with_retries,
    parse_retry_after,
    stage_deadline_s,
)
from services.spend import meter
from services.spend.pricing import (
    DATAFORSEO_REQUEST_USD,
    KEYWORD_SUGGESTIONS_LIVE,
    SEARCH_INTENT_LIVE,
    SEARCH_VOLUME_LIVE,
    dataforseo_estimate_usd,
)

log = logging.getLogger(__name__)

PROVIDER = "dataforseo"
DEFAULT_BASE_URL = "https://api.dataforseo.com"
DEFAULT_LOCATION = "United States"
DEFAULT_LANGUAGE = "English"
#: A keyword fetched within this many days is served from ``KeywordMetric``.
DEFAULT_CACHE_TTL_DAYS = 30
#: (connect, read) seconds; Google Ads live answers in ~7 s (primary-keywords design).
DEFAULT_TIMEOUT_S: tuple[float, float] = (5.0, 30.0)
#: Retries after connect errors and HTTP 500/502/503/504 (our one retry layer).
DEFAULT_HTTP_RETRIES = 2
#: Retries after a 40202 "rate-limit per minute exceeded"; waits 3 s, then 6 s.
DEFAULT_RATE_LIMIT_RETRIES = 2
DEFAULT_RATE_LIMIT_BACKOFF_S = 3.0
#: Largest search volume we accept (searches/month); Google's biggest terms are ~10⁹.
MAX_SEARCH_VOLUME = 10**10
#: Largest volume the ``search_volume`` INTEGER columns hold (2³¹ − 1, PostgreSQL's limit);
#: an accepted volume above it is stored clamped, with a note.
STORABLE_SEARCH_VOLUME = 2**31 - 1
#: Largest CPC we accept (USD).
MAX_CPC_USD = 10_000.0
#: Consecutive service failures that open the breaker, and how long it stays open (s).
BREAKER_FAIL_MAX = 5
BREAKER_RESET_S = 60.0

# Limits of the search_volume/live ``keywords`` field (NOTES.md §1).
MAX_KEYWORDS_PER_REQUEST = 1000
MAX_KEYWORD_CHARS = 80
MAX_KEYWORD_WORDS = 10
#: Characters Google Ads accepts besides letters, digits, combining marks and spaces
#: (Google AdWords API advisor on INVALID_KEYWORD_TEXT: ' ', '#', '$', '&', '_', '-', '"',
#: '[', ']', "'", '+', '.', '/', ':'). Anything else (emoji, ! @ % , * ( ) = ; < > ? …) is
#: rejected by Google, so we do not send it.
ALLOWED_SYMBOLS = frozenset(" #$&_-\"[]'+./:")

OK = 20000
RATE_LIMITED = 40202
COST_LIMIT = 40203
#: Task/envelope codes that mean "the service had a problem" (count towards the breaker).
_TRANSIENT_CODES = {40101, 40103, 40202, 50000, 50001, 50301, 50303, 50304, 50401}


#: DataForSEO failures are the typed provider errors of :mod:`services.core.errors`
#: (``RateLimitedError``, ``ProviderUnavailableError``, ``BadResponseError`` or the base, with
#: ``provider="dataforseo"``); the old name stays as an alias for callers and tests.
DataForSEOError = ProviderError


def _error(
    cls: type[ProviderError],
    message: str,
    *,
    status: int | None = None,
    request_id: str | None = None,
    transient: bool | None = None,
    usage: list[Usage] | None = None,
    **kw: Any,
) -> ProviderError:
    rid = f" (task id {request_id})" if request_id else ""
    return cls(
        f"DataForSEO: {message}{rid}",
        provider=PROVIDER,
        status_code=status,
        request_id=request_id,
        transient=transient,
        usage=usage,
        **kw,
    )


_breakers: dict[tuple[str, str], pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def _counts_as_failure(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.transient


def shared_breaker(base_url: str, login: str) -> pybreaker.CircuitBreaker:
    """The process-wide breaker of one account on one server (survives provider rebuilds).

    Parameters
    ----------
    base_url : str
        API root.
    login : str
        Account login (only used as a key, never logged).
    """
    key = (base_url.rstrip("/"), login)
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            breaker = pybreaker.CircuitBreaker(
                fail_max=BREAKER_FAIL_MAX,
                reset_timeout=BREAKER_RESET_S,
                exclude=[lambda e: not _counts_as_failure(e)],
                throw_new_error_on_trip=False,
                name=f"dataforseo@{key[0]}",
            )
            _breakers[key] = breaker
        return breaker


@dataclass
class TaskResponse:
    """One successful task: its ``result`` list and the request's ``Usage`` (cost USD)."""

    result: list[Any]
    usage: Usage


class DataForSEOClient:
    """Thin HTTP client: Basic auth, one retry layer, envelope checks, 40202 back-off, breaker.

    Parameters
    ----------
    login, password : str
        API credentials (``DATAFORSEO_LOGIN`` / ``DATAFORSEO_PASSWORD``); only ever sent
        as the Basic auth header.
    base_url : str
        API root, default :data:`DEFAULT_BASE_URL` (``DATAFORSEO_BASE_URL``).
    timeout : tuple of float
        (connect, read) seconds.
    http_retries : int
        Retries on connect errors and HTTP 500/502/503/504 (honours Retry-After ≤ 20 s).
    backoff_factor : float
        First back-off after such an error (seconds, doubling).
    rate_limit_retries : int
        Extra attempts after a 40202 answer.
    rate_limit_backoff_s : float
        First wait after a 40202 (doubles each time), seconds.
    breaker : pybreaker.CircuitBreaker, optional
        Default: :func:`shared_breaker` for this account and server.
    sleep : callable
        ``time.sleep`` (tests pass a recorder).
    deadline_s : float, optional
        Total seconds of one :meth:`post` (all attempts and waits); default: setting
        ``PROVIDER_STAGE_DEADLINE_S`` or 30.
    """

    def __init__(
        self,
        login: str,
        password: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT_S,
        http_retries: int = DEFAULT_HTTP_RETRIES,
        backoff_factor: float = 0.5,
        rate_limit_retries: int = DEFAULT_RATE_LIMIT_RETRIES,
        rate_limit_backoff_s: float = DEFAULT_RATE_LIMIT_BACKOFF_S,
        breaker: pybreaker.CircuitBreaker | None = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline_s: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http_retries = max(0, int(http_retries))
        self.backoff_factor = float(backoff_factor)
        self.rate_limit_retries = max(0, int(rate_limit_retries))
        self.rate_limit_backoff_s = rate_limit_backoff_s
        self.deadline_s = float(deadline_s) if deadline_s else stage_deadline_s()
        self.breaker = breaker or shared_breaker(self.base_url, login)
        self._sleep = sleep
        # No urllib3 Retry on the adapter: call_with_retries is the only retry layer.
        self._session = requests.Session()
        self._session.auth = (login, password)
        self._session.headers.update({"Content-Type": "application/json"})

    def __repr__(self) -> str:  # never show credentials
        return f"DataForSEOClient(base_url={self.base_url!r})"

    def post(
        self,
        endpoint: str,
        task: dict[str, Any],
        *,
        items: int = 0,
        deadline: Deadline | None = None,
    ) -> TaskResponse:
        """POST one task to ``/v3/<endpoint>`` and return its result.

        Parameters
        ----------
        endpoint : str
            Path below ``/v3/``, e.g. :data:`services.spend.pricing.SEARCH_VOLUME_LIVE`.
        task : dict
            The task object (sent as a one-element array).
        items : int
            Keywords in the task, recorded in the usage metadata.
        deadline : Deadline, optional
            Shared by the requests of one stage; default: a fresh one of ``deadline_s``.

        Returns
        -------
        TaskResponse
            The task's ``result`` (``[]`` when null) and the cost of every billed attempt
            (``usage.requests`` attempts, ``usage.cost_usd`` their sum).

        Raises
        ------
        ProviderError
            Typed, after retries: ``RateLimitedError`` (40202/429 storm, "try again at
            HH:MM"), ``ProviderUnavailableError`` (timeouts, connection errors, 5xx, open
            breaker), ``BadResponseError`` (malformed JSON or envelope), or the base class
            for account problems (401, 402, 40203 cost limit, invalid request). ``usage``
            holds every billed attempt.
        """
        deadline = deadline or Deadline(self.deadline_s)
        billed: list[Usage] = []
        failures = {"rate": 0, "http": 0}
        price = DATAFORSEO_REQUEST_USD.get(endpoint)
        worst = dataforseo_estimate_usd(endpoint, 1, items) if price is not None else 0.0

        def attempt(timeout: float) -> TaskResponse:
            meter.before_call(worst, label=f"dataforseo {endpoint}")
            try:
                response: TaskResponse = self.breaker.call(
                    self._post_once, endpoint, task, items, timeout
                )
            except pybreaker.CircuitBreakerError as exc:
                raise _error(
                    ProviderUnavailableError,
                    f"service unavailable (circuit open after {self.breaker.fail_max} "
                    f"consecutive failures; not called again for up to "
                    f"{self.breaker.reset_timeout:g} s)",
                    retryable=False,
                ) from exc
            except ProviderError as exc:
                meter.after_call(sum(u.cost_usd for u in exc.usage))
                billed.extend(exc.usage)
                exc.usage = []
                kind = "rate" if isinstance(exc, RateLimitedError) else "http"
                failures[kind] += 1
                if isinstance(exc, RateLimitedError) and exc.retry_after_s is None:
                    # 40202 says no time: back off 3 s, then 6 s (DataForSEO counts per minute).
                    exc.retry_after_s = self.rate_limit_backoff_s * 2 ** (failures["rate"] - 1)
                allowed = self.rate_limit_retries if kind == "rate" else self.http_retries
                if failures[kind] > allowed and exc.retryable is None:
                    exc.retryable = False
                raise
            meter.after_call(response.usage.cost_usd)
            return response

        try:
            response = call_with_retries(
                attempt,
                deadline=deadline,
                per_request_s=self.timeout[1],
                max_attempts=1 + self.http_retries + self.rate_limit_retries,
                sleep=self._sleep,
                backoff_s=self.backoff_factor,
            )
        except ProviderError as exc:
            if isinstance(exc, RateLimitedError) and failures["rate"] > 1:
                exc.args = (f"{exc} (rate limit exceeded after {failures['rate']} attempts)",)
            exc.usage = billed + list(exc.usage)
            raise
        if billed:
            first = response.usage
            response.usage = replace(
                first,
                requests=first.requests + len(billed),
                cost_usd=round(first.cost_usd + sum(u.cost_usd for u in billed), 8),
                metadata={**first.metadata, "billed_retries": len(billed)},
            )
        return response

    def _post_once(
        self, endpoint: str, task: dict[str, Any], items: int, timeout: float
    ) -> TaskResponse:
        url = f"{self.base_url}/v3/{endpoint}"
        started = time.perf_counter()
        try:
            resp = self._session.post(url, json=[task], timeout=(self.timeout[0], timeout))
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.ConnectTimeout) or not isinstance(exc, requests.Timeout):
                raise _error(
                    ProviderUnavailableError, f"could not connect ({type(exc).__name__})"
                ) from exc
            raise _error(
                ProviderUnavailableError, f"no answer within {timeout:.3g} s", retryable=False
            ) from exc
        except requests.Timeout as exc:
            # A read timeout may have been billed: never resend.
            raise _error(
                ProviderUnavailableError, f"no answer within {timeout:.3g} s", retryable=False
            ) from exc
        except requests.RequestException as exc:
            raise _error(
                ProviderUnavailableError, f"could not connect ({type(exc).__name__})"
            ) from exc
        seconds = time.perf_counter() - started
        status = resp.status_code
        if status == 401:
            raise _error(
                ProviderError,
                "authentication failed (HTTP 401): check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD",
                status=401,
            )
        if status == 402:
            raise _error(
                ProviderError, "payment required (HTTP 402): top up the account balance", status=402
            )
        if status == 429:
            raise _error(
                RateLimitedError,
                "rate limited (HTTP 429)",
                status=429,
                retry_after_s=parse_retry_after(resp.headers),
            )
        if status >= 500:
            raise _error(ProviderUnavailableError, f"server error (HTTP {status})", status=status)
        if status != 200:
            raise _error(ProviderError, f"unexpected HTTP {status}", status=status)
        try:
            body = resp.json()
        except ValueError as exc:
            raise _error(BadResponseError, "malformed JSON in the response", status=200) from exc
        if not isinstance(body, dict):
            raise _error(BadResponseError, "malformed response (not a JSON object)", status=200)
        tasks = body.get("tasks") if isinstance(body.get("tasks"), list) else []
        first = tasks[0] if tasks and isinstance(tasks[0], dict) else {}
        cost = _cost(first.get("cost"), _cost(body.get("cost"), 0.0))
        task_id = first.get("id") if isinstance(first.get("id"), str) else None
        usage = Usage(
            provider=PROVIDER,
            endpoint=endpoint,
            requests=1,
            cost_usd=cost,
            metadata={
                "keywords": items,
                "task_id": task_id,
                "status_code": first.get("status_code", body.get("status_code")),
                "seconds": round(seconds, 4),
            },
        )
        billed = [usage] if cost else []
        _check_code(body.get("status_code"), body.get("status_message"), "request", billed, task_id)
        if not first:
            raise _error(BadResponseError, "malformed response (no task)", usage=billed)
        _check_code(first.get("status_code"), first.get("status_message"), "task", billed, task_id)
        result = first.get("result")
        if result is not None and not isinstance(result, list):
            raise _error(
                BadResponseError,
                "malformed response (task result is not a list)",
                request_id=task_id,
                usage=[usage],
            )
        return TaskResponse(result=result or [], usage=usage)


def _check_code(
    code: Any, message: Any, where: str, usage: list[Usage], task_id: str | None = None
) -> None:
    if code == OK:
        return
    text = f"{code} {str(message or '')[:200]}".strip()
    if code == RATE_LIMITED:
        raise _error(
            RateLimitedError,
            f"{where} rate limited ({text})",
            status=RATE_LIMITED,
            request_id=task_id,
            usage=usage,
        )
    if code == COST_LIMIT:
        raise _error(
            ProviderError,
            f"cost limit reached ({text}); raise it in the DataForSEO dashboard",
            status=COST_LIMIT,
            request_id=task_id,
            usage=usage,
        )
    if not isinstance(code, int):
        raise _error(
            BadResponseError,
            f"malformed response ({where} has no status_code)",
            request_id=task_id,
            usage=usage,
        )
    transient = code in _TRANSIENT_CODES or code >= 50000
    raise _error(
        ProviderUnavailableError if transient else ProviderError,
        f"{where} failed: {text}",
        status=code,
        request_id=task_id,
        transient=transient,
        usage=usage,
        retryable=False,  # a failed task is billed: resending would pay again
    )


@overload
def _number(value: Any) -> float | None: ...
@overload
def _number(value: Any, default: float) -> float: ...
@overload
def _number(value: Any, default: None) -> float | None: ...
def _number(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    return default


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None or number != number else int(number)


def _cost(value: Any, default: float) -> float:
    """A response's ``cost`` (USD): a finite number ≥ 0, else ``default``."""
    number = _number(value)
    if number is None or number != number or not 0 <= number < 1e6:
        return default
    return number


def _volume(value: Any, keyword: str, notes: dict[str, str]) -> int | None:
    """Search volume (searches/month) range-checked to 0..:data:`MAX_SEARCH_VOLUME`.

    A negative, NaN or absurd value (e.g. 10¹²) is a provider fault: stored as unknown (None)
    with a note in ``notes[keyword]`` instead of crashing a later write on PostgreSQL; a value
    between 2³¹ − 1 and 10¹⁰ is clamped to :data:`STORABLE_SEARCH_VOLUME`, with a note.
    """
    number = _number(value)
    if number is None:
        return None
    if number != number or not 0 <= number <= MAX_SEARCH_VOLUME:
        notes[keyword] = (
            f"search volume {value!r} out of range 0..{MAX_SEARCH_VOLUME:.0e}: stored as unknown"
        )
        return None
    if number > STORABLE_SEARCH_VOLUME:
        notes[keyword] = (
            f"search volume {value!r} stored as {STORABLE_SEARCH_VOLUME:,} (column limit)"
        )
        return STORABLE_SEARCH_VOLUME
    return int(number)


def _cpc(value: Any) -> float | None:
    """CPC in USD range-checked to 0..:data:`MAX_CPC_USD` (else unknown)."""
    number = _number(value)
    if number is None or number != number or not 0 <= number <= MAX_CPC_USD:
        return None
    return number


def _percent(value: Any) -> float | None:
    """A 0-100 value (keyword difficulty), None when not a number or out of range."""
    number = _number(value)
    if number is None or number != number or not 0 <= number <= 100:
        return None
    return number


def _unit(value: Any) -> float | None:
    """A 0-1 value (competition), clamped; None when not a number."""
    number = _number(value)
    if number is None or number != number:
        return None
    return max(0.0, min(1.0, number))


def keyword_problem(keyword: str) -> str | None:
    """Why Google Ads would reject ``keyword``, or None when it can be sent.

    Parameters
    ----------
    keyword : str
        A normalised (lowercase) keyword.

    Returns
    -------
    str or None
        e.g. "longer than 80 characters", "more than 10 words", "contains '!'".
    """
    if not keyword:
        return "empty"
    if len(keyword) > MAX_KEYWORD_CHARS:
        return f"longer than {MAX_KEYWORD_CHARS} characters"
    if len(keyword.split()) > MAX_KEYWORD_WORDS:
        return f"more than {MAX_KEYWORD_WORDS} words"
    for ch in keyword:
        if ch in ALLOWED_SYMBOLS or ch.isalnum() or unicodedata.category(ch).startswith("M"):
            continue
        return f"contains {ch!r}, which Google Ads does not accept"
    return None


def _sendable(keyword: str) -> str:
    """The form we send: lowercase, typographic apostrophes made plain."""
    return normalize_keyword(keyword).replace("\u2019", "'").replace("\u2018", "'")


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class DataForSEOVolumeProvider:
    """``VolumeProvider`` on Google Ads search volume (live), plus Labs suggestions/intent.

    Parameters
    ----------
    client : DataForSEOClient
        The HTTP client (credentials, retries, breaker).
    engine : sqlalchemy.Engine
        Database: project location/language and the ``KeywordMetric`` cache.
    cache_ttl_days : float
        Keywords fetched within this many days are not requested again.
    now : callable
        UTC clock (tests move time).
    """

    name = PROVIDER

    def __init__(
        self,
        client: DataForSEOClient,
        engine: Engine,
        *,
        cache_ttl_days: float = DEFAULT_CACHE_TTL_DAYS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.engine = engine
        self.cache_ttl = timedelta(days=cache_ttl_days)
        self._now = now

    def __repr__(self) -> str:
        return f"DataForSEOVolumeProvider(base_url={self.client.base_url!r})"

    # ----------------------------------------------------------------- helpers
    def _locale(self, project_id: Any, conn: Connection | None = None) -> tuple[str, str]:
        """(location_name, language_name) of the project; United States / English by default."""
        if project_id is None:
            return DEFAULT_LOCATION, DEFAULT_LANGUAGE
        query = select(Project.location_name, Project.language_name).where(Project.id == project_id)
        if conn is None:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        else:
            row = conn.execute(query).first()
        if row is None:
            return DEFAULT_LOCATION, DEFAULT_LANGUAGE
        return row[0] or DEFAULT_LOCATION, row[1] or DEFAULT_LANGUAGE

    def _cached(
        self, conn: Connection, project_id: Any, keywords: list[str]
    ) -> dict[str, KeywordData]:
        """Keywords of the project fetched from DataForSEO within the TTL (indexed queries)."""
        if project_id is None or not keywords:
            return {}
        return lookup_metrics(
            conn, project_id, keywords, source=PROVIDER, fetched_after=self._now() - self.cache_ttl
        )

    def _store(self, project_id: Any, data: dict[str, KeywordData]) -> None:
        """Upsert fetched metrics into ``KeywordMetric`` (volume fields, source, fetched_at).

        Keyword difficulty, intent, SERP features and status of an existing row are kept.
        A failed write is logged and ignored: the data is already paid for and returned.
        """
        if project_id is None or not data:
            return
        now = self._now()
        pid = as_uuid(project_id)
        records = [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "keyword": kw,
                "search_volume": d.search_volume,
                "cpc": d.cpc,
                "competition": d.competition,
                "competition_level": d.competition_level,
                "source": PROVIDER,
                "status": "qualified",
                "fetched_at": now,
            }
            for kw, d in data.items()
        ]
        table = KeywordMetric.__table__
        try:
            with self.engine.begin() as conn:
                dialect = conn.dialect.name
                if dialect == "postgresql":
                    insert: Any = postgresql.insert(table)
                elif dialect == "sqlite":
                    insert = sqlite.insert(table)
                else:  # pragma: no cover - the app runs on SQLite or PostgreSQL
                    raise NotImplementedError(dialect)
                new = insert.excluded
                statement = insert.on_conflict_do_update(
                    index_elements=[table.c.project_id, table.c.keyword],
                    set_={
                        "search_volume": new.search_volume,
                        "cpc": new.cpc,
                        "competition": new.competition,
                        "competition_level": new.competition_level,
                        "source": new.source,
                        "fetched_at": new.fetched_at,
                    },
                )
                for start in range(0, len(records), 500):
                    conn.execute(statement, records[start : start + 500])
        except SQLAlchemyError:
            log.exception("could not cache %d DataForSEO keywords", len(records))

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
        with self.engine.connect() as conn:
            data = self._cached(conn, project_id, [sendable[s] for s in sendable])
            missing = [s for s, kw in sendable.items() if kw not in data]
            location, language = self._locale(project_id, conn) if missing else ("", "")
        usage: list[Usage] = []
        notes: dict[str, str] = {}
        fetched: dict[str, KeywordData] = {}
        if missing:
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


def _parse_search_volume(
    result: list[Any], notes: dict[str, str] | None = None
) -> dict[str, KeywordData]:
    """search_volume/live result items → sent keyword → metrics (tolerant of missing keys).

    Values are range-checked (:func:`_volume`, :func:`_cpc`); out-of-range volumes become
    None with a note in ``notes``.
    """
    notes = {} if notes is None else notes
    out: dict[str, KeywordData] = {}
    for item in result:
        if not isinstance(item, dict) or not item.get("keyword"):
            continue
        kw = _sendable(str(item["keyword"]))
        index = _number(item.get("competition_index"))
        level = item.get("competition")
        out[kw] = KeywordData(
            keyword=kw,
            search_volume=_volume(item.get("search_volume"), kw, notes),
            cpc=_cpc(item.get("cpc")),
            competition=None if index is None else _unit(index / 100.0),
            competition_level=level.upper() if isinstance(level, str) else None,
            source=PROVIDER,
        )
    return out


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _labs_keyword(row: Any, notes: dict[str, str] | None = None) -> KeywordData | None:
    """One Labs ``KeywordDataInfo`` → ``KeywordData`` (None when it has no keyword)."""
    if not isinstance(row, dict) or not row.get("keyword"):
        return None
    info = _object(row.get("keyword_info"))
    props = _object(row.get("keyword_properties"))
    intent = _object(row.get("search_intent_info"))
    level = info.get("competition_level")
    keyword = normalize_keyword(str(row["keyword"]))
    return KeywordData(
        keyword=keyword,
        search_volume=_volume(info.get("search_volume"), keyword, {} if notes is None else notes),
        cpc=_cpc(info.get("cpc")),
        competition=_unit(info.get("competition")),
        competition_level=level.upper() if isinstance(level, str) else None,
        keyword_difficulty=_percent(props.get("keyword_difficulty")),
        intent=intent.get("main_intent"),
        source=PROVIDER,
    )
