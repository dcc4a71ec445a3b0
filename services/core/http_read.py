"""Reading an HTTP answer (headers and body) under a wall-clock deadline and a byte cap.

``requests`` timeouts bound the wait for *each* socket read, not the whole download: a server
that sends ``Content-Length: 100000`` and then one byte every 2 s never trips a 15 s read
timeout. :func:`read_body` reads a streamed ``requests`` response in small pieces with
urllib3's ``read1`` (one socket read each, so a piece never waits for a full buffer), sets the
socket's timeout to the time left before every read, and checks a monotonic deadline between
reads: a download ends at ``deadline`` (plus one scheduling tick), whatever the server does.

The response *headers* are read inside ``session.get(..., stream=True)``, before
:func:`read_body` runs, and ``http.client`` accepts up to 100 header lines: a server sending one
line every 2 s (under the read timeout) would hold a request for up to 100 × the read timeout.
:func:`header_deadline` closes that gap for sessions mounted with :class:`DeadlineAdapter`: its
connections arm a watchdog (a ``threading.Timer``) for the time left while ``getresponse``
waits for the status line and headers; when the deadline (plus :data:`WATCHDOG_GRACE_S`)
passes first, the watchdog shuts the socket down (``shutdown(SHUT_RDWR)`` wakes the blocked
``recv``) and the request raises :class:`DeadlineExceeded`. The exception escapes urllib3's
retry loop; a retry whose back-off ran past the deadline gets :data:`WATCHDOG_GRACE_S` for its
headers. Bound: the header phase ends by ``deadline`` + :data:`WATCHDOG_GRACE_S` (0.25 s) plus
one scheduling tick; the watchdog thread is cancelled and joined before ``getresponse``
returns, so no thread outlives a request. Not covered: the back-off or ``Retry-After`` sleeps themselves (urllib3
retries), and proxied connections (the proxy pool manager uses urllib3's own connections).

Used by the crawl fetcher (pages, sitemaps, robots.txt, competitor pages) and the WordPress
client, which also reads JSON tolerantly (:func:`parse_json`, :class:`Answer`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError, ReadTimeoutError

#: Bytes asked for per read (one socket read returns at most this).
CHUNK_BYTES = 16 * 1024
#: Shortest socket timeout set before a read, seconds (a zero timeout would mean non-blocking).
MIN_SOCKET_TIMEOUT_S = 0.05
#: Seconds past the deadline before the header watchdog shuts a socket down: a server silent
#: until the deadline trips the socket's read timeout first (an ordinary timeout), so the
#: watchdog only ends answers that keep trickling.
WATCHDOG_GRACE_S = 0.25


class DeadlineExceeded(requests.Timeout):
    """The whole download took longer than its deadline (a ``requests.Timeout``)."""


def request_timeout(deadline: float, timeout_s: float) -> tuple[float, float]:
    """``(connect, read)`` timeouts for ``requests``: ``timeout_s`` each, at most the time left.

    Parameters
    ----------
    deadline : float
        ``time.monotonic()`` value at which the whole exchange must end.
    timeout_s : float
        Per-operation timeout, seconds.

    Raises
    ------
    DeadlineExceeded
        No time is left.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("no time left for this request")
    bound = max(MIN_SOCKET_TIMEOUT_S, min(timeout_s, left))
    return bound, bound


#: ``time.monotonic()`` deadline of the request in progress in this thread (None: no watchdog).
_HEADER_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "header_deadline", default=None
)


class _HeadersTooSlow(Exception):  # noqa: N818 - internal signal, not an error shown
    """The deadline passed before the headers were complete.

    Deliberately not an ``OSError`` (as every ``requests`` exception is): urllib3 would retry
    it; :func:`header_deadline` turns it into :class:`DeadlineExceeded`.
    """


def _shut_down(sock: socket.socket, fired: threading.Event) -> None:
    fired.set()
    # socket.socket's own shutdown: ssl.SSLSocket.shutdown would also drop its SSL state under
    # the reading thread's feet. OSError: already closed.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _guarded_getresponse(conn: Any, getresponse: Any) -> Any:
    """``getresponse()`` under the watchdog of :data:`_HEADER_DEADLINE` (module docstring)."""
    deadline = _HEADER_DEADLINE.get()
    sock = getattr(conn, "sock", None)
    if deadline is None or not isinstance(sock, socket.socket):
        return getresponse()
    # max(0, …): a urllib3 retry whose back-off ran past the deadline gets only the grace.
    left = max(0.0, deadline - time.monotonic())
    fired = threading.Event()
    timer = threading.Timer(left + WATCHDOG_GRACE_S, _shut_down, (sock, fired))
    timer.daemon = True
    timer.start()
    try:
        response = getresponse()
    except Exception:
        timer.cancel()
        timer.join()
        if fired.is_set():
            raise _HeadersTooSlow from None
        raise
    timer.cancel()
    timer.join()
    if fired.is_set():  # headers ended just as the socket was shut down: no body to read
        response.close()
        raise _HeadersTooSlow
    return response


