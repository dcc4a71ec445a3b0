"""Saving a clustering run's plan: hubs, clusters, members and keyword statuses in one
transaction, then the counts, volumes and intent mix of the touched clusters."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, delete, func, insert, select, update

from db.models import KeywordMetric, ListCluster, ListClusterMember, ListHub, utcnow
from services.clustering.intent import parse_labels
from services.clustering.pages import REASON_NO_NEIGHBOUR
from services.clustering.reconcile import RunPlan
from services.core.ids import as_uuid

#: Rows per executemany batch when saving a run.
WRITE_CHUNK = 10_000


def _next_run_no(s: Any, pid: uuid.UUID) -> int:
    last = s.execute(
        select(func.max(ListCluster.run_no)).where(ListCluster.project_id == pid)
    ).scalar()
    last_m = s.execute(
        select(func.max(ListClusterMember.run_no)).where(ListClusterMember.project_id == pid)
    ).scalar()
    return int(max(last or 0, last_m or 0)) + 1


def _insert(s: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """executemany in chunks of :data:`WRITE_CHUNK`."""
    for start in range(0, len(rows), WRITE_CHUNK):
        s.execute(insert(table), rows[start : start + WRITE_CHUNK])


def _hub_rows(
    plan: RunPlan, pid: uuid.UUID, run_no: int, now: datetime
) -> tuple[list[uuid.UUID], list[dict[str, Any]]]:
    hub_ids = [uuid.uuid4() for _ in range(len(plan.new_hubs))]
    rows = [
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
    ]
    return hub_ids, rows


def _cluster_rows(
    plan: RunPlan,
    pid: uuid.UUID,
    hub_ids: list[uuid.UUID],
    run_no: int,
    now: datetime,
    method: str,
) -> tuple[list[uuid.UUID], list[dict[str, Any]]]:
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
    return cluster_ids, rows


def _member_rows(
    kw: pd.DataFrame, pid: uuid.UUID, cluster_ids: list[uuid.UUID], run_no: int, now: datetime
) -> Iterator[dict[str, list[Any]]]:
    """One member row per plan keyword (its cluster, or Unclustered with the reason), as
    columns (name → values) in pages of :data:`WRITE_CHUNK` rows: only one page is alive at a
    time (a million-keyword run held ≈ 1 GB of row dicts at once), built column-wise."""
    new_idx = kw["new_cluster"].to_numpy()
    existing_cid = kw["cluster_id"].to_numpy()
    sims = kw["similarity"].to_numpy(np.float64)
    vols = pd.to_numeric(kw["search_volume"], errors="coerce").to_numpy(np.float64)
    reasons = kw["reason"].to_numpy()
    evidence = kw["evidence"].to_numpy() if "evidence" in kw else np.full(len(kw), None)
    kids = kw["keyword_id"].to_numpy()
    words = kw["keyword"].to_numpy()
    new_ids = np.array([*cluster_ids, None], dtype=object)  # index -1: no new cluster
    for start in range(0, len(kw), WRITE_CHUNK):
        page = slice(start, min(start + WRITE_CHUNK, len(kw)))
        n = page.stop - page.start
        new_cid = new_ids[np.where(new_idx[page] >= 0, new_idx[page], -1).astype(np.int64)]
        cid = [
            old if old is not None else new
            for old, new in zip(existing_cid[page], new_cid, strict=True)
        ]
        vol, sim = vols[page], sims[page]
        yield {
            "id": [uuid.uuid4() for _ in range(n)],
            "project_id": [pid] * n,
            "keyword_id": kids[page].tolist(),
            "cluster_id": cid,
            "keyword": words[page].tolist(),
            "search_volume": [None if v != v else int(v) for v in vol.tolist()],
            "similarity": [None if v != v else v for v in sim.tolist()],
            "reason": [
                None if c is not None else (r or REASON_NO_NEIGHBOUR)
                for c, r in zip(cid, reasons[page], strict=True)
            ],
            "evidence": [
                e if c is not None and isinstance(e, str) else None
                for c, e in zip(cid, evidence[page], strict=True)
            ],
            "moved_by_user": [False] * n,
            "run_no": [run_no] * n,
            "created_at": [now] * n,
        }


def _write_members(s: Any, pages: Iterable[dict[str, list[Any]]]) -> None:
    """Insert member rows page by page in the session's transaction: PostgreSQL through
    psycopg 3's ``COPY … FROM STDIN``, other databases with one driver-level
    ``executemany`` per page, the column types' bind processors applied column-wise
    (SQLAlchemy's per-row parameter processing is skipped, as in the keyword import)."""
    conn = s.connection()
    table = ListClusterMember.__table__
    cols = [c.name for c in table.columns]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        raw = conn.connection.driver_connection
        sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN"
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for page in pages:
                for row in zip(*(page[c] for c in cols), strict=True):
                    copy.write_row(row)
        return
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=cols)
    order = list(compiled.positiontup or [])
    processors = {c: table.c[c].type.bind_processor(conn.dialect) for c in cols}
    for page in pages:
        bound = {c: _bind(processors[c], values) for c, values in page.items()}
        if order:  # positional paramstyle (SQLite "?")
            rows: list[Any] = list(zip(*(bound[c] for c in order), strict=True))
        else:
            rows = [
                dict(zip(cols, v, strict=True)) for v in zip(*(bound[c] for c in cols), strict=True)
            ]
        conn.exec_driver_sql(str(compiled), rows)


