"""Optimise, don't duplicate (issue 18 §1): existing pages that cover a keyword.

An approved cluster page whose keyword an existing page of the site already covers
(:func:`coverage`: it holds it as primary, or ranks for it) becomes an **optimise existing
page** task on that page instead of a new page: the keyword is added to the page's
``PageKeywords.secondary_keywords`` (the keywords to add; created with the page's own
primary when the page has none yet). :func:`optimise_brief_inputs` gives the content
package what an update brief needs: the page's current title, H1, headings and meta
description from the crawl, its primary, and the keywords to add.

Functions taking a ``Session`` run inside the caller's unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import (
    AppSetting,
    ClusterPage,
    CrawledPage,
    PageKeywords,
    PagePrimaryKeyword,
    Project,
)
from db.session import session_scope
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.core.urls import site_host, url_identity
from services.site.url_patterns import InferredPattern, SitePage, pattern_for, site_patterns

#: Page sources that are pages of the live site (not planned cluster pages).
SITE_SOURCES = ("crawl", "rankings", "onboarding")


def coverage(s: Session, project_id: uuid.UUID, keywords: Sequence[str]) -> dict[str, str]:
    """Normalised keyword → URL of the existing page that covers it (see ``covered_by``)."""
    from services.site import store
    from services.site.cannibalization import (
        CANNIBALIZATION_KEY,
        CannibalizationSettings,
        covered_owner,
    )
    from services.site.rankings import aggregate_rankings

    wanted = sorted({normalize_keyword(k) for k in keywords if k and k.strip()})
    if not wanted:
        return {}
    stored = s.get(AppSetting, CANNIBALIZATION_KEY)
    settings = CannibalizationSettings.from_dict(dict(stored.value) if stored else {})
    primaries, rows = store.covered_keywords(s, project_id, wanted, settings.max_position)
    owners = covered_owner(aggregate_rankings(rows)) if len(rows) else {}
    owners.update(primaries)
    return owners


def find_page(s: Session, project_id: uuid.UUID, url: str) -> CrawledPage | None:
    """The project's page at ``url`` by URL identity (scheme, www, slash… ignored)."""
    return s.scalar(
        select(CrawledPage).where(
            CrawledPage.project_id == project_id,
            CrawledPage.normalized_url == url_identity(url),
        )
    )


def add_keyword_to_page(
    s: Session, page: CrawledPage, keyword: str, *, search_volume: int | None, note: str
) -> str:
    """Record "optimise ``page`` for ``keyword``"; "optimise", or "already" when recorded.

    The page's ``PageKeywords`` is created when missing (primary: its suggested or approved
    primary keyword, else ``keyword``; approved, so the content pipeline sees the task);
    ``keyword`` joins its secondary keywords unless it is the primary.
    """
    pk = s.scalar(select(PageKeywords).where(PageKeywords.crawled_page_id == page.id))
    created = pk is None
    if pk is None:
        primary = s.scalar(
            select(PagePrimaryKeyword.keyword).where(PagePrimaryKeyword.crawled_page_id == page.id)
        )
        pk = PageKeywords(
            crawled_page_id=page.id,
            primary_keyword=primary or keyword,
            secondary_keywords=[],
            search_volume=search_volume if not primary else None,
            is_approved=True,
            ai_reasoning=note,
        )
        s.add(pk)
    secondary = [str(k) for k in pk.secondary_keywords or []]
    if keyword == pk.primary_keyword or keyword in secondary:
        return "optimise" if created else "already"
    pk.secondary_keywords = [*secondary, keyword]
    pk.is_approved = True
    pk.ai_reasoning = "; ".join(t for t in (pk.ai_reasoning, note) if t)[:4000]
    return "optimise"


def site_pages(s: Session, project_id: uuid.UUID) -> list[SitePage]:
    """The live site's URLs with their crawl page type (patterns' input)."""
    from services.site import store

    rows = store.load_pages(s, project_id)
    return [
        SitePage(r["url"], r.get("category") if r["source"] == "crawl" else None)
        for r in rows
        if r["source"] in SITE_SOURCES and r.get("status") not in ("error", "gone")
    ]


