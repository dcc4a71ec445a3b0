""" "Send to review": a hub of the keyword list becomes a seed-style ``KeywordCluster``.

The hub's pillar cluster is the parent page, its other page-level clusters the child pages:
primary keyword = the cluster's name, secondary keywords = its other members (highest
volume first). The result is reviewed and approved on the same Cluster Review page, and
goes through the same bulk-approve bridge, as clusters from the seed funnel.

Per page: ``url_slug`` from :func:`services.core.slugs.collection_slug` (unique in the cluster),
metrics of the name keyword from ``keyword_metrics``, and ``composite_score`` from
:func:`services.core.scoring.calculate_score` with the cluster's cohesion (mean cosine of its
members to the centre, 0-1; 1.0 when unknown) as the relevance confidence.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from db.models import (
    ClusterPage,
    KeywordCluster,
    KeywordMetric,
    ListCluster,
    ListClusterMember,
    ListHub,
)
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.scoring import calculate_score
from services.core.slugs import collection_slug

MAX_KEYWORD_CHARS = 500  # ClusterPage.keyword is String(500)
#: Secondary keywords kept per page (the rest stay visible in the Keyword Lists page).
MAX_SECONDARY = 200


def send_hub_to_review(engine: Engine, project_id: Any, hub_id: Any) -> uuid.UUID:
    """Create the ``KeywordCluster`` of a hub (idempotent: a hub is sent once).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    project_id : uuid.UUID or str
        The project (the hub must belong to it).
    hub_id : uuid.UUID or str
        The hub.

    Returns
    -------
    uuid.UUID
        Id of the ``KeywordCluster`` (status ``suggestions_ready``).

    Raises
    ------
    NotFoundError
        No such hub in the project.
    InvalidInputError
        The hub has no clusters.
    """
    pid, hid = as_uuid(project_id), as_uuid(hub_id)
    with session_scope(engine) as s:
        hub = s.get(ListHub, hid)
        if hub is None or hub.project_id != pid:
            raise NotFoundError("That hub does not exist in this project.")
        if (
            hub.review_cluster_id is not None
            and s.get(KeywordCluster, hub.review_cluster_id) is not None
        ):
            return hub.review_cluster_id
        clusters = (
            s.execute(
                select(ListCluster)
                .where(ListCluster.hub_id == hid)
                .order_by(
                    ListCluster.is_pillar.desc(), ListCluster.total_volume.desc(), ListCluster.name
                )
            )
            .scalars()
            .all()
        )
        if not clusters:
            raise InvalidInputError("This hub has no clusters to review.")
        ids = [c.id for c in clusters]
        members = s.execute(
            select(
                ListClusterMember.cluster_id,
                ListClusterMember.keyword,
                ListClusterMember.search_volume,
                ListClusterMember.similarity,
            ).where(ListClusterMember.cluster_id.in_(ids))
        ).all()
        names = [c.name for c in clusters]
        metrics = {
            m.keyword: m
            for m in s.execute(
                select(KeywordMetric).where(
                    KeywordMetric.project_id == pid, KeywordMetric.keyword.in_(names)
                )
            ).scalars()
        }
        by_cluster: dict[uuid.UUID, list[tuple[str, int, float | None]]] = {
            c.id: [] for c in clusters
        }
        for cid, kw, vol, sim in members:
            by_cluster[cid].append((kw, int(vol or 0), sim))
        review = KeywordCluster(
            project_id=pid,
            seed_keyword=clusters[0].name[:MAX_KEYWORD_CHARS],
            name=hub.name[:MAX_KEYWORD_CHARS],
            status="suggestions_ready",
            generation_metadata={
                "source": "keyword_list",
                "list_hub_id": str(hid),
                "list_cluster_ids": [str(i) for i in ids],
                "total_volume": int(sum(c.total_volume for c in clusters)),
            },
        )
        s.add(review)
        s.flush()
        taken: set[str] = set()
        page_map: dict[str, str] = {}
        for order, c in enumerate(clusters):
            kws = sorted(by_cluster[c.id], key=lambda t: (-t[1], t[0]))
            sims = [t[2] for t in kws if t[2] is not None]
            cohesion = float(np.clip(np.mean(sims), 0.0, 1.0)) if sims else 1.0
            metric = metrics.get(c.name)
            volume = metric.search_volume if metric else None
            competition = metric.competition if metric else None
            page = ClusterPage(
                cluster_id=review.id,
                keyword=c.name[:MAX_KEYWORD_CHARS],
                role="parent" if order == 0 else "child",
                url_slug=collection_slug(c.name, taken),
                expansion_strategy="keyword list",
                reasoning=(
                    f"Page-level cluster of {c.keyword_count} keywords, "
                    f"{c.total_volume:,} searches/month in total (cohesion {cohesion:.2f})."
                ),
                search_volume=volume,
                cpc=metric.cpc if metric else None,
                competition=competition,
                competition_level=metric.competition_level if metric else None,
                composite_score=calculate_score(volume, cohesion, competition),
                is_approved=False,
                secondary_keywords=[k for k, _v, _s in kws if k != c.name][:MAX_SECONDARY],
                sort_order=order,
            )
            s.add(page)
            s.flush()
            page_map[str(page.id)] = str(c.id)
        review.generation_metadata = {**review.generation_metadata, "pages": page_map}
        hub.review_cluster_id = review.id
        return review.id


def sync_approvals(engine: Engine, project_id: Any) -> int:
    """Copy approvals from reviewed pages back to their list clusters; returns changes.

    Approval is decided on the Cluster Review page; the Keyword Lists page shows it.
    """
    pid = as_uuid(project_id)
    changed = 0
    with session_scope(engine) as s:
        reviews = (
            s.execute(
                select(KeywordCluster)
                .join(ListHub, ListHub.review_cluster_id == KeywordCluster.id)
                .where(ListHub.project_id == pid)
            )
            .scalars()
            .all()
        )
        for review in reviews:
            pages = (review.generation_metadata or {}).get("pages") or {}
            for page in review.pages:
                cid = pages.get(str(page.id))
                cluster = s.get(ListCluster, as_uuid(cid)) if cid else None
                if cluster is not None and cluster.is_approved != bool(page.is_approved):
                    cluster.is_approved = bool(page.is_approved)
                    changed += 1
    return changed
