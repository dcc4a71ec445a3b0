"""The one retry layer of every provider client: a total deadline per stage, capped Retry-After.

Each live adapter (Claude, OpenAI-compatible, DataForSEO) turns off its library's own retries
(SDK ``max_retries=0``, no ``urllib3.Retry``) and runs every request through
:func:`call_with_retries`, so a request is retried at one place only and no retry can outlast
the stage's deadline:

* a :class:`Deadline` of :data:`DEFAULT_STAGE_DEADLINE_S` (setting
  ``PROVIDER_STAGE_DEADLINE_S``) is started once per stage (a Stage 1 call and its repair share
  it); each attempt gets ``min(request timeout, time left)`` as its timeout;
* :class:`~services.core.errors.ProviderUnavailableError` (timeouts, connection errors, 5xx,
  529) and :class:`~services.core.errors.RateLimitedError` are retried with exponential
  back-off; a ``Retry-After`` is honoured up to :data:`RETRY_AFTER_CAP_S`; a longer one, or one
  that does not fit the time left, ends the stage with "rate limited, try again at HH:MM";
* other errors (bad requests, answers we cannot use) are not retried.

Retry engine: tenacity (``Retrying`` with our stop/wait/retry callables).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception

from services.core.errors import ProviderError, ProviderUnavailableError, RateLimitedError

T = TypeVar("T")

#: Total seconds one stage (all its requests, retries and waits) may take (design D6: 30 s).
DEFAULT_STAGE_DEADLINE_S = 30.0
#: Longest ``Retry-After`` we wait out (seconds); a longer one ends the stage.
RETRY_AFTER_CAP_S = 20.0
#: Attempts per request (first + retries), as the SDKs' default of 2 retries.
DEFAULT_MAX_ATTEMPTS = 3
#: First back-off (seconds), doubled each retry, at most :data:`MAX_BACKOFF_S`.
BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
#: An attempt that would start with less time left than this is not made (seconds).
MIN_ATTEMPT_S = 0.5
SETTING_KEY = "PROVIDER_STAGE_DEADLINE_S"


class Deadline:
    """A point in time a stage must finish by (monotonic clock).

    Parameters
    ----------
    seconds : float
        Time allowed from now.
    clock : callable
        ``time.monotonic`` (tests pass a fake).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = float(seconds)
        self._clock = clock
        self.expires = clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.expires - self._clock())

    def timeout(self, per_request_s: float) -> float:
        """Timeout of the next attempt: ``min(per_request_s, remaining())``, at least 0.05 s."""
        return max(0.05, min(float(per_request_s), self.remaining()))


def stage_deadline_s(settings: Any = None) -> float:
    """The per-stage deadline in seconds: setting ``PROVIDER_STAGE_DEADLINE_S`` or 30.

    Parameters
    ----------
    settings : services.core.config.Settings, optional
        Default: :func:`services.core.config.get_settings`.
    """
    if settings is None:
        from services.core.config import get_settings

        settings = get_settings()
    raw = settings.get(SETTING_KEY)
    try:
        value = float(raw) if raw else DEFAULT_STAGE_DEADLINE_S
    except ValueError:
        return DEFAULT_STAGE_DEADLINE_S
    return value if value > 0 else DEFAULT_STAGE_DEADLINE_S


