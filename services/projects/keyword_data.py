"""Reading the project's keyword universe (``KeywordMetric``) as ``KeywordData``.

One query path for every volume source that reads stored metrics: the offline
(imported-data) provider and DataForSEO's 30-day cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import KeywordMetric
from services.providers.base import KeywordData

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
