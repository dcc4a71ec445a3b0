"""Drafts from briefs: the three structured LLM calls of the first owner's flow (issue 10 §2).

Per page: (1) competitor analysis — common themes, content gaps, recommended word count, key
headings, unique angles — from the competitors' pages read (headings, lengths, gaps;
:mod:`services.content.competitors`), the SERP URLs, or the brief alone;
(2) the draft — the brief's structure (format sections, sub-topic headings, FAQ list, angle,
internal links) and, for YMYL topics, its sources / expert review / disclaimer rules
(``prompts/ymyl.md``); a store's collection gets collection copy (intro above the grid +
buying guide below + FAQ);
(3) social posts — Facebook, LinkedIn, X (≤ 280 characters), Google Business Profile
(≤ 1,500) — each carrying the page's URL.

Prompts are the files in ``services/content/prompts/`` (``string.Template`` placeholders);
their version (``prompts/VERSION``) is stored with each draft. Without an LLM,
:func:`offline_skeleton` returns the brief's outline, clearly labelled, and no prose.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.content.briefs import Brief
from services.content.copywriting import META_MAX_CHARS, TITLE_MAX_CHARS
from services.core.errors import ProviderError
from services.providers.base import BrandProfile, StructuredGenerator, Usage

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
#: Label of an outline-only skeleton (issue 10: offline drafts are never prose).
OFFLINE_LABEL = "outline — connect an LLM in Settings to draft the text"
#: Output token limits per call (a 1,200-word article body is ≈ 2,000 tokens of HTML).
ANALYSIS_MAX_TOKENS = 1500
DRAFT_MAX_TOKENS = 6000
SOCIAL_MAX_TOKENS = 1200
#: Platform limits (characters): X posts 280; Google Business Profile updates 1,500.
X_MAX_CHARS = 280
GBP_MAX_CHARS = 1500


# --------------------------------------------------------------------------- answer schemas
class CompetitorAnalysis(BaseModel):
    """Call 1: what ranks and how this page can do better."""

    model_config = ConfigDict(extra="forbid", title="CompetitorAnalysis")

    common_themes: list[str]
    content_gaps: list[str]
    recommended_word_count: int = Field(ge=50, le=10000)
    key_headings: list[str]
    unique_angles: list[str]


class FAQItem(BaseModel):
    """One FAQ entry."""

    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str


class ArticleDraft(BaseModel):
    """Call 2 for article, comparison and landing pages."""

    model_config = ConfigDict(extra="forbid", title="ArticleDraft")

    title: str = Field(max_length=TITLE_MAX_CHARS)
    meta_description: str = Field(max_length=META_MAX_CHARS)
    h1: str
    body_html: str = Field(min_length=1)
    faq: list[FAQItem]


class CollectionDraft(BaseModel):
    """Call 2 for collection pages: collection copy, not an article."""

    model_config = ConfigDict(extra="forbid", title="CollectionDraft")

    title: str = Field(max_length=TITLE_MAX_CHARS)
    meta_description: str = Field(max_length=META_MAX_CHARS)
    h1: str
    intro_html: str = Field(min_length=1)
    buying_guide_html: str
    faq: list[FAQItem]


class SocialPosts(BaseModel):
    """Call 3: one post per network."""

    model_config = ConfigDict(extra="forbid", title="SocialPosts")

    facebook: str = Field(min_length=1)
    linkedin: str = Field(min_length=1)
    x: str = Field(min_length=1, max_length=X_MAX_CHARS)
    google_business_profile: str = Field(min_length=1, max_length=GBP_MAX_CHARS)


# --------------------------------------------------------------------------- prompts
@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    return Template((PROMPTS_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """The version of the prompt files (``prompts/VERSION``), stored with each draft."""
    return (PROMPTS_DIR / "VERSION").read_text(encoding="utf-8").strip()


#: Brief fields the writer prompts receive (the rest is for people: sources, data gaps).
PROMPT_FIELDS = (
    "primary_keyword",
    "page_type",
    "format",
    "format_label",
    "site_type",
    "intent",
    "angle",
    "title",
    "meta_description",
    "h1",
    "word_count",
    "schema_type",
    "cta",
    "facets",
    "faq",
    "update",
)


def _brief_text(brief: Brief) -> str:
    """The brief's structure as compact JSON for the prompts: fields, outline, keywords,
    links (competitors and YMYL rules have their own blocks)."""
    data = {k: v for k, v in brief.to_dict().items() if k in PROMPT_FIELDS}
    data["outline"] = [
        {"level": o.get("level"), "text": o.get("text"), "source": o.get("source")}
        for o in brief.outline
    ]
    data["secondary_keywords"] = [k["keyword"] for k in brief.secondary_keywords]
    data["internal_links"] = [
        {"href": link["target_url"], "anchor": link["anchor"]}
        for link in brief.internal_links.get("outgoing", [])
    ]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def competitor_text(brief: Brief) -> str:
    """The competitor summary for the prompts: median length, common headings, gaps and each
    page read (rank, title, words, H2s); the SERP URLs alone when the pages were not read."""
    comp = brief.competitors or {}
    pages = [p for p in comp.get("pages") or [] if not p.get("error")]
    if pages:
        lines = [
            f"median length: {comp.get('median_words') or 'unknown'} words "
            f"({comp.get('pages_counted', 0)} pages read)",
            "common headings: "
            + ("; ".join(c["text"] for c in comp.get("common_headings") or []) or "none"),
            "gaps (our sub-topics no ranking page covers): "
            + ("; ".join(comp.get("gaps") or []) or "none"),
        ]
        for p in pages:
            heads = "; ".join(p.get("headings", [])[:12])
            lines.append(
                f"{p['rank']}. {p.get('title') or p['url']} ({p['word_count']} words): {heads}"
            )
        return "\n".join(lines)
    if brief.serp:
        urls = "\n".join(
            f"{r['rank']}. {r.get('title') or ''} {r['url']}".strip() for r in brief.serp
        )
        return f"pages not read (only the ranking URLs are known):\n{urls}"
    return "not available (no SERP data for this keyword)"


def ymyl_text(brief: Brief) -> str:
    """The YMYL rules block of the draft prompt ("" when the topic is not YMYL)."""
    if not brief.ymyl:
        return ""
    return _template("ymyl.md").safe_substitute(brief.ymyl)


def system_prompt(brand: BrandProfile, site_type: str) -> str:
    """The system prompt: writer rules, the brand profile and the site type."""
    return _template("system.md").safe_substitute(
        brand=brand.to_prompt_text(), site_type=site_type or "online store"
    )


def analysis_prompt(brief: Brief) -> str:
    """User prompt of call 1."""
    lo, hi = (brief.word_count + [0, 0])[:2]
    return _template("analysis.md").safe_substitute(
        brief=_brief_text(brief),
        competitors=competitor_text(brief),
        word_min=lo,
        word_max=hi,
        word_source=brief.word_count_source,
    )


def draft_prompt(brief: Brief, analysis: CompetitorAnalysis, site_type: str = "") -> str:
    """User prompt of call 2 (collection copy for collection pages)."""
    name = "draft_collection.md" if brief.format == "collection" else "draft_article.md"
    return _template(name).safe_substitute(
        brief=_brief_text(brief),
        analysis=analysis.model_dump_json(),
        primary=brief.primary_keyword,
        page_type=brief.page_type,
        format_label=brief.format_label or brief.page_type,
        site_type=site_type or brief.site_type or "website",
        word_count=analysis.recommended_word_count,
        cta=brief.cta,
        angle=brief.angle,
        ymyl=ymyl_text(brief),
    )


def social_prompt(brief: Brief, title: str, summary: str) -> str:
    """User prompt of call 3."""
    note = (
        f"No claims of outcomes; the posts point to the page for details ({brief.ymyl['topic']})."
        if brief.ymyl
        else ""
    )
    return _template("social.md").safe_substitute(
        title=title, url=brief.url, summary=summary, ymyl_social=note
    )


# --------------------------------------------------------------------------- the flow
@dataclass
class DraftResult:
    """A generated draft.

    Attributes:
        draft: JSON-ready ``{"kind": "llm", "title", "meta_description", "h1", "body_html",
            "faq", "social", "analysis", ...}``.
        usage: every billed call (3 to 6 with repairs).
        model: the model that wrote it.
        prompt_version: :func:`prompt_version`.
        seconds: wall time of the three calls (s).
    """

    draft: dict[str, Any]
    usage: list[Usage] = field(default_factory=list)
    model: str = ""
    prompt_version: str = ""
    seconds: float = 0.0

    @property
    def cost_usd(self) -> float:
        """Sum of the calls' cost, USD."""
        return round(sum(u.cost_usd for u in self.usage), 6)


