"""Content briefs from data, fully offline (pure: values in, :class:`Brief` out).

One brief per approved page: the page type chosen on Cluster Review and its format for the
project's site type (:mod:`services.content.templates`), primary and secondary keywords with
search volume, the search intent and an angle line, a YMYL block for finance, health, legal
and safety topics, URL, title (≤ 60 characters), meta description (120-155 characters, as
sentences), H1 with brand casing (:mod:`services.content.casing`), an outline from the
sub-topics in the data (:mod:`services.content.outline`), internal links
(:mod:`services.content.links`), a word count (the competitors' median when their pages were
analysed, else the format's default labelled "assumed"), schema types, a call to action and
the cached SERP top 10.

A brief never invents facts: every heading is a real search or a section of the format;
what the data lacks is listed in ``missing``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from services.clustering.intent_rules import QUESTION_PATTERN, rule_intents
from services.content import copywriting, templates
from services.content.casing import Casing, asks_for_year, strip_years
from services.content.format_fit import fit_to_format, roundup_taken
from services.content.outline import OutlinePlan, plan_outline
from services.content.page_words import names_one_brand, other_sites
from services.content.topics import ClusterTopics, Sibling, TopicIndex, is_question
from services.content.update_brief import update_summary
from services.content.ymyl import ymyl_block
from services.core.text import normalize_keyword

PAGE_TYPES = ("collection", "article", "comparison", "landing")
#: Word-count range around the competitors' median length (words): 0.9x-1.2x.
MEDIAN_RANGE = (0.9, 1.2)
ASSUMED = "assumed: the format's default, no competitor pages analysed"
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
        page_type: the type chosen on Cluster Review (None for onboarded site pages).
        source: ``CrawledPage.source`` ("cluster" = a planned new page; crawl / rankings /
            onboarding = a live page, which may get an update brief).
    """

    page_id: str
    primary_keyword: str
    url: str
    role: str = "child"
    category: str | None = "collection"
    search_volume: int | None = None
    intent: str | None = None
    secondary: tuple[tuple[str, int | None], ...] = ()
    page_type: str | None = None
    source: str = "cluster"


@dataclass
class BriefContext:
    """What every brief of one project shares.

    Attributes:
        site_type: the project's site type (shopify, woocommerce, wordpress, publisher…).
        brand_name: the brand profile's company name ("" when unset).
        persona: the brand profile's primary persona ("" when unset).
        competitors: brand-profile competitor names (never headings here).
        index: the project's keywords (:class:`TopicIndex`).
        casing: published word forms.
        ymyl: the project's YMYL setting (finance / health / legal / safety), None = by topic.
    """

    site_type: str = "shopify"
    brand_name: str = ""
    persona: str = ""
    competitors: tuple[str, ...] = ()
    index: TopicIndex = field(default_factory=lambda: TopicIndex(()))
    casing: Casing = field(default_factory=Casing)
    ymyl: str | None = None


@dataclass
class Brief:
    """A content brief (JSON-ready through :meth:`to_dict` / :meth:`from_dict`).

    Attributes:
        format: the template (:data:`services.content.templates.FORMATS`); ``format_label``
            its plain name.
        secondary_keywords: ``[{"keyword", "search_volume"}]`` (searches/month or None).
        outline: ``[{"level", "text", "source", "search_volume"}]``.
        faq: the FAQ questions (real searches, once each).
        internal_links: ``{"outgoing": [...], "incoming": [...]}`` of link dicts.
        word_count: [min, max] words; ``word_count_source`` says where it comes from.
        ymyl: ``{"topic", "sources", "expert_review", "disclaimer"}`` or {} when not YMYL.
        competitors: the SERP pages' analysis (:mod:`services.content.competitors`), {}.
        serp: ``[{"rank", "url", "title"}]`` from the SERP cache, [] when not cached.
        missing: what the data did not provide (shown, never filled with invented text).
        update: {} for a new page; for an existing page to optimise, its task, current
            title / H1 / headings and the keywords to add (:mod:`services.content.update_brief`).
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
    format: str = "guide"
    format_label: str = ""
    site_type: str = ""
    angle: str = ""
    ymyl: dict[str, str] = field(default_factory=dict)
    faq: list[str] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)
    intro: str = ""
    word_count_source: str = ASSUMED
    competitors: dict[str, Any] = field(default_factory=dict)
    update: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (a shallow copy: every field already holds plain data)."""
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = set(cls.__dataclass_fields__)
        fields = {k: v for k, v in data.items() if k in names}
        if "format" not in fields:  # a brief stored before formats: its page type decides
            fields["format"] = "collection" if fields.get("page_type") == "collection" else "guide"
        return cls(**fields)