class _GuardedHTTPConnection(HTTPConnection):
    def getresponse(self) -> Any:
        return _guarded_getresponse(self, super().getresponse)


class _GuardedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        return _guarded_getresponse(self, super().getresponse)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """``requests`` adapter whose connections honour :func:`header_deadline` while reading
    the status line and headers (same options as ``HTTPAdapter``)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


@contextlib.contextmanager
def header_deadline(deadline: float) -> Iterator[None]:
    """Bound the header phase of requests made in this block by ``deadline``.

    Parameters
    ----------
    deadline : float
        ``time.monotonic()`` value, seconds, by which the status line and headers must have
        arrived (sessions mounted with :class:`DeadlineAdapter`; others are unaffected).

    Raises
    ------
    DeadlineExceeded
        The deadline passed before the headers were complete (the socket was shut down).
    """
    token = _HEADER_DEADLINE.set(deadline)
    try:
        yield
    except _HeadersTooSlow as exc:
        raise DeadlineExceeded("no complete answer headers before the deadline") from exc
    finally:
        _HEADER_DEADLINE.reset(token)


def _socket_of(resp: requests.Response) -> socket.socket | None:
    connection = getattr(resp.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def read_body(
    resp: requests.Response,
    *,
    deadline: float,
    max_bytes: int,
    read_timeout_s: float,
    first: bytes = b"",
) -> tuple[bytes, bool]:
    """The body of a ``stream=True`` response, at most ``max_bytes``, read before ``deadline``.

    Parameters
    ----------
    resp : requests.Response
        Opened with ``stream=True`` (body not read yet, except ``first``).
    deadline : float
        ``time.monotonic()`` value the download must end by.
    max_bytes : int
        Bytes kept; reading stops after one piece past it.
    read_timeout_s : float
        Longest wait for one socket read (also bounded by the time left), seconds.
    first : bytes
        Bytes the caller already read from the response (content sniffing).

    Returns
    -------
    (bytes, bool)
        The body (decoded per Content-Encoding, at most ``max_bytes``) and whether it was cut.

    Raises
    ------
    DeadlineExceeded
        The deadline passed before the body ended (a ``requests.Timeout``).
    requests.ConnectionError
        The connection broke mid-body.
    """
    buf = bytearray(first)
    sock = _socket_of(resp)
    while len(buf) <= max_bytes:
        piece = read_piece(resp, deadline=deadline, read_timeout_s=read_timeout_s, sock=sock)
        if not piece:
            break
        buf += piece
    truncated = len(buf) > max_bytes
    return bytes(buf[:max_bytes]), truncated


def read_piece(
    resp: requests.Response,
    *,
    deadline: float,
    read_timeout_s: float,
    sock: Any = None,
) -> bytes:
    """One socket read of at most :data:`CHUNK_BYTES` (``b""`` at the end of the body).

    Raises
    ------
    DeadlineExceeded
        The deadline passed before or during the read.
    requests.ConnectionError
        The connection broke.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the download did not finish in time")
    sock = sock if sock is not None else _socket_of(resp)
    if sock is not None:
        sock.settimeout(max(MIN_SOCKET_TIMEOUT_S, min(read_timeout_s, left)))
    try:
        return bytes(resp.raw.read1(CHUNK_BYTES, decode_content=True) or b"")
    except (ReadTimeoutError, TimeoutError) as exc:
        if time.monotonic() >= deadline:
            raise DeadlineExceeded("the download did not finish in time") from exc
        raise requests.Timeout(f"no data for {read_timeout_s:g} s") from exc
    except (ProtocolError, OSError) as exc:
        raise requests.ConnectionError(f"connection broken: {type(exc).__name__}") from exc


_NO_JSON = object()


def parse_json(text: str) -> Any:
    """The JSON value in ``text``, tolerating junk before it (a PHP warning or notice printed
    ahead of a REST answer); :data:`NO_JSON` when there is none."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            return decoder.raw_decode(text, match.start())[0]
        except ValueError:
            continue
    return NO_JSON


#: What :func:`parse_json` returns for a text without JSON.
NO_JSON: Any = _NO_JSON


@dataclass
class Answer:
    """An HTTP answer read under a deadline: status, lowercase headers, body text."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def data(self) -> Any:
        """The JSON body (tolerant, :func:`parse_json`), or None when there is none."""
        value = parse_json(self.text)
        return None if value is NO_JSON else value

    def has_json(self) -> bool:
        """True when the body holds a JSON value."""
        return parse_json(self.text) is not NO_JSON
