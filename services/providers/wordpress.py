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
* Creating requires HTTP 201 with an ``id``; updating requires 200 with the same ``id``.
* Categories and tags are sent by id, looked up by name or created.

Retries: urllib3 ``Retry`` on GET only (connection errors, 502/503/504); a POST is never
retried automatically (it might create a second post).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from services.core.errors import InvalidInputError, WordPressError

#: Seconds per request (connect + read).
DEFAULT_TIMEOUT_S = 30.0
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


def _error_body(resp: requests.Response) -> tuple[str, str]:
    """``(code, message)`` of a ``WP_Error`` JSON body, ("", "") otherwise."""
    try:
        body = resp.json()
    except ValueError:
        return "", ""
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
        caller only for this client and never logged.
    timeout : float
        Seconds per request, :data:`DEFAULT_TIMEOUT_S`.
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
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self) -> str:  # never show the password
        return f"WordPressClient({self.site_url!r}, user={self.username!r})"

    # ----------------------------------------------------------------- transport
    def _url(self, route: str) -> tuple[str, dict[str, str]]:
        if self.plain_permalinks:
            return f"{self.site_url}/", {"rest_route": f"/wp/v2/{route}"}
        return f"{self.site_url}/wp-json/wp/v2/{route}", {}

    def _send(
        self, method: str, route: str, params: dict[str, Any] | None, body: Any
    ) -> requests.Response:
        url, extra = self._url(route)
        try:
            return self._session.request(
                method,
                url,
                params={**extra, **(params or {})},
                json=body,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise WordPressError(
                f"WordPress at {self.site_url} did not answer within {self.timeout:g} s."
            ) from exc
        except requests.RequestException as exc:
            raise WordPressError(
                f"Could not reach WordPress at {self.site_url} ({type(exc).__name__})."
            ) from exc

    def request(
        self, method: str, route: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> requests.Response:
        """One REST call under ``/wp/v2/`` (plain-permalink fallback, no redirects).

        Returns
        -------
        requests.Response
            Any 2xx or 4xx/5xx answer (callers turn statuses into errors).

        Raises
        ------
        WordPressError
            Network failure, timeout, or a redirect (never followed).
        """
        resp = self._send(method, route, params, body)
        if resp.status_code == 404 and not self.plain_permalinks:
            code, _ = _error_body(resp)
            if not code.startswith("rest_"):  # /wp-json/ itself is missing, not the item
                self.plain_permalinks = True
                resp = self._send(method, route, params, body)
        if 300 <= resp.status_code < 400:
            target = resp.headers.get("Location", "another address")
            raise WordPressError(
                f"WordPress redirected {method} {route} to {target}; the redirect was not "
                "followed (it would turn the request into a GET and publish nothing). Set the "
                "site URL in the project to the final address (https, with or without www).",
                status_code=resp.status_code,
            )
        return resp

    def _fail(self, resp: requests.Response, action: str) -> WordPressError:
        code, message = _error_body(resp)
        status = resp.status_code
        if status == 401:
            if code == "invalid_username":
                text = (
                    f"WordPress does not know the username '{self.username}'. Use your login "
                    "username, not the name you gave the application password."
                )
            elif code == "incorrect_password":
                text = (
                    "WordPress rejected the application password. Paste the password WordPress "
                    "generated (Users → Profile → Application Passwords), not your login "
                    "password and not the application's name."
                )
            elif code in ("rest_not_logged_in", "rest_forbidden_context"):
                text = (
                    "WordPress received no credentials: the host strips the Authorization "
                    f"header before WordPress sees it; {_HTACCESS_HINT}."
                )
            else:
                text = f"WordPress refused to {action} (401 {code or 'unauthorized'}: {message})."
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
        return WordPressError(text, status_code=status, code=code)

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
            403, a role without ``edit_posts``, or any other failure.
        """
        resp = self.request("GET", "users/me", params={"context": "edit"})
        if resp.status_code != 200:
            raise self._fail(resp, "read the user profile")
        user = resp.json()
        caps = user.get("capabilities") if isinstance(user, dict) else None
        if isinstance(caps, dict) and caps and not caps.get(CREATE_CAPABILITY):
            roles = ", ".join(user.get("roles") or []) or "unknown"
            raise WordPressError(
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
        for term in resp.json() or []:
            if str(term.get("name", "")).strip().lower() == name.strip().lower():
                return int(term["id"])
        created = self.request("POST", taxonomy, body={"name": name})
        if created.status_code not in (200, 201):
            code, _ = _error_body(created)
            if code == "term_exists":  # created meanwhile: the error carries its id
                data = created.json().get("data") or {}
                if data.get("term_id"):
                    return int(data["term_id"])
            raise self._fail(created, f"create the {taxonomy[:-1]} '{name}'")
        return int(created.json()["id"])

    def save_draft(
        self, post_type: str, fields: dict[str, Any], *, post_id: int | None = None
    ) -> WPPost:
        """Create (or update, when ``post_id`` is given) a post or page with status draft.

        Parameters
        ----------
        post_type : str
            "posts" or "pages".
        fields : dict
            REST fields (title, content, excerpt, slug, categories, tags…); ``status`` is
            forced to "draft".
        post_id : int, optional
            The id stored from an earlier publish: that post is updated. If WordPress no
            longer has it, a new one is created.

        Returns
        -------
        WPPost

        Raises
        ------
        WordPressError
            Anything but 201 + id on create, 200 + the same id on update.
        """
        if post_type not in POST_TYPES:
            raise InvalidInputError(f"Unknown WordPress post type {post_type!r}.")
        body = {**fields, "status": "draft"}
        if post_id is not None:
            resp = self.request("POST", f"{post_type}/{int(post_id)}", body=body)
            if resp.status_code == 200 and int((resp.json() or {}).get("id") or 0) == post_id:
                return self._post(resp.json(), post_type)
            code, _ = _error_body(resp)
            if not (resp.status_code == 404 and code == "rest_post_invalid_id"):
                raise self._fail(resp, f"update {post_type}")
        resp = self.request("POST", post_type, body=body)
        data = resp.json() if resp.status_code == 201 else None
        if not isinstance(data, dict) or not data.get("id"):
            if resp.status_code in (200, 201):
                raise WordPressError(
                    f"WordPress answered {resp.status_code} without creating the {post_type[:-1]} "
                    "(no 201 with an id); nothing was published.",
                    status_code=resp.status_code,
                )
            raise self._fail(resp, f"create {post_type}")
        return self._post(data, post_type)

    @staticmethod
    def _post(data: dict[str, Any], post_type: str) -> WPPost:
        return WPPost(
            id=int(data["id"]),
            link=str(data.get("link") or ""),
            status=str(data.get("status") or ""),
            type=post_type,
        )
