"""Stage 4: turn the Cluster Review table's edits into typed decisions and save them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.slugs import normalize_slug
from services.core.text import normalize_keyword

#: Columns of the review table, in display order.
REVIEW_COLUMNS = [
    "id",
    "approve",
    "role",
    "keyword",
    "url_slug",
    "search_volume",
    "cpc",
    "competition",
    "composite_score",
    "expansion_strategy",
    "reasoning",
]


@dataclass(frozen=True)
class PageDecision:
    """The reviewer's verdict on one page (edited values already cleaned)."""

    page_id: uuid.UUID
    approve: bool
    keyword: str
    url_slug: str
    role: str


def review_table(engine: Engine, cluster_id: Any) -> tuple[dict[str, Any], pd.DataFrame]:
    """Cluster header and its pages as the review DataFrame (:data:`REVIEW_COLUMNS`).

    Raises:
        NotFoundError: unknown cluster.
    """
    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id))
        if cluster is None:
            raise NotFoundError("Cluster not found.")
        header = {
            "id": cluster.id,
            "name": cluster.name,
            "seed_keyword": cluster.seed_keyword,
            "status": cluster.status,
            "warnings": list((cluster.generation_metadata or {}).get("warnings", [])),
            "metadata": dict(cluster.generation_metadata or {}),
        }
        rows = [
            {
                "id": str(p.id),
                "approve": bool(p.is_approved),
                "role": p.role,
                "keyword": p.keyword,
                "url_slug": p.url_slug,
                "search_volume": p.search_volume,
                "cpc": p.cpc,
                "competition": p.competition,
                "composite_score": p.composite_score,
                "expansion_strategy": p.expansion_strategy,
                "reasoning": p.reasoning,
            }
            for p in cluster.pages
        ]
    return header, pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def to_decisions(original: pd.DataFrame, edited: pd.DataFrame) -> list[PageDecision]:
    """Typed decisions from the editor's result (pure; unit-tested directly).

    Rows are matched by ``id``; keywords are normalised, slugs cleaned to
    ``/collections/<slug>`` form, roles must be parent/child.

    Raises:
        InvalidInputError: empty keyword, unknown role, rows added or removed, duplicate
            slugs, or not exactly one parent among the approved pages.
    """
    if set(edited["id"]) != set(original["id"]):
        raise InvalidInputError("Rows cannot be added or removed in the review table.")
    decisions = []
    for row in edited.to_dict("records"):
        keyword = normalize_keyword(str(row.get("keyword") or ""))
        if not keyword:
            raise InvalidInputError("Every page needs a keyword.")
        role = str(row.get("role") or "child").strip().lower()
        if role not in ("parent", "child"):
            raise InvalidInputError(f"Role must be parent or child, not '{role}'.")
        decisions.append(
            PageDecision(
                page_id=as_uuid(row["id"]),
                approve=bool(row.get("approve")),
                keyword=keyword,
                url_slug=normalize_slug(str(row.get("url_slug") or keyword)),
                role=role,
            )
        )
    slugs = [d.url_slug for d in decisions]
    if len(set(slugs)) != len(slugs):
        dupes = sorted({s for s in slugs if slugs.count(s) > 1})
        raise InvalidInputError(f"Slugs must be unique in a cluster: {', '.join(dupes)}.")
    approved_parents = [d for d in decisions if d.approve and d.role == "parent"]
    if any(d.approve for d in decisions) and len(approved_parents) != 1:
        raise InvalidInputError(
            f"Exactly one approved parent page is needed ({len(approved_parents)} selected)."
        )
    return decisions


def save_decisions(engine: Engine, cluster_id: Any, decisions: list[PageDecision]) -> int:
    """Write the reviewer's edits (keyword, slug, role, approval) in one transaction.

    Pages already bridged to a ``CrawledPage`` keep their keyword and slug.

    Returns:
        Number of pages marked approved.
    """
    with session_scope(engine) as s:
        return apply_decisions(s, cluster_id, decisions)


def apply_decisions(s: Session, cluster_id: Any, decisions: list[PageDecision]) -> int:
    """:func:`save_decisions` inside the caller's transaction (used by bulk-approve).

    Raises:
        NotFoundError: a decided page no longer belongs to the cluster.
    """
    pages = {
        p.id: p
        for p in s.scalars(select(ClusterPage).where(ClusterPage.cluster_id == as_uuid(cluster_id)))
    }
    # Free slugs first so swaps between rows do not trip the unique constraint.
    for d in decisions:
        page = pages.get(d.page_id)
        if page is not None and page.crawled_page_id is None and page.url_slug != d.url_slug:
            page.url_slug = f"__tmp__{page.id}"
    s.flush()
    for d in decisions:
        page = pages.get(d.page_id)
        if page is None:
            raise NotFoundError("A page of this cluster no longer exists; reload the page.")
        page.is_approved = d.approve or page.crawled_page_id is not None
        page.role = d.role
        if page.crawled_page_id is None:
            page.keyword = d.keyword
            page.url_slug = d.url_slug
    s.flush()
    return sum(1 for p in pages.values() if p.is_approved)
