"""What the Keyword Lists page shows: the list, clusters, members (with the evidence that
merged them) and hubs; the page's keyword filters and the treemap rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from db.models import KeywordMetric, ListCluster, ListClusterMember, ListHub
from services.clustering.intent import parse_labels
from services.core.ids import as_uuid


def filter_keywords(
    frame: pd.DataFrame,
    *,
    min_volume: int | None = None,
    max_kd: float | None = None,
    max_cpc: float | None = None,
    intents: Sequence[str] = (),
    statuses: Sequence[str] = (),
    text: str = "",
) -> pd.DataFrame:
    """Rows of :attr:`ListView.keywords` passing the page's filters (unknown metrics pass caps)."""
    out = frame
    if min_volume:
        out = out[pd.to_numeric(out["search_volume"], errors="coerce").fillna(-1) >= min_volume]
    if max_kd is not None:
        kd = pd.to_numeric(out["keyword_difficulty"], errors="coerce")
        out = out[kd.isna() | (kd <= max_kd)]
    if max_cpc is not None:
        cpc = pd.to_numeric(out["cpc"], errors="coerce")
        out = out[cpc.isna() | (cpc <= max_cpc)]
    if intents:
        wanted = set(intents)
        out = out[out["intent"].map(lambda c: bool(wanted & set(parse_labels(c))))]
    if statuses:
        out = out[out["status"].isin(list(statuses))]
    if text:
        out = out[out["keyword"].str.contains(text.strip().lower(), regex=False)]
    return out


def treemap_rows(
    view: ListView, *, max_keywords: int = 25, max_clusters: int = 300
) -> pd.DataFrame:
    """Hub → cluster → keyword rows for a plotly treemap, sized by search volume.

    The ``max_clusters`` largest clusters (by volume) are drawn, with at most
    ``max_keywords`` keywords each (the rest summed into "+N more"), so a 100,000-keyword
    list stays drawable in a browser.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``parent``, ``label``, ``value`` (searches/month; parents are the sums of
        their children, plotly ``branchvalues="total"``).
    """
    rows: list[dict[str, Any]] = []
    clusters = (
        view.clusters.nlargest(max_clusters, "total_volume")
        if len(view.clusters)
        else view.clusters
    )
    if clusters.empty:
        return pd.DataFrame(columns=["id", "parent", "label", "value"])
    members = view.members[view.members["cluster_id"].isin(set(clusters["id"]))].copy()
    members["v"] = pd.to_numeric(members["search_volume"], errors="coerce").fillna(0).astype(float)
    members = members.sort_values("v", ascending=False)
    for cid, grp in members.groupby("cluster_id", sort=False):
        head = grp.head(max_keywords)
        for kw, v in zip(head["keyword"], head["v"], strict=True):
            rows.append({"id": f"k:{cid}:{kw}", "parent": f"c:{cid}", "label": kw, "value": v})
        rest = grp.iloc[max_keywords:]
        if len(rest):
            rows.append(
                {
                    "id": f"k:{cid}:+",
                    "parent": f"c:{cid}",
                    "label": f"+{len(rest)} more",
                    "value": float(rest["v"].sum()),
                }
            )
    sums = members.groupby("cluster_id")["v"].sum()
    for c in clusters.itertuples():
        parent = f"h:{c.hub_id}" if c.hub_id is not None and not pd.isna(c.hub_id) else ""
        rows.append(
            {
                "id": f"c:{c.id}",
                "parent": parent,
                "label": c.name,
                "value": float(sums.get(c.id, 0.0)),
            }
        )
    hub_sum: dict[Any, float] = {}
    for c in clusters.itertuples():
        if c.hub_id is not None and not pd.isna(c.hub_id):
            hub_sum[c.hub_id] = hub_sum.get(c.hub_id, 0.0) + float(sums.get(c.id, 0.0))
    for h in view.hubs.itertuples():
        if h.id not in hub_sum:
            continue
        rows.append(
            {"id": f"h:{h.id}", "parent": "", "label": h.name, "value": hub_sum.get(h.id, 0.0)}
        )
    return pd.DataFrame(rows, columns=["id", "parent", "label", "value"])


