"""Stage 4: turn the Cluster Review table's edits into typed decisions and save them.

Edits stay true (issue 8): a changed keyword has its metrics looked up again (the project's
data or the DataForSEO cache; unknown → no volume, never the old keyword's), is rescored
with the project's weights, gets its page type again, and its path is regenerated unless
the user typed one. A typed path is validated and kept exactly as typed, or refused with a
clear message — never rewritten.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.scoring import competition_used, score_parts
from services.core.slugs import check_typed_path
from services.core.text import normalize_keyword
from services.projects.keyword_data import lookup_metrics
from services.providers.base import KeywordData
from services.seed_clusters import store
from services.seed_clusters.site_rules import SiteSettings, page_type_of, suggest_path

if TYPE_CHECKING:
    import pandas as pd

#: Columns of the review table, in display order.
REVIEW_COLUMNS = [
    "id",
    "approve",
    "role",
    "page_type",
    "keyword",
    "url_slug",
    "search_volume",
    "composite_score",
    "volume_points",
    "relevance_points",
    "competition_points",
    "source",
    "secondary_keywords",
    "covered_by",
    "cpc",
    "competition",
    "expansion_strategy",
    "reasoning",
]
#: Columns the reviewer may edit.
EDITABLE_COLUMNS = ("approve", "role", "keyword", "url_slug")


@dataclass(frozen=True)
class PageDecision:
    """The reviewer's verdict on one page (edited values already cleaned).

    Attributes:
        url_slug: the path as typed when ``slug_typed``; otherwise the page's current path
            (regenerated on save when the keyword changed).
        slug_typed: the reviewer changed the path in this edit.
    """

    page_id: uuid.UUID
    approve: bool
    keyword: str
    url_slug: str
    role: str
    slug_typed: bool = False


def review_table(engine: Engine, cluster_id: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    """Cluster header and its pages as the review DataFrame (:data:`REVIEW_COLUMNS`).

    ``search_volume`` is a nullable integer column (searches/month); the three ``*_points``
    columns are the composite score's weighted parts; ``secondary_keywords`` is a
    comma-joined text.

    Raises:
        NotFoundError: unknown cluster.
    """
    import pandas as pd

    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id))
        if cluster is None:
            raise NotFoundError("Cluster not found.")
        header = {
            "id": cluster.id,
            "name": cluster.name,
            "seed_keyword": cluster.seed_keyword,
            "status": cluster.status,
            "archived": cluster.archived_at is not None,
            "warnings": list((cluster.generation_metadata or {}).get("warnings", [])),
            "metadata": dict(cluster.generation_metadata or {}),
        }
        rows = []
        for p in cluster.pages:
            parts = dict(p.score_parts or {})
            rows.append(
                {
                    "id": str(p.id),
                    "approve": bool(p.is_approved),
                    "role": p.role,
                    "page_type": p.page_type or "collection",
                    "keyword": p.keyword,
                    "url_slug": p.url_slug,
                    "search_volume": p.search_volume,
                    "composite_score": p.composite_score,
                    "volume_points": parts.get("volume"),
                    "relevance_points": parts.get("relevance"),
                    "competition_points": parts.get("competition"),
                    "source": p.source or "",
                    "secondary_keywords": ", ".join(p.secondary_keywords or []),
                    "covered_by": p.covered_by or "",
                    "cpc": p.cpc,
                    "competition": p.competition,
                    "expansion_strategy": p.expansion_strategy,
                    "reasoning": p.reasoning,
                }
            )
    df = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    df["search_volume"] = df["search_volume"].astype("Int64")
    return header, df


def to_decisions(original: pd.DataFrame, edited: pd.DataFrame) -> list[PageDecision]:
    """Typed decisions from the editor's result (pure; unit-tested directly).

    Rows are matched by ``id``; keywords are normalised; a path the reviewer changed is
    validated (:func:`services.core.slugs.check_typed_path`) and kept exactly as typed.

    Raises:
        InvalidInputError: empty keyword, unknown role, rows added or removed, an invalid
            typed path, duplicate paths, or not exactly one parent among the approved pages.
    """
    if set(edited["id"]) != set(original["id"]):
        raise InvalidInputError("Rows cannot be added or removed in the review table.")
    before = {str(r["id"]): r for r in original.to_dict("records")}
    decisions = []
    for row in edited.to_dict("records"):
        keyword = normalize_keyword(str(row.get("keyword") or ""))
        if not keyword:
            raise InvalidInputError("Every page needs a keyword.")
        role = str(row.get("role") or "child").strip().lower()
        if role not in ("parent", "child"):
            raise InvalidInputError(f"Role must be parent or child, not '{role}'.")
        old = before[str(row["id"])]
        path = str(row.get("url_slug") or "")
        typed = path != str(old.get("url_slug") or "")
        if typed:
            problem = check_typed_path(path)
            if problem:
                raise InvalidInputError(f"'{keyword}': {problem}")
        decisions.append(
            PageDecision(
                page_id=as_uuid(row["id"]),
                approve=bool(row.get("approve")),
                keyword=keyword,
                url_slug=path,
                role=role,
                slug_typed=typed,
            )
        )
    slugs = [d.url_slug for d in decisions if d.slug_typed or d.keyword == _kw(before, d)]
    if len(set(slugs)) != len(slugs):
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        raise InvalidInputError(f"Paths must be unique in a cluster: {', '.join(dupes)}.")
    approved_parents = [d for d in decisions if d.approve and d.role == "parent"]
    if any(d.approve for d in decisions) and len(approved_parents) != 1:
        raise InvalidInputError(
            f"Exactly one approved parent page is needed ({len(approved_parents)} selected)."
        )
    return decisions


def _kw(before: dict[str, dict[str, Any]], d: PageDecision) -> str:
    return normalize_keyword(str(before[str(d.page_id)].get("keyword") or ""))


def save_decisions(engine: Engine, cluster_id: Any, decisions: list[PageDecision]) -> int:
    """Write the reviewer's edits (keyword, path, role, approval) in one transaction.

    Pages already bridged to a ``CrawledPage`` keep their keyword and path.

    Returns:
        Number of pages marked approved.
    """
    with session_scope(engine) as s:
        return apply_decisions(s, cluster_id, decisions)


def apply_decisions(s: Session, cluster_id: Any, decisions: list[PageDecision]) -> int:
    """:func:`save_decisions` inside the caller's transaction (used by bulk-approve).

    A changed keyword: metrics looked up again (data or cache), source, page type, score
    (project weights, the page's relevance; competition from Ads or Keyword Difficulty)
    and — unless the reviewer typed a path now or before — the path regenerated by the
    project's pattern.

    Raises:
        NotFoundError: a decided page no longer belongs to the cluster.
        InvalidInputError: two pages would end with the same path.
    """
    cluster = s.get(KeywordCluster, as_uuid(cluster_id))
    if cluster is None:
        raise NotFoundError("Cluster not found.")
    site = store.site_settings(s, cluster.project_id)
    pages = {
        p.id: p for p in s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == cluster.id))
    }
    for d in decisions:
        if d.page_id not in pages:
            raise NotFoundError("A page of this cluster no longer exists; reload the page.")
    changed = [
        d
        for d in decisions
        if pages[d.page_id].crawled_page_id is None and pages[d.page_id].keyword != d.keyword
    ]
    metrics = lookup_metrics(s, cluster.project_id, sorted({d.keyword for d in changed}))
    parent = next((d for d in decisions if d.role == "parent"), None)
    parent_kw = parent.keyword if parent else cluster.seed_keyword
    final = _final_paths(decisions, pages, changed, site, parent_kw)
    # Free paths first so swaps between rows do not trip the unique constraint.
    for d in decisions:
        page = pages[d.page_id]
        if page.url_slug != final[page.id]:
            page.url_slug = f"__tmp__{page.id}"
    s.flush()
    for d in decisions:
        page = pages[d.page_id]
        page.is_approved = d.approve or page.crawled_page_id is not None
        page.role = d.role
        if page.crawled_page_id is not None:
            continue
        page.url_slug = final[page.id]
        if d.slug_typed:
            page.slug_edited = True
        if d in changed:
            _apply_edit(page, d.keyword, metrics.get(d.keyword), site)
    s.flush()
    return sum(1 for p in pages.values() if p.is_approved)


def _final_paths(
    decisions: list[PageDecision],
    pages: dict[uuid.UUID, ClusterPage],
    changed: list[PageDecision],
    site: SiteSettings,
    parent_kw: str,
) -> dict[uuid.UUID, str]:
    """Page id → its path after the decisions: bridged and typed paths kept, edited
    keywords get a new path by the project's pattern.

    Raises:
        InvalidInputError: two pages would end with the same path.
    """
    final: dict[uuid.UUID, str] = {}
    for d in decisions:
        page = pages[d.page_id]
        if page.crawled_page_id is not None:
            final[page.id] = page.url_slug
        elif d.slug_typed:
            final[page.id] = d.url_slug
        elif d not in changed or page.slug_edited:
            final[page.id] = page.url_slug
    taken: set[str] = set(final.values())
    for d in changed:
        page = pages[d.page_id]
        if d.slug_typed or page.slug_edited:
            continue
        ptype = page_type_of(d.keyword, None, site.site_type)
        final[page.id] = suggest_path(
            d.keyword,
            ptype,
            site,
            parent_keyword=None if d.role == "parent" else parent_kw,
            taken=taken,
        )
    paths = list(final.values())
    if len(set(paths)) != len(paths):
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        raise InvalidInputError(f"Paths must be unique in a cluster: {', '.join(dupes)}.")
    return final


def _apply_edit(
    page: ClusterPage, keyword: str, data: KeywordData | None, site: SiteSettings
) -> None:
    """A keyword edited in review: its metrics, source, page type and score."""
    page.keyword = keyword
    page.search_volume = (
        int(data.search_volume) if data and data.search_volume is not None else None
    )
    page.cpc = data.cpc if data else None
    page.competition = data.competition if data else None
    page.competition_level = data.competition_level if data else None
    page.source = ("dataforseo" if data.source == "dataforseo" else "data") if data else "user"
    page.page_type = page_type_of(keyword, data.intent if data else None, site.site_type)
    competition, _ = competition_used(page.competition, data.keyword_difficulty if data else None)
    parts = score_parts(
        page.search_volume,
        page.relevance if page.relevance is not None else 0.5,
        competition,
        site.weights,
    )
    page.score_parts = parts
    page.composite_score = parts["total"]
    page.covered_by = None
    page.reasoning = (
        f"Keyword edited in review; metrics from "
        f"{'your keyword data' if data else 'nowhere: not in your data or cache'}."
    )
