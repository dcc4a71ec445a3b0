"""Polite HTTP fetching: requests + urllib3 ``Retry``, per-host rate limit, bounded bodies.

Politeness defaults (issue 9 §1): one request per second per host (robots.txt ``Crawl-delay`` /
``Request-rate`` may ask for more), at most 4 requests in flight, 15 s timeout, a clear
User-Agent, only ``text/html`` bodies read, bodies over 5 MB truncated. Redirects are followed
by hand (at most :data:`MAX_REDIRECTS`) so that every hop is recorded, checked against the
site (same host, www/non-www and http→https allowed) and against robots.txt, and loops are
detected. ``rate_limit=False`` lifts the per-host delay: a test-only switch for local servers
(never offered in the app's form or the CLI).

Retries (urllib3 ``Retry``): connection errors and 429 / 502 / 503 / 504 answers, twice (a read
timeout is not retried: the server is already struggling), with
exponential back-off (0.5 s, 1 s) and ``Retry-After`` honoured up to :data:`MAX_RETRY_AFTER_S`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from services.core.http_read import (
    DeadlineAdapter,
    DeadlineExceeded,
    header_deadline,
    read_body,
    read_piece,
    request_timeout,
)
from services.site.crawl.sniff import looks_binary, trusted_charset
from services.site.crawl.urls import host_key, resolve_link

USER_AGENT = "ClusterPlanner/1.0 (+site)"
#: Seconds to connect and between two bytes of an answer; also the whole download's deadline
#: (enforced while the headers and the body stream, see :mod:`services.core.http_read`).
DEFAULT_TIMEOUT_S = 15.0
#: Bytes of a page body kept; the rest is dropped and the page marked truncated.
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: Bytes of a sitemap file (the sitemaps.org limit is 50 MB uncompressed).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
#: Seconds between two requests to one host unless robots.txt asks for more.
DEFAULT_DELAY_S = 1.0
#: Requests in flight at once, all hosts together.
MAX_IN_FLIGHT = 4
MAX_REDIRECTS = 5
#: Longest ``Retry-After`` we wait for, seconds.
MAX_RETRY_AFTER_S = 30.0
HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)

# Skip reasons (shown to the user next to the URL).
NOT_HTML = "not HTML"
REDIRECT_LOOP = "redirect loop"
TOO_MANY_REDIRECTS = "too many redirects"
TIMEOUT = "timeout"
TIME_LIMIT = "crawl time limit reached"
CONNECTION_ERROR = "connection error"


class _CappedRetry(Retry):
    """urllib3 ``Retry`` whose ``Retry-After`` wait is capped at :data:`MAX_RETRY_AFTER_S`."""

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(after, MAX_RETRY_AFTER_S)


def default_retry() -> Retry:
    """Retry policy of the crawl session (see module docstring)."""
    return _CappedRetry(
        total=2,
        connect=2,
        read=0,  # a page that timed out once is not asked again (politeness)
        status=2,
        redirect=0,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        backoff_factor=0.5,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


@dataclass
class FetchResult:
    """The outcome of one GET (redirects followed).

    Attributes
    ----------
    url : str
        The URL asked for.
    final_url : str
        The URL that answered last (``url`` when there was no redirect).
    status : int or None
        Final HTTP status; None when no answer came (timeout, connection error) or a redirect
        was refused.
    content_type : str
        Media type without parameters (``text/html``).
    body : bytes
        The body when it was read (2xx and an accepted type), at most ``max_bytes``.
    encoding : str or None
        Charset from the header or a ``<meta charset>``.
    headers : dict
        Final answer's headers, lowercase names.
    redirects : list of (str, int)
        Every hop before ``final_url``: (URL, status).
    truncated : bool
        The body was longer than ``max_bytes``.
    skip_reason : str or None
        Why the URL yields no page (``"not HTML (application/pdf)"``, ``"redirect loop"``,
        ``"timeout"``, a refusal by ``allow``…); None when fetched.
    seconds : float
        Wall time of the request(s), rate-limit waits excluded.
    """

    url: str
    final_url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    encoding: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    redirects: list[tuple[str, int]] = field(default_factory=list)
    truncated: bool = False
    skip_reason: str | None = None
    seconds: float = 0.0

    def text(self) -> str:
        """The body decoded: the declared charset when it is a trusted one
        (:func:`trusted_charset`; never UTF-7), else UTF-8; undecodable bytes replaced."""
        return self.body.decode(trusted_charset(self.encoding) or "utf-8", errors="replace")


#: ``allow(url) -> None`` to follow a redirect to ``url``, or a skip reason to refuse it.
AllowFn = Callable[[str], str | None]


class Fetcher:
    """Thread-safe polite HTTP client of one crawl.

    Parameters
    ----------
    rate_limit : bool
        False lifts the per-host delay (tests and benches on 127.0.0.1 only).
    default_delay_s : float
        Seconds between two requests to one host (:data:`DEFAULT_DELAY_S`).
    timeout_s : float
        Connect/read timeout and download budget per request, seconds.
    max_in_flight : int
        Concurrent requests (:data:`MAX_IN_FLIGHT`).
    user_agent : str
        Sent with every request.
    session : requests.Session, optional
        Default: a session with :func:`default_retry` mounted on a
        :class:`~services.core.http_read.DeadlineAdapter` (the deadline also bounds the wait
        for the headers).
    """

    def __init__(
        self,
        *,
        rate_limit: bool = True,
        default_delay_s: float = DEFAULT_DELAY_S,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_in_flight: int = MAX_IN_FLIGHT,
        user_agent: str = USER_AGENT,
        session: requests.Session | None = None,
    ) -> None:
        self.rate_limit = rate_limit
        self.default_delay_s = default_delay_s
        self.timeout_s = timeout_s
        self.max_in_flight = max_in_flight
        self.user_agent = user_agent
        if session is None:
            session = requests.Session()
            adapter = DeadlineAdapter(
                max_retries=default_retry(), pool_connections=4, pool_maxsize=max_in_flight
            )
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        self.session = session
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._lock = threading.Lock()
        self._delays: dict[str, float] = {}
        self._next_at: dict[str, float] = {}
        self.requests_made = 0
        #: ``time.monotonic()`` value after which no request starts and none runs on (the
        #: crawl's time limit); None = no overall limit.
        self.stop_at: float | None = None

    # ------------------------------------------------------------------ politeness
    def set_delay(self, host: str, seconds: float | None) -> None:
        """Seconds between requests to ``host`` (a :func:`host_key`), e.g. from robots.txt;
        never below :attr:`default_delay_s`."""
        with self._lock:
            self._delays[host] = max(self.default_delay_s, float(seconds or 0.0))

    def delay_for(self, host: str) -> float:
        """Seconds between two requests to ``host`` (0 when the rate limit is lifted)."""
        if not self.rate_limit:
            return 0.0
        with self._lock:
            return self._delays.get(host, self.default_delay_s)

    def _wait_turn(self, url: str) -> None:
        delay = self.delay_for(host_key(url))
        if delay <= 0:
            return
        host = host_key(url)
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_at.get(host, now))
            self._next_at[host] = slot + delay
        if slot > now:
            time.sleep(slot - now)

    # ------------------------------------------------------------------ fetching
    def get(
        self,
        url: str,
        *,
        html_only: bool = True,
        max_bytes: int = MAX_PAGE_BYTES,
        allow: AllowFn | None = None,
    ) -> FetchResult:
        """GET ``url``, following redirects by hand.

        Parameters
        ----------
        url : str
            Absolute http(s) URL.
        html_only : bool
            Read the body only when it is ``text/html`` (else ``skip_reason`` "not HTML (…)").
        max_bytes : int
            Body bytes kept (:data:`MAX_PAGE_BYTES`); more sets ``truncated``.
        allow : callable, optional
            Checks each redirect target (same site, robots.txt); a returned reason stops.

        Returns
        -------
        FetchResult
            Never raises for HTTP or network failures: they are in ``status``/``skip_reason``.
        """
        started = time.perf_counter()
        result = FetchResult(url=url, final_url=url)
        seen = {url}  # exact URLs: /a/ → /a is a redirect, not a loop
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            self._wait_turn(current)
            try:
                with self._slots:
                    self.requests_made += 1
                    self._request(current, result, html_only=html_only, max_bytes=max_bytes)
            except requests.RequestException as exc:
                result.status = None
                result.body = b""
                result.skip_reason = self._failure_reason(exc)
                break
            result.final_url = current
            location = result.headers.get("location")
            if result.status is None or not (300 <= result.status < 400) or not location:
                break
            target = resolve_link(location, current)
            result.redirects.append((current, result.status))
            if target is None:
                result.skip_reason = f"redirect to an unusable location ({location[:200]})"
                break
            if target in seen:
                result.skip_reason = REDIRECT_LOOP
                break
            seen.add(target)
            refusal = allow(target) if allow else None
            if refusal:
                result.final_url = target
                result.skip_reason = refusal
                break
            current = target
        else:
            result.skip_reason = TOO_MANY_REDIRECTS
        if result.skip_reason in (REDIRECT_LOOP, TOO_MANY_REDIRECTS):
            result.status = None
        result.seconds = time.perf_counter() - started
        return result

    def _deadline(self) -> float:
        """End of one request: :attr:`timeout_s` from now, at most the crawl's ``stop_at``."""
        deadline = time.monotonic() + self.timeout_s
        return deadline if self.stop_at is None else min(deadline, self.stop_at)

    def _request(self, url: str, result: FetchResult, *, html_only: bool, max_bytes: int) -> None:
        if self.stop_at is not None and time.monotonic() >= self.stop_at:
            raise DeadlineExceeded(TIME_LIMIT)
        deadline = self._deadline()
        headers = {"User-Agent": self.user_agent, "Accept": "text/html,application/xhtml+xml,*/*"}
        with (
            header_deadline(deadline),
            self.session.get(
                url,
                headers=headers,
                timeout=request_timeout(deadline, self.timeout_s),
                stream=True,
                allow_redirects=False,
            ) as resp,
        ):
            result.status = resp.status_code
            result.headers = {k.lower(): v for k, v in resp.headers.items()}
            ctype = result.headers.get("content-type", "")
            result.content_type = ctype.split(";", 1)[0].strip().lower()
            result.encoding = _header_charset(ctype)
            result.body, result.truncated, result.skip_reason = b"", False, None
            if not (200 <= resp.status_code < 300):
                return
            first = read_piece(resp, deadline=deadline, read_timeout_s=self.timeout_s)
            if html_only and result.content_type not in HTML_TYPES:
                if result.content_type or not _looks_like_html(first):
                    result.skip_reason = f"{NOT_HTML} ({result.content_type or 'unknown'})"
                    return
                result.content_type = "text/html"
            if html_only and first and looks_binary(first):
                result.skip_reason = f"{NOT_HTML} (binary content served as {result.content_type})"
                return
            result.body, result.truncated = read_body(
                resp,
                deadline=deadline,
                max_bytes=max_bytes,
                read_timeout_s=self.timeout_s,
                first=first,
            )
            if html_only and not result.body and result.content_type not in HTML_TYPES:
                result.skip_reason = f"{NOT_HTML} ({result.content_type or 'unknown'})"
            if result.encoding is None and result.content_type in HTML_TYPES:
                match = _CHARSET.search(result.body[:4096])
                result.encoding = match.group(1).decode("ascii", "ignore") if match else None

    def _failure_reason(self, exc: requests.RequestException) -> str:
        if self.stop_at is not None and time.monotonic() >= self.stop_at:
            return TIME_LIMIT
        if isinstance(exc, DeadlineExceeded):
            return f"{TIMEOUT} (no complete answer in {self.timeout_s:g} s)"
        if _is_timeout(exc):
            return TIMEOUT
        return f"{CONNECTION_ERROR}: {type(exc).__name__}"

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()


