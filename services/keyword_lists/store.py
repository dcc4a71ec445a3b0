"""Database side of keyword lists: pending keywords, existing clusters, saving a run, views.

Keyword statuses (``KeywordMetric.status``): discovered → qualified → clustering →
clustered; ``failed`` when a clustering job fails (the job row carries the message).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, Engine, delete, func, insert, select, update

from db.models import KeywordMetric, ListCluster, ListClusterMember, ListHub, utcnow
from db.session import session_scope
from services.clustering.intent import parse_labels
from services.clustering.pages import REASON_MOVED, REASON_NO_CLOSE_VARIANT, REASON_NO_NEIGHBOUR
from services.clustering.reconcile import Existing, RunPlan
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid

#: Statuses of keywords that a clustering run picks up.
CLUSTERABLE = ("qualified", "failed", "clustering")
KEYWORD_STATUSES = ("discovered", "qualified", "clustering", "clustered", "failed")
#: Rows per executemany batch when saving a run.
WRITE_CHUNK = 10_000


def load_pending(engine: Engine, project_id: Any) -> pd.DataFrame:
    """Keywords a clustering run should place.

    Qualified (or previously failed) keywords not placed yet, plus keywords in Unclustered
    for lack of a close variant ("no neighbour above threshold", "no close variant and
    below N searches/month": a new list may give them one). Keywords the user moved, or
    filtered out by the volume floor or brand topic, stay where they are. A lone keyword
    that became a single-keyword cluster is an existing cluster like any other: later
    keywords join it by lexical key or by the page threshold to its centre.

    Returns
    -------
    pandas.DataFrame
        ``keyword_id``, ``keyword``, ``search_volume`` (float, NaN unknown), ``intent``,
        ``grouping_hint`` (imported Parent Keyword / topic, None when absent),
        ``retry`` (True for keywords that already have a member row).
    """
    pid = as_uuid(project_id)
    km, m = KeywordMetric, ListClusterMember
    placed = select(m.keyword_id).where(m.project_id == pid)
    cols = (km.id, km.keyword, km.search_volume, km.intent, km.grouping_hint)
    fresh = select(*cols).where(
        km.project_id == pid, km.status.in_(CLUSTERABLE), km.id.not_in(placed)
    )
    retry = (
        select(*cols)
        .join(m, m.keyword_id == km.id)
        .where(
            m.project_id == pid,
            m.cluster_id.is_(None),
            (m.reason == REASON_NO_NEIGHBOUR) | m.reason.startswith(REASON_NO_CLOSE_VARIANT),
            m.moved_by_user.is_(False),
        )
    )
    with engine.connect() as conn:
        a = conn.execute(fresh).all()
        b = conn.execute(retry).all()
    frame = pd.DataFrame(
        [(*r, False) for r in a] + [(*r, True) for r in b],
        columns=["keyword_id", "keyword", "search_volume", "intent", "grouping_hint", "retry"],
    )
    frame["search_volume"] = pd.to_numeric(frame["search_volume"], errors="coerce").astype(
        "float64"
    )
    return frame


def load_existing(engine: Engine, project_id: Any) -> Existing:
    """The project's clusters and the keywords placed in them."""
    pid = as_uuid(project_id)
    c, m = ListCluster, ListClusterMember
    with engine.connect() as conn:
        clusters = conn.execute(
            select(c.id, c.name, c.centre_keyword, c.hub_id)
            .where(c.project_id == pid)
            .order_by(c.created_at, c.name)
        ).all()
        members = conn.execute(
            select(m.keyword, m.cluster_id).where(m.project_id == pid, m.cluster_id.is_not(None))
        ).all()
    return Existing(
        pd.DataFrame(
            [tuple(r) for r in clusters], columns=["id", "name", "centre_keyword", "hub_id"]
        ),
        pd.DataFrame([tuple(r) for r in members], columns=["keyword", "cluster_id"]),
    )


def set_status(engine: Engine, project_id: Any, keyword_ids: Sequence[Any], status: str) -> None:
    """Set ``KeywordMetric.status`` of ``keyword_ids`` (in chunks)."""
    if status not in KEYWORD_STATUSES:
        raise InvalidInputError(f"Unknown keyword status {status!r}.")
    pid = as_uuid(project_id)
    ids = list(keyword_ids)
    with session_scope(engine) as s:
        for start in range(0, len(ids), WRITE_CHUNK):
            s.execute(
                update(KeywordMetric)
                .where(
                    KeywordMetric.project_id == pid,
                    KeywordMetric.id.in_(ids[start : start + WRITE_CHUNK]),
                )
                .values(status=status)
            )


def mark_clustering(engine: Engine, project_id: Any) -> int:
    """Pending fresh keywords (qualified/failed, not placed) → ``clustering``, in one statement."""
    pid = as_uuid(project_id)
    km, m = KeywordMetric, ListClusterMember
    with session_scope(engine) as s:
        res = s.execute(
            update(km)
            .where(
                km.project_id == pid,
                km.status.in_(("qualified", "failed")),
                km.id.not_in(select(m.keyword_id).where(m.project_id == pid)),
            )
            .values(status="clustering", status_before=km.status)  # SET reads the old row
            .execution_options(synchronize_session=False)
        )
        return int(cast("CursorResult[Any]", res).rowcount or 0)


def _release_clustering(engine: Engine, project_id: Any, status: str | None) -> int:
    """Move the project's keywords still in ``clustering`` to ``status``, or (None) back to the
    status the run found them in (qualified when unknown); returns how many."""
    km = KeywordMetric
    target: Any = status if status is not None else func.coalesce(km.status_before, "qualified")
    with session_scope(engine) as s:
        res = s.execute(
            update(km)
            .where(km.project_id == as_uuid(project_id), km.status == "clustering")
            .values(status=target, status_before=None)
            .execution_options(synchronize_session=False)
        )
        return int(cast("CursorResult[Any]", res).rowcount or 0)


def mark_failed(engine: Engine, project_id: Any) -> int:
    """Keywords left in ``clustering`` by a failed job → ``failed``."""
    return _release_clustering(engine, project_id, "failed")


def reset_clustering(engine: Engine, project_id: Any) -> int:
    """Keywords left in ``clustering`` by a cancelled or interrupted job go back to the status
    they had before the run (qualified or failed)."""
    return _release_clustering(engine, project_id, None)


def _next_run_no(s: Any, pid: uuid.UUID) -> int:
    last = s.execute(
        select(func.max(ListCluster.run_no)).where(ListCluster.project_id == pid)
    ).scalar()
    last_m = s.execute(
        select(func.max(ListClusterMember.run_no)).where(ListClusterMember.project_id == pid)
    ).scalar()
    return int(max(last or 0, last_m or 0)) + 1


def save_plan(
    engine: Engine, project_id: Any, plan: RunPlan, *, method: str = "semantic"
) -> dict[str, Any]:
    """Write a :class:`RunPlan` in one transaction and mark its keywords ``clustered``.

    Existing clusters keep their id, name, hub and approval; only their counts, volume and
    intent mix are refreshed.

    Returns
    -------
    dict
        The diff with ids filled in: ``new_cluster_ids``, ``grown``, ``untouched``,
        ``unclustered``, ``run_no``.
    """
    pid = as_uuid(project_id)
    kw = plan.keywords
    now = utcnow()
    with session_scope(engine) as s:
        run_no = _next_run_no(s, pid)
        hub_ids = [uuid.uuid4() for _ in range(len(plan.new_hubs))]
        if hub_ids:
            s.execute(
                insert(ListHub.__table__),
                [
                    {
                        "id": hub_ids[int(h.new_hub)],
                        "project_id": pid,
                        "name": str(h.name)[:500],
                        "total_volume": 0,
                        "run_no": run_no,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for h in plan.new_hubs.itertuples()
                ],
            )
        cluster_ids = [uuid.uuid4() for _ in range(len(plan.new_clusters))]
        rows: list[dict[str, Any]] = []
        for c in plan.new_clusters.itertuples():
            hub = c.hub_id if c.hub_id is not None and not pd.isna(c.hub_id) else None
            if hub is None and int(c.new_hub) >= 0:
                hub = hub_ids[int(c.new_hub)]
            rows.append(
                {
                    "id": cluster_ids[int(c.new_cluster)],
                    "project_id": pid,
                    "hub_id": hub,
                    "name": str(c.name),
                    "centre_keyword": str(c.centre),
                    "is_pillar": bool(c.is_pillar),
                    "is_approved": False,
                    "method": method,
                    "keyword_count": int(c.size),
                    "total_volume": int(c.total_volume),
                    "intent_mix": {},
                    "run_no": run_no,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), WRITE_CHUNK):
            s.execute(insert(ListCluster.__table__), rows[start : start + WRITE_CHUNK])
        # Members: retried keywords lose their old row first.
        retry_ids = kw.loc[
            kw.get("retry", pd.Series(False, index=kw.index)).astype(bool), "keyword_id"
        ].tolist()
        for start in range(0, len(retry_ids), WRITE_CHUNK):
            s.execute(
                delete(ListClusterMember).where(
                    ListClusterMember.keyword_id.in_(retry_ids[start : start + WRITE_CHUNK])
                )
            )
        new_idx = kw["new_cluster"].to_numpy()
        existing_cid = kw["cluster_id"].to_numpy()
        sims = kw["similarity"].to_numpy(np.float64)
        vols = pd.to_numeric(kw["search_volume"], errors="coerce").to_numpy(np.float64)
        reasons = kw["reason"].to_numpy()
        members = []
        for i, (kid, word) in enumerate(zip(kw["keyword_id"], kw["keyword"], strict=True)):
            cid = (
                existing_cid[i]
                if existing_cid[i] is not None
                else (cluster_ids[int(new_idx[i])] if new_idx[i] >= 0 else None)
            )
            members.append(
                {
                    "id": uuid.uuid4(),
                    "project_id": pid,
                    "keyword_id": kid,
                    "cluster_id": cid,
                    "keyword": word,
                    "search_volume": None if np.isnan(vols[i]) else int(vols[i]),
                    "similarity": None if np.isnan(sims[i]) else float(sims[i]),
                    "reason": None if cid is not None else (reasons[i] or REASON_NO_NEIGHBOUR),
                    "moved_by_user": False,
                    "run_no": run_no,
                    "created_at": now,
                }
            )
        for start in range(0, len(members), WRITE_CHUNK):
            s.execute(insert(ListClusterMember.__table__), members[start : start + WRITE_CHUNK])
        # Every pending fresh keyword was set to "clustering" at the start of the run.
        s.execute(
            update(KeywordMetric)
            .where(KeywordMetric.project_id == pid, KeywordMetric.status == "clustering")
            .values(status="clustered")
            .execution_options(synchronize_session=False)
        )
        grown = [uuid.UUID(str(g)) for g in plan.diff.get("grown", {})]
        _refresh_clusters(s, pid, grown + cluster_ids)
    return {
        "run_no": run_no,
        "new_cluster_ids": [str(c) for c in cluster_ids],
        "new_clusters": len(cluster_ids),
        "new_hubs": len(hub_ids),
        "grown": plan.diff.get("grown", {}),
        "untouched": plan.diff.get("untouched", 0),
        "unclustered": plan.diff.get("unclustered", 0),
    }


def _refresh_clusters(s: Any, pid: uuid.UUID, cluster_ids: Iterable[uuid.UUID]) -> None:
    """Recompute keyword_count, total_volume and intent_mix of clusters, and hub volumes."""
    ids = list(cluster_ids)
    if not ids:
        return
    m, km = ListClusterMember, KeywordMetric
    rows = []
    for start in range(0, len(ids), WRITE_CHUNK):
        rows += s.execute(
            select(m.cluster_id, m.search_volume, km.intent)
            .join(km, km.id == m.keyword_id)
            .where(m.cluster_id.in_(ids[start : start + WRITE_CHUNK]))
        ).all()
    stats: dict[Any, list[Any]] = {cid: [0, 0, Counter()] for cid in ids}
    for cid, volume, intent in rows:
        st = stats[cid]
        st[0] += 1
        st[1] += int(volume or 0)
        st[2].update(parse_labels(intent))
    updates = [
        {"cid": cid, "n": st[0], "v": st[1], "mix": dict(st[2])} for cid, st in stats.items()
    ]
    from sqlalchemy import bindparam

    stmt = (
        update(ListCluster.__table__)
        .where(ListCluster.__table__.c.id == bindparam("cid"))
        .values(
            keyword_count=bindparam("n"),
            total_volume=bindparam("v"),
            intent_mix=bindparam("mix"),
            updated_at=utcnow(),
        )
    )
    for start in range(0, len(updates), WRITE_CHUNK):
        s.execute(stmt, updates[start : start + WRITE_CHUNK])
    # Hub volumes of the project.
    c = ListCluster
    hub_tot = s.execute(
        select(c.hub_id, func.sum(c.total_volume))
        .where(c.project_id == pid, c.hub_id.is_not(None))
        .group_by(c.hub_id)
    ).all()
    if hub_tot:
        hstmt = (
            update(ListHub.__table__)
            .where(ListHub.__table__.c.id == bindparam("hid"))
            .values(total_volume=bindparam("v"))
        )
        s.execute(hstmt, [{"hid": h, "v": int(v or 0)} for h, v in hub_tot])


def move_keyword(engine: Engine, project_id: Any, keyword: str, cluster_id: Any | None) -> None:
    """Move a placed keyword to another cluster, or to Unclustered (``cluster_id`` None).

    The keyword is marked ``moved_by_user`` so later runs leave it where the user put it.

    Raises
    ------
    NotFoundError
        The keyword is not placed in this project, or the cluster does not exist.
    """
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        member = s.execute(
            select(ListClusterMember).where(
                ListClusterMember.project_id == pid, ListClusterMember.keyword == keyword
            )
        ).scalar_one_or_none()
        if member is None:
            raise NotFoundError(f"'{keyword}' is not in this project's clusters.")
        target = None
        if cluster_id is not None:
            target = s.get(ListCluster, uuid.UUID(str(cluster_id)))
            if target is None or target.project_id != pid:
                raise NotFoundError("That cluster does not exist.")
        old = member.cluster_id
        member.cluster_id = target.id if target else None
        member.reason = None if target else REASON_MOVED
        member.moved_by_user = True
        member.similarity = None
        s.flush()
        _refresh_clusters(s, pid, [c for c in (old, member.cluster_id) if c is not None])


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
        cluster_id, keyword, search_volume, similarity, reason, moved_by_user.
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


def list_view(engine: Engine, project_id: Any) -> ListView:
    """Read the project's keyword list, clusters, members and hubs."""
    pid = as_uuid(project_id)
    km, c, m, h = KeywordMetric, ListCluster, ListClusterMember, ListHub
    with engine.connect() as conn:
        kws = conn.execute(
            select(
                km.keyword,
                km.search_volume,
                km.keyword_difficulty,
                km.cpc,
                km.intent,
                km.status,
                c.name,
            )
            .outerjoin(m, m.keyword_id == km.id)
            .outerjoin(c, c.id == m.cluster_id)
            .where(km.project_id == pid)
            .order_by(km.search_volume.desc().nulls_last(), km.keyword)
        ).all()
        clusters = conn.execute(
            select(
                c.id,
                c.hub_id,
                h.name,
                c.name,
                c.keyword_count,
                c.total_volume,
                c.intent_mix,
                c.is_pillar,
                c.is_approved,
                c.run_no,
            )
            .outerjoin(h, h.id == c.hub_id)
            .where(c.project_id == pid)
            .order_by(c.total_volume.desc(), c.name)
        ).all()
        members = conn.execute(
            select(
                m.cluster_id, m.keyword, m.search_volume, m.similarity, m.reason, m.moved_by_user
            )
            .where(m.project_id == pid)
            .order_by(m.search_volume.desc().nulls_last(), m.keyword)
        ).all()
        hubs = conn.execute(
            select(h.id, h.name, h.total_volume, func.count(c.id), h.review_cluster_id)
            .outerjoin(c, c.hub_id == h.id)
            .where(h.project_id == pid)
            .group_by(h.id, h.name, h.total_volume, h.review_cluster_id)
            .order_by(h.total_volume.desc(), h.name)
        ).all()
    return ListView(
        pd.DataFrame(
            [tuple(r) for r in kws],
            columns=[
                "keyword",
                "search_volume",
                "keyword_difficulty",
                "cpc",
                "intent",
                "status",
                "cluster",
            ],
        ),
        pd.DataFrame(
            [tuple(r) for r in clusters],
            columns=[
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
            ],
        ),
        pd.DataFrame(
            [tuple(r) for r in members],
            columns=[
                "cluster_id",
                "keyword",
                "search_volume",
                "similarity",
                "reason",
                "moved_by_user",
            ],
        ),
        pd.DataFrame(
            [tuple(r) for r in hubs],
            columns=["id", "name", "total_volume", "clusters", "review_cluster_id"],
        ),
    )