def _bind(processor: Callable[[Any], Any] | None, values: list[Any]) -> list[Any]:
    """``values`` through a column type's bind processor (unchanged without one)."""
    return values if processor is None else [processor(v) for v in values]


def _label_parser() -> Callable[[Any], tuple[str, ...]]:
    """:func:`parse_labels` memoised per cell value (a list holds a handful of distinct
    intent cells; parsing each row's cell was 0.5 CPU-s per 30,000 keywords)."""
    seen: dict[Any, tuple[str, ...]] = {}

    def parse(cell: Any) -> tuple[str, ...]:
        if isinstance(cell, float):  # NaN is not a reliable dict key
            return parse_labels(cell)
        out = seen.get(cell)
        if out is None:
            out = seen[cell] = parse_labels(cell)
        return out

    return parse


def _write_intents(s: Any, intents: dict[Any, str]) -> None:
    """The run's offline intents of keywords that had none, in the session's transaction:
    PostgreSQL copies them into a temporary table (psycopg 3 ``COPY``) and updates
    ``keyword_metrics`` from it in one statement; other databases run one driver-level
    ``executemany`` UPDATE per page of :data:`WRITE_CHUNK` (no per-row SQLAlchemy
    parameter processing)."""
    if not intents:
        return
    conn = s.connection()
    t = KeywordMetric.__table__
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            cur.execute(
                "CREATE TEMPORARY TABLE run_intents (id uuid PRIMARY KEY, intent varchar(100))"
                " ON COMMIT DROP"
            )
            with cur.copy("COPY run_intents (id, intent) FROM STDIN") as copy:
                for row in intents.items():
                    copy.write_row(row)
            cur.execute(
                f"UPDATE {t.name} AS k SET intent = r.intent FROM run_intents AS r"
                " WHERE k.id = r.id"
            )
            cur.execute("DROP TABLE run_intents")
        return
    stmt = update(t).where(t.c.id == bindparam("kid")).values(intent=bindparam("intent"))
    compiled = stmt.compile(dialect=conn.dialect)
    order = list(compiled.positiontup or [])
    to_id = t.c.id.type.bind_processor(conn.dialect) or (lambda v: v)
    items = list(intents.items())
    for start in range(0, len(items), WRITE_CHUNK):
        page = [{"kid": to_id(k), "intent": v} for k, v in items[start : start + WRITE_CHUNK]]
        rows: list[Any] = [tuple(r[name] for name in order) for r in page] if order else page
        conn.exec_driver_sql(str(compiled), rows)


def _fill_cluster_stats(
    rows: list[dict[str, Any]], numbers: list[Any], kw: pd.DataFrame, intents: dict[Any, str]
) -> None:
    """keyword_count, total_volume (searches/month, members' whole numbers) and intent_mix of
    each new cluster row, from the plan's keywords (what :func:`refresh_clusters` would read
    back after the insert)."""
    if not rows:
        return
    new = kw[(kw["new_cluster"].to_numpy() >= 0) & kw["cluster_id"].isna().to_numpy()]
    vol = pd.to_numeric(new["search_volume"], errors="coerce").fillna(0).astype("int64")
    labels = [
        intents.get(kid, intent)
        for kid, intent in zip(new["keyword_id"], new["intent"], strict=True)
    ]
    stats: dict[int, list[Any]] = {}
    parse = _label_parser()
    for k, v, lab in zip(new["new_cluster"].astype(int), vol, labels, strict=True):
        st = stats.setdefault(k, [0, 0, Counter()])
        st[0] += 1
        st[1] += int(v)
        st[2].update(parse(lab))
    for k, row in zip(numbers, rows, strict=True):  # row of new cluster number k
        count, volume, mix = stats.get(int(k), [0, 0, Counter()])
        row.update(keyword_count=count, total_volume=volume, intent_mix=dict(mix))


