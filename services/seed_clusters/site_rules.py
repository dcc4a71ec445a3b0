"""Page types and URL paths of suggested pages, per the project's site type (issue 8).

Pure: keywords and settings in, page types and paths out.

Page types follow the site type (issue 16 §8). The project's site types
(:data:`services.core.slugs.SITE_TYPES`) form three families (:func:`site_family`):

============  =====================  ==============================================
family        site types             pages
============  =====================  ==============================================
store         shopify, woocommerce   collection (category), supporting article,
                                     comparison
publisher     publisher, wordpress   article (guide, how-to, review), comparison,
                                     hub (``collection``: a plural head), landing
                                     (one product or offer: "cabelas credit card")
service       custom                 service page (``landing``; a location page when
                                     the keyword or its intent label is local),
                                     article, comparison ("vs", "alternatives")
============  =====================  ==============================================

Cues, in order:

* **comparison** — "vs", "versus", "compare", "alternative(s)"; "best" and "top" too, except
  on a service site, where "best car accident lawyer" is the firm's own service page; on a
  store also "review(s)" (a roundup of products, a supporting article);
* **article** — a question ("what are payday loans"), a how-to or guide cue, or an
  informational intent label; on a publisher also a review ("chase sapphire reserve
  review"s are editorial pages, never listings);
* **collection** — on a store every other page; on a publisher a keyword whose last word is
  plural ("travel credit cards"); never on a service site ("car accident lawyer reviews" is
  the firm's reviews page, not a product listing);
* **landing** — every other page: one product or offer on a publisher, a service or
  location page on a service site.

The page types stay the four of :data:`services.core.slugs.PAGE_TYPES` (paths, briefs and
approval use them); :func:`page_label` names them as the site type calls them.

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

from services.clustering.intent_rules import QUESTION_PATTERN, RANKED_PATTERN
from services.clustering.word_order import is_plural
from services.core.scoring import DEFAULT_WEIGHTS, normalize_weights
from services.core.slugs import SITE_TYPES, page_path, slug_of
from services.core.text import normalize_keyword
from services.site.url_patterns import InferredPattern, Section, pattern_for

STORE_SITE_TYPES = frozenset(["shopify", "woocommerce"])
#: Blog platforms and publishers: articles, guides and hubs.
PUBLISHER_SITE_TYPES = frozenset(["publisher", "wordpress"])
_VERSUS = re.compile(r"\b(vs|versus|compare|comparison|alternatives?)\b")
_RANKED = re.compile(RANKED_PATTERN)
_REVIEW = re.compile(r"\b(reviews?|ratings?|testimonials?|complaints?)\b")
#: Local cues (:data:`services.core.text.LOCAL_WORDS` as phrases): a location page.
_LOCAL = re.compile(r"\b(near me|nearby|local|closest|nearest)\b")
_ARTICLE = re.compile(
    QUESTION_PATTERN + r"|\b(how to|guide|tips|ideas|meaning|definition|explained|tutorial|"
    r"examples?|checklist|requirements|calculator|best practices?|best way to|best time to)\b"
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


def site_family(site_type: str) -> str:
    """ "store", "publisher" or "service" (custom and unknown site types; module docstring)."""
    if site_type in STORE_SITE_TYPES:
        return "store"
    if site_type in PUBLISHER_SITE_TYPES:
        return "publisher"
    return "service"


def page_type_of(keyword: str, intent: str | None, site_type: str) -> str:
    """The page type of a keyword on this site type (rules in the module docstring).

    Parameters
    ----------
    keyword : str
        The page's primary keyword.
    intent : str or None
        The data's intent label(s) ("informational", "commercial,local"; None = unknown).
    site_type : str
        One of :data:`services.core.slugs.SITE_TYPES`.

    Returns
    -------
    str
        collection | article | comparison | landing.
    """
    kw = normalize_keyword(keyword)
    family = site_family(site_type)
    if _VERSUS.search(kw) or (family != "service" and _RANKED.search(kw)):
        return "comparison"
    if family == "store" and _REVIEW.search(kw):
        return "comparison"  # a roundup of products: a supporting article
    if _ARTICLE.search(kw) or (intent or "").startswith("informational"):
        return "article"
    if family == "store":
        return "collection"
    if family == "service":
        return "landing"
    if _REVIEW.search(kw):
        return "article"
    if is_plural(kw.split()[-1] if kw else ""):
        return "collection"
    return "landing"


def parent_page_type(page_type: str, site_type: str) -> str:
    """The type of a cluster's parent page: a landing page becomes the hub that lists the
    children (``collection``), except on a service site, whose parent is its service page."""
    if page_type == "landing" and site_family(site_type) != "service":
        return "collection"
    return page_type


def page_label(page_type: str, site_type: str, keyword: str = "", intent: str | None = None) -> str:
    """What the site type calls a page of ``page_type`` ("service page", "hub", …).

    A service site's landing page is a "location page" when the keyword carries a local cue
    (near me, nearby, local, closest, nearest) or the data labels its intent local (Ahrefs
    "Local"), else a "service page"; a publisher's collection is a "hub", a store's article
    or comparison a "supporting article"; other types keep their name.
    """
    family = site_family(site_type)
    if family == "store":
        labels = {"article": "supporting article", "comparison": "supporting article"}
    elif family == "publisher":
        labels = {"collection": "hub"}
    else:
        local = bool(_LOCAL.search(normalize_keyword(keyword))) or "local" in (intent or "")
        labels = {"landing": "location page" if local else "service page", "collection": "hub"}
    return labels.get(page_type, page_type)


def role_note(
    page_type: str,
    parent_keyword: str,
    site: SiteSettings,
    keyword: str = "",
    intent: str | None = None,
) -> str:
    """How a child page relates to the parent on this kind of site ("" when nothing to add).

    ``keyword`` and ``intent`` (optional) tell a service site's location page from its
    service pages (:func:`page_label`).
    """
    if site.is_store and page_type in ("article", "comparison"):
        return f"Supporting article linked to the collection '{parent_keyword}'."
    if site_family(site.site_type) == "service" and page_type == "landing":
        label = page_label(page_type, site.site_type, keyword, intent).capitalize()
        return f"{label} linked from '{parent_keyword}'."
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
