"""Which pages the primary-keyword step sees, and what it knows of them.

Pages left out (issue 18 §5), with the reason kept for the report:

- planned cluster pages (``source='cluster'``): they hold an approved primary already;
- crawl errors and pages gone (``status`` ``error`` / ``gone``, HTTP ≥ 400);
- redirect stubs: a ``<meta http-equiv="refresh">`` page, or a title such as
  "Redirecting…" — it is not the page a search lands on;
- ``noindex`` pages: a search engine does not show them, so they own no keyword;
- utility pages (about, contact, legal, login, cart, search — :data:`UTILITY_SLUGS`): no
  one searches for a site's "about" page by a keyword worth targeting.

Pages known only from rankings are kept (their URL slug is their text).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from services.site import store
from services.site.primary import PageInput

#: Page sources left out of the primary-keyword step: planned cluster pages already hold an
#: approved primary in ``PageKeywords`` (their keywords count as taken).
SKIPPED_PAGE_SOURCES = ("cluster",)
#: Crawl statuses of pages that are not live HTML (``services.site.crawl.store``).
DEAD_STATUSES = ("error", "gone", "failed")
#: Last path segments of utility pages.
UTILITY_SLUGS = frozenset(
    [
        "about",
        "about-us",
        "contact",
        "contact-us",
        "privacy",
        "privacy-policy",
        "terms",
        "terms-of-service",
        "terms-and-conditions",
        "cookie-policy",
        "cookies",
        "legal",
        "imprint",
        "login",
        "log-in",
        "signin",
        "sign-in",
        "register",
        "signup",
        "sign-up",
        "account",
        "my-account",
        "cart",
        "basket",
        "checkout",
        "search",
        "sitemap",
        "404",
        "search.html",
        "genindex.html",
        "py-modindex.html",
    ]
)
#: Characters of the body kept as the page summary.
SUMMARY_CHARS = 1000
# "Redirecting…", "Redirect", "Moved Permanently" (not "Redirects in Apache", a guide).
_REDIRECT_TITLE = re.compile(
    r"^\s*(redirecting\b|redirect\s*(\W|$)|moved permanently\b)", re.IGNORECASE
)
# "404 Not Found", "Error 404", "Page not found" (not "Error handling in Python").
_ERROR_TITLE = re.compile(
    r"^\s*(error\s*)?(404|403|410|500|503)\b|^\s*(page\s+)?not found\b|^\s*access denied\b",
    re.IGNORECASE,
)


def headings_of(value: Any) -> tuple[str, list[str]]:
    """(first H1, other headings) from the stored ``headings`` JSON (dict of lists or list)."""
    h1 = ""
    others: list[str] = []
    if isinstance(value, dict):
        for level, texts in value.items():
            items = [str(t) for t in (texts if isinstance(texts, list) else [texts]) if t]
            if str(level).lower() == "h1":
                h1 = h1 or (items[0] if items else "")
            else:
                others.extend(items)
    elif isinstance(value, list):
        others = [str(t.get("text", "")) if isinstance(t, dict) else str(t) for t in value]
    return h1, [t for t in others if t]


def skip_reason(row: dict[str, Any]) -> str | None:
    """Why a page owns no primary keyword, or None when it is a live, indexable page.

    Parameters
    ----------
    row : dict
        ``store.load_pages`` row: ``source``, ``status``, ``http_status``, ``noindex``,
        ``crawl_meta`` (``meta_refresh``), ``title``, ``h1``.

    Returns
    -------
    str or None
        "planned page", "crawl error", "redirect stub", "noindex", "utility page" or None.
    """
    if row.get("source") in SKIPPED_PAGE_SOURCES:
        return "planned page"
    http = row.get("http_status")
    if row.get("status") in DEAD_STATUSES or (http is not None and int(http) >= 400):
        return "crawl error"
    meta = row.get("crawl_meta") or {}
    heading = row.get("h1") or row.get("title") or ""
    if (isinstance(meta, dict) and meta.get("meta_refresh")) or _REDIRECT_TITLE.match(heading):
        return "redirect stub"
    if _ERROR_TITLE.match(heading):
        return "crawl error"
    if row.get("noindex"):
        return "noindex"
    last = urlsplit(str(row.get("url") or "")).path.rstrip("/").rsplit("/", 1)[-1].lower()
    if last.removesuffix(".html") in UTILITY_SLUGS or last in UTILITY_SLUGS:
        return "utility page"
    return None


def load_page_inputs(s: Session, project_id: Any) -> tuple[list[PageInput], dict[str, str]]:
    """Pages of the project as :class:`PageInput`, and the pages left out.

    Returns
    -------
    tuple
        (pages, {URL: reason}) — reasons from :func:`skip_reason` (planned cluster pages are
        not listed: they are not pages of the live site).
    """
    out: list[PageInput] = []
    skipped: dict[str, str] = {}
    for row in store.load_pages(s, project_id):
        reason = skip_reason(row)
        if reason is not None:
            if reason != "planned page":
                skipped[row["url"]] = reason
            continue
        h1, headings = headings_of(row["headings"])
        out.append(
            PageInput(
                page_id=row["id"],
                url=row["url"],
                normalized_url=row["normalized_url"],
                title=row["title"] or "",
                h1=row.get("h1") or h1 or "",
                headings=[str(h) for h in headings],
                summary=(row["body_content"] or "")[:SUMMARY_CHARS],
            )
        )
    return out, skipped
