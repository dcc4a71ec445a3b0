"""Cannibalization report and site coverage: what pages and the seed funnel call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.session import session_scope
from services.core.app_settings import get_setting, set_setting
from services.core.errors import InvalidInputError
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.providers.base import Embedder
from services.site import store
from services.site.cannibalization import (
    CANNIBALIZATION_KEY,
    CannibalizationSettings,
    find_cannibalization,
    near_duplicate_primaries,
)
from services.site.optimise import coverage
from services.site.rankings import aggregate_rankings


def cannibalization_settings(engine: Engine) -> CannibalizationSettings:
    """The stored thresholds (defaults when unset)."""
    return CannibalizationSettings.from_dict(get_setting(engine, CANNIBALIZATION_KEY, {}))


def save_cannibalization_settings(engine: Engine, settings: CannibalizationSettings) -> None:
    """Store the thresholds. Raises ``InvalidInputError`` when out of range."""
    if not 0 < settings.min_click_share <= 0.5:
        raise InvalidInputError("The click share must be above 0 and at most 50 %.")
    if not 1 <= settings.max_position <= 100:
        raise InvalidInputError("The position must be between 1 and 100.")
    if not 0 < settings.near_duplicate_cosine < 1:
        raise InvalidInputError("The cosine threshold must be between 0 and 1.")
    set_setting(engine, CANNIBALIZATION_KEY, settings.to_dict())


@dataclass
class CannibalizationResult:
    """The report: per (keyword, page) rows and near-duplicate primaries."""

    rows: pd.DataFrame
    near_duplicates: pd.DataFrame
    settings: CannibalizationSettings

    @property
    def conflicts(self) -> int:
        """Keywords in conflict."""
        return int(self.rows.loc[self.rows["conflict"].astype(bool), "keyword"].nunique())


def cannibalization_report(
    engine: Engine,
    project_id: Any,
    *,
    embedder: Embedder | None = None,
    settings: CannibalizationSettings | None = None,
) -> CannibalizationResult:
    """Cannibalization from the rankings, and near-duplicate primaries (with an embedder).

    Returns
    -------
    CannibalizationResult
        ``rows``: :data:`services.site.cannibalization.REPORT_COLUMNS`; ``near_duplicates``:
        :data:`~services.site.cannibalization.NEAR_DUPLICATE_COLUMNS` (empty without an
        embedder).
    """
    pid = as_uuid(project_id)
    settings = settings or cannibalization_settings(engine)
    with engine.connect() as conn:
        store.check_project(conn, pid)
        ranked = aggregate_rankings(store.load_rankings(conn, pid))
        primaries = store.primary_rows(conn, pid)
    rows = find_cannibalization(ranked, settings)
    near = pd.DataFrame(columns=["keyword_a", "url_a", "keyword_b", "url_b", "cosine"])
    if embedder is not None and not primaries.empty:
        prim = primaries.dropna(subset=["primary"]).rename(columns={"primary": "keyword"})
        if len(prim) >= 2:
            vectors = embedder.embed(prim["keyword"].tolist())
            near = near_duplicate_primaries(
                prim[["keyword", "url"]].reset_index(drop=True),
                vectors,
                settings.near_duplicate_cosine,
            )
    return CannibalizationResult(rows=rows, near_duplicates=near, settings=settings)


def covered_by(engine: Engine, project_id: Any, keywords: Sequence[str]) -> dict[str, str]:
    """Keywords an existing page of the site already covers → that page's URL.

    A keyword is covered when a page holds it as primary keyword (suggested or approved;
    this wins), or when a page ranks for it within the top ``max_position`` (cannibalization
    setting, default 20) — then the page with the most clicks, else the best position.
    The seed funnel and the review flag such pages "covered by <url>".

    Parameters
    ----------
    keywords : sequence of str
        Keywords as shown (normalised here for the lookup).

    Returns
    -------
    dict
        Input keyword (as given) → URL, only for covered keywords.
    """
    wanted = {normalize_keyword(k): k for k in keywords if k and k.strip()}
    if not wanted:
        return {}
    with session_scope(engine) as s:
        owners = coverage(s, as_uuid(project_id), list(wanted))
    return {wanted[k]: url for k, url in owners.items() if k in wanted}
