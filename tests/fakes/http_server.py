"""A local HTTP server (127.0.0.1, a thread) that answers scripted replies and records requests.

Used by the provider tests, the live-funnel tests and ``bench/live_overhead.py`` so that the
real SDK clients (anthropic, openai, requests) talk HTTP to something that answers with the
published response shapes of ``shared/contracts`` — never to the network.

Example
-------
>>> with FakeServer() as server:
...     server.route("/v1/messages", Reply(body={...}), Reply(status=529, body={...}))
...     client = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)

Each route holds a queue of replies; the last one repeats. A reply can also be a callable
``handler(request) -> Reply`` (used for LLM servers that answer from the prompt).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer.

    Attributes
    ----------
    status : int
        HTTP status.
    body : Any
        dict/list → JSON; str/bytes → sent as is (e.g. malformed JSON).
    headers : dict
        Extra response headers (``retry-after-ms``, ``request-id``…).
    delay : float
        Seconds to wait before answering (timeouts, the overhead bench).
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    seconds: float = 0.0  # time the server spent answering (delay + handler)

    @property
    def json(self) -> Any:
        """The request body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


Handler = Callable[[Recorded], Reply]


class FakeServer:
    """Threaded HTTP/1.1 server on an ephemeral 127.0.0.1 port."""

    def __init__(self) -> None:
        self._routes: dict[str, list[Reply | Handler]] = {}
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus
            # the client's delayed ACK adds ~40 ms per response on loopback.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                return

            def _serve(self) -> None:
                started = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                rec = Recorded(
                    self.command, path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                with outer._lock:
                    outer.requests.append(rec)  # before answering: the client may return at once
                reply = outer._next(path, rec)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body
                if isinstance(payload, bytes):
                    data = payload
                elif isinstance(payload, str):
                    data = payload.encode()
                else:
                    data = json.dumps(payload).encode()
                rec.seconds = time.perf_counter() - started
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout test)
                    pass

            do_POST = _serve  # noqa: N815 - http.server naming
            do_GET = _serve  # noqa: N815

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # ----------------------------------------------------------------- scripting
    def route(self, path: str, *replies: Reply | Handler) -> FakeServer:
        """Answer ``path`` with ``replies`` in order; the last one repeats."""
        with self._lock:
            self._routes[path] = list(replies)
        return self

    def _next(self, path: str, rec: Recorded) -> Reply:
        with self._lock:
            queue = self._routes.get(path)
            if not queue:
                return Reply(status=404, body={"error": f"no route for {path}"})
            item = queue.pop(0) if len(queue) > 1 else queue[0]
        return item(rec) if callable(item) else item

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- inspection
    def requests_to(self, path: str) -> list[Recorded]:
        """Recorded requests whose path is ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    @property
    def server_seconds(self) -> float:
        """Total time spent answering (delays included), seconds."""
        with self._lock:
            return sum(r.seconds for r in self.requests)


def dead_url() -> str:
    """A 127.0.0.1 URL on which nothing listens (connection refused: a service that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
