"""The project's keyword universe (``KeywordMetric``) as ``KeywordData``.

One query path for every volume source that reads stored metrics: the offline
(imported-data) provider and DataForSEO's 30-day cache. :class:`KeywordMetricsSQL` is the SQL
side of the adapters' port (:class:`services.providers.base.KeywordMetricsStore`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.models import KeywordMetric, Project
from services.core.ids import as_uuid
from services.providers.base import KeywordData

log = logging.getLogger(__name__)

#: Keywords per ``IN`` list (keeps SQLite under its bound-parameter limit).
IN_CHUNK = 500


def lookup_metrics(
    conn: Connection | Session,
    project_id: Any,
    keywords: Sequence[str],
    *,
    source: str | None = None,
    fetched_after: datetime | None = None,
) -> dict[str, KeywordData]:
    """Stored metrics of ``keywords`` (already normalised) for a project.

    Args:
        conn: an open connection or session (the caller's transaction).
        project_id: the project.
        keywords: normalised keywords to look up.
        source: only rows from this source (e.g. "dataforseo"); None = any source.
        fetched_after: only rows fetched at or after this time (cache TTL); None = any age.

    Returns:
        keyword → :class:`KeywordData` (search volume in searches/month, CPC USD,
        competition 0-1, keyword difficulty 0-100) for the keywords found.
    """
    t = KeywordMetric
    out: dict[str, KeywordData] = {}
    for start in range(0, len(keywords), IN_CHUNK):
        query = select(
            t.keyword,
            t.search_volume,
            t.cpc,
            t.competition,
            t.competition_level,
            t.keyword_difficulty,
            t.intent,
            t.source,
        ).where(t.project_id == project_id, t.keyword.in_(keywords[start : start + IN_CHUNK]))
        if source is not None:
            query = query.where(t.source == source)
        if fetched_after is not None:
            query = query.where(t.fetched_at >= fetched_after)
        for kw, volume, cpc, competition, level, difficulty, intent, src in conn.execute(query):
            out[kw] = KeywordData(
                keyword=kw,
                search_volume=volume,
                cpc=cpc,
                competition=competition,
                competition_level=level,
                keyword_difficulty=difficulty,
                intent=intent,
                source=src,
            )
    return out


#: Rows per INSERT … ON CONFLICT statement when caching fetched metrics.
UPSERT_CHUNK = 500


class KeywordMetricsSQL:
    """:class:`~services.providers.base.KeywordMetricsStore` on the application database.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database; every method opens one short connection or transaction of its own.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"KeywordMetricsSQL({self.engine.url.render_as_string(hide_password=True)!r})"

    def locale(self, project_id: Any) -> tuple[str, str] | None:
        """(location_name, language_name) of the project, None when there is no such project."""
        if project_id is None:
            return None
        query = select(Project.location_name, Project.language_name).where(
            Project.id == as_uuid(project_id)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row[0] or "", row[1] or "")

    def lookup(
        self,
        project_id: Any,
        keywords: Sequence[str],
        *,
        source: str | None = None,
        fetched_after: datetime | None = None,
    ) -> dict[str, KeywordData]:
        """:func:`lookup_metrics` in a connection of its own."""
        if project_id is None or not keywords:
            return {}
        with self.engine.connect() as conn:
            return lookup_metrics(
                conn, project_id, list(keywords), source=source, fetched_after=fetched_after
            )

    def has_keywords(self, project_id: Any) -> bool:
        """True when the project holds at least one ``KeywordMetric`` row."""
        query = select(KeywordMetric.id).where(KeywordMetric.project_id == project_id).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def imported_stamp(self, project_id: Any) -> tuple[Any, ...]:
        """(row count, latest ``fetched_at``) of the project's imported rows (not caches)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(func.count(KeywordMetric.id), func.max(KeywordMetric.fetched_at)).where(
                    _imported(project_id)
                )
            ).one()
        return tuple(row)

    def imported_keywords(self, project_id: Any) -> list[tuple[str, int | None, str | None]]:
        """(keyword, search volume, intent) of every imported row of the project."""
        query = select(
            KeywordMetric.keyword, KeywordMetric.search_volume, KeywordMetric.intent
        ).where(_imported(project_id))
        with self.engine.connect() as conn:
            return [(kw, vol, intent) for kw, vol, intent in conn.execute(query)]

    def save_fetched(
        self, project_id: Any, data: dict[str, KeywordData], *, source: str, fetched_at: datetime
    ) -> None:
        """Upsert fetched metrics (volume fields, source, fetched_at) in one transaction.

        Keyword difficulty, intent, SERP features and status of an existing row are kept.
        A failed write is logged and ignored: the data is already paid for and returned.
        """
        if project_id is None or not data:
            return
        pid = as_uuid(project_id)
        records = [
            {
                "id": uuid.uuid4(),
                "project_id": pid,
                "keyword": kw,
                "search_volume": d.search_volume,
                "cpc": d.cpc,
                "competition": d.competition,
                "competition_level": d.competition_level,
                "source": source,
                "status": "qualified",
                "fetched_at": fetched_at,
            }
            for kw, d in data.items()
        ]
        try:
            with self.engine.begin() as conn:
                statement = _volume_upsert(conn.dialect.name)
                for start in range(0, len(records), UPSERT_CHUNK):
                    conn.execute(statement, records[start : start + UPSERT_CHUNK])
        except SQLAlchemyError:
            log.exception("could not cache %d %s keywords", len(records), source)


def _imported(project_id: Any) -> Any:
    """Rows of the project's own exports: provider caches (``source='dataforseo'``) are
    look-ups, not the user's data."""
    return (KeywordMetric.project_id == project_id) & (KeywordMetric.source != "dataforseo")


def _volume_upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (project, keyword) DO UPDATE of the volume fields only."""
    table = KeywordMetric.__table__
    if dialect == "postgresql":
        insert: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - the app runs on SQLite or PostgreSQL
        raise NotImplementedError(dialect)
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[table.c.project_id, table.c.keyword],
        set_={
            "search_volume": new.search_volume,
            "cpc": new.cpc,
            "competition": new.competition,
            "competition_level": new.competition_level,
            "source": new.source,
            "fetched_at": new.fetched_at,
        },
    )
