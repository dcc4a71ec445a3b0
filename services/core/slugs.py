"""URL slugs and page paths per site type, and page titles.

Slugs follow the funnel spec (Stage 3 "URL slug generation"): lowercase, hyphens, no special
characters, at most 60 characters for the slug itself. Where the slug goes depends on the
project's site type and the page's type (issue 8):

============  ===========================  ==========================  =================
site type     collection                   article / comparison        landing
============  ===========================  ==========================  =================
shopify       ``/collections/<handle>``    ``/blogs/news/<handle>``    ``/pages/<handle>``
woocommerce   ``/product-category/<s>/``   ``/<s>/``                   ``/<s>/``
wordpress     ``/<s>/``                    ``/<s>/``                   ``/<s>/``
publisher     ``/<section>/<s>/`` (the section is the parent page's slug; the parent
              itself is ``/<section>/``)
custom        the project's pattern with ``{slug}`` and optional ``{parent}``
============  ===========================  ==========================  =================

Shopify's URL forms: shopify.dev "Shopify URL structure" (collections, blogs/<blog>/<article>,
pages); WooCommerce's default product category base is ``product-category``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from slugify import slugify

COLLECTION_PREFIX = "/collections/"
MAX_SLUG_LENGTH = 60  # characters of the slug part, spec Stage 3
MAX_PATH_LENGTH = 200  # characters of a whole path (column url_slug is 100-500 wide)
SITE_TYPES: tuple[str, ...] = ("shopify", "woocommerce", "wordpress", "publisher", "custom")
SITE_TYPE_LABELS: dict[str, str] = {
    "shopify": "Shopify store",
    "woocommerce": "WooCommerce shop",
    "wordpress": "WordPress blog",
    "publisher": "Publisher",
    "custom": "Custom URL pattern",
}
PAGE_TYPES: tuple[str, ...] = ("collection", "article", "comparison", "landing")
#: Shopify's default blog handle for supporting articles.
SHOPIFY_BLOG = "news"
_PATTERNS: dict[str, dict[str, str]] = {
    "shopify": {
        "collection": "/collections/{slug}",
        "article": f"/blogs/{SHOPIFY_BLOG}/{{slug}}",
        "comparison": f"/blogs/{SHOPIFY_BLOG}/{{slug}}",
        "landing": "/pages/{slug}",
    },
    "woocommerce": {
        "collection": "/product-category/{slug}/",
        "article": "/{slug}/",
        "comparison": "/{slug}/",
        "landing": "/{slug}/",
    },
    "wordpress": dict.fromkeys(PAGE_TYPES, "/{slug}/"),
    "publisher": dict.fromkeys(PAGE_TYPES, "/{parent}/{slug}/"),
}
_PATH_RE = re.compile(r"^/([a-z0-9]+(?:[-_.][a-z0-9]+)*/?)*$")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "vs",
        "versus",
        "via",
        "with",
    ]
)
#: Words written in capitals in titles (finance, web, retail vocabulary of the shared data).
ACRONYMS = frozenset(
    [
        "ai",
        "api",
        "apr",
        "atm",
        "b2b",
        "b2c",
        "bbb",
        "cd",
        "cms",
        "cpa",
        "cpc",
        "crm",
        "css",
        "diy",
        "eu",
        "faq",
        "fha",
        "gps",
        "hd",
        "hoa",
        "hsa",
        "html",
        "ira",
        "irs",
        "led",
        "llc",
        "nba",
        "nfl",
        "pdf",
        "php",
        "pos",
        "ppc",
        "roi",
        "saas",
        "sem",
        "seo",
        "smb",
        "sms",
        "ssl",
        "suv",
        "tv",
        "uk",
        "ui",
        "url",
        "us",
        "usa",
        "usb",
        "usda",
        "ux",
        "va",
        "vpn",
        "wp",
        "xml",
    ]
)


def slug_of(keyword: str) -> str:
    """The bare slug of a keyword: lowercase ASCII, hyphens, ≤ 60 characters (word boundary).

    Uses python-slugify (transliterates accents, drops apostrophes: "cabela's" → "cabelas").
    """
    return (
        slugify(keyword, max_length=MAX_SLUG_LENGTH, word_boundary=True, replacements=[["'", ""]])
        or "page"
    )


def _unique(base: str, render: Callable[[str], str], taken: set[str] | None) -> str:
    slug, n = base, 2
    while taken is not None and render(slug) in taken:
        suffix = f"-{n}"
        slug = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    full: str = render(slug)
    if taken is not None:
        taken.add(full)
    return full


def collection_slug(keyword: str, taken: set[str] | None = None) -> str:
    """``/collections/<slug>`` for a keyword, unique against ``taken``.

    A clash gets ``-2``, ``-3``… within the 60-character limit; ``taken`` (full paths already
    used in the cluster) receives the new path. E.g. ``/collections/waterproof-trail-running-shoes``.
    """
    return _unique(slug_of(keyword), lambda s: COLLECTION_PREFIX + s, taken)


def normalize_slug(value: str) -> str:
    """Clean a user-edited slug into ``/collections/<slug>`` form (same rules)."""
    value = (value or "").strip()
    if value.startswith(COLLECTION_PREFIX):
        value = value[len(COLLECTION_PREFIX) :]
    return collection_slug(value.strip("/"))


def page_path(
    keyword: str,
    *,
    site_type: str = "shopify",
    page_type: str = "collection",
    parent_slug: str | None = None,
    pattern: str | None = None,
    taken: set[str] | None = None,
) -> str:
    """The suggested path of a page, unique against ``taken`` (which receives it).

    Parameters
    ----------
    keyword : str
        The page's primary keyword (slugified by :func:`slug_of`).
    site_type : str
        One of :data:`SITE_TYPES` (unknown → shopify).
    page_type : str
        One of :data:`PAGE_TYPES`.
    parent_slug : str or None
        The parent (hub) page's bare slug: the publisher section and the custom ``{parent}``;
        None for the parent page itself.
    pattern : str or None
        The custom site type's pattern, e.g. ``/guides/{parent}/{slug}``.
    taken : set of str, optional
        Paths already used in the cluster.

    Returns
    -------
    str
        e.g. ``/product-category/trail-running-shoes/``, ``/credit-cards/cabelas-credit-card/``.
    """
    if site_type == "custom" and pattern and "{slug}" in pattern:
        template = pattern.strip()
    else:
        template = _PATTERNS.get(site_type, _PATTERNS["shopify"]).get(page_type, "/{slug}/")

    def render(slug: str) -> str:
        if "{parent}" in template:
            if parent_slug:
                return template.replace("{parent}", parent_slug).replace("{slug}", slug)
            # The parent page is the section itself: "/{parent}/{slug}/" → "/<slug>/".
            text = template.replace("{parent}/", "").replace("/{parent}", "")
            return text.replace("{parent}", "").replace("{slug}", slug)
        return template.replace("{slug}", slug)

    return _unique(slug_of(keyword), render, taken)


def check_custom_pattern(pattern: str) -> str:
    """Validate a custom URL pattern; returns it stripped.

    Raises
    ------
    ValueError
        No ``{slug}``, not starting with "/", or other placeholders than {slug}/{parent}.
    """
    text = (pattern or "").strip()
    if not text.startswith("/") or "{slug}" not in text:
        raise ValueError(
            "A custom URL pattern starts with / and contains {slug}, e.g. /guides/{slug}/."
        )
    rest = text.replace("{slug}", "x").replace("{parent}", "x")
    if "{" in rest or "}" in rest or not _PATH_RE.match(rest):
        raise ValueError(
            "A custom URL pattern may only use lowercase letters, digits, - _ . / and the "
            "placeholders {slug} and {parent}."
        )
    return text


def check_typed_path(path: str) -> str | None:
    """Why a path the user typed cannot be used as it is (None when it can).

    A typed path is kept exactly as typed, never rewritten: it must start with "/", use
    lowercase letters, digits, hyphens, underscores, dots and slashes only, no empty segment,
    a last segment of at most 60 characters and at most 200 characters in all.
    """
    text = path or ""
    if not text.strip():
        return "The URL path is empty."
    if text.startswith(("http://", "https://")) or "://" in text:
        return f"Enter a path such as /credit-cards/cabelas-credit-card, not a full URL ('{text}')."
    if not text.startswith("/"):
        return f"A URL path starts with '/': '{text}'."
    if text != text.strip() or " " in text:
        return f"A URL path has no spaces: '{text}'."
    if text != text.lower():
        return f"Use lowercase letters in the URL path: '{text}'."
    if "//" in text:
        return f"The URL path has an empty segment ('//'): '{text}'."
    if len(text) > MAX_PATH_LENGTH:
        return f"The URL path is longer than {MAX_PATH_LENGTH} characters."
    if not _PATH_RE.match(text):
        return (
            f"Only lowercase letters, digits, hyphens, underscores, dots and slashes may be "
            f"used in a URL path: '{text}'."
        )
    last = [seg for seg in text.split("/") if seg]
    if last and len(last[-1]) > MAX_SLUG_LENGTH:
        return f"The slug '{last[-1]}' is longer than {MAX_SLUG_LENGTH} characters."
    return None


def bare_slug(path: str) -> str:
    """The last segment of a path ("/credit-cards/cabelas-credit-card/" → "cabelas-credit-card")."""
    segments = [seg for seg in (path or "").split("/") if seg]
    return segments[-1] if segments else ""


def title_case(keyword: str) -> str:
    """A page title from a keyword: "cabela's credit card" → "Cabela's Credit Card".

    Capitalises the first letter of each word (and of each hyphenated part) without touching
    the letters after an apostrophe; small words (of, for, vs…) stay lowercase except first;
    :data:`ACRONYMS` and words already holding capitals ("iPhone") are kept as such.
    """
    out = []
    for i, word in enumerate((keyword or "").split()):
        low = word.lower()
        if word != low:
            out.append(word)
        elif low in ACRONYMS:
            out.append(low.upper())
        elif i > 0 and low in _SMALL_WORDS:
            out.append(low)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in low.split("-")))
    return " ".join(out)
