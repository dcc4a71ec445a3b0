""" "Send to review": a hub of the keyword list becomes a seed-style ``KeywordCluster``.

The hub's pillar cluster is the parent page, its other page-level clusters the child pages:
primary keyword = the cluster's name, secondary keywords = its other members (highest
volume first). The result is reviewed and approved on the same Cluster Review page, and
goes through the same bulk-approve bridge, as clusters from the seed funnel.

Per page: the page type (:func:`services.keyword_lists.review_pages.review_page_type`: on
stores product and category nouns are collections, questions, how-tos and comparisons
supporting articles) and its path by the seed funnel's rule
(:func:`services.seed_clusters.site_rules.site_path`: the site's own URL pattern for the
page's type and topic, learnt from its crawled and ranking URLs, else the site type's
default; unique in the cluster), so review shows the URL approval keeps; metrics of the name keyword
from ``keyword_metrics``, and the composite score with the project's weights and the cluster's
cohesion (mean cosine of its members to the centre, 0-1; 1.0 when unknown) as the relevance
confidence. Clusters whose names target the same search — by the shared same-search rules,
the data's evidence (same Parent Keyword, ranking URL, cached SERP overlap; unless the
project switched evidence off) or meaning — become ONE page (the others' keywords are its
secondary keywords, the reasoning says "merged: same Parent Keyword"); clusters the site
cannot own (competitor, navigational, unsafe, store-only on stores) are left out with their
reason (``generation_metadata["left_out"]``); a page whose keyword an approved page already
targets says "Already covered by <url>" (issue 8 §5).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
from services.core.scoring import score_parts
from services.keyword_lists.evidence import Evidence
from services.keyword_lists.evidence_store import read_evidence, read_settings
from services.keyword_lists.review_pages import (
    Merge,
    left_out_reason,
    merge_note,
    page_merges,
    review_page_type,
)
from services.providers.base import Embedder
from services.seed_clusters.select import find_same_search
from services.seed_clusters.site_rules import parent_page_type, role_note, site_path
from services.seed_clusters.store import approved_coverage, site_settings, with_site_sections

MAX_KEYWORD_CHARS = 500  # ClusterPage.keyword is String(500)
#: Secondary keywords kept per page (the rest stay visible in the Keyword Lists page).
MAX_SECONDARY = 200


@dataclass
class _Hub:
    """What Send to review reads of one hub, in one session."""

    hub: ListHub
    clusters: list[ListCluster]
    by_cluster: dict[uuid.UUID, list[tuple[str, int, float | None]]]
    metrics: dict[str, KeywordMetric]
    settings: dict[str, Any]
    evidence: Evidence


def _load(s: Any, pid: uuid.UUID, hub: ListHub) -> _Hub:
    """The hub's clusters (pillar first), members, name metrics, settings and evidence.

    Raises
    ------
    InvalidInputError
        The hub has no clusters.
    """
    clusters = list(
        s.execute(
            select(ListCluster)
            .where(ListCluster.hub_id == hub.id)
            .order_by(
                ListCluster.is_pillar.desc(), ListCluster.total_volume.desc(), ListCluster.name
            )
        ).scalars()
    )
    if not clusters:
        raise InvalidInputError("This hub has no clusters to review.")
    members = s.execute(
        select(
            ListClusterMember.cluster_id,
            ListClusterMember.keyword,
            ListClusterMember.search_volume,
            ListClusterMember.similarity,
        ).where(ListClusterMember.cluster_id.in_([c.id for c in clusters]))
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
    by_cluster: dict[uuid.UUID, list[tuple[str, int, float | None]]] = {c.id: [] for c in clusters}
    for cid, kw, vol, sim in members:
        by_cluster[cid].append((kw, int(vol or 0), sim))
    settings = read_settings(s, pid)
    hints = [metrics[n].grouping_hint if n in metrics else None for n in names]
    evidence = (
        read_evidence(s, pid, names, hints, settings) if settings["use_evidence"] else Evidence()
    )
    return _Hub(hub, clusters, by_cluster, metrics, settings, evidence)


def _plan_pages(
    data: _Hub, embedder: Embedder
) -> tuple[list[int], dict[int, Merge], dict[int, str]]:
    """Kept cluster indices (pillar first), merges into them, and the left-out clusters
    (index → reason)."""
    clusters, site_type = data.clusters, data.settings["site_type"]
    left_out: dict[int, str] = {}
    for i, c in enumerate(clusters[1:], start=1):  # the pillar is the hub: always a page
        metric = data.metrics.get(c.name)
        reason = left_out_reason(
            c.name,
            metric.intent if metric else None,
            site_type,
            data.settings["competitors"],
            data.settings["brand"],
        )
        if reason:
            left_out[i] = reason
    merges = page_merges(
        [c.name for c in clusters],
        [c.total_volume for c in clusters],
        data.evidence,
        find_same_search([c.name for c in clusters], embedder),
    )
    merges = {i: m for i, m in merges.items() if i not in left_out and m.into not in left_out}
    kept = [i for i in range(len(clusters)) if i not in merges and i not in left_out]
    return kept, merges, left_out


def send_hub_to_review(
    engine: Engine, project_id: Any, hub_id: Any, embedder: Embedder | None = None
) -> uuid.UUID:
    """Create the ``KeywordCluster`` of a hub (idempotent: a hub is sent once).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    project_id : uuid.UUID or str
        The project (the hub must belong to it).
    hub_id : uuid.UUID or str
        The hub.
    embedder : Embedder, optional
        For same-search detection by meaning (default: the MiniLM embedder).

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
    if embedder is None:
        from services.providers.embeddings import get_embedder

        embedder = get_embedder("minilm")
    with session_scope(engine) as s:
        hub = s.get(ListHub, hid)
        if hub is None or hub.project_id != pid:
            raise NotFoundError("That hub does not exist in this project.")
        if (
            hub.review_cluster_id is not None
            and s.get(KeywordCluster, hub.review_cluster_id) is not None
        ):
            return hub.review_cluster_id
        data = _load(s, pid, hub)
        kept, merges, left_out = _plan_pages(data, embedder)
        clusters = data.clusters
        review = KeywordCluster(
            project_id=pid,
            seed_keyword=clusters[0].name[:MAX_KEYWORD_CHARS],
            name=hub.name[:MAX_KEYWORD_CHARS],
            status="suggestions_ready",
        )
        s.add(review)
        s.flush()
        page_map = _add_pages(s, pid, review, data, kept, merges)
        review.generation_metadata = {
            "source": "keyword_list",
            "list_hub_id": str(hid),
            "list_cluster_ids": [str(c.id) for c in clusters],
            "total_volume": int(sum(c.total_volume for c in clusters)),
            "pages": page_map,
            "left_out": [
                {"keyword": clusters[i].name, "reason": reason} for i, reason in left_out.items()
            ],
        }
        hub.review_cluster_id = review.id
        return review.id


