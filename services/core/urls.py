"""One URL identity for the whole app (``CrawledPage.normalized_url``, rankings, coverage).

Two URLs are the same page when they differ only by scheme, a leading ``www.``, the default
port (80/443), a trailing slash, a final ``index.html`` / ``index.htm`` / ``index.php`` /
``default.aspx``, repeated slashes, letter case, the query string or the fragment. The
project's domain and the host its crawl or rankings export uses are one site when their
hosts agree after the same rules (``nerdwallet.com`` = ``www.nerdwallet.com``).

(The crawler's own "may I fetch this?" check — scheme + host + port — is a different
question and lives in ``services.site.crawl``.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

#: Last path segments that name the directory's default document.
INDEX_DOCUMENTS = ("index.html", "index.htm", "index.php", "index.asp", "default.aspx")
_DEFAULT_PORTS = (":80", ":443")
_SLASHES = re.compile(r"/{2,}")


def host_identity(host_or_url: str | None) -> str:
    """The site part of a host or URL: lowercase, no ``www.``, no default port.

    ``"https://WWW.Example.com:443/a"`` → ``"example.com"``; ``"example.com:8080"`` keeps
    its port (another server). ``""`` for None or a bare path.
    """
    raw = (host_or_url or "").strip()
    if not raw or raw.startswith("/"):
        return ""
    netloc = urlsplit(raw if "://" in raw else f"//{raw}").netloc.lower()
    netloc = netloc.rsplit("@", 1)[-1]
    for port in _DEFAULT_PORTS:
        netloc = netloc.removesuffix(port)
    return netloc.removeprefix("www.")


def _path_identity(path: str) -> str:
    text = _SLASHES.sub("/", unquote(path or "").lower())
    head, _, last = text.rpartition("/")
    if last in INDEX_DOCUMENTS:
        text = head
    return text.rstrip("/")


def url_identity(url_or_path: str, domain: str | None = None) -> str:
    """Identity key of a page URL: ``host_identity`` + lowercase path, see the module rules.

    Parameters
    ----------
    url_or_path : str
        An absolute URL, a scheme-less ``host/path`` starting with ``//``, or a path.
    domain : str, optional
        The project's domain, used for a path (``"/a/"`` + ``"example.com"``).

    Returns
    -------
    str
        ``"example.com/collections/trail-shoes"``; a path without a domain stays a path
        (``"/a"``); the site root is the bare host (``"example.com"``).

    Examples
    --------
    ``https://www.example.com:443/Guides/index.html?x=1`` and ``http://example.com/guides/``
    are both ``example.com/guides``.
    """
    raw = (url_or_path or "").strip()
    if "://" in raw or raw.startswith("//"):
        parts = urlsplit(raw)
    elif domain and raw.startswith("/"):
        parts = urlsplit(f"//{host_identity(domain)}{raw}")
    else:
        parts = urlsplit(raw)
    host = host_identity(parts.netloc) if parts.netloc else ""
    path = _path_identity(parts.path)
    return f"{host}{path}" if host else path


#: The stored name of :func:`url_identity` (``CrawledPage.normalized_url``).
normalize_url = url_identity


def same_site_identity(a: str | None, b: str | None) -> bool:
    """True when two hosts or URLs belong to one site (:func:`host_identity` agrees).

    A bare path (no host) belongs to every site: it is relative to the project's own.
    """
    ha, hb = host_identity(a), host_identity(b)
    return not ha or not hb or ha == hb


def site_host(domain: str | None, urls: Iterable[str] = ()) -> str | None:
    """The host new pages of the project live on: the one its crawled/ranking URLs use.

    ``("nerdwallet.com", ["https://www.nerdwallet.com/a", …])`` → ``"www.nerdwallet.com"``:
    the most common host among ``urls`` that is the same site as ``domain`` (any, without a
    domain); else the domain as given; None without both.
    """
    counts: Counter[str] = Counter()
    for url in urls:
        netloc = urlsplit(url if "://" in url else f"//{url}").netloc.lower()
        for port in _DEFAULT_PORTS:
            netloc = netloc.removesuffix(port)
        if netloc and (not domain or same_site_identity(netloc, domain)):
            counts[netloc] += 1
    if counts:
        return counts.most_common(1)[0][0]
    if not domain:
        return None
    return domain.strip().removeprefix("https://").removeprefix("http://").rstrip("/") or None


def page_url(slug: str, domain: str | None) -> str:
    """Absolute https URL of a slug when the project has a domain (or site host), else the slug."""
    if not domain:
        return slug
    host = domain.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    return f"https://{host}{slug}"