def parse_retry_after(
    headers: Mapping[str, str] | None, now: datetime | None = None
) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date).

    Returns
    -------
    float or None
        None when the headers say nothing usable.
    """
    if not headers:
        return None
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def rate_limited(
    who: str,
    retry_after_s: float | None,
    *,
    provider: str,
    status_code: int | None = None,
    request_id: str | None = None,
    usage: list | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> RateLimitedError:
    """A :class:`RateLimitedError` whose message says when to try again (UTC HH:MM).

    Parameters
    ----------
    who : str
        Subject of the message, e.g. "Claude".
    retry_after_s : float or None
        The provider's ``Retry-After`` (seconds); None → one minute.
    detail : str
        The provider's own words, shown in brackets.
    """
    wait = retry_after_s if retry_after_s is not None else 60.0
    at = (now or datetime.now(UTC)) + timedelta(seconds=wait)
    rid = f" (request id {request_id})" if request_id else ""
    said = f" ({detail})" if detail else ""
    return RateLimitedError(
        f"{who} rate limited{said}, try again at {try_again_at(wait, now)} UTC{rid}",
        provider=provider,
        status_code=status_code,
        request_id=request_id,
        usage=usage,
        retry_after_s=retry_after_s,
        retry_at=at,
    )


def status_error(
    label: str,
    status: int,
    kind: str,
    message: str,
    request_id: str | None,
    headers: Mapping[str, str],
    *,
    provider: str,
    retryable: frozenset[int],
) -> ProviderError:
    """The typed error of an HTTP error answer from an LLM API.

    Parameters
    ----------
    label : str
        Who answered, for the message ("Claude", "The model server").
    status : int
        HTTP status.
    kind, message : str
        The API's error type and message (message already cut to a readable length).
    request_id : str or None
        The API's request id, shown in the message and kept on the error.
    headers : mapping
        Response headers (Retry-After on a 429).
    retryable : frozenset of int
        Statuses that mean "try again" (:class:`ProviderUnavailableError`).

    Returns
    -------
    ProviderError
        :class:`RateLimitedError` for 429 (see :func:`rate_limited`),
        :class:`ProviderUnavailableError` for a retryable status, else ``ProviderError``.
    """
    if status == 429:
        return rate_limited(
            label,
            parse_retry_after(headers),
            provider=provider,
            status_code=status,
            request_id=request_id,
            detail=f"{status} {kind}: {message}",
        )
    rid = f" (request id {request_id})" if request_id else ""
    cls = ProviderUnavailableError if status in retryable else ProviderError
    return cls(
        f"{label} API error {status} {kind}: {message}{rid}",
        provider=provider,
        status_code=status,
        request_id=request_id,
    )


def try_again_at(retry_after_s: float | None, now: datetime | None = None) -> str:
    """ "HH:MM" (UTC) after ``retry_after_s`` (None → 60 s), rounded up to the minute."""
    wait = retry_after_s if retry_after_s is not None else 60.0
    at = (now or datetime.now(UTC)) + timedelta(seconds=wait)
    return f"{(at + timedelta(seconds=59)).replace(second=0, microsecond=0):%H:%M}"


def _backoff(attempt: int, base_s: float = BACKOFF_S) -> float:
    return float(min(MAX_BACKOFF_S, base_s * (2 ** max(0, attempt - 1))))


def _retrying(
    *,
    deadline: Deadline,
    max_attempts: int,
    sleep: Callable[[float], None],
    on_failure: Callable[[ProviderError], None] | None,
    backoff_s: float,
) -> Retrying:
    """The tenacity policy of :func:`call_with_retries`: waits honour ``Retry-After``, stop at
    ``max_attempts`` or when the deadline leaves no useful attempt, retry only what may work."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after_s is not None:
            return float(exc.retry_after_s)
        return _backoff(state.attempt_number, backoff_s)

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= max_attempts:
            return True
        least = min(MIN_ATTEMPT_S, deadline.seconds / 10)
        return deadline.remaining() - (state.upcoming_sleep or 0.0) < least

    def retryable(exc: BaseException) -> bool:
        if on_failure is not None and isinstance(exc, ProviderError):
            on_failure(exc)
        if isinstance(exc, ProviderError) and exc.retryable is not None:
            return exc.retryable
        if isinstance(exc, RateLimitedError):
            return exc.retry_after_s is None or exc.retry_after_s <= RETRY_AFTER_CAP_S
        return isinstance(exc, ProviderUnavailableError)

    def give_up(state: RetryCallState) -> Any:
        exc = state.outcome.exception() if state.outcome else None
        assert exc is not None
        raise exc

    return Retrying(
        stop=stop,
        wait=wait,
        retry=retry_if_exception(retryable),
        sleep=sleep,
        retry_error_callback=give_up,
        reraise=True,
    )


def call_with_retries(
    attempt: Callable[[float], T],
    *,
    deadline: Deadline,
    per_request_s: float,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    on_failure: Callable[[ProviderError], None] | None = None,
    backoff_s: float = BACKOFF_S,
) -> T:
    """Run ``attempt(timeout_s)`` until it succeeds, a non-retryable error, or the deadline.

    Parameters
    ----------
    attempt : callable
        One request with the given timeout (seconds); raises typed
        :class:`~services.core.errors.ProviderError` subclasses.
    deadline : Deadline
        The stage's deadline; shared by every request of the stage.
    per_request_s : float
        A single request's timeout when time is plentiful (seconds).
    max_attempts : int
        First attempt plus retries.
    sleep : callable
        ``time.sleep`` (tests record waits).
    on_failure : callable, optional
        Called with each failed attempt's error (e.g. to collect billed ``usage``).
    backoff_s : float
        First back-off (seconds) when no ``Retry-After`` was given; doubles each retry.

    Returns
    -------
    The value of the first successful attempt.

    Raises
    ------
    RateLimitedError
        Rate limited and the ``Retry-After`` is above :data:`RETRY_AFTER_CAP_S` or does not
        fit the time left; the message says when to try again.
    ProviderError
        The last attempt's error (typed), when it is not retryable or time is up.
    """

    retrying = _retrying(
        deadline=deadline,
        max_attempts=max_attempts,
        sleep=sleep,
        on_failure=on_failure,
        backoff_s=backoff_s,
    )
    try:
        result: T = retrying(lambda: attempt(deadline.timeout(per_request_s)))
    except RateLimitedError as exc:
        if "try again at" in str(exc):
            raise
        give_up_exc = RateLimitedError(
            f"{exc}; try again at {try_again_at(exc.retry_after_s)} UTC",
            provider=exc.provider,
            status_code=exc.status_code,
            request_id=exc.request_id,
            usage=exc.usage,
            retry_after_s=exc.retry_after_s,
        )
        raise give_up_exc from exc
    return result