def new_page_host(s: Session, project: Project) -> str | None:
    """The host new pages get: the one the crawl/rankings URLs use, else the domain."""
    return site_host(project.domain, [p.url for p in site_pages(s, project.id)])


def site_url_pattern(
    engine: Engine, project_id: Any, keyword: str, page_type: str, topic: str | None = None
) -> InferredPattern | None:
    """The site's own URL pattern for a new page (:func:`services.site.url_patterns.pattern_for`).

    For the seed funnel's path suggestion (``site_rules.suggest_path(pattern=…)``); None →
    the site type's default.
    """
    with session_scope(engine) as s:
        pages = site_pages(s, as_uuid(project_id))
    return pattern_for(keyword, page_type, pages, topic=topic)


def url_patterns_table(engine: Engine, project_id: Any) -> list[tuple[str, int, str]]:
    """The site's main URL patterns, for display: (pattern, URLs following it, page type).

    Where new pages' paths come from (:mod:`services.site.url_patterns`).
    """
    with session_scope(engine) as s:
        pages = site_pages(s, as_uuid(project_id))
    return site_patterns(pages)


@dataclass(frozen=True)
class OptimiseBrief:
    """What an update brief for an existing page starts from.

    Attributes
    ----------
    page_id, url : str
    title, h1, meta_description : str
        As crawled ("" when the page is known only from rankings).
    headings : tuple of str
        H2-H6 in document order.
    primary_keyword : str
        The page's primary keyword.
    keywords_to_add : tuple of str
        Approved keywords the page is to be optimised for.
    already_in_headings : tuple of str
        Those of ``keywords_to_add`` whose words all appear in the title, H1 or a heading.
    """

    page_id: str
    url: str
    title: str
    h1: str
    meta_description: str
    headings: tuple[str, ...]
    primary_keyword: str
    keywords_to_add: tuple[str, ...]
    already_in_headings: tuple[str, ...]


def optimise_brief_inputs(engine: Engine, project_id: Any, page_id: Any) -> OptimiseBrief | None:
    """The update-brief inputs of an existing page with keywords to add, else None.

    None for a planned (cluster) page, an unknown page, or a page with no keyword to add:
    those get a new-page brief.
    """
    return optimise_briefs_inputs(engine, project_id, [page_id]).get(str(as_uuid(page_id)))


def optimise_briefs_inputs(
    engine: Engine, project_id: Any, page_ids: Sequence[Any]
) -> dict[str, OptimiseBrief]:
    """:func:`optimise_brief_inputs` of many pages in one unit of work: page id (str) → the
    inputs, for the pages that get an update brief only."""
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        found = (_update_brief(s, pid, page_id) for page_id in page_ids)
        return {brief.page_id: brief for brief in found if brief is not None}


def _update_brief(s: Session, project_id: uuid.UUID, page_id: Any) -> OptimiseBrief | None:
    from services.site.page_inputs import headings_of

    page = s.get(CrawledPage, as_uuid(page_id))
    if page is None or page.project_id != project_id or page.source == "cluster":
        return None
    pk = s.scalar(select(PageKeywords).where(PageKeywords.crawled_page_id == page.id))
    approved = s.scalars(
        select(ClusterPage.keyword).where(
            ClusterPage.is_approved.is_(True),
            (ClusterPage.crawled_page_id == page.id) | (ClusterPage.covered_by == page.url),
        )
    ).all()
    to_add = tuple(
        dict.fromkeys([*approved, *(str(k) for k in (pk.secondary_keywords if pk else []))])
    )
    if pk is None or not to_add:
        return None
    h1, headings = headings_of(page.headings)
    h1 = page.h1 or h1 or ""
    seen = " ".join([page.title or "", h1, *headings]).lower()
    return OptimiseBrief(
        page_id=str(page.id),
        url=page.url,
        title=page.title or "",
        h1=h1,
        meta_description=page.meta_description or "",
        headings=tuple(headings),
        primary_keyword=pk.primary_keyword,
        keywords_to_add=to_add,
        already_in_headings=tuple(k for k in to_add if all(w in seen for w in k.split())),
    )
