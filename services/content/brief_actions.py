"""Brief actions: build the briefs of a scope (offline, one unit of work).

:func:`generate_briefs` reads the scope's approved pages, the project's keywords, rankings
and cached SERPs, and writes one brief per page; the competitor analysis of an earlier run
(:func:`services.content.competitor_actions.analyse_competitors`) is kept in each brief.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from db.models.content import ContentPage
from db.session import session_scope
from services.content import store
from services.content.briefs import BriefContext, PageInput, SerpResult, build_brief
from services.content.casing import Casing
from services.content.links import (
    LinkNode,
    RankingIndex,
    links_by_page,
    plan_links,
    ranking_links,
    without_competing,
)
from services.content.topics import ClusterTopics, TopicIndex
from services.content.update_brief import as_update
from services.content.views import resolve
from services.core.errors import InvalidInputError
from services.providers.base import BrandProfile
from services.site.api import OptimiseBrief, optimise_briefs_inputs


@dataclass
class BriefsReport:
    """What :func:`generate_briefs` did (counts of pages)."""

    created: int
    regenerated: int

    @property
    def pages(self) -> int:
        """Briefs written."""
        return self.created + self.regenerated


def brief_context(
    project: Any,
    keywords: Any,
    texts: Sequence[str] = (),
) -> BriefContext:
    """The shared part of a project's briefs: site type, brand, keyword index, casing.

    ``texts`` are capitalised texts of the data (SERP titles, competitors' headings) the
    casing learns brand forms from.
    """
    config = dict(getattr(project, "brand_config", None) or {})
    brand = BrandProfile.from_dict(config)
    names = [brand.company_name, *brand.products, *brand.competitors]
    ymyl = str(config.get("ymyl") or "").strip().lower() or None
    return BriefContext(
        site_type=str(getattr(project, "site_type", "") or "shopify"),
        brand_name=brand.company_name,
        persona=brand.primary_persona,
        competitors=brand.competitors,
        index=TopicIndex(keywords),
        casing=Casing(names).learn(texts),
        ymyl=ymyl,
    )


def _texts(serps: dict[str, list[SerpResult]], existing: dict[Any, ContentPage]) -> list[str]:
    out = [r.title for results in serps.values() for r in results if r.title]
    for row in existing.values():
        comp = (row.brief or {}).get("competitors") or {}
        for pg in comp.get("pages") or []:
            out += [str(pg.get("h1") or "")] + [str(h) for h in pg.get("headings") or []]
    return out


def generate_briefs(engine: Engine, cluster_id: Any) -> BriefsReport:
    """Build (or rebuild) the brief of every approved page of a cluster, offline.

    ``cluster_id`` may also be a :func:`services.content.views.site_scope`: the onboarded
    site's approved pages outside the clusters (no parent: links go to the most related
    pages).

    A rebuilt brief keeps the previous one in ``content_versions`` and its competitor
    analysis; drafts and statuses are left as they are (a failed page without a draft goes
    back to "brief").

    Raises
    ------
    NotFoundError
        Unknown cluster.
    InvalidInputError
        The cluster has no approved pages yet (bulk-approve first).
    """
    with session_scope(engine) as s:
        cluster, project = resolve(s, cluster_id)
        cid = cluster.id if cluster is not None else None
        pages = store.approved_pages(s, cluster) if cluster else store.site_pages(s, project)
        if not pages:
            raise InvalidInputError(
                "This cluster has no approved pages yet: approve it on Cluster Review first."
                if cluster
                else "The site has no approved primary keywords yet."
            )
        serps = store.cached_serps(s, project, [p.primary_keyword for p in pages])
        existing = store.content_by_page(s, [uuid.UUID(p.page_id) for p in pages])
        ctx = brief_context(project, store.project_keywords(s, project.id), _texts(serps, existing))
        nodes = [
            LinkNode(
                p.page_id,
                p.primary_keyword,
                p.url,
                p.role,
                p.search_volume,
                tuple(k for k, _v in p.secondary),
            )
            for p in pages
        ]
        ranking = RankingIndex(store.ranking_rows(s, project.id))
        planned = plan_links(nodes) + ranking_links(nodes, ranking)
        links = links_by_page(without_competing(planned, nodes, ranking))
        updates = _update_inputs(engine, project.id, pages)
        parent = next((p.primary_keyword for p in pages if p.role == "parent"), None)
        report = BriefsReport(created=0, regenerated=0)
        cluster_topics = ClusterTopics(
            ctx.index, [(p.page_id, p.primary_keyword, [k for k, _v in p.secondary]) for p in pages]
        )
        for page in pages:
            row = existing.get(uuid.UUID(page.page_id))
            brief = build_brief(
                page,
                ctx,
                cluster=cluster_topics,
                links=links.get(page.page_id),
                parent_keyword=parent if page.role != "parent" else None,
                serp=serps.get(page.primary_keyword, ()),
                competitors=(row.brief or {}).get("competitors") if row is not None else None,
            )
            data = brief.to_dict()
            if page.page_id in updates:
                data = as_update(data, updates[page.page_id])
            _write(s, row, data, project.id, cid, page.page_id, report)
        return report


def _update_inputs(
    engine: Engine, project_id: uuid.UUID, pages: Sequence[PageInput]
) -> dict[str, OptimiseBrief]:
    """Page id → the site's update-brief inputs, for live pages to optimise (issue 18 §1).

    Planned pages (source "cluster") get a new-page brief and are not looked up; a live page
    with no keyword to add gets None from the site package and a normal brief.
    """
    live = [page.page_id for page in pages if page.source != "cluster"]
    return optimise_briefs_inputs(engine, project_id, live) if live else {}


def _write(
    s: Any,
    row: ContentPage | None,
    brief: dict[str, Any],
    project_id: uuid.UUID,
    cluster_id: uuid.UUID | None,
    page_id: str,
    report: BriefsReport,
) -> None:
    """Insert the page's content record, or keep the old brief as a version and replace it."""
    if row is None:
        s.add(
            ContentPage(
                project_id=project_id,
                crawled_page_id=uuid.UUID(page_id),
                cluster_id=cluster_id,
                primary_keyword=brief["primary_keyword"],
                page_type=brief["page_type"],
                status="brief",
                brief=brief,
                draft={},
            )
        )
        report.created += 1
        return
    store.keep_version(s, row, "brief")
    row.brief = brief
    row.page_type = brief["page_type"]
    row.primary_keyword = brief["primary_keyword"]
    row.cluster_id = cluster_id
    if row.status == "failed" and not row.draft:
        row.status, row.error = "brief", None
    report.regenerated += 1
