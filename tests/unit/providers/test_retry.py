"""The one retry layer (services.providers.retry): deadline, capped Retry-After, typed give-up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.core.errors import (
    BadResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from services.providers.retry import (
    RETRY_AFTER_CAP_S,
    Deadline,
    call_with_retries,
    parse_retry_after,
    rate_limited,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def failing(*errors: Exception, result: str = "ok"):
    calls: list[float] = []

    def attempt(timeout: float) -> str:
        calls.append(timeout)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return attempt, calls


def test_retry_after_within_the_cap_is_waited_then_retried():
    clock = Clock()
    attempt, calls = failing(RateLimitedError("slow down", retry_after_s=5.0))
    out = call_with_retries(
        attempt, deadline=Deadline(30, clock), per_request_s=30, sleep=clock.sleep
    )
    assert out == "ok" and len(calls) == 2 and clock.now == 105.0
    assert calls[1] == pytest.approx(25.0)  # the second attempt only gets the time left


def test_retry_after_above_the_cap_fails_at_once_with_a_time():
    clock = Clock()
    attempt, calls = failing(RateLimitedError("slow down", provider="x", retry_after_s=120.0))
    with pytest.raises(RateLimitedError, match=r"try again at \d\d:\d\d UTC") as info:
        call_with_retries(
            attempt, deadline=Deadline(30, clock), per_request_s=30, sleep=clock.sleep
        )
    assert len(calls) == 1 and clock.now == 100.0 and info.value.retry_after_s == 120.0
    assert RETRY_AFTER_CAP_S == 20.0


def test_no_retry_outlasts_the_deadline():
    clock = Clock()
    errors = [ProviderUnavailableError("503")] * 10
    attempt, calls = failing(*errors)

    def slow_attempt(timeout: float) -> str:
        clock.now += timeout  # each attempt times out
        return attempt(timeout)

    with pytest.raises(ProviderUnavailableError):
        call_with_retries(
            slow_attempt,
            deadline=Deadline(30, clock),
            per_request_s=30,
            max_attempts=5,
            sleep=clock.sleep,
        )
    assert len(calls) == 1 and clock.now == pytest.approx(130.0)


def test_bad_responses_and_account_errors_are_not_retried():
    for exc in (BadResponseError("not JSON"), ProviderError("401")):
        attempt, calls = failing(exc)
        with pytest.raises(type(exc)):
            call_with_retries(
                attempt, deadline=Deadline(30), per_request_s=30, sleep=lambda s: None
            )
        assert len(calls) == 1


def test_a_veto_stops_retries_and_failures_are_reported():
    seen: list[ProviderError] = []
    attempt, calls = failing(ProviderUnavailableError("read timeout", retryable=False))
    with pytest.raises(ProviderUnavailableError):
        call_with_retries(
            attempt,
            deadline=Deadline(30),
            per_request_s=30,
            sleep=lambda s: None,
            on_failure=seen.append,
        )
    assert len(calls) == 1 and len(seen) == 1


def test_parse_retry_after_forms():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "Sat, 28 Nov 2026 12:01:00 GMT"}, now) == 60.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_rate_limited_message_rounds_up_to_the_minute():
    now = datetime(2026, 11, 28, 12, 0, 10, tzinfo=UTC)
    err = rate_limited("Claude", 120.0, provider="anthropic", request_id="req_1", now=now)
    assert str(err) == "Claude rate limited, try again at 12:03 UTC (request id req_1)"
    assert err.request_id == "req_1" and err.status_code is None