def _with_url(text: str, url: str, limit: int | None = None) -> str:
    """``text`` with ``url`` appended when missing, cut at a word to fit ``limit``."""
    text = text.strip()
    if url and url not in text:
        room = None if limit is None else limit - len(url) - 1
        if room is not None and len(text) > room:
            text = text[:room].rsplit(" ", 1)[0].rstrip()
        text = f"{text} {url}"
    return text


def generate_draft(
    llm: StructuredGenerator, brief: Brief, brand: BrandProfile, *, site_type: str = ""
) -> DraftResult:
    """Run the three calls for one page.

    Parameters
    ----------
    llm : StructuredGenerator
        A live LLM adapter (Claude or OpenAI-compatible).
    brief : Brief
        The page's brief.
    brand : BrandProfile
        The project's brand profile (shapes the system prompt).
    site_type : str
        e.g. "online store" or "WordPress blog".

    Returns
    -------
    DraftResult

    Raises
    ------
    ProviderError
        A call failed (API error, timeout, or an answer invalid after one repair);
        ``exc.usage`` carries every call billed for this page so far.
    """
    started = time.perf_counter()
    system = system_prompt(brand, site_type)
    usage: list[Usage] = []
    try:
        analysis = _call(llm, system, analysis_prompt(brief), CompetitorAnalysis, usage, "analysis")
        schema: type[ArticleDraft] | type[CollectionDraft] = (
            CollectionDraft if brief.format == "collection" else ArticleDraft
        )
        written = _call(
            llm, system, draft_prompt(brief, analysis, site_type), schema, usage, "draft"
        )
        summary = f"{written.meta_description}\nKey points: {'; '.join(analysis.key_headings[:6])}"
        social = _call(
            llm, system, social_prompt(brief, written.title, summary), SocialPosts, usage, "social"
        )
    except ProviderError as exc:
        exc.usage = [*usage, *getattr(exc, "usage", [])]
        raise
    draft = _draft_of(brief, analysis, written, social)
    return DraftResult(
        draft=draft,
        usage=usage,
        model=usage[-1].model if usage else "",
        prompt_version=prompt_version(),
        seconds=time.perf_counter() - started,
    )