def page_type(page: PageInput, intents: Sequence[str]) -> str:
    """Page type: the one chosen on Cluster Review; for pages without one (onboarded site
    pages) comparison (vs/compare/alternatives), article (a question or purely informational
    intent), collection (store category pages), else landing."""
    if page.page_type in PAGE_TYPES:
        return str(page.page_type)
    kw = normalize_keyword(page.primary_keyword)
    if _COMPARISON.search(kw):
        return "comparison"
    if _QUESTION.search(kw) or (intents and set(intents) <= {"informational"}):
        return "article"
    if (page.category or "") == "collection":
        return "collection"
    return "landing"


def _word_count(fmt: str, competitors: dict[str, Any] | None) -> tuple[list[int], str]:
    """[min, max] words and their source: the competitors' median, else assumed."""
    median = (competitors or {}).get("median_words")
    counted = int((competitors or {}).get("pages_counted") or 0)
    if median:
        lo, hi = MEDIAN_RANGE
        return (
            [int(round(median * lo, -1)), int(round(median * hi, -1))],
            f"competitors: median {int(median):,} words of {counted} ranking page(s)",
        )
    return list(templates.TEMPLATES[fmt].word_count), ASSUMED


def apply_competitors(brief: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """A stored brief with a competitor analysis (:func:`competitors.summarize`): the word
    count from their median length (else still assumed), the gaps in the angle line."""
    out = dict(brief)
    fmt = str(out.get("format") or "guide")
    fmt = fmt if fmt in templates.TEMPLATES else "guide"
    out["competitors"] = summary
    out["word_count"], out["word_count_source"] = _word_count(fmt, summary)
    angle = str(out.get("angle") or "").split(" The ranking pages miss:")[0]
    gaps = list(summary.get("gaps") or [])[:2]
    out["angle"] = angle + (f" The ranking pages miss: {'; '.join(gaps)}." if gaps else "")
    out["missing"] = [m for m in out.get("missing") or [] if not m.startswith("SERP top 10")]
    return out


def _copy(
    fmt: str,
    primary: str,
    plan: OutlinePlan,
    ctx: BriefContext,
    parent_keyword: str | None,
    competitors: dict[str, Any] | None,
    title_kind: str = "",
) -> dict[str, str]:
    """Title, meta description, H1, CTA, angle and (a store's collection) intro; a roundup
    of a product noun without a list cue is named for what it lists ("best … plugins")."""
    store = templates.is_store(ctx.site_type)
    keep_year = asks_for_year(primary)
    noun, primary = copywriting.shown_keyword(fmt, strip_years(primary, keep_year))
    cased = ctx.casing.title(primary) + ("?" if is_question(primary) else "")
    plain = ctx.casing.apply(strip_years(primary, keep_year))
    parent = ctx.casing.title(parent_keyword) if parent_keyword else None
    topics = [  # never the page's own search again ("Best X … Covers best X")
        t
        for t in copywriting.meta_topics(
            plan.subtopics, plan.facets, ctx.casing, lambda k: len(ctx.index.carrying(k))
        )
        if ctx.index.key(t.lower()) != ctx.index.key(primary)
    ]
    return {
        "title": copywriting.make_title(
            fmt, primary, cased, ctx.brand_name, store, kind=title_kind
        ),
        "meta_description": copywriting.make_meta(
            fmt, plain, topics, ctx.brand_name, store, kind=title_kind
        ),
        "h1": cased,
        "cta": templates.cta(fmt, ctx.site_type, cased.rstrip("?"), parent, ctx.brand_name),
        "angle": copywriting.make_angle(
            fmt, ctx.casing.apply(strip_years(noun, keep_year)), ctx.persona, competitors
        ),
        "intro": copywriting.make_intro(fmt, cased, plan.facets, ctx.brand_name) if store else "",
    }


def _intents(page: PageInput, primary: str) -> tuple[tuple[str, ...], str]:
    """Search intent labels and their source: the data's labels, else keyword modifiers."""
    stored = tuple(x.strip() for x in (page.intent or "").split(",") if x.strip())
    intents = stored or rule_intents(primary)
    return intents, "keyword data" if stored else ("keyword modifiers" if intents else "")


def _missing(
    page: PageInput,
    intents: Sequence[str],
    notes: Sequence[str],
    serp: Sequence[SerpResult],
    ctx: BriefContext,
) -> list[str]:
    """What the data did not give this brief (shown to the writer, never invented)."""
    missing: list[str] = []
    if page.search_volume is None:
        missing.append("search volume of the primary keyword")
    if not intents:
        missing.append("search intent")
    missing += notes
    if not serp:
        missing.append("SERP top 10 (not in the SERP cache)")
    if not ctx.brand_name:
        missing.append("brand name (Settings → brand profile)")
    return missing


def _secondary(page: PageInput, primary: str) -> list[tuple[str, int | None]]:
    """The page's secondary keywords, normalized, without the primary, by volume then keyword."""
    return sorted(
        ((normalize_keyword(k), v) for k, v in page.secondary if normalize_keyword(k) != primary),
        key=lambda kv: (-(kv[1] or 0), kv[0]),
    )


def build_brief(
    page: PageInput,
    ctx: BriefContext | None = None,
    *,
    siblings: Sequence[Sibling] = (),
    links: dict[str, list[dict[str, Any]]] | None = None,
    parent_keyword: str | None = None,
    serp: Sequence[SerpResult] = (),
    competitors: dict[str, Any] | None = None,
    cluster: ClusterTopics | None = None,
) -> Brief:
    """Build one brief.

    Parameters
    ----------
    page : PageInput
        The approved page and its keyword data.
    ctx : BriefContext, optional
        The project's site type, brand, keyword index and casing (default: a store with no
        brand and no keyword data).
    siblings : sequence of Sibling
        The cluster's other approved pages (their keywords stay off this outline).
    links : dict, optional
        This page's ``{"outgoing", "incoming"}`` links from :func:`links.links_by_page`.
    parent_keyword : str, optional
        Primary keyword of the cluster's parent page (CTA of supporting pages).
    serp : sequence of SerpResult
        Cached top-10 of the primary keyword; empty when not cached.
    competitors : dict, optional
        The SERP pages' analysis kept from an earlier run (median length, headings, gaps).
    cluster : ClusterTopics, optional
        The cluster's pages prepared once per batch (replaces ``siblings``).

    Returns
    -------
    Brief
        Title ≤ 60, meta description ≤ 155 characters; ``missing`` lists the data gaps.
    """
    ctx = ctx or BriefContext()
    primary = normalize_keyword(page.primary_keyword)
    intents, intent_source = _intents(page, primary)
    kind = page_type(page, intents)
    secondary = _secondary(page, primary)
    fmt = templates.choose_format(
        kind,
        primary,
        ctx.site_type,
        branded=names_one_brand(ctx.casing, ctx.index, primary),
        intents=intents,
        searches=[k for k, _v in secondary],
    )
    taken = fmt == "listicle" and roundup_taken(primary, page.page_id, ctx.index, siblings, cluster)
    fmt = "guide" if taken else fmt  # the "best …" roundup is a sibling's page
    title_kind = copywriting.guide_kind(primary, hub=page.role == "parent", products=taken)
    other = other_sites([r.url for r in serp], ctx.competitors, ctx.brand_name)
    plan = plan_outline(
        fmt, primary, index=ctx.index, casing=ctx.casing, secondary=secondary,
        siblings=siblings, other_sites=other, cluster=cluster, page_id=page.page_id,
    )  # fmt: skip
    searches = [k for k, _v in secondary]
    fit_to_format(plan, fmt, primary, searches, ctx.index, ctx.site_type, page.intent)
    word_count, wc_source = _word_count(fmt, competitors)
    copy = _copy(fmt, primary, plan, ctx, parent_keyword, competitors, title_kind)
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
        outline=plan.outline,
        internal_links=links or {"outgoing": [], "incoming": []},
        word_count=word_count,
        schema_type=", ".join(templates.schema_types(fmt, ctx.site_type, bool(plan.faq))),
        serp=[asdict(r) for r in serp],
        missing=_missing(page, intents, plan.notes, serp, ctx),
        format=fmt,
        format_label=templates.TEMPLATES[fmt].label,
        site_type=ctx.site_type,
        ymyl=ymyl_block(primary, [k for k, _v in secondary], ctx.ymyl),
        faq=plan.faq,
        facets=plan.facets,
        word_count_source=wc_source,
        competitors=dict(competitors or {}),
        update={},
        **copy,
    )


