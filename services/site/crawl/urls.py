"""URL helpers of the crawl: site identity (scheme, host, port), keys, link resolution.

Site identity (issue 20 §6): the host without ``www.`` plus the port. On the default ports
(http 80, https 443) http and https are one site (the usual http→https redirect stays on the
site); a non-default port is part of the identity together with its scheme, so
``http://127.0.0.1:8000`` and ``http://127.0.0.1:9000/admin`` are two sites and a redirect
from one to the other is recorded, not followed.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from urllib.parse import urljoin, urlsplit, urlunsplit

from services.core.errors import InvalidInputError
from services.core.urls import normalize_url

#: Link schemes that never lead to a page.
_NON_PAGE = ("mailto:", "tel:", "javascript:", "data:", "ftp:", "sms:", "whatsapp:")


#: Ports that do not count in a site's identity.
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str) -> str:
    """Lowercase host name without ``www.`` and without port: ``https://WWW.Ex.com:443/a`` →
    ``ex.com`` (the politeness key: one rate limit per host)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def site_key(url: str) -> str:
    """The site identity of ``url``: :func:`host_key` on a default port (``ex.com`` for
    ``http://www.ex.com/`` and ``https://ex.com:443/``), else ``scheme://host:port``
    (``http://127.0.0.1:8000``). An unparsable port gives ``""`` (no site)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    host = host_key(url)
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{scheme}://{host}:{port}"


def same_site(url: str, site: str) -> bool:
    """True when ``url`` is on ``site`` (a :func:`site_key`)."""
    return bool(site) and site_key(url) == site


def url_key(url: str) -> str:
    """The dedupe key of a page: :func:`services.core.urls.normalize_url` (scheme-less,
    lowercase, no ``www.``, no trailing slash, query or fragment) — the same key as
    ``CrawledPage.normalized_url``."""
    return normalize_url(url)


def is_http(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def resolve_link(href: str, base: str) -> str | None:
    """Absolute URL of ``href`` on a page at ``base``, without fragment; None for non-page
    links (``mailto:``, ``tel:``, ``javascript:``, a bare ``#fragment``, non-http schemes)."""
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(_NON_PAGE):
        return None
    try:
        absolute = urljoin(base, href)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def site_root(url: str) -> str:
    """``scheme://host[:port]/`` of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def path_matches(url: str, pattern: str) -> bool:
    """True when the URL's path matches ``pattern``: a glob (``/blog/*``, ``*/tag/*``) when it
    holds ``*``, ``?`` or ``[``, else a path prefix (``/blog`` matches ``/blog/post-1``).
    Case-sensitive, as URL paths are."""
    path = urlsplit(url).path or "/"
    if any(ch in pattern for ch in "*?["):
        return fnmatchcase(path, pattern)
    return path.startswith(pattern)


def slug_of(url: str) -> str:
    """Last path segment of ``url`` without extension: ``/blog/trail-shoes.html`` →
    ``trail-shoes``; the home page gives ``""``."""
    path = (urlsplit(url).path or "/").rstrip("/")
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[0] if "." in last else last


_HOST = re.compile(r"^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+)$")


def check_start_url(start_url: str) -> str:
    """The start URL with a scheme (https by default) and at least the ``/`` path.

    Raises
    ------
    InvalidInputError
        Not an http(s) address with a plausible host name.
    """
    url = (start_url or "").strip()
    if url and "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        ok = is_http(url) and bool(_HOST.match(parts.hostname or ""))
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        ok = False
    if not ok:
        raise InvalidInputError("Enter the site's address, e.g. https://www.example.com/.")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