_MAX_TOKENS = {
    "analysis": ANALYSIS_MAX_TOKENS,
    "draft": DRAFT_MAX_TOKENS,
    "social": SOCIAL_MAX_TOKENS,
}


def _call(
    llm: StructuredGenerator,
    system: str,
    prompt: str,
    schema: type[Any],
    usage: list[Usage],
    step: str,
) -> Any:
    """One structured call; its billed usage is appended to ``usage``."""
    answer, used = llm.generate(
        system, prompt, schema, max_tokens=_MAX_TOKENS[step], purpose=f"content_{step}"
    )
    usage += used
    return answer


def _draft_of(
    brief: Brief,
    analysis: CompetitorAnalysis,
    written: ArticleDraft | CollectionDraft,
    social: SocialPosts,
) -> dict[str, Any]:
    """The stored draft: the written page, its social posts (with the URL) and checks."""
    if isinstance(written, CollectionDraft):
        body = written.intro_html.strip() + "\n" + written.buying_guide_html.strip()
        extra = {"intro_html": written.intro_html, "buying_guide_html": written.buying_guide_html}
    else:
        body, extra = written.body_html, {}
    draft = {
        "kind": "llm",
        "title": written.title,
        "meta_description": written.meta_description,
        "h1": written.h1,
        "body_html": body,
        **extra,
        "faq": [item.model_dump() for item in written.faq],
        "social": {
            "facebook": _with_url(social.facebook, brief.url),
            "linkedin": _with_url(social.linkedin, brief.url),
            "x": _with_url(social.x, brief.url, X_MAX_CHARS),
            "google_business_profile": _with_url(
                social.google_business_profile, brief.url, GBP_MAX_CHARS
            ),
        },
        "analysis": analysis.model_dump(),
    }
    draft["checks"] = draft_checks(draft, brief)
    return draft


_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)


def draft_checks(draft: dict[str, Any], brief: Brief) -> list[str]:
    """What a reviewer should look at before approving (empty when nothing is off).

    Checks: every outgoing internal link of the brief is in the body (by URL); the primary
    keyword appears in the title and the H1; a YMYL page carries its disclaimer; the body's
    word count (tags stripped) is within the brief's range, ±20 %.

    Returns
    -------
    list[str]
        One sentence per finding.
    """
    found: list[str] = []
    body = str(draft.get("body_html", ""))
    hrefs = {h.rstrip("/") for h in _HREF.findall(body)}
    for link in brief.internal_links.get("outgoing", []):
        if str(link["target_url"]).rstrip("/") not in hrefs:
            found.append(f'internal link to {link["target_url"]} ("{link["anchor"]}") is missing')
    primary = brief.primary_keyword.lower()
    for key in ("title", "h1"):
        if primary and primary not in str(draft.get(key, "")).lower():
            found.append(f'the {key} does not contain the primary keyword "{primary}"')
    disclaimer = str((brief.ymyl or {}).get("disclaimer") or "")
    if disclaimer and disclaimer[:40].lower() not in _TAG.sub(" ", body).lower():
        found.append(f"YMYL ({brief.ymyl.get('topic')}): the disclaimer is missing")
    words = len(_TAG.sub(" ", body).split())
    lo, hi = (list(brief.word_count) + [0, 0])[:2]
    if lo and not lo * 0.8 <= words <= hi * 1.2:
        found.append(f"the body has {words} words; the brief asks for {lo}-{hi}")
    return found


def offline_skeleton(brief: Brief) -> dict[str, Any]:
    """Outline-only skeleton for offline use: the brief's headings, no prose.

    Returns
    -------
    dict
        ``{"kind": "outline", "label": OFFLINE_LABEL, "title", "meta_description", "h1",
        "body_html", "faq": [], "social": {}}`` — ``body_html`` holds only the outline
        headings, each a keyword or section name from the brief.
    """
    from html import escape

    parts = [f"<p><em>{escape(OFFLINE_LABEL)}</em></p>"]
    for item in brief.outline:
        level = 3 if item.get("level") == 3 else 2
        parts.append(f"<h{level}>{escape(str(item.get('text', '')))}</h{level}>")
    return {
        "kind": "outline",
        "label": OFFLINE_LABEL,
        "title": brief.title,
        "meta_description": brief.meta_description,
        "h1": brief.h1,
        "body_html": "\n".join(parts),
        "faq": [],
        "social": {},
    }