def brief_summary(brief: dict[str, Any]) -> str:
    """Plain-text lines for a person: type and format, keyword, volume, intent, length and
    its source, schema; the angle; the URL; the call to action; the YMYL rules when any
    (``brief`` as stored, :meth:`Brief.to_dict`)."""
    lo, hi = (list(brief.get("word_count") or []) + [0, 0])[:2]
    volume = brief.get("search_volume")
    lines = update_summary(brief.get("update") or {})
    lines += [
        f"{brief.get('page_type', '')} page · {brief.get('primary_keyword', '')} · "
        f"{brief.get('format_label') or 'format unknown'} · "
        f"{f'{volume:,} searches/month' if volume is not None else 'volume unknown'} · intent "
        f"{brief.get('intent') or 'unknown'} · {lo:,}-{hi:,} words "
        f"({brief.get('word_count_source') or ASSUMED}) · schema {brief.get('schema_type', '')}",
        f"Angle: {brief.get('angle', '')}",
        f"URL: {brief.get('url', '')}",
        f"CTA: {brief.get('cta', '')}",
    ]
    ymyl = brief.get("ymyl") or {}
    if ymyl:
        lines.append(
            f"YMYL ({ymyl.get('topic')}): cite {ymyl.get('sources')}; "
            f"{ymyl.get('expert_review')}; disclaimer: {ymyl.get('disclaimer')}"
        )
    return "\n".join(lines)