@dataclass
class ListView:
    """Everything the Keyword Lists page shows (DataFrames, ready to render).

    Attributes
    ----------
    keywords : pandas.DataFrame
        keyword, search_volume, keyword_difficulty, cpc, intent, status, cluster.
    clusters : pandas.DataFrame
        id, hub_id, hub, name, keyword_count, total_volume, intent_mix, is_pillar,
        is_approved, run_no.
    members : pandas.DataFrame
        cluster_id, keyword, search_volume, similarity, reason (Unclustered), evidence
        (what merged it: "same Parent Keyword"…, None), moved_by_user.
    hubs : pandas.DataFrame
        id, name, total_volume, clusters, review_cluster_id.
    """

    keywords: pd.DataFrame
    clusters: pd.DataFrame
    members: pd.DataFrame
    hubs: pd.DataFrame

    @property
    def unclustered(self) -> pd.DataFrame:
        """Members in the Unclustered bucket with their reason."""
        return self.members[self.members["cluster_id"].isna()]


_KEYWORD_COLUMNS = [
    "keyword",
    "search_volume",
    "keyword_difficulty",
    "cpc",
    "intent",
    "status",
    "cluster",
]
_CLUSTER_COLUMNS = [
    "id",
    "hub_id",
    "hub",
    "name",
    "keyword_count",
    "total_volume",
    "intent_mix",
    "is_pillar",
    "is_approved",
    "run_no",
]
_MEMBER_COLUMNS = [
    "cluster_id",
    "keyword",
    "search_volume",
    "similarity",
    "reason",
    "evidence",
    "moved_by_user",
]
_HUB_COLUMNS = ["id", "name", "total_volume", "clusters", "review_cluster_id"]


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def list_view(engine: Engine, project_id: Any) -> ListView:
    """Read the project's keyword list, clusters, members and hubs."""
    pid = as_uuid(project_id)
    km, c, m, h = KeywordMetric, ListCluster, ListClusterMember, ListHub
    keywords = (
        select(km.keyword, km.search_volume, km.keyword_difficulty, km.cpc, km.intent)
        .add_columns(km.status, c.name)
        .outerjoin(m, m.keyword_id == km.id)
        .outerjoin(c, c.id == m.cluster_id)
        .where(km.project_id == pid)
        .order_by(km.search_volume.desc().nulls_last(), km.keyword)
    )
    clusters = (
        select(c.id, c.hub_id, h.name, c.name, c.keyword_count, c.total_volume, c.intent_mix)
        .add_columns(c.is_pillar, c.is_approved, c.run_no)
        .outerjoin(h, h.id == c.hub_id)
        .where(c.project_id == pid)
        .order_by(c.total_volume.desc(), c.name)
    )
    members = (
        select(m.cluster_id, m.keyword, m.search_volume, m.similarity, m.reason, m.evidence)
        .add_columns(m.moved_by_user)
        .where(m.project_id == pid)
        .order_by(m.search_volume.desc().nulls_last(), m.keyword)
    )
    hubs = (
        select(h.id, h.name, h.total_volume, func.count(c.id), h.review_cluster_id)
        .outerjoin(c, c.hub_id == h.id)
        .where(h.project_id == pid)
        .group_by(h.id, h.name, h.total_volume, h.review_cluster_id)
        .order_by(h.total_volume.desc(), h.name)
    )
    with engine.connect() as conn:
        return ListView(
            _frame(conn.execute(keywords).all(), _KEYWORD_COLUMNS),
            _frame(conn.execute(clusters).all(), _CLUSTER_COLUMNS),
            _frame(conn.execute(members).all(), _MEMBER_COLUMNS),
            _frame(conn.execute(hubs).all(), _HUB_COLUMNS),
        )
