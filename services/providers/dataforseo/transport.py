"""DataForSEO v3 transport: one POST per task with auth, one retry layer, envelope checks,
40202 back-off and a circuit breaker; every failure a typed provider error.

See :mod:`services.providers.dataforseo.client` for why ``requests`` and not the generated
SDK. ``requests`` and ``pybreaker`` load when the first client is built.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from services.core.errors import (
    BadResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from services.providers import meter
from services.providers.base import Usage
from services.providers.dataforseo.parsing import _cost
from services.providers.pricing import DATAFORSEO_REQUEST_USD, dataforseo_estimate_usd
from services.providers.retry import (
    Deadline,
    call_with_retries,
    parse_retry_after,
    stage_deadline_s,
)

if TYPE_CHECKING:
    import pybreaker

log = logging.getLogger(__name__)

PROVIDER = "dataforseo"
DEFAULT_BASE_URL = "https://api.dataforseo.com"
#: (connect, read) seconds; Google Ads live answers in ~7 s (primary-keywords design).
DEFAULT_TIMEOUT_S: tuple[float, float] = (5.0, 30.0)
#: Retries after connect errors and HTTP 500/502/503/504 (our one retry layer).
DEFAULT_HTTP_RETRIES = 2
#: Retries after a 40202 "rate-limit per minute exceeded"; waits 3 s, then 6 s.
DEFAULT_RATE_LIMIT_RETRIES = 2
DEFAULT_RATE_LIMIT_BACKOFF_S = 3.0
#: Consecutive service failures that open the breaker, and how long it stays open (s).
BREAKER_FAIL_MAX = 5
BREAKER_RESET_S = 60.0

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
    import pybreaker  # loads with the first client, not at import

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
        import requests  # loads with the first client, not at import

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
            Path below ``/v3/``, e.g. :data:`services.providers.pricing.SEARCH_VOLUME_LIVE`.
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
        import pybreaker

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
                self._note_failure(exc, billed, failures)
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
        return _with_billed_retries(response, billed)

    def _note_failure(
        self, exc: ProviderError, billed: list[Usage], failures: dict[str, int]
    ) -> None:
        """Meter and keep a failed attempt's billed usage; decide whether it may be retried
        (40202: back off 3 s, then 6 s — DataForSEO counts per minute)."""
        meter.after_call(sum(u.cost_usd for u in exc.usage))
        billed.extend(exc.usage)
        exc.usage = []
        kind = "rate" if isinstance(exc, RateLimitedError) else "http"
        failures[kind] += 1
        if isinstance(exc, RateLimitedError) and exc.retry_after_s is None:
            exc.retry_after_s = self.rate_limit_backoff_s * 2 ** (failures["rate"] - 1)
        allowed = self.rate_limit_retries if kind == "rate" else self.http_retries
        if failures[kind] > allowed and exc.retryable is None:
            exc.retryable = False

    def _post_once(
        self, endpoint: str, task: dict[str, Any], items: int, timeout: float
    ) -> TaskResponse:
        import requests

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
        _check_http(resp.status_code, resp.headers)
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


def _with_billed_retries(response: TaskResponse, billed: list[Usage]) -> TaskResponse:
    """The response with the billed failed attempts added to its usage (requests, cost USD)."""
    if billed:
        first = response.usage
        response.usage = replace(
            first,
            requests=first.requests + len(billed),
            cost_usd=round(first.cost_usd + sum(u.cost_usd for u in billed), 8),
            metadata={**first.metadata, "billed_retries": len(billed)},
        )
    return response


def _check_http(status: int, headers: Any) -> None:
    """Raise the typed error of a non-200 HTTP answer (401, 402, 429, 5xx, other)."""
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
            retry_after_s=parse_retry_after(headers),
        )
    if status >= 500:
        raise _error(ProviderUnavailableError, f"server error (HTTP {status})", status=status)
    if status != 200:
        raise _error(ProviderError, f"unexpected HTTP {status}", status=status)


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
