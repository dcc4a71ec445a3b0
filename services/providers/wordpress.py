"""WordPress REST API (wp/v2) client with Application Passwords: drafts as posts or pages.

Contract: ``shared/contracts/wordpress/NOTES.md``. What this client guarantees:

* HTTPS only, except for localhost / 127.0.0.1 / ::1 (development sites); the Application
  Password travels in HTTP Basic auth and would be readable on plain HTTP.
* :meth:`WordPressClient.check_auth` first: ``GET /wp/v2/users/me?context=edit``, with
  401/403 turned into what to fix (wrong username vs. application name, Authorization header
  stripped by the host, role too low).
* ``/wp-json/`` answering 404 with something that is not a REST error (plain permalinks)
  switches to ``/?rest_route=/wp/v2/…`` for the rest of the session.
* Redirects are never followed (a 301/302 turns a POST into a GET and "publishes" nothing):
  a 3xx is an error naming the address to configure instead.
* Idempotent creation (issue 20 §3): every post carries a marker (an HTML comment with the
  app's content id, :func:`marker`); before creating, :meth:`WordPressClient.find_post` looks
  the post up by slug and by the marker and updates it instead. A create counts as done when
  any answer proves it: 200 or 201 with an ``id``, or a ``Location`` header naming the new
  post. A 500 or a timeout after WordPress created the post leaves it findable by its marker,
  so a retry updates it and never creates a second one.
* Headers and bodies are read under a wall-clock deadline (:mod:`services.core.http_read`:
  a server trickling header lines is cut off at the deadline too) and at most
  :data:`MAX_BODY_BYTES`; JSON is parsed tolerantly (:func:`services.core.http_read.parse_json`:
  a PHP warning before the JSON is skipped); a body with no JSON is a :class:`~services.core.errors.WordPressBadResponse`
  carrying the HTTP status.
* Error texts pass through :func:`services.core.redact.redact` (a 401 page may echo the
  ``Authorization`` header).
* Categories and tags are sent by id, looked up by name or created.

Retries: urllib3 ``Retry`` on GET only (connection errors, 502/503/504); a POST is never
retried automatically (it might create a second post).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.util.retry import Retry

from services.core.errors import InvalidInputError, WordPressBadResponse, WordPressError
from services.core.http_read import (
    Answer,
    DeadlineAdapter,
    header_deadline,
    read_body,
    request_timeout,
)
from services.core.redact import redact, secret_forms

#: Seconds per request, the whole exchange (connect, wait, download).
DEFAULT_TIMEOUT_S = 30.0
#: Bytes of an answer read at most (a post in edit context is a few hundred KB at most).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Prefix of the marker comment the app puts in every post it sends.
MARKER_PREFIX = "cluster-planner:content="
_LOCATION_ID = re.compile(r"/(?:posts|pages)/(\d+)(?:[/?#]|$)|[?&]p=(\d+)")
#: GET retries on connection errors and 502/503/504 (urllib3 backoff 0.5 s, 1 s, 2 s).
GET_RETRIES = 3
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
POST_TYPES = ("posts", "pages")
#: Capability WordPress checks before creating posts (Author role and above).
CREATE_CAPABILITY = "edit_posts"

_HTACCESS_HINT = (
    'add `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1` to .htaccess, or ask the host '
    "to pass the Authorization header to PHP"
)


@dataclass(frozen=True)
class WPPost:
    """A created or updated post/page: its id, public link and status."""

    id: int
    link: str
    status: str
    type: str


def _is_local(host: str) -> bool:
    return host.lower() in LOCAL_HOSTS


def validate_site_url(url: str) -> str:
    """The site's root URL without a trailing slash.

    Raises
    ------
    InvalidInputError
        Not an http(s) URL, or plain http for a host other than localhost.
    """
    raw = (url or "").strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("The WordPress URL must look like https://example.com.")
    if parts.scheme != "https" and not _is_local(parts.hostname):
        raise InvalidInputError(
            "The WordPress URL must use https:// (the application password would travel in "
            "clear over http); only localhost may use http."
        )
    return raw


def marker(content_id: Any) -> str:
    """The HTML comment that identifies the app's post for content ``content_id``."""
    return f"<!-- {MARKER_PREFIX}{content_id} -->"


def created_id(resp: Answer) -> int | None:
    """The id of a post ``resp`` proves exists: ``id`` in the body, else the id in the
    ``Location`` header (``…/posts/123`` or ``?p=123``)."""
    data = resp.data()
    if isinstance(data, dict) and str(data.get("id") or "").isdigit():
        return int(data["id"])
    match = _LOCATION_ID.search(resp.headers.get("location", ""))
    return int(match.group(1) or match.group(2)) if match else None


