"""Page types and URL paths of suggested pages, per the project's site type (issue 8).

Pure: keywords and settings in, page types and paths out.

Page type from the keyword's cues and search intent:

* **comparison** — "vs", "versus", "compare", "alternative(s)", "best", "top";
* **article** — a question ("what are payday loans"), a how-to or guide cue, or an
  informational intent label;
* **collection** — a listing: on a store (Shopify, WooCommerce) every other page; elsewhere a
  keyword whose last word is plural ("travel credit cards");
* **landing** — one product or offer on a publisher, blog or custom site
  ("cabelas credit card").

On a store, article and comparison pages are supporting articles linked to the collection
(the parent); on a publisher or blog they are first-class pages.

Paths follow the site's own URL pattern for the page's type and topic when the project has
crawled or ranking URLs (``SiteSettings.sections``, :mod:`services.site.url_patterns`; issue
18 §2), else the site type's default (:func:`site_path`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.clustering.intent import QUESTION_PATTERN
from services.core.scoring import DEFAULT_WEIGHTS, normalize_weights
from services.core.slugs import SITE_TYPES, page_path, slug_of
from services.core.text import normalize_keyword
from services.site.url_patterns import InferredPattern, Section, pattern_for

STORE_SITE_TYPES = frozenset(["shopify", "woocommerce"])
_COMPARISON = re.compile(r"\b(vs|versus|compare|comparison|alternatives?|best|top)\b")
_ARTICLE = re.compile(
    QUESTION_PATTERN + r"|\b(how to|guide|tips|ideas|meaning|definition|explained|tutorial|"
    r"examples?|checklist|requirements|calculator)\b"
)


@dataclass(frozen=True)
class SiteSettings:
    """The project settings that shape suggested pages.

    Attributes:
        site_type: one of :data:`services.core.slugs.SITE_TYPES`.
        url_pattern: the custom site type's pattern (``{slug}``, optional ``{parent}``).
        weights: composite-score weights (volume, relevance, competition), summing to 1.
        sections: the site's own URL sections (:func:`services.site.url_patterns.sections`
            of its crawled and ranking URLs), loaded once per run; None = no site URLs.
    """

    site_type: str = "shopify"
    url_pattern: str | None = None
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS
    sections: Mapping[str, Section] | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, site_type: str | None, url_pattern: str | None = None, weights: Any = None
    ) -> SiteSettings:
        """Build from stored project columns (unknown site type → shopify)."""
        kind = site_type if site_type in SITE_TYPES else "shopify"
        return cls(kind, url_pattern or None, normalize_weights(weights))

    @property
    def is_store(self) -> bool:
        return self.site_type in STORE_SITE_TYPES


def page_type_of(keyword: str, intent: str | None, site_type: str) -> str:
    """The page type of a keyword (see the module docstring for the rules)."""
    kw = normalize_keyword(keyword)
    if _COMPARISON.search(kw):
        return "comparison"
    if _ARTICLE.search(kw) or (intent or "").startswith("informational"):
        return "article"
    if site_type in STORE_SITE_TYPES:
        return "collection"
    last = kw.split()[-1] if kw else ""
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        return "collection"
    return "landing"


def role_note(page_type: str, parent_keyword: str, site: SiteSettings) -> str:
    """How a child page relates to the parent on this kind of site ("" when nothing to add)."""
    if site.is_store and page_type in ("article", "comparison"):
        return f"Supporting article linked to the collection '{parent_keyword}'."
    return ""


def suggest_path(
    keyword: str,
    page_type: str,
    site: SiteSettings,
    *,
    parent_keyword: str | None,
    taken: set[str],
    pattern: str | None = None,
) -> str:
    """The page's path by the site's pattern for its type (``parent_keyword`` None → the parent).

    ``pattern`` (``{slug}``, e.g. the site's own ``/travel/learn/{slug}`` inferred by
    ``services.site.url_patterns``) wins over the site type's default.
    """
    return page_path(
        keyword,
        site_type="custom" if pattern else site.site_type,
        page_type=page_type,
        parent_slug=slug_of(parent_keyword) if parent_keyword else None,
        pattern=pattern or site.url_pattern,
        taken=taken,
    )


def site_pattern(
    keyword: str, page_type: str, site: SiteSettings, *, topic: str | None
) -> InferredPattern | None:
    """The site's own URL pattern for a new page, or None (then the site type's default).

    The one rule every path of a suggested or approved page follows: the seed funnel's
    Stage 3, Send to review and approval (issue 18 §2).

    Parameters
    ----------
    keyword, page_type : str
        The page's primary keyword and type.
    site : SiteSettings
        With ``sections`` loaded (None sections → None).
    topic : str or None
        The cluster's topic (its parent page's keyword).

    Returns
    -------
    InferredPattern or None
        :func:`services.site.url_patterns.pattern_for` over the site's sections.
    """
    if not site.sections:
        return None
    return pattern_for(keyword, page_type, dict(site.sections), topic=topic)


def site_path(
    keyword: str,
    page_type: str,
    site: SiteSettings,
    *,
    parent_keyword: str | None,
    taken: set[str],
    topic: str | None,
) -> tuple[str, str | None]:
    """The page's path and where it came from: the site's own pattern when one fits.

    Parameters
    ----------
    keyword, page_type : str
        The page's primary keyword and type.
    site : SiteSettings
        With ``sections`` loaded, the site's pattern for the page's type and topic
        (:func:`services.site.url_patterns.pattern_for`) wins over the site type's default.
    parent_keyword : str or None
        The parent page's keyword (None for the parent itself).
    taken : set of str
        Paths already given in this cluster (updated).
    topic : str or None
        The cluster's topic (its parent keyword), as approval uses it.

    Returns
    -------
    tuple of (str, str or None)
        The path, and the pattern's evidence in plain text (None = the site type's default).
    """
    found = site_pattern(keyword, page_type, site, topic=topic)
    path = suggest_path(
        keyword,
        page_type,
        site,
        parent_keyword=parent_keyword,
        taken=taken,
        pattern=found.pattern if found else None,
    )
    return path, found.evidence if found else None
