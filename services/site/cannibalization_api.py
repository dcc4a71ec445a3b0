"""Cannibalization report and site coverage: what pages and the seed funnel call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
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
)
from services.site.optimise import coverage
from services.site.page_conflicts import near_duplicate_pairs, page_stats, same_search_pairs
from services.site.rankings import aggregate_rankings
from services.site.report_cache import VersionedCache, data_version

#: Reports by (database, project, data version, settings, embedder): a rerun of the screen
#: reads a fingerprint, not 10k rankings and 2,300 MiniLM vectors (issue 22).
_REPORTS: VersionedCache[CannibalizationResult] = VersionedCache(8)
#: Unit vectors of the primaries by (embedder, texts): a new rankings import changes the
#: report, rarely the primaries.
_VECTORS: VersionedCache[np.ndarray] = VersionedCache(4)


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


#: Shown when the rankings list one URL per keyword (Semrush / Ahrefs organic exports).
ONE_URL_PER_KEYWORD = (
    "The imported rankings list one URL per keyword (Semrush and Ahrefs organic exports keep "
    "only the best-ranking page), so they cannot show two pages competing for one keyword. "
    "Import a Search Console query + page export (Performance report with Page and Query, "
    "e.g. via the Search Console API or Looker Studio), or an export listing every ranking "
    "URL (Semrush Position Tracking, Ahrefs Organic keywords with all URLs), to see them. "
    "The same-search conflicts between pages below need no such data."
)
#: Shown without any rankings.
NO_RANKINGS = (
    "No rankings imported yet: keyword-level conflicts need a rankings export (Search Console "
    "query + page is best). Same-search conflicts between primary keywords are shown below."
)


@dataclass
class CannibalizationResult:
    """The report.

    Attributes
    ----------
    rows : pandas.DataFrame
        Keyword-level rows (:data:`services.site.cannibalization.REPORT_COLUMNS`).
    near_duplicates : pandas.DataFrame
        Page pairs with the same search or near-duplicate primaries
        (:data:`services.site.page_conflicts.CONFLICT_COLUMNS` + ``Cosine``): owner, action,
        evidence.
    settings : CannibalizationSettings
    notice : str
        Why keyword-level conflicts cannot show ("" when they can).
    """

    rows: pd.DataFrame
    near_duplicates: pd.DataFrame
    settings: CannibalizationSettings
    notice: str = ""

    @property
    def conflicts(self) -> int:
        """Keywords in conflict."""
        return int(self.rows.loc[self.rows["conflict"].astype(bool), "keyword"].nunique())


def _keyword_level_notice(ranked: pd.DataFrame) -> str:
    if ranked.empty:
        return NO_RANKINGS
    urls_per_keyword = ranked.groupby("keyword")["normalized_url"].nunique()
    return ONE_URL_PER_KEYWORD if int(urls_per_keyword.max()) <= 1 else ""


def _page_pairs(
    primaries: pd.DataFrame,
    ranked: pd.DataFrame,
    links: dict[str, int],
    parents: dict[str, str],
    embedder: Embedder | None,
    threshold: float,
) -> pd.DataFrame:
    """Same-search pairs, then near-duplicate primaries (embedder given), sibling-vetoed."""
    frame = primaries[primaries["page_source"] != "cluster"].copy()
    # A title/H1 label is no keyword: such a page competes through its rankings only.
    frame.loc[frame["is_fallback"].fillna(False).astype(bool), "primary"] = None
    stats = page_stats(frame[["url", "normalized_url", "primary"]], ranked, links)
    vocabulary = ranked["keyword"].unique().tolist() if len(ranked) else []
    same = same_search_pairs(stats, vocabulary, parents)
    same["Cosine"] = np.nan
    if embedder is None:
        return same
    with_primary = [p for p in stats if p.primary]
    if len(with_primary) < 2:
        return same
    texts = tuple(p.primary for p in with_primary)
    vectors = _VECTORS.get_or_compute((embedder, texts), lambda: embedder.embed(texts))
    done = {frozenset(p) for p in zip(same["Owner page"], same["Other page"], strict=True)}
    near = near_duplicate_pairs(with_primary, vectors, threshold, done)
    return pd.concat([same, near], ignore_index=True) if len(near) else same


def cannibalization_report(
    engine: Engine,
    project_id: Any,
    *,
    embedder: Embedder | None = None,
    settings: CannibalizationSettings | None = None,
) -> CannibalizationResult:
    """Keyword-level conflicts from the rankings and page-level (same-search) conflicts.

    Reads only. Computed once per data state: the result is cached by project, the site
    data's fingerprint (:func:`services.site.report_cache.data_version`: any rankings
    import, crawl or primary-keyword run changes it), the settings and the embedder; a
    rerun of the screen reads the fingerprint and copies the cached frames.

    Returns
    -------
    CannibalizationResult
        ``near_duplicates`` holds the same-search pairs always and the near-duplicate
        primaries with an embedder (:mod:`services.site.page_conflicts`); ``notice`` says
        when the imported data cannot show keyword-level conflicts and what to import.
    """
    pid = as_uuid(project_id)
    settings = settings or cannibalization_settings(engine)
    with session_scope(engine) as s:
        store.check_project(s, pid)
        version = data_version(s, pid)
    key = (str(engine.url), pid, version, settings, embedder)
    cached = _REPORTS.get_or_compute(key, lambda: _report(engine, pid, embedder, settings))
    return CannibalizationResult(
        rows=cached.rows.copy(),
        near_duplicates=cached.near_duplicates.copy(),
        settings=cached.settings,
        notice=cached.notice,
    )


def _report(
    engine: Engine, pid: Any, embedder: Embedder | None, settings: CannibalizationSettings
) -> CannibalizationResult:
    with session_scope(engine) as s:
        ranked = aggregate_rankings(store.load_rankings(s, pid))
        primaries = store.primary_rows(s, pid)
        links = store.inbound_links(s, pid)
        parents = store.parent_keywords(s, pid)
    rows = find_cannibalization(ranked, settings)
    pairs = _page_pairs(primaries, ranked, links, parents, embedder, settings.near_duplicate_cosine)
    return CannibalizationResult(
        rows=rows,
        near_duplicates=pairs,
        settings=settings,
        notice=_keyword_level_notice(ranked),
    )


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