def fetch_page(
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = MAX_PAGE_BYTES,
    fetcher: Fetcher | None = None,
) -> FetchResult:
    """One GET outside a crawl (e.g. a competitor's page for a brief), with the crawl's
    guarantees: the whole download ends within ``timeout_s`` (enforced while streaming), at
    most ``max_bytes`` kept, redirects followed by hand (at most 5), HTML only (binary bodies
    refused), a trusted charset only (:meth:`FetchResult.text`).

    Parameters
    ----------
    url : str
        Absolute http(s) URL.
    timeout_s : float
        Wall-clock deadline of the whole exchange, seconds.
    max_bytes : int
        Body bytes kept.
    fetcher : Fetcher, optional
        A shared fetcher (one rate limit per host across calls); default a new one.

    Returns
    -------
    FetchResult
        Never raises for HTTP or network failures: see ``status`` and ``skip_reason``.
    """
    own = fetcher is None
    fetcher = fetcher or Fetcher(timeout_s=timeout_s, max_in_flight=1)
    try:
        return fetcher.get(url, max_bytes=max_bytes)
    finally:
        if own:
            fetcher.close()


def _is_timeout(exc: requests.RequestException) -> bool:
    """requests reports a read timeout after urllib3's retries as a ``ConnectionError``."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, TimeoutError | ReadTimeoutError) or "timed out" in str(exc)


def _header_charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _looks_like_html(chunk: bytes) -> bool:
    head = chunk[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
