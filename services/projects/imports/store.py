"""Writing an import: upsert of parsed keywords into ``keyword_metrics``, and reading back."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from db.models import KeywordMetric, Project
from services.core.errors import NotFoundError
from services.core.ids import as_uuid
from services.core.wording import export_of
from services.projects.imports.lock_wait import wait_for_writer
from services.projects.imports.parse import ImportReport, parse_keyword_export

_T = TypeVar("_T")
#: Rows per executemany batch; progress is reported after each batch.
CHUNK_SIZE = 5_000
UNIVERSE_COLUMNS = [
    "keyword",
    "search_volume",
    "cpc",
    "competition",
    "competition_level",
    "keyword_difficulty",
    "intent",
    "source",
]

_METRIC_COLUMNS = (
    "search_volume",
    "cpc",
    "competition",
    "competition_level",
    "keyword_difficulty",
    "intent",
    "serp_features",
    "grouping_hint",
)
#: Columns of every inserted row (``id`` first; the order of named parameters).
_ROW_COLUMNS = (
    "id",
    "project_id",
    "keyword",
    *_METRIC_COLUMNS,
    "source",
    "status",
    "fetched_at",
)


def _upsert_statement(dialect_name: str) -> Any:
    """INSERT … ON CONFLICT (project_id, keyword) DO UPDATE keeping the higher volume.

    The incoming row wins when the stored volume is NULL or the incoming one is at least as
    high (ties go to the newer data); the winner's metrics are kept and its missing ones
    are filled from the loser (``COALESCE``). ``status`` of an existing row is never
    changed; ``source`` and ``fetched_at`` follow the winner.
    """
    table = KeywordMetric.__table__
    insert: postgresql.Insert | sqlite.Insert
    if dialect_name == "postgresql":
        insert = postgresql.insert(table)
    elif dialect_name == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - the app runs on SQLite or PostgreSQL only
        raise NotImplementedError(f"keyword import does not support {dialect_name!r}")
    new, old = insert.excluded, table.c
    new_wins = or_(
        old.search_volume.is_(None),
        and_(new.search_volume.is_not(None), new.search_volume >= old.search_volume),
    )
    set_: dict[str, Any] = {
        name: case(
            (new_wins, func.coalesce(new[name], old[name])),
            else_=func.coalesce(old[name], new[name]),
        )
        for name in _METRIC_COLUMNS
    }
    set_["source"] = case((new_wins, new.source), else_=old.source)
    set_["fetched_at"] = case((new_wins, new.fetched_at), else_=old.fetched_at)
    return insert.on_conflict_do_update(index_elements=[old.project_id, old.keyword], set_=set_)


def _python_values(column: pd.Series) -> list[Any]:
    """Column as plain Python values with None for missing (DB drivers need no numpy)."""
    return column.astype(object).where(column.notna(), None).tolist()


def _new_ids(total: int, dialect: Any) -> tuple[list[str], list[Any]]:
    """``total`` random (version 4) UUIDs as 32-digit hex, and the same bound for ``dialect``.

    Built in bulk from ``os.urandom``; when the dialect stores UUIDs as 32-digit hex text
    (SQLite) the hex strings are used directly instead of 100,000 ``UUID`` objects.
    """
    octets = np.frombuffer(os.urandom(16 * total), dtype=np.uint8).reshape(total, 16).copy()
    octets[:, 6] = (octets[:, 6] & 0x0F) | 0x40  # version 4
    octets[:, 8] = (octets[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = octets.tobytes().hex()
    hexes = [digits[i : i + 32] for i in range(0, 32 * total, 32)]
    processor = KeywordMetric.__table__.c.id.type.bind_processor(dialect)
    probe = uuid.uuid4()
    if processor is not None and processor(probe) == probe.hex:
        return hexes, hexes
    ids = [uuid.UUID(h) for h in hexes]
    return hexes, [processor(i) for i in ids] if processor is not None else ids


def _bound_rows(
    frame: pd.DataFrame, project_id: uuid.UUID, now: datetime, dialect: Any, order: list[str]
) -> list[Any]:
    """Driver-ready parameters of :func:`_bound_batch` without the ids (kept for callers of
    the earlier signature; new code uses :func:`upsert_metrics`)."""
    return _bound_batch(frame, project_id, now, dialect, order)[1]


def _bound_batch(
    frame: pd.DataFrame, project_id: uuid.UUID, now: datetime, dialect: Any, order: list[str]
) -> tuple[list[Any], list[Any]]:
    """The new ids as bound for the driver, and driver-ready parameters, one tuple
    (positional) or dict (named) per keyword (a row keeps its proposed id only when it was
    inserted, not updated).

    SQLAlchemy's per-row parameter processing costs about a second per 100,000 rows, so
    the column types' bind processors are applied here column-wise instead (constants once).
    """
    table = KeywordMetric.__table__
    total = len(frame)
    constants = {"project_id": project_id, "status": "qualified", "fetched_at": now}
    hexes, bound_ids = _new_ids(total, dialect)
    columns: dict[str, list[Any]] = {"id": bound_ids}
    for name in _ROW_COLUMNS:
        if name in constants:
            processor = table.c[name].type.bind_processor(dialect)
            value = constants[name]
            columns[name] = [processor(value) if processor else value] * total
        elif name in frame.columns:
            columns[name] = _python_values(frame[name])
    for name in _ROW_COLUMNS:
        processor = table.c[name].type.bind_processor(dialect)
        if processor is not None and name not in constants and name != "id":
            columns[name] = [processor(v) for v in columns[name]]
    if order:  # positional paramstyle (sqlite "?")
        return bound_ids, list(zip(*(columns[name] for name in order), strict=True))
    ordered = [columns[name] for name in _ROW_COLUMNS]
    return bound_ids, [
        dict(zip(_ROW_COLUMNS, values, strict=True)) for values in zip(*ordered, strict=True)
    ]


def _write_batch(
    conn: Connection, sql: str, order: list[str], pid: uuid.UUID, now: datetime, batch: pd.DataFrame
) -> int:
    """Upsert one batch; the number of its rows that were new (their proposed id is stored).

    The ids are counted with one driver-level query (``IN (?, …)`` on SQLite, ``= ANY(%s)``
    on PostgreSQL) on the already-bound values: no per-id SQLAlchemy processing.
    """
    bound_ids, rows = _bound_batch(batch, pid, now, conn.dialect, order)
    conn.exec_driver_sql(sql, rows)
    table = KeywordMetric.__tablename__
    if conn.dialect.name == "postgresql":
        query = f"SELECT count(*) FROM {table} WHERE id = ANY(%s)"
        params: tuple[Any, ...] = (list(bound_ids),)
    else:
        query = f"SELECT count(*) FROM {table} WHERE id IN ({','.join('?' * len(bound_ids))})"
        params = tuple(bound_ids)
    return int(conn.exec_driver_sql(query, params).scalar_one())


def upsert_metrics(
    conn: Connection, project_id: uuid.UUID | str, frame: pd.DataFrame
) -> tuple[int, int]:
    """Upsert keyword metrics inside the caller's transaction, the importer's way.

    Same rules as :func:`write_keywords` (sorted keys, batches of :data:`CHUNK_SIZE`, the
    higher volume wins, exact counts) for other packages that add keywords to the universe
    in their own unit of work (e.g. a rankings import).

    Parameters
    ----------
    conn : sqlalchemy.Connection
        An open connection in a transaction (the caller commits).
    project_id : uuid.UUID or str
        The project.
    frame : pandas.DataFrame
        Columns of :data:`~services.projects.imports.parse.OUTPUT_COLUMNS` (missing metric
        columns are read as missing), one row per normalised keyword.

    Returns
    -------
    (inserted, updated) : tuple of int
    """
    pid = as_uuid(project_id)
    compiled = _upsert_statement(conn.dialect.name).compile(
        dialect=conn.dialect, column_keys=list(_ROW_COLUMNS)
    )
    sql, order = str(compiled), list(compiled.positiontup or [])
    ordered = frame.sort_values("keyword", kind="stable").reset_index(drop=True)
    for name in _ROW_COLUMNS:
        if name not in ordered.columns and name not in ("id", "project_id", "status", "fetched_at"):
            ordered[name] = None
    now = datetime.now(UTC)
    inserted = 0
    for start in range(0, len(ordered), CHUNK_SIZE):
        inserted += _write_batch(
            conn, sql, order, pid, now, ordered.iloc[start : start + CHUNK_SIZE]
        )
    return inserted, len(ordered) - inserted


#: ``on_batch(conn, saved, inserted, updated)``: called inside each batch's transaction.
BatchHook = Callable[[Connection, int, int, int], None]


def write_keywords(
    engine: Engine,
    project_id: uuid.UUID | str,
    frame: pd.DataFrame,
    *,
    atomic: bool = True,
    skip: int = 0,
    on_batch: BatchHook | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Upsert parsed keywords in key order and bounded batches; exact new/updated counts.

    Rows are written sorted by keyword, :data:`CHUNK_SIZE` per ``executemany`` of a dialect
    ``INSERT … ON CONFLICT DO UPDATE`` (see :func:`_upsert_statement`). The stable key order
    means two imports of overlapping keywords lock rows in the same order, so PostgreSQL
    cannot deadlock them; the bounded batches keep SQLite's write lock short when
    ``atomic`` is False. A row counts as inserted when the id proposed for it is in the
    table afterwards (an update keeps the stored row's id), so the counts stay exact while
    another import writes the same keywords.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated SQLite or PostgreSQL engine.
    project_id : uuid.UUID or str
        The project that owns the keywords.
    frame : pandas.DataFrame
        Output of :func:`~services.projects.imports.parse.parse_keyword_export`.
    atomic : bool, optional
        True (default): one transaction, a failure anywhere leaves the table as it was.
        False: one transaction per batch; a failure keeps the batches already committed.
    skip : int, optional
        Rows (in key order) already saved by an interrupted run of the same file; they
        are not written again.
    on_batch : callable, optional
        ``on_batch(conn, saved, inserted, updated)`` with cumulative counts, run inside the
        batch's transaction (a job records its progress there, atomically with the rows).
    progress : callable, optional
        ``progress(saved, total)`` after each batch; an exception raised by it stops the
        import (rolling everything back when ``atomic``).

    Returns
    -------
    (inserted, updated) : tuple of int
        Keywords new to the project and keywords it already had, of the rows written by
        this call (``skip`` excluded).

    Raises
    ------
    NotFoundError
        ``project_id`` does not exist.
    """
    pid = as_uuid(project_id)
    ordered = frame.sort_values("keyword", kind="stable").reset_index(drop=True)
    if atomic:  # one transaction: a retry after "database is locked" starts it over
        return wait_for_writer(
            engine, lambda: _write(engine, pid, ordered, True, skip, on_batch, progress)
        )
    return _write(engine, pid, ordered, False, skip, on_batch, progress)


