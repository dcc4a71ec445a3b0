"""What the Keyword Lists page shows: the list, clusters, members (with the evidence that
merged them) and hubs; the page's keyword filters and the treemap rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, func, select, type_coerce

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
    members = view.members_of(clusters["id"]).copy()
    members["v"] = pd.to_numeric(members["search_volume"], errors="coerce").fillna(0).astype(float)
    members = members.sort_values("v", ascending=False)
    keyword_rows = _keyword_rows(members, max_keywords)
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
    tree = pd.DataFrame(rows, columns=["id", "parent", "label", "value"])
    return pd.concat([keyword_rows, tree], ignore_index=True) if len(keyword_rows) else tree


def _keyword_rows(members: pd.DataFrame, max_keywords: int) -> pd.DataFrame:
    """The keyword leaves of the treemap: per cluster (in order of its loudest member) its
    ``max_keywords`` loudest keywords, then one "+N more" leaf summing the rest; one pass
    over the sorted members instead of a slice per cluster."""
    cid = members["cluster_id"].to_numpy()
    order = pd.factorize(cid)[0]  # cluster's rank by its first (loudest) member
    rank = members.groupby("cluster_id", sort=False).cumcount().to_numpy()
    head = rank < max_keywords
    words, vols = members["keyword"].to_numpy(), members["v"].to_numpy()
    leaves = pd.DataFrame(
        {
            "id": [f"k:{c}:{k}" for c, k in zip(cid[head], words[head], strict=True)],
            "parent": [f"c:{c}" for c in cid[head]],
            "label": words[head],
            "value": vols[head],
            "_g": order[head],
            "_p": rank[head],
        }
    )
    rest = pd.DataFrame({"c": cid[~head], "g": order[~head], "v": vols[~head]})
    more = rest.groupby("g", sort=True).agg(c=("c", "first"), n=("v", "size"), v=("v", "sum"))
    extra = pd.DataFrame(
        {
            "id": [f"k:{c}:+" for c in more["c"]],
            "parent": [f"c:{c}" for c in more["c"]],
            "label": [f"+{n} more" for n in more["n"]],
            "value": more["v"].to_numpy(float),
            "_g": more.index.to_numpy(),
            "_p": max_keywords,
        }
    )
    out = pd.concat([leaves, extra], ignore_index=True) if len(extra) else leaves
    out = out.sort_values(["_g", "_p"], kind="mergesort")
    return out.drop(columns=["_g", "_p"]).reset_index(drop=True)


#: Most cluster ids :meth:`ListView.members_of` puts in one ``IN (…)`` (SQLite's limit on
#: bound parameters is 32,766; beyond this the whole list is read once).
MAX_IN_IDS = 1_000


class ListView:
    """Everything the Keyword Lists page shows (DataFrames, ready to render), each frame read
    from the database the first time it is used (a tab that shows only the keywords does
    not read clusters, members and hubs; issue 22).

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

    def __init__(self, engine: Engine, project_id: Any) -> None:
        self._engine = engine
        self._pid = as_uuid(project_id)
        self._subsets: list[tuple[frozenset[Any], pd.DataFrame]] = []

    def _read(self, query: Any, columns: list[str], ids: Sequence[str] = ()) -> pd.DataFrame:
        """Rows of ``query`` as a frame; the ``ids`` columns are read as text (the query
        wraps them in :func:`_text`) and turned into ``uuid.UUID`` once per distinct id: 12.7k
        members share a few hundred clusters (issue 22)."""
        with self._engine.connect() as conn:
            frame = _frame(conn.execute(query).all(), columns)
        for name in ids:
            codes, uniques = pd.factorize(frame[name])
            as_ids = np.array([_as_id(u) for u in uniques] + [None], dtype=object)
            frame[name] = as_ids[codes]  # code -1 (NULL) → the trailing None
        return frame

    @cached_property
    def keywords(self) -> pd.DataFrame:
        km, c, m = KeywordMetric, ListCluster, ListClusterMember
        query = (
            select(km.keyword, km.search_volume, km.keyword_difficulty, km.cpc, km.intent)
            .add_columns(km.status, c.name)
            .outerjoin(m, m.keyword_id == km.id)
            .outerjoin(c, c.id == m.cluster_id)
            .where(km.project_id == self._pid)
            .order_by(km.search_volume.desc().nulls_last(), km.keyword)
        )
        return self._read(query, _KEYWORD_COLUMNS)

    @cached_property
    def clusters(self) -> pd.DataFrame:
        c, h = ListCluster, ListHub
        query = (
            select(
                _text(c.id),
                _text(c.hub_id),
                h.name,
                c.name,
                c.keyword_count,
                c.total_volume,
                c.intent_mix,
            )
            .add_columns(c.is_pillar, c.is_approved, c.run_no)
            .outerjoin(h, h.id == c.hub_id)
            .where(c.project_id == self._pid)
            .order_by(c.total_volume.desc(), c.name)
        )
        return self._read(query, _CLUSTER_COLUMNS, ("id", "hub_id"))

    def _members_query(self) -> Any:
        m = ListClusterMember
        return (
            select(
                _text(m.cluster_id), m.keyword, m.search_volume, m.similarity, m.reason, m.evidence
            )
            .add_columns(m.moved_by_user)
            .where(m.project_id == self._pid)
            .order_by(m.search_volume.desc().nulls_last(), m.keyword)
        )

    @cached_property
    def members(self) -> pd.DataFrame:
        return self._read(self._members_query(), _MEMBER_COLUMNS, ("cluster_id",))

    def members_of(self, cluster_ids: Iterable[Any]) -> pd.DataFrame:
        """Rows of :attr:`members` in the given clusters, in the same order.

        Read on their own (not the whole list) unless :attr:`members` is loaded already or
        an earlier call read a superset: the Clusters tab shows the treemap's 300 clusters
        and 50 cards, 2-4k of a 12.7k-keyword list (issue 22). More than
        :data:`MAX_IN_IDS` ids read the whole list.

        Parameters
        ----------
        cluster_ids : iterable
            Cluster ids (``uuid.UUID``, as in :attr:`clusters`).
        """
        ids = set(cluster_ids)
        if "members" in self.__dict__ or len(ids) > MAX_IN_IDS:
            return self.members[self.members["cluster_id"].isin(ids)]
        for loaded, frame in self._subsets:
            if ids <= loaded:
                return frame[frame["cluster_id"].isin(ids)]
        query = self._members_query().where(ListClusterMember.cluster_id.in_(list(ids)))
        frame = self._read(query, _MEMBER_COLUMNS, ("cluster_id",))
        self._subsets.append((frozenset(ids), frame))
        return frame

    @cached_property
    def hubs(self) -> pd.DataFrame:
        c, h = ListCluster, ListHub
        query = (
            select(
                _text(h.id), h.name, h.total_volume, func.count(c.id), _text(h.review_cluster_id)
            )
            .outerjoin(c, c.hub_id == h.id)
            .where(h.project_id == self._pid)
            .group_by(h.id, h.name, h.total_volume, h.review_cluster_id)
            .order_by(h.total_volume.desc(), h.name)
        )
        return self._read(query, _HUB_COLUMNS, ("id", "review_cluster_id"))

    @property
    def unclustered(self) -> pd.DataFrame:
        """Members in the Unclustered bucket with their reason (read on their own unless
        :attr:`members` is loaded)."""
        if "members" in self.__dict__:
            return self.members[self.members["cluster_id"].isna()]
        query = self._members_query().where(ListClusterMember.cluster_id.is_(None))
        return self._read(query, _MEMBER_COLUMNS, ("cluster_id",))


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


def _text(column: Any) -> Any:
    """A UUID column read without SQLAlchemy's per-row ``uuid.UUID`` conversion (SQLite: the
    32-digit hex text; PostgreSQL: the driver's ``uuid.UUID``)."""
    return type_coerce(column, String)


def _as_id(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def list_view(engine: Engine, project_id: Any) -> ListView:
    """The project's keyword list, clusters, members and hubs (each read when first used)."""
    return ListView(engine, project_id)
