"""Database side of keyword lists: pending keywords, existing clusters, statuses, moves.

Saving a run is in :mod:`.save`, the page's view in :mod:`.views` (both re-exported here).

Keyword statuses (``KeywordMetric.status``): discovered → qualified → clustering →
clustered; ``failed`` when a clustering job fails (the job row carries the message).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

import pandas as pd
from sqlalchemy import CursorResult, Engine, func, literal, select, union_all, update

from db.models import KeywordMetric, ListCluster, ListClusterMember
from db.session import session_scope
from services.clustering.pages import REASON_MOVED, REASON_NO_CLOSE_VARIANT, REASON_NO_NEIGHBOUR
from services.clustering.reconcile import Existing
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.keyword_lists.save import WRITE_CHUNK, refresh_clusters, save_plan
from services.keyword_lists.views import ListView, filter_keywords, list_view, treemap_rows

#: Statuses of keywords that a clustering run picks up.
CLUSTERABLE = ("qualified", "failed", "clustering")
KEYWORD_STATUSES = ("discovered", "qualified", "clustering", "clustered", "failed")


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
        ``retry`` (True for keywords that already have a member row); fresh keywords first,
        then retried ones, each by search volume (unknown first), then keyword.
    """
    pid = as_uuid(project_id)
    km, m = KeywordMetric, ListClusterMember
    placed = select(m.keyword_id).where(m.project_id == pid)
    cols = (km.id, km.keyword, km.search_volume, km.intent, km.grouping_hint)
    fresh = select(*cols, literal(False).label("retry")).where(
        km.project_id == pid, km.status.in_(CLUSTERABLE), km.id.not_in(placed)
    )
    retry = (
        select(*cols, literal(True).label("retry"))
        .join(m, m.keyword_id == km.id)
        .where(
            m.project_id == pid,
            m.cluster_id.is_(None),
            (m.reason == REASON_NO_NEIGHBOUR) | m.reason.startswith(REASON_NO_CLOSE_VARIANT),
            m.moved_by_user.is_(False),
        )
    )
    with engine.connect() as conn:  # one query (SQLite and PostgreSQL append the parts)
        rows = conn.execute(union_all(fresh, retry)).all()
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["keyword_id", "keyword", "search_volume", "intent", "grouping_hint", "retry"],
    )
    frame["retry"] = frame["retry"].astype(bool)
    frame["search_volume"] = pd.to_numeric(frame["search_volume"], errors="coerce").astype(
        "float64"
    )
    # One order on every database: fresh keywords, then retried ones, each by search volume
    # (unknown first) and keyword. It is the order SQLite returns them in (its
    # project/volume index, ties in insertion = keyword order); PostgreSQL returned another
    # order, and the run's tie-breaks gave other clusters there.
    return frame.sort_values(
        ["retry", "search_volume", "keyword"], na_position="first", kind="stable"
    ).reset_index(drop=True)


def load_existing(conn: Any, project_id: Any) -> Existing:
    """The project's clusters and the keywords placed in them (on the caller's connection
    or session)."""
    pid = as_uuid(project_id)
    c, m = ListCluster, ListClusterMember
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
        refresh_clusters(s, pid, [c for c in (old, member.cluster_id) if c is not None])


__all__ = [
    "CLUSTERABLE",
    "KEYWORD_STATUSES",
    "WRITE_CHUNK",
    "ListView",
    "filter_keywords",
    "list_view",
    "load_existing",
    "load_pending",
    "mark_clustering",
    "mark_failed",
    "move_keyword",
    "reset_clustering",
    "save_plan",
    "set_status",
    "treemap_rows",
]