def _error_body(resp: Answer) -> tuple[str, str]:
    """``(code, message)`` of a ``WP_Error`` JSON body, ("", "") otherwise."""
    body = resp.data()
    if isinstance(body, dict):
        return str(body.get("code") or ""), str(body.get("message") or "")
    return "", ""


class WordPressClient:
    """One WordPress site, authenticated with an Application Password.

    Parameters
    ----------
    site_url : str
        Site root, e.g. ``https://example.com`` (https required except on localhost).
    username : str
        The WordPress *login* username (not the application password's name).
    app_password : str
        The Application Password as WordPress showed it (spaces allowed); decrypted by the
        caller only for this client and never logged (error texts are redacted of it).
    timeout : float
        Seconds per request, the whole exchange: :data:`DEFAULT_TIMEOUT_S`.
    session : requests.Session, optional
        A prepared session (tests); GET retries are mounted on it.

    Raises
    ------
    InvalidInputError
        Bad URL or missing credentials.
    """

    def __init__(
        self,
        site_url: str,
        username: str,
        app_password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        session: requests.Session | None = None,
    ) -> None:
        self.site_url = validate_site_url(site_url)
        if not username or not app_password:
            raise InvalidInputError(
                "Enter the WordPress username and an Application Password (Users → Profile → "
                "Application Passwords) in the project settings."
            )
        self.username = username
        self.timeout = timeout
        self.plain_permalinks = False
        self._secrets = secret_forms(username, app_password)
        self._session = session or requests.Session()
        self._session.auth = (username, app_password)
        retry = Retry(
            total=GET_RETRIES,
            backoff_factor=0.5,
            status_forcelist=(502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            redirect=False,
        )
        adapter = DeadlineAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:  # never show the password
        return f"WordPressClient({self.site_url!r}, user={self.username!r})"

    def error(
        self, text: str, *, status_code: int | None = None, code: str = "", bad: bool = False
    ) -> WordPressError:
        """A :class:`WordPressError` (``bad``: :class:`WordPressBadResponse`) whose text is
        redacted of credentials (:func:`services.core.redact.redact`)."""
        cls = WordPressBadResponse if bad else WordPressError
        return cls(redact(text, self._secrets), status_code=status_code, code=code)

    # ----------------------------------------------------------------- transport
    def _url(self, route: str) -> tuple[str, dict[str, str]]:
        if self.plain_permalinks:
            return f"{self.site_url}/", {"rest_route": f"/wp/v2/{route}"}
        return f"{self.site_url}/wp-json/wp/v2/{route}", {}

    def _send(self, method: str, route: str, params: dict[str, Any] | None, body: Any) -> Answer:
        url, extra = self._url(route)
        deadline = time.monotonic() + self.timeout
        try:
            with (
                header_deadline(deadline),
                self._session.request(
                    method,
                    url,
                    params={**extra, **(params or {})},
                    json=body,
                    timeout=request_timeout(deadline, self.timeout),
                    allow_redirects=False,
                    stream=True,
                ) as resp,
            ):
                data, _cut = read_body(
                    resp, deadline=deadline, max_bytes=MAX_BODY_BYTES, read_timeout_s=self.timeout
                )
                headers = {k.lower(): v for k, v in resp.headers.items()}
                text = data.decode(resp.encoding or "utf-8", errors="replace")
                return Answer(resp.status_code, headers, text)
        except requests.Timeout as exc:
            raise self.error(
                f"WordPress at {self.site_url} did not answer within {self.timeout:g} s."
            ) from exc
        except requests.RequestException as exc:
            raise self.error(
                f"Could not reach WordPress at {self.site_url} ({type(exc).__name__})."
            ) from exc

    def request(
        self, method: str, route: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> Answer:
        """One REST call under ``/wp/v2/`` (plain-permalink fallback, no redirects).

        Returns
        -------
        Answer
            Any 2xx or 4xx/5xx answer (callers turn statuses into errors).

        Raises
        ------
        WordPressError
            Network failure, the deadline passed, or a redirect (never followed).
        """
        resp = self._send(method, route, params, body)
        if resp.status_code == 404 and not self.plain_permalinks:
            code, _ = _error_body(resp)
            if not code.startswith("rest_"):  # /wp-json/ itself is missing, not the item
                self.plain_permalinks = True
                resp = self._send(method, route, params, body)
        if 300 <= resp.status_code < 400:
            target = resp.headers.get("location", "another address")
            raise self.error(
                f"WordPress redirected {method} {route} to {target}; the redirect was not "
                "followed (it would turn the request into a GET and publish nothing). Set the "
                "site URL in the project to the final address (https, with or without www).",
                status_code=resp.status_code,
            )
        return resp

    def _json(self, resp: Answer, action: str) -> Any:
        """The JSON body of a successful answer, or a typed error naming the status."""
        if not resp.has_json():
            start = " ".join(resp.text.split())[:160]
            raise self.error(
                f"WordPress answered {resp.status_code} to '{action}' with a body that is not "
                f"JSON (it starts: {start or 'empty'}). Check the site for a PHP error or a "
                "security plugin answering instead of the REST API.",
                status_code=resp.status_code,
                code="not_json",
                bad=True,
            )
        return resp.data()

    def _fail(self, resp: Answer, action: str) -> WordPressError:
        code, message = _error_body(resp)
        status = resp.status_code
        if not code and not message:  # not a WP_Error: quote the start of the page
            message = " ".join(re.sub(r"<[^>]+>", " ", resp.text).split())[:160]
        if status == 401:
            text = self._unauthorized(code, message, action)
        elif status == 403:
            text = (
                f"The WordPress user '{self.username}' is logged in but its role may not "
                f"{action} (403 {code or 'forbidden'}: {message}). Use an Author, Editor or "
                "Administrator account."
            )
        elif status == 404:
            text = f"WordPress has no REST route for this ({code or '404'}: {message})."
        elif status >= 500:
            text = f"WordPress failed with a server error {status} while trying to {action}" + (
                f" ({code}: {message})." if code else "."
            )
        else:
            text = f"WordPress refused to {action} ({status} {code}: {message})."
        return self.error(text, status_code=status, code=code)

    def _unauthorized(self, code: str, message: str, action: str) -> str:
        if code == "invalid_username":
            return (
                f"WordPress does not know the username '{self.username}'. Use your login "
                "username, not the name you gave the application password."
            )
        if code == "incorrect_password":
            return (
                "WordPress rejected the application password. Paste the password WordPress "
                "generated (Users → Profile → Application Passwords), not your login "
                "password and not the application's name."
            )
        if code in ("rest_not_logged_in", "rest_forbidden_context"):
            return (
                "WordPress received no credentials: the host strips the Authorization "
                f"header before WordPress sees it; {_HTACCESS_HINT}."
            )
        return f"WordPress refused to {action} (401 {code or 'unauthorized'}: {message})."

    # ----------------------------------------------------------------- API
    def check_auth(self) -> dict[str, Any]:
        """``GET /wp/v2/users/me?context=edit``: who we are and whether we may create posts.

        Returns
        -------
        dict
            The user object (``id``, ``name``, ``roles``, ``capabilities`` when given).

        Raises
        ------
        WordPressError
            401 (wrong username / application password / Authorization header stripped),
            403, a role without ``edit_posts``, or any other failure;
            :class:`WordPressBadResponse` when the answer is not JSON (an HTML page).
        """
        resp = self.request("GET", "users/me", params={"context": "edit"})
        if resp.status_code != 200:
            raise self._fail(resp, "read the user profile")
        user = self._json(resp, "read the user profile")
        caps = user.get("capabilities") if isinstance(user, dict) else None
        if isinstance(caps, dict) and caps and not caps.get(CREATE_CAPABILITY):
            roles = ", ".join(user.get("roles") or []) or "unknown"
            raise self.error(
                f"The WordPress user '{self.username}' (role: {roles}) cannot create posts; "
                "use an Author, Editor or Administrator account.",
                status_code=403,
                code="role_too_low",
            )
        return user if isinstance(user, dict) else {}

    def term_id(self, taxonomy: str, name: str) -> int:
        """Id of the category or tag ``name`` (case-insensitive match), created if missing.

        Parameters
        ----------
        taxonomy : str
            "categories" or "tags".
        """
        resp = self.request("GET", taxonomy, params={"search": name, "per_page": 100})
        if resp.status_code != 200:
            raise self._fail(resp, f"read {taxonomy}")
        for term in self._json(resp, f"read {taxonomy}") or []:
            if str(term.get("name", "")).strip().lower() == name.strip().lower():
                return int(term["id"])
        created = self.request("POST", taxonomy, body={"name": name})
        term_id = created_id(created)
        if created.status_code in (200, 201) and term_id:
            return term_id
        code, _ = _error_body(created)
        data = created.data()
        if code == "term_exists" and isinstance(data, dict):  # created meanwhile
            existing = (data.get("data") or {}).get("term_id")
            if existing:
                return int(existing)
        raise self._fail(created, f"create the {taxonomy[:-1]} '{name}'")

    def find_post(self, post_type: str, content_id: Any, slug: str = "") -> int | None:
        """Id of the post the app already sent for ``content_id`` (any status but trash).

        Looks by slug first (one small query), then searches the marker text; a post counts
        only when its content holds :func:`marker` (a post of the same slug written by a
        person is never taken over).
        """
        tag = marker(content_id)
        queries = [{"slug": slug}] if slug else []
        queries.append({"search": f"{MARKER_PREFIX}{content_id}"})
        for query in queries:
            params = {**query, "status": "any", "context": "edit", "per_page": 20}
            resp = self.request("GET", post_type, params=params)
            if resp.status_code != 200:
                raise self._fail(resp, f"look up {post_type}")
            for item in self._json(resp, f"look up {post_type}") or []:
                content = (item or {}).get("content") or {}
                text = f"{content.get('raw', '')} {content.get('rendered', '')}"
                if tag in text and str(item.get("id") or "").isdigit():
                    return int(item["id"])
        return None

    def save_draft(
        self,
        post_type: str,
        fields: dict[str, Any],
        *,
        post_id: int | None = None,
        content_id: Any = None,
    ) -> WPPost:
        """Create or update a post or page with status draft, never creating it twice.

        Parameters
        ----------
        post_type : str
            "posts" or "pages".
        fields : dict
            REST fields (title, content, excerpt, slug, categories, tags…); ``status`` is
            forced to "draft".
        post_id : int, optional
            The id stored from an earlier publish: that post is updated.
        content_id : optional
            The app's content id: its :func:`marker` is added to the content, and when no
            ``post_id`` is known (or WordPress no longer has it) the post is looked up by
            slug and marker (:meth:`find_post`) before one is created.

        Returns
        -------
        WPPost

        Raises
        ------
        WordPressError
            An update or create that WordPress refused, or that no answer proves done.
        """
        if post_type not in POST_TYPES:
            raise InvalidInputError(f"Unknown WordPress post type {post_type!r}.")
        body = {**fields, "status": "draft"}
        if content_id is not None and marker(content_id) not in str(body.get("content", "")):
            body["content"] = f"{body.get('content', '')}\n{marker(content_id)}"
        if post_id is None and content_id is not None:
            post_id = self.find_post(post_type, content_id, str(fields.get("slug") or ""))
        if post_id is not None:
            post = self._update(post_type, int(post_id), body)
            if post is not None:
                return post
            if content_id is not None:  # gone: was it re-created under another id?
                found = self.find_post(post_type, content_id, str(fields.get("slug") or ""))
                if found is not None and found != post_id:
                    return self._update(post_type, found, body) or self._missing(post_type)
        return self._create(post_type, body)

    def _update(self, post_type: str, post_id: int, body: dict[str, Any]) -> WPPost | None:
        """The updated post, or None when WordPress no longer has it."""
        resp = self.request("POST", f"{post_type}/{post_id}", body=body)
        if resp.status_code in (200, 201) and created_id(resp) == post_id:
            return self._post(resp, post_id, post_type)
        code, _ = _error_body(resp)
        if resp.status_code == 404 and code == "rest_post_invalid_id":
            return None
        if resp.status_code in (200, 201):
            self._json(resp, f"update {post_type}")  # not JSON: typed error with the status
        raise self._fail(resp, f"update {post_type}")

    def _create(self, post_type: str, body: dict[str, Any]) -> WPPost:
        resp = self.request("POST", post_type, body=body)
        new_id = created_id(resp)
        if resp.status_code in (200, 201) and new_id:
            return self._post(resp, new_id, post_type)
        if resp.status_code in (200, 201):
            self._json(resp, f"create {post_type}")  # not JSON: typed error with the status
            raise self.error(
                f"WordPress answered {resp.status_code} without an id for the new "
                f"{post_type[:-1]}; publishing again will look for it before creating one.",
                status_code=resp.status_code,
            )
        raise self._fail(resp, f"create {post_type}")

    def _missing(self, post_type: str) -> WPPost:
        raise self.error(f"WordPress lost the {post_type[:-1]} while it was being updated.")

    @staticmethod
    def _post(resp: Answer, post_id: int, post_type: str) -> WPPost:
        data = resp.data()
        data = data if isinstance(data, dict) else {}
        return WPPost(
            id=post_id,
            link=str(data.get("link") or ""),
            status=str(data.get("status") or "draft"),
            type=post_type,
        )
