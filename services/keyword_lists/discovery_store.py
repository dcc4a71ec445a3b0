"""Database side of keyword discovery; every function takes the caller's session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from db.models import KeywordMetric, utcnow
from services.core.ids import as_uuid
from services.core.text import normalize_keyword


def project_keywords(s: Session, project_id: Any) -> set[str]:
    """Every keyword the project has (any status)."""
    rows = s.execute(
        select(KeywordMetric.keyword).where(KeywordMetric.project_id == as_uuid(project_id))
    ).scalars()
    return set(rows)


def placed_keywords(s: Session, project_id: Any) -> set[str]:
    """Keywords already in a cluster (status clustering or clustered)."""
    rows = s.execute(
        select(KeywordMetric.keyword).where(
            KeywordMetric.project_id == as_uuid(project_id),
            KeywordMetric.status.in_(("clustering", "clustered")),
        )
    ).scalars()
    return set(rows)


def save_discovered(s: Session, project_id: Any, candidates: pd.DataFrame) -> int:
    """Insert candidates as ``KeywordMetric`` rows with status ``discovered`` (new only)."""
    if candidates.empty:
        return 0
    pid = as_uuid(project_id)
    existing = project_keywords(s, pid)
    now = utcnow()

    def val(v: Any, cast: Callable[[Any], Any]) -> Any:
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else cast(v)

    n = 0
    for r in candidates.itertuples():
        if r.keyword in existing:
            continue
        s.add(
            KeywordMetric(
                project_id=pid,
                keyword=r.keyword,
                search_volume=val(r.search_volume, int),
                cpc=val(r.cpc, float),
                competition=val(r.competition, float),
                competition_level=val(r.competition_level, str),
                keyword_difficulty=val(r.keyword_difficulty, float),
                intent=val(r.intent, str),
                serp_features=val(r.serp_features, str),
                source=str(r.source or "dataforseo"),
                status="discovered",
                fetched_at=now,
            )
        )
        existing.add(r.keyword)
        n += 1
    s.flush()
    return n


def qualify(s: Session, project_id: Any, keywords: Sequence[str]) -> int:
    """Move ``discovered`` keywords to ``qualified`` (ready to cluster). Returns rows changed."""
    words = [normalize_keyword(k) for k in keywords if normalize_keyword(k)]
    if not words:
        return 0
    res = s.execute(
        update(KeywordMetric)
        .where(
            KeywordMetric.project_id == as_uuid(project_id),
            KeywordMetric.status == "discovered",
            KeywordMetric.keyword.in_(words),
        )
        .values(status="qualified")
    )
    return int(cast("CursorResult[Any]", res).rowcount or 0)