def save_plan(
    s: Any,
    project_id: Any,
    plan: RunPlan,
    *,
    method: str = "semantic",
    intents: dict[Any, str] | None = None,
) -> dict[str, Any]:
    """Write a :class:`RunPlan` in the caller's session (one transaction) and mark its
    keywords ``clustered``.

    Set-based: every table is written with ``executemany`` in chunks of
    :data:`WRITE_CHUNK` (no ORM object per row); the new clusters' counts, volume and intent
    mix are computed from the plan, not read back. Existing clusters keep their id, name,
    hub and approval; only their counts, volume and intent mix are refreshed. ``intents``
    (keyword id → labels, the run's offline intents) are written in the same transaction.
    Members carry the evidence that merged them (plan column ``evidence``, optional).

    Returns
    -------
    dict
        The diff with ids filled in: ``new_cluster_ids``, ``grown``, ``untouched``,
        ``unclustered``, ``run_no``.
    """
    with _sqlite_page_cache(s):
        return _save(s, as_uuid(project_id), plan, method, intents)


#: SQLite page cache while a run is saved (KiB; SQLite's default is 2,000 KiB). The member
#: rows' four indexes outgrow the default from ~20,000 keywords: at 30,000, saving took
#: 1.27 -> 1.07 CPU-s and 1.87 -> 1.13 s wall with 64 MiB (``bench/cluster.py`` run).
SQLITE_SAVE_CACHE_KIB = 65_536


@contextmanager
def _sqlite_page_cache(s: Any) -> Iterator[None]:
    """A larger SQLite page cache on the session's connection, restored afterwards (no-op on
    other databases)."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_SAVE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(old)}")


def _save(
    s: Any, pid: uuid.UUID, plan: RunPlan, method: str, intents: dict[Any, str] | None
) -> dict[str, Any]:
    """The body of :func:`save_plan`."""
    kw = plan.keywords
    now = utcnow()
    run_no = _next_run_no(s, pid)
    _write_intents(s, intents or {})
    hub_ids, hub_rows = _hub_rows(plan, pid, run_no, now)
    _insert(s, ListHub.__table__, hub_rows)
    cluster_ids, cluster_rows = _cluster_rows(plan, pid, hub_ids, run_no, now, method)
    _fill_cluster_stats(cluster_rows, plan.new_clusters["new_cluster"].tolist(), kw, intents or {})
    _insert(s, ListCluster.__table__, cluster_rows)
    # Members: retried keywords lose their old row first.
    retry = kw.get("retry", pd.Series(False, index=kw.index)).astype(bool)
    retry_ids = kw.loc[retry, "keyword_id"].tolist()
    for start in range(0, len(retry_ids), WRITE_CHUNK):
        s.execute(
            delete(ListClusterMember).where(
                ListClusterMember.keyword_id.in_(retry_ids[start : start + WRITE_CHUNK])
            )
        )
    _write_members(s, _member_rows(kw, pid, cluster_ids, run_no, now))
    # Every pending fresh keyword was set to "clustering" at the start of the run.
    s.execute(
        update(KeywordMetric)
        .where(KeywordMetric.project_id == pid, KeywordMetric.status == "clustering")
        .values(status="clustered")
        .execution_options(synchronize_session=False)
    )
    grown = [uuid.UUID(str(g)) for g in plan.diff.get("grown", {})]
    refresh_clusters(s, pid, grown, hubs_too=bool(grown or cluster_ids))
    return {
        "run_no": run_no,
        "new_cluster_ids": [str(c) for c in cluster_ids],
        "new_clusters": len(cluster_ids),
        "new_hubs": len(hub_ids),
        "grown": plan.diff.get("grown", {}),
        "untouched": plan.diff.get("untouched", 0),
        "unclustered": plan.diff.get("unclustered", 0),
    }


def refresh_clusters(
    s: Any, pid: uuid.UUID, cluster_ids: Iterable[uuid.UUID], *, hubs_too: bool = False
) -> None:
    """Recompute keyword_count, total_volume and intent_mix of clusters, and hub volumes
    (also when ``hubs_too`` and no cluster is given)."""
    ids = list(cluster_ids)
    if not ids:
        if hubs_too:
            _refresh_hubs(s, pid)
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
    parse = _label_parser()
    for cid, volume, intent in rows:
        st = stats[cid]
        st[0] += 1
        st[1] += int(volume or 0)
        st[2].update(parse(intent))
    updates = [
        {"cid": cid, "n": st[0], "v": st[1], "mix": dict(st[2])} for cid, st in stats.items()
    ]
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
    _refresh_hubs(s, pid)


def _refresh_hubs(s: Any, pid: uuid.UUID) -> None:
    """Hub volumes of the project = the sum of their clusters' volumes."""
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