def _write(
    engine: Engine,
    pid: uuid.UUID,
    ordered: pd.DataFrame,
    atomic: bool,
    skip: int,
    on_batch: BatchHook | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[int, int]:
    total = len(ordered)
    inserted = updated = 0
    with ExitStack() as stack:
        outer = stack.enter_context(engine.begin()) if atomic else None
        with engine.connect() if outer is None else nullcontext(outer) as probe:
            if probe.execute(select(Project.id).where(Project.id == pid)).first() is None:
                raise NotFoundError(f"Project {pid} does not exist.")
            dialect = probe.dialect
        compiled = _upsert_statement(dialect.name).compile(
            dialect=dialect, column_keys=list(_ROW_COLUMNS)
        )
        sql = str(compiled)
        order = list(compiled.positiontup or [])
        now = datetime.now(UTC)
        for start in range(skip, total, CHUNK_SIZE):
            batch = ordered.iloc[start : start + CHUNK_SIZE]
            save = partial(
                _save_batch, sql, order, pid, now, batch, (start + len(batch), inserted, updated)
            )
            if outer is not None:
                new = save(outer, on_batch)
            else:  # its own transaction: retried alone after "database is locked"
                new = wait_for_writer(engine, partial(_in_tx, engine, save, on_batch))
            inserted += new
            updated += len(batch) - new
            if progress is not None:
                progress(start + len(batch), total)
    return inserted, updated


def _save_batch(
    sql: str,
    order: list[str],
    pid: uuid.UUID,
    now: datetime,
    batch: pd.DataFrame,
    counts: tuple[int, int, int],
    conn: Connection,
    on_batch: BatchHook | None,
) -> int:
    """Write one batch; ``counts`` = (rows saved after it, inserted and updated before it)."""
    new = _write_batch(conn, sql, order, pid, now, batch)
    if on_batch is not None:
        saved, inserted, updated = counts
        on_batch(conn, saved, inserted + new, updated + len(batch) - new)
    return new


def _in_tx(engine: Engine, save: Callable[..., int], on_batch: BatchHook | None) -> int:
    with engine.begin() as conn:
        return save(conn, on_batch)


def import_keywords(
    engine: Engine,
    project_id: uuid.UUID | str,
    data: bytes,
    filename: str = "",
    progress: Callable[[float, str], None] | None = None,
    *,
    allow_non_queries: bool = False,
) -> ImportReport:
    """Parse a keyword export and upsert it into the project's ``keyword_metrics``.

    All rows are written in ONE transaction (see :func:`write_keywords`): a failure
    anywhere leaves the table as it was. A keyword the project already has keeps the
    higher ``search_volume``; the winning row's metrics are kept and missing ones filled
    from the other (see :func:`_upsert_statement`). New rows get ``status="qualified"`` and
    ``fetched_at=now`` (UTC). Large files go through the ``import`` job instead
    (:mod:`services.projects.jobs`), which commits batch by batch.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated SQLite or PostgreSQL engine.
    project_id : uuid.UUID or str
        The project that owns the keywords.
    data : bytes
        The uploaded export (see :func:`parse_keyword_export`).
    filename : str, optional
        Original file name, for error messages.
    progress : callable, optional
        ``progress(fraction, message)`` with ``fraction`` in 0-1, called after parsing,
        after each chunk of :data:`CHUNK_SIZE` rows and at the end. An exception raised by
        it aborts the import and rolls everything back.
    allow_non_queries : bool, optional
        The user confirmed a file whose rows mostly do not look like search queries.

    Returns
    -------
    ImportReport
        Counts of the parse plus ``inserted`` (new keywords), ``updated`` (keywords the
        project had), ``rows_imported = inserted + updated`` and total ``seconds``.

    Raises
    ------
    ImportFormatError
        The file cannot be read (nothing is written).
    ImportConfirmationRequired
        Most rows do not look like search queries and ``allow_non_queries`` is False.
    NotFoundError
        ``project_id`` does not exist.
    """
    started = time.perf_counter()
    report_progress = progress or (lambda _fraction, _message: None)
    report_progress(0.0, "Reading the file")
    frame, report = parse_keyword_export(data, filename, allow_non_queries=allow_non_queries)
    total = len(frame)
    report_progress(0.1, f"Read {report.rows_read:,} rows from {export_of(report.tool)}")

    def saved(done: int, of: int) -> None:
        report_progress(0.1 + 0.85 * done / of, f"Saved {done:,} of {of:,} keywords")

    report.inserted, report.updated = write_keywords(engine, project_id, frame, progress=saved)
    report.rows_imported = total
    report.seconds = time.perf_counter() - started
    report_progress(
        1.0, f"Imported {total:,} keywords ({report.inserted:,} new, {report.updated:,} updated)"
    )
    return report


def load_keyword_universe(engine: Engine, project_id: uuid.UUID | str) -> pd.DataFrame:
    """All keyword metrics of a project, highest volume first.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The application's engine.
    project_id : uuid.UUID or str
        The project.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNIVERSE_COLUMNS`: ``keyword``, ``search_volume`` (Int64,
        searches/month), ``cpc`` (float, USD), ``competition`` (float, 0-1),
        ``competition_level``, ``keyword_difficulty`` (float, 0-100), ``intent``,
        ``source``. Empty (with those columns) when the project has no keywords.
    """
    t = KeywordMetric
    statement = (
        select(*(getattr(t, name) for name in UNIVERSE_COLUMNS))
        .where(t.project_id == as_uuid(project_id))
        .order_by(t.search_volume.desc().nulls_last(), t.keyword)
    )
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=UNIVERSE_COLUMNS)
    frame["search_volume"] = frame["search_volume"].astype("Int64")
    for name in ("cpc", "competition", "keyword_difficulty"):
        frame[name] = frame[name].astype("float64")
    return frame
