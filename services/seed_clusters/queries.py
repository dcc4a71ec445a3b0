"""Read models of seed clusters for the Clusters page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, case, func, select

from db.models import APIUsage, ClusterPage, KeywordCluster
from db.session import session_scope
from services.core.ids import as_uuid

if TYPE_CHECKING:
    import pandas as pd

#: Ticked in review (pre-selected by the funnel or by the reviewer) vs approved: bridged into
#: the content pipeline by ``approval.bulk_approve`` (issue 19: pre-selected is not approved).
_TICKED = ClusterPage.is_approved.is_(True)
_APPROVED = _TICKED & ClusterPage.crawled_page_id.is_not(None)

CLUSTER_COLUMNS = [
    "id",
    "name",
    "seed_keyword",
    "status",
    "pages",
    "preselected_pages",
    "approved_pages",
    "total_search_volume",
    "cost_usd",
    "created_at",
]


def list_clusters(engine: Engine, project_id: Any, *, archived: bool = False) -> pd.DataFrame:
    """Clusters of a project, newest first, with page counts, total search volume
    (searches/month, summed over the cluster's pages) and cost (USD, from APIUsage).

    ``archived`` False lists the live clusters, True the archived ones.
    """
    import pandas as pd

    with session_scope(engine) as s:
        page_stats = (
            select(
                ClusterPage.cluster_id,
                func.count(ClusterPage.id).label("pages"),
                func.sum(case((_TICKED & ~_APPROVED, 1), else_=0)).label("preselected"),
                func.sum(case((_APPROVED, 1), else_=0)).label("approved"),
                func.coalesce(func.sum(ClusterPage.search_volume), 0).label("volume"),
            )
            .group_by(ClusterPage.cluster_id)
            .subquery()
        )
        cost = (
            select(APIUsage.cluster_id, func.sum(APIUsage.cost_usd).label("cost"))
            .group_by(APIUsage.cluster_id)
            .subquery()
        )
        rows = s.execute(
            select(
                KeywordCluster.id,
                KeywordCluster.name,
                KeywordCluster.seed_keyword,
                KeywordCluster.status,
                func.coalesce(page_stats.c.pages, 0),
                func.coalesce(page_stats.c.preselected, 0),
                func.coalesce(page_stats.c.approved, 0),
                func.coalesce(page_stats.c.volume, 0),
                func.coalesce(cost.c.cost, 0.0),
                KeywordCluster.created_at,
            )
            .outerjoin(page_stats, page_stats.c.cluster_id == KeywordCluster.id)
            .outerjoin(cost, cost.c.cluster_id == KeywordCluster.id)
            .where(
                KeywordCluster.project_id == as_uuid(project_id),
                KeywordCluster.archived_at.is_not(None)
                if archived
                else KeywordCluster.archived_at.is_(None),
            )
            .order_by(KeywordCluster.created_at.desc())
        ).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=CLUSTER_COLUMNS)
    df["id"] = df["id"].astype(str)
    df["total_search_volume"] = df["total_search_volume"].astype("int64")
    return df


#: Column names the Clusters page shows (issue 8: human names, not field names).
CLUSTER_LABELS = {
    "name": "Cluster",
    "seed_keyword": "Seed keyword",
    "status": "Status",
    "pages": "Pages",
    "preselected_pages": "Pre-selected (not yet approved)",
    "approved_pages": "Approved pages",
    "total_search_volume": "Search volume (searches/month)",
    "cost_usd": "Cost (USD)",
    "created_at": "Created",
}


def project_totals(engine: Engine, project_id: Any) -> dict[str, int]:
    """Dashboard totals over the live clusters: clusters, pages, approved pages (through
    approval), pre-selected pages (ticked, not yet approved) and the
    search volume of the distinct keywords (a keyword in two clusters counts once;
    searches/month).
    """
    with session_scope(engine) as s:
        rows = s.execute(
            select(
                KeywordCluster.id,
                ClusterPage.keyword,
                ClusterPage.search_volume,
                _APPROVED,
                _TICKED,
            )
            .join(ClusterPage, ClusterPage.cluster_id == KeywordCluster.id)
            .where(
                KeywordCluster.project_id == as_uuid(project_id),
                KeywordCluster.archived_at.is_(None),
            )
        ).all()
        n_clusters = s.scalar(
            select(func.count()).where(
                KeywordCluster.project_id == as_uuid(project_id),
                KeywordCluster.archived_at.is_(None),
            )
        )
    volumes: dict[str, int] = {}
    for _cid, keyword, volume, _approved, _ticked in rows:
        volumes[keyword] = max(volumes.get(keyword, 0), int(volume or 0))
    return {
        "clusters": int(n_clusters or 0),
        "pages": len(rows),
        "approved_pages": sum(1 for r in rows if r[3]),
        "preselected_pages": sum(1 for r in rows if r[4] and not r[3]),
        "search_volume": sum(volumes.values()),
    }


def cluster_pages_frame(engine: Engine, cluster_id: Any) -> pd.DataFrame:
    """Pages of one cluster (keyword, role, search_volume, is_approved) for the volume chart."""
    import pandas as pd

    with session_scope(engine) as s:
        rows = s.execute(
            select(
                ClusterPage.keyword,
                ClusterPage.role,
                ClusterPage.search_volume,
                ClusterPage.is_approved,
            )
            .where(ClusterPage.cluster_id == as_uuid(cluster_id))
            .order_by(ClusterPage.sort_order)
        ).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["keyword", "role", "search_volume", "is_approved"]
    )
