"""Content briefs from data, fully offline (pure: values in, :class:`Brief` out).

One brief per approved page (issue 10 §1): page type, primary and secondary keywords with
search volume, search intent, URL, title (≤ 60 characters), meta description (≤ 155), H1,
an H2/H3 outline (:mod:`services.content.outline`), internal links
(:mod:`services.content.links`), a word-count range and schema type by page type, a call to
action, and — when the SERP cache holds the primary keyword — its top-10 organic URLs.

A brief never invents facts: titles and descriptions are assembled from the page's keywords
and the brand name only; anything the data lacks is listed in ``missing``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from services.clustering.intent import QUESTION_PATTERN, rule_intents
from services.content.outline import Question, build_outline
from services.core.slugs import title_case
from services.core.text import normalize_keyword

PAGE_TYPES = ("collection", "article", "comparison", "landing")
#: Google shows about 50-60 characters of a title and ~155 of a meta description
#: (Moz, "Title tag" / "Meta description" guides); the issue fixes 60 and 155.
TITLE_MAX_CHARS = 60
META_MAX_CHARS = 155
#: Word-count ranges by page type (words). Collection copy = intro + buying guide + FAQ
#: around a product grid; the article/comparison ranges are common editorial defaults
#: for informational SERPs — replaced by the SERP-based recommendation once drafted.
WORD_COUNT: dict[str, tuple[int, int]] = {
    "collection": (300, 800),
    "article": (1200, 2000),
    "comparison": (1500, 2500),
    "landing": (500, 1000),
}
#: schema.org types by page type (FAQPage added when the outline has questions).
SCHEMA_TYPE: dict[str, str] = {
    "collection": "CollectionPage, ItemList",
    "article": "Article",
    "comparison": "Article, ItemList",
    "landing": "WebPage",
}
_COMPARISON = re.compile(r"\b(vs|versus|compare|comparison|alternative|alternatives)\b")
_QUESTION = re.compile(QUESTION_PATTERN)


@dataclass(frozen=True)
class SerpResult:
    """One organic result of the cached SERP of the primary keyword (rank 1-10)."""

    rank: int
    url: str
    title: str = ""


@dataclass(frozen=True)
class PageInput:
    """What a brief is built from: one approved page and its keyword data.

    Attributes:
        page_id: the ``CrawledPage`` id (string).
        primary_keyword: the approved primary keyword.
        url: the page's URL (absolute when the project has a domain).
        role: "parent" or "child" within its cluster.
        category: ``CrawledPage.category`` ("collection" for seed-cluster pages).
        search_volume: searches/month of the primary keyword, None when unknown.
        intent: stored intent labels of the primary keyword (comma-joined), None if unknown.
        secondary: (keyword, searches/month or None) of the page's secondary keywords.
    """

    page_id: str
    primary_keyword: str
    url: str
    role: str = "child"
    category: str | None = "collection"
    search_volume: int | None = None
    intent: str | None = None
    secondary: tuple[tuple[str, int | None], ...] = ()


@dataclass
class Brief:
    """A content brief (JSON-ready through :meth:`to_dict` / :meth:`from_dict`).

    Attributes:
        secondary_keywords: ``[{"keyword", "search_volume"}]`` (searches/month or None).
        outline: ``[{"level", "text", "source"}]``.
        internal_links: ``{"outgoing": [...], "incoming": [...]}`` of link dicts.
        word_count: [min, max] words.
        serp: ``[{"rank", "url", "title"}]`` from the SERP cache, [] when not cached.
        missing: what the data did not provide (shown, never filled with invented text).
    """

    page_id: str
    page_type: str
    role: str
    primary_keyword: str
    search_volume: int | None
    secondary_keywords: list[dict[str, Any]]
    intent: str
    intent_source: str
    url: str
    title: str
    meta_description: str
    h1: str
    outline: list[dict[str, Any]]
    internal_links: dict[str, list[dict[str, Any]]]
    word_count: list[int]
    schema_type: str
    cta: str
    serp: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


def page_type(page: PageInput, intents: Sequence[str]) -> str:
    """Page type: comparison (vs/compare/alternatives), article (a question or purely
    informational intent), collection (store category pages), else landing."""
    kw = normalize_keyword(page.primary_keyword)
    if _COMPARISON.search(kw):
        return "comparison"
    if _QUESTION.search(kw) or (intents and set(intents) <= {"informational"}):
        return "article"
    if (page.category or "") == "collection":
        return "collection"
    return "landing"


def _title_case(keyword: str) -> str:
    return title_case(normalize_keyword(keyword))


def _fit(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to ``limit`` characters (no ellipsis added)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,:;-|")
    return cut or text[:limit]


def make_title(primary: str, brand: str) -> str:
    """ "<Primary Keyword> | <Brand>" when it fits 60 characters, else the keyword alone."""
    base = _title_case(primary)
    with_brand = f"{base} | {brand}" if brand else base
    return with_brand if len(with_brand) <= TITLE_MAX_CHARS else _fit(base, TITLE_MAX_CHARS)


def make_meta(kind: str, primary: str, secondary: Sequence[str], brand: str) -> str:
    """Meta description from the keywords and brand name only, ≤ 155 characters."""
    lead = {
        "collection": f"Shop {primary}" + (f" at {brand}" if brand else "") + ".",
        "article": f"{_title_case(primary)}: answers and guidance"
        + (f" from {brand}" if brand else "")
        + ".",
        "comparison": f"{_title_case(primary)} compared side by side.",
        "landing": f"{_title_case(primary)}" + (f" by {brand}" if brand else "") + ".",
    }[kind]
    text = lead
    if secondary:
        verb = "Browse" if kind == "collection" else "Covers"
        listed = ""
        for kw in secondary[:4]:
            candidate = f"{listed}, {kw}" if listed else kw
            if len(f"{lead} {verb} {candidate}.") > META_MAX_CHARS:
                break
            listed = candidate
        if listed:
            text = f"{lead} {verb} {listed}."
    return _fit(text, META_MAX_CHARS)


def make_cta(kind: str, primary: str, parent_keyword: str | None, brand: str) -> str:
    """Call to action by page type (names only the page's keywords and the brand)."""
    if kind == "collection":
        return f"Shop {primary}"
    if kind == "comparison":
        return f"Compare and shop {primary}"
    if kind == "article":
        return f"Browse {parent_keyword}" if parent_keyword else f"Explore {primary}"
    return f"Get started with {brand}" if brand else f"Get started with {primary}"


def build_brief(
    page: PageInput,
    *,
    brand_name: str = "",
    questions: Sequence[Question] = (),
    links: dict[str, list[dict[str, Any]]] | None = None,
    parent_keyword: str | None = None,
    serp: Sequence[SerpResult] = (),
) -> Brief:
    """Build one brief.

    Parameters
    ----------
    page : PageInput
        The approved page and its keyword data.
    brand_name : str
        The project's company name ("" when not set: titles go without it).
    questions : sequence of Question
        Question keywords carrying the page's head terms (FAQ H3s).
    links : dict, optional
        This page's ``{"outgoing", "incoming"}`` links from :func:`links.links_by_page`.
    parent_keyword : str, optional
        Primary keyword of the cluster's parent page (CTA of articles).
    serp : sequence of SerpResult
        Cached top-10 of the primary keyword; empty when not cached.

    Returns
    -------
    Brief
        Title ≤ 60 and meta description ≤ 155 characters; ``missing`` lists the data gaps.
    """
    primary = normalize_keyword(page.primary_keyword)
    stored = tuple(x.strip() for x in (page.intent or "").split(",") if x.strip())
    intents = stored or rule_intents(primary)
    intent_source = "keyword data" if stored else ("keyword modifiers" if intents else "")
    kind = page_type(page, intents)
    secondary = [
        (normalize_keyword(k), v) for k, v in page.secondary if normalize_keyword(k) != primary
    ]
    secondary.sort(key=lambda kv: (-(kv[1] or 0), kv[0]))
    outline = build_outline(kind, primary, secondary, questions)
    schema = SCHEMA_TYPE[kind] + (", FAQPage" if questions else "")
    missing: list[str] = []
    if page.search_volume is None:
        missing.append("search volume of the primary keyword")
    if not secondary:
        missing.append("secondary keywords")
    if not questions:
        missing.append("question keywords carrying the head terms")
    if not intents:
        missing.append("search intent")
    if not serp:
        missing.append("SERP top 10 (not in the SERP cache)")
    if not brand_name:
        missing.append("brand name (Settings → brand profile)")
    return Brief(
        page_id=page.page_id,
        page_type=kind,
        role=page.role,
        primary_keyword=primary,
        search_volume=page.search_volume,
        secondary_keywords=[{"keyword": k, "search_volume": v} for k, v in secondary],
        intent=", ".join(intents),
        intent_source=intent_source,
        url=page.url,
        title=make_title(primary, brand_name),
        meta_description=make_meta(kind, primary, [k for k, _ in secondary], brand_name),
        h1=_title_case(primary),
        outline=outline,
        internal_links=links or {"outgoing": [], "incoming": []},
        word_count=list(WORD_COUNT[kind]),
        schema_type=schema,
        cta=make_cta(kind, primary, parent_keyword, brand_name),
        serp=[asdict(r) for r in serp],
        missing=missing,
    )


def brief_summary(brief: dict[str, Any]) -> str:
    """Three plain-text lines for a person: type, keyword, volume, intent, length, schema;
    the URL; the call to action (``brief`` as stored, :meth:`Brief.to_dict`)."""
    lo, hi = (list(brief.get("word_count") or []) + [0, 0])[:2]
    volume = brief.get("search_volume")
    return (
        f"{brief.get('page_type', '')} page · {brief.get('primary_keyword', '')} · "
        f"{f'{volume:,} searches/month' if volume is not None else 'volume unknown'} · intent "
        f"{brief.get('intent') or 'unknown'} · {lo}-{hi} words · schema "
        f"{brief.get('schema_type', '')}\nURL: {brief.get('url', '')}\nCTA: {brief.get('cta', '')}"
    )