def _add_pages(
    s: Any,
    pid: uuid.UUID,
    review: KeywordCluster,
    data: _Hub,
    kept: list[int],
    merges: dict[int, Merge],
) -> dict[str, list[str]]:
    """Add one ClusterPage per kept cluster; returns page id → its list cluster ids."""
    site = with_site_sections(s, pid, site_settings(s, pid))
    covered = approved_coverage(s, pid)
    clusters, taken = data.clusters, set[str]()
    pillar = clusters[0].name
    page_map: dict[str, list[str]] = {}
    for order, i in enumerate(kept):
        group = [i, *(j for j, m in merges.items() if m.into == i)]
        page = _page(data, group, merges, order, pillar, site, covered, taken)
        page.cluster_id = review.id
        s.add(page)
        s.flush()
        page_map[str(page.id)] = [str(clusters[j].id) for j in group]
    return page_map


def _page(
    data: _Hub,
    group: list[int],
    merges: dict[int, Merge],
    order: int,
    pillar: str,
    site: Any,
    covered: dict[str, str],
    taken: set[str],
) -> ClusterPage:
    """The review page of cluster ``group[0]`` with the merged clusters ``group[1:]``."""
    clusters = data.clusters
    c = clusters[group[0]]
    kws = sorted(
        {t for j in group for t in [*data.by_cluster[clusters[j].id], (clusters[j].name, 0, None)]},
        key=lambda t: (-t[1], t[0]),
    )
    sims = [t[2] for t in data.by_cluster[c.id] if t[2] is not None]
    cohesion = float(np.clip(np.mean(sims), 0.0, 1.0)) if sims else 1.0
    metric = data.metrics.get(c.name)
    volume = metric.search_volume if metric else None
    competition = metric.competition if metric else None
    is_parent = order == 0
    ptype = review_page_type(c.name, metric.intent if metric else None, site.site_type)
    if is_parent:
        ptype = parent_page_type(ptype, site.site_type)
    secondary = list(dict.fromkeys(k for k, _v, _s in kws if k != c.name))
    cover = next((covered[k] for k in [c.name, *secondary] if k in covered), None)
    reasoning = (
        f"Page-level cluster of {c.keyword_count} keywords, "
        f"{c.total_volume:,} searches/month in total (cohesion {cohesion:.2f})."
    )
    reasoning += merge_note([(clusters[j].name, merges[j].rule) for j in group[1:]])
    intent = metric.intent if metric else None
    if not is_parent and (note := role_note(ptype, pillar, site, c.name, intent)):
        reasoning += f" {note}"
    if cover:
        reasoning = f"Already covered by {cover}. {reasoning}"
    path, origin = site_path(
        c.name, ptype, site, parent_keyword=None if is_parent else pillar, taken=taken,
        topic=pillar,
    )  # fmt: skip
    if origin:
        reasoning = f"{reasoning} Path: {origin}."
    parts = score_parts(volume, cohesion, competition, site.weights)
    return ClusterPage(
        keyword=c.name[:MAX_KEYWORD_CHARS],
        role="parent" if is_parent else "child",
        url_slug=path,
        expansion_strategy="keyword list",
        reasoning=reasoning,
        search_volume=volume,
        cpc=metric.cpc if metric else None,
        competition=competition,
        competition_level=metric.competition_level if metric else None,
        composite_score=parts["total"],
        score_parts=dict(parts),
        relevance=cohesion,
        page_type=ptype,
        source="data",
        covered_by=cover,
        is_approved=False,
        secondary_keywords=secondary[:MAX_SECONDARY],
        sort_order=order,
    )


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
                ids = pages.get(str(page.id)) or []
                for cid in [ids] if isinstance(ids, str) else ids:  # one id before merging
                    cluster = s.get(ListCluster, as_uuid(cid))
                    if cluster is not None and cluster.is_approved != bool(page.is_approved):
                        cluster.is_approved = bool(page.is_approved)
                        changed += 1
    return changed
