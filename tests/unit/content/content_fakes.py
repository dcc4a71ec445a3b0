"""Scripted LLM answers for the content drafts, and a local WordPress REST server.

The LLM handlers answer the three content calls (CompetitorAnalysis, ArticleDraft /
CollectionDraft, SocialPosts) in the recorded Anthropic / OpenAI response shapes, with token
counts approximated from the request and answer sizes (⌈characters / 4⌉) like
``tests.fakes.llm``. The WordPress server answers the wp/v2 shapes of
``shared/contracts/wordpress`` and records every request (method, path, query, body).
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.contracts import anthropic_message, approx_tokens, load, openai_completion
from tests.fakes.http_server import Recorded, Reply

_URL = re.compile(r"promote the page .*? at (\S+?)\.\n", re.S)
_PRIMARY = re.compile(r'"primary_keyword":"([^"]*)"')


def content_answer(schema_name: str, prompt: str) -> dict[str, Any]:
    """A valid answer for one of the three content calls, built from the prompt."""
    primary_match = _PRIMARY.search(prompt)
    primary = primary_match.group(1) if primary_match else "the topic"
    if schema_name == "CompetitorAnalysis":
        return {
            "common_themes": [f"What {primary} are for", "How to choose"],
            "content_gaps": ["Sizing advice"],
            "recommended_word_count": 600,
            "key_headings": [f"Choosing {primary}", "Care"],
            "unique_angles": ["Written by the brand's own team"],
        }
    if schema_name in ("ArticleDraft", "CollectionDraft"):
        common = {
            "title": primary.title()[:60],
            "meta_description": f"Shop {primary}."[:155],
            "h1": primary.title(),
            "faq": [{"question": f"What are {primary}?", "answer": "A short answer."}],
        }
        if schema_name == "CollectionDraft":
            return {
                **common,
                "intro_html": f"<p>Our {primary}.</p>",
                "buying_guide_html": f"<h2>Choosing {primary}</h2><p>Guide text.</p>",
            }
        return {**common, "body_html": f"<h2>About {primary}</h2><p>Body text.</p>"}
    url_match = _URL.search(prompt)
    url = url_match.group(1) if url_match else "https://example.com/"
    return {
        "facebook": f"New: {primary}. {url}",
        "linkedin": f"We wrote about {primary}. {url}",
        "x": f"{primary} {url}",
        "google_business_profile": f"Visit our {primary} page: {url}",
    }


Override = Callable[[str, str], "str | Reply | None"]


def _schema_title(schema: Any) -> str:
    return str((schema or {}).get("title") or "")


def anthropic_content_handler(
    *, override: Override | None = None, model: str = "claude-haiku-4-5-20251001"
) -> Callable[[Recorded], Reply]:
    """``POST /v1/messages`` for the content calls. ``override(schema, prompt)`` may return
    answer text or a whole :class:`Reply` (errors, refusals, delays); None keeps the default."""

    def handle(rec: Recorded) -> Reply:
        body = rec.json or {}
        schema = body.get("output_config", {}).get("format", {}).get("schema")
        name = _schema_title(schema)
        prompt = body["messages"][0]["content"]
        custom = override(name, prompt) if override else None
        if isinstance(custom, Reply):
            return custom
        text = custom or json.dumps(content_answer(name, prompt))
        request_text = (body.get("system") or "") + prompt + json.dumps(schema)
        return Reply(
            body=anthropic_message(text, model=model, input_tokens=approx_tokens(request_text)),
            headers={"request-id": "req_local_content"},
        )

    return handle


def openai_content_handler(
    *, override: Override | None = None, model: str = "gpt-4o-mini-2024-07-18"
) -> Callable[[Recorded], Reply]:
    """``POST /v1/chat/completions`` for the content calls (see the Anthropic handler)."""

    def handle(rec: Recorded) -> Reply:
        body = rec.json or {}
        fmt = body.get("response_format", {}).get("json_schema", {})
        name = str(fmt.get("name") or "")
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        custom = override(name, prompt) if override else None
        if isinstance(custom, Reply):
            return custom
        text = custom or json.dumps(content_answer(name, prompt))
        request_text = json.dumps(body["messages"]) + json.dumps(fmt.get("schema"))
        return Reply(
            body=openai_completion(text, model=model, prompt_tokens=approx_tokens(request_text))
        )

    return handle


# --------------------------------------------------------------------------- WordPress
class WordPressServer:
    """A local wp/v2 server with Application Password auth (Basic ``user:password``).

    Attributes
    ----------
    mode : str
        "ok" (default), "no_auth_header" (the host strips Authorization → 401
        rest_not_logged_in), "subscriber" (users/me without edit_posts), "create_403",
        "create_401" (rest_cannot_create 401), "create_500", "redirect_post" (301 on POST),
        "create_200" (200 without an id).
    plain_permalinks : bool
        /wp-json/… answers an HTML 404; only /?rest_route=… works.
    """

    def __init__(self, user: str = "editor", password: str = "abcd efgh ijkl mnop") -> None:
        self.user, self.password = user, password
        self.mode = "ok"
        self.plain_permalinks = False
        self.posts: dict[int, dict[str, Any]] = {}
        self.terms: dict[str, list[dict[str, Any]]] = {"categories": [], "tags": []}
        self.requests: list[dict[str, Any]] = []
        self._next_id = 100
        self._lock = threading.Lock()
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, headers = outer._answer(
                    self.command, self.path, dict(self.headers), raw
                )
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve  # noqa: N815
            do_POST = _serve  # noqa: N815

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> WordPressServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ----------------------------------------------------------------- routing
    def _auth_ok(self, headers: dict[str, str]) -> str:
        """ "ok", "missing", "bad_user" or "bad_password"."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if self.mode == "no_auth_header" or not auth.startswith("Basic "):
            return "missing"
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        if user != self.user:
            return "bad_user"
        if password.replace(" ", "") != self.password.replace(" ", ""):
            return "bad_password"
        return "ok"

    def _answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = json.loads(raw or b"null")
        with self._lock:
            self.requests.append(
                {"method": method, "path": parts.path, "query": query, "body": body}
            )
        if parts.path.startswith("/wp-json/wp/v2/"):
            if self.plain_permalinks:
                return 404, "<html>Not Found</html>", {"Content-Type": "text/html"}
            route = parts.path[len("/wp-json/wp/v2/") :]
        elif parts.path == "/" and query.get("rest_route", "").startswith("/wp/v2/"):
            route = query["rest_route"][len("/wp/v2/") :]
        else:
            return 404, "<html>Not Found</html>", {}
        if method == "POST" and self.mode == "redirect_post":
            return 301, "", {"Location": f"https://www.example.com/wp-json/wp/v2/{route}"}
        auth = self._auth_ok(headers)
        if auth == "bad_user":
            return 401, _err("invalid_username", "Unknown username.", 401), {}
        if auth == "bad_password":
            return (
                401,
                _err(
                    "incorrect_password",
                    "The provided password is an invalid application password.",
                    401,
                ),
                {},
            )
        if route == "users/me":
            if auth == "missing":
                return 401, _err("rest_not_logged_in", "You are not currently logged in.", 401), {}
            caps = {"edit_posts": self.mode != "subscriber", "read": True}
            role = "subscriber" if self.mode == "subscriber" else "editor"
            return 200, {"id": 1, "name": self.user, "roles": [role], "capabilities": caps}, {}
        if route in ("categories", "tags"):
            if method == "GET":
                term = query.get("search", "").lower()
                return 200, [t for t in self.terms[route] if term in t["name"].lower()], {}
            item = {"id": self._new_id(), "name": body["name"]}
            self.terms[route].append(item)
            return 201, item, {}
        if method == "POST" and route in ("posts", "pages"):
            if auth == "missing" or self.mode == "create_401":
                return 401, load("wordpress/error_rest_cannot_create.json"), {}
            if self.mode == "create_403":
                err = load("wordpress/error_rest_cannot_create.json")
                err["data"]["status"] = 403
                return 403, err, {}
            if self.mode == "create_500":
                return (
                    500,
                    _err("db_insert_error", "Could not insert post into the database.", 500),
                    {},
                )
            if self.mode == "create_200":
                return 200, [], {}
            post_id = self._new_id()
            post = self._post(post_id, route, body)
            self.posts[post_id] = post
            return 201, post, {"Location": f"{self.url}/wp-json/wp/v2/{route}/{post_id}"}
        if method == "GET" and route in ("posts", "pages"):
            return 200, self._list(route, query), {}
        match = re.fullmatch(r"(posts|pages)/(\d+)", route)
        if method == "POST" and match:
            post_id = int(match.group(2))
            if post_id not in self.posts:
                return 404, _err("rest_post_invalid_id", "Invalid post ID.", 404), {}
            self.posts[post_id] = self._post(post_id, match.group(1), body)
            return 200, self.posts[post_id], {}
        return 404, _err("rest_no_route", "No route was found.", 404), {}

    def _list(self, route: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """GET posts/pages: by ``slug`` or ``search`` (title and content), any status."""
        kind = "post" if route == "posts" else "page"
        found = [p for p in self.posts.values() if p["type"] == kind]
        if query.get("slug"):
            found = [p for p in found if p["slug"] == query["slug"]]
        if query.get("search"):
            term = query["search"].lower()
            found = [p for p in found if term in (p["title"]["raw"] + p["content"]["raw"]).lower()]
        return found

    def _new_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _post(self, post_id: int, route: str, body: dict[str, Any]) -> dict[str, Any]:
        model = load("wordpress/post_model.view.wp_core_fixture.json")
        model.update(
            {
                "id": post_id,
                "status": body.get("status", "draft"),
                "type": "post" if route == "posts" else "page",
                "link": f"{self.url}/?p={post_id}",
                "slug": body.get("slug", ""),
                "categories": body.get("categories", []),
            }
        )
        model["title"] = {"raw": body.get("title", ""), "rendered": body.get("title", "")}
        model["content"] = {"raw": body.get("content", ""), "rendered": body.get("content", "")}
        return model

    def posts_requests(self) -> list[dict[str, Any]]:
        """Recorded POSTs to posts/pages (create or update)."""
        return [
            r
            for r in self.requests
            if r["method"] == "POST"
            and re.search(r"(posts|pages)(/\d+)?$", r["path"] + r["query"].get("rest_route", ""))
        ]


def _err(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}
