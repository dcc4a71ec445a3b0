"""URL normalisation for ``CrawledPage.normalized_url``."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalize_url(url_or_path: str, domain: str | None = None) -> str:
    """Scheme-less, lowercase host + path without trailing slash, query or fragment.

    ``("/collections/Trail-Shoes/", "Example.com")`` → ``"example.com/collections/trail-shoes"``;
    a bare path without a domain stays a path.
    """
    raw = (url_or_path or "").strip()
    parts = urlsplit(
        raw if "://" in raw else f"//{domain}{raw}" if domain and raw.startswith("/") else raw
    )
    host = (parts.netloc or "").lower().removeprefix("www.")
    path = (parts.path or "").lower().rstrip("/")
    return f"{host}{path}" if host else path


def page_url(slug: str, domain: str | None) -> str:
    """Absolute https URL of a slug when the project has a domain, else the slug itself."""
    if not domain:
        return slug
    host = domain.strip().removeprefix("https://").removeprefix("http://").rstrip("/")
    return f"https://{host}{slug}"
