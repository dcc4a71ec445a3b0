"""Cannibalization report: keywords several pages of the site rank for. Pure.

Rules (issue 9 §4; thresholds are :class:`CannibalizationSettings`, stored under the
``cannibalization`` app setting):

- A keyword is **shared** when two or more pages rank for it.
- It is a **conflict** when at least two pages each take ≥ ``min_click_share`` (20 %) of the
  keyword's clicks; when the keyword has no clicks (Semrush/Ahrefs rows, or GSC rows without
  clicks), when at least two pages rank within the top ``max_position`` (20). Sources for
  the defaults: GSC Wizard's cannibalization playbook calls a 30 %/70 % split between two
  URLs cannibalization and 95 %/5 % not (https://www.gscwizard.com/learn/playbooks/
  fix-cannibalization.html) — 20 % is the lower bound of a "meaningful share" between the
  two; Website Ranking Checker's report drops pages with an average position above 20 as
  "not seriously competing" (https://websiterankingchecker.com/help/cannibalization.php).
- The **owner** is the page with the most traffic for the keyword (click share, else
  estimated organic traffic), then the best (lowest) position, then the most impressions.
- The others get an **action** (the fixes of the playbook above): ``merge + 301``
  (consolidate into the owner and 301-redirect) when this keyword is the page's own best
  keyword — the page exists for the same query; ``re-target`` (give the page another
  primary) when it still ranks in the top 10 for it, so it has value of its own; else
  ``de-optimize`` (take the keyword out of its title and headings and link to the owner with
  it as anchor text). Every row carries its ``evidence`` in words.

Page-level conflicts (same search, near-duplicate primaries with the sibling-product veto,
``canonical``): :mod:`services.site.page_conflicts`. Near-duplicate threshold
``near_duplicate_cosine``: 0.85 MiniLM (a median unrelated pair is 0.22 and plural/word-order
variants score above 0.9 — measured in ``services.providers.embeddings``).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

#: ``app_settings`` key of the thresholds.
CANNIBALIZATION_KEY = "cannibalization"
#: Columns of :func:`find_cannibalization`.
REPORT_COLUMNS = [
    "keyword",
    "url",
    "pages",
    "conflict",
    "role",
    "action",
    "owner_url",
    "click_share",
    "clicks",
    "impressions",
    "position",
    "estimated_traffic",
    "search_volume",
    "evidence",
]
#: Plain headers of :data:`REPORT_COLUMNS` (page and CSV).
REPORT_HEADERS = {
    "keyword": "Keyword",
    "url": "Page",
    "pages": "Pages ranking",
    "conflict": "Conflict",
    "role": "Role",
    "action": "Action",
    "owner_url": "Owner page",
    "click_share": "Click share",
    "clicks": "Clicks",
    "impressions": "Impressions",
    "position": "Position",
    "estimated_traffic": "Estimated traffic",
    "search_volume": "Search volume",
    "evidence": "Evidence",
}
#: Actions of the keyword-level report.
ACTIONS = ("keep", "merge + 301", "re-target", "de-optimize")
#: Position up to which a page is "in the top 10" for the re-target rule.
TOP_POSITION = 10


@dataclass(frozen=True)
class CannibalizationSettings:
    """Thresholds of the report (defaults and their sources: module docstring).

    Attributes
    ----------
    min_click_share : float
        0-1; a page takes part in a conflict with at least this share of the keyword's clicks.
    max_position : float
        Without clicks, pages ranking at or above this position (1 = top) take part.
    near_duplicate_cosine : float
        MiniLM cosine above which two primaries are listed as near-duplicates.
    """

    min_click_share: float = 0.20
    max_position: float = 20.0
    near_duplicate_cosine: float = 0.85

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CannibalizationSettings:
        """Settings from a stored JSON dict; unknown keys ignored, missing ones defaulted."""
        data = data or {}
        defaults = cls()
        return cls(
            **{name: float(data.get(name, getattr(defaults, name))) for name in asdict(defaults)}
        )

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict (for ``app_settings``)."""
        return asdict(self)


def find_cannibalization(
    ranked: pd.DataFrame, settings: CannibalizationSettings | None = None
) -> pd.DataFrame:
    """Shared keywords, one row per (keyword, page), with conflict flag, owner and action.

    Parameters
    ----------
    ranked : pandas.DataFrame
        :func:`services.site.rankings.aggregate_rankings` output (one row per page and
        keyword): ``normalized_url``, ``page_url``, ``keyword``, ``position``, ``clicks``,
        ``impressions``, ``estimated_traffic``, ``search_volume``.
    settings : CannibalizationSettings, optional

    Returns
    -------
    pandas.DataFrame
        :data:`REPORT_COLUMNS`, conflicts first, then by keyword clicks and pages:
        ``pages`` (pages ranking for the keyword), ``conflict`` (bool), ``role``
        (``owner`` / ``other``), ``action`` (:data:`ACTIONS`: ``keep`` for the owner),
        ``click_share`` (0-1, NaN without clicks), ``evidence`` (plain text).
    """
    settings = settings or CannibalizationSettings()
    if ranked.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    frame = ranked.copy()
    frame["clicks"] = frame["clicks"].astype("float64")
    pages = frame.groupby("keyword")["normalized_url"].transform("nunique")
    # Each page's own best keyword (most clicks, else traffic, else impressions, else position).
    best_of_page = _best_keyword_per_page(frame)
    frame = frame[pages >= 2].copy()
    if frame.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    frame["pages"] = pages[pages >= 2]
    total = frame.groupby("keyword")["clicks"].transform(lambda s: s.sum(min_count=1))
    has_clicks = total.fillna(0) > 0
    frame["click_share"] = np.where(
        has_clicks, frame["clicks"].fillna(0) / total.where(has_clicks), np.nan
    )
    strong = np.where(
        has_clicks,
        frame["click_share"] >= settings.min_click_share,
        frame["position"].fillna(np.inf) <= settings.max_position,
    )
    frame["_strong"] = strong
    frame["conflict"] = frame.groupby("keyword")["_strong"].transform("sum") >= 2
    frame = frame.sort_values(
        ["keyword", "click_share", "estimated_traffic", "position", "impressions"],
        ascending=[True, False, False, True, False],
        na_position="last",
    )
    first = ~frame.duplicated("keyword")
    frame["role"] = np.where(first, "owner", "other")
    owners = frame.loc[first, ["keyword", "page_url"]].rename(columns={"page_url": "owner_url"})
    frame = frame.merge(owners, on="keyword", how="left")
    frame["url"] = frame["page_url"]
    is_best = [
        best_of_page.get(url) == kw
        for url, kw in zip(frame["normalized_url"], frame["keyword"], strict=True)
    ]
    frame["action"] = np.select(
        [
            frame["role"] == "owner",
            np.asarray(is_best, dtype=bool),
            frame["position"].fillna(np.inf) <= TOP_POSITION,
        ],
        ["keep", "merge + 301", "re-target"],
        default="de-optimize",
    )
    frame["evidence"] = [
        _evidence(r, best) for r, best in zip(frame.itertuples(), is_best, strict=True)
    ]
    frame["_kw_clicks"] = frame.groupby("keyword")["clicks"].transform("sum")
    frame = frame.sort_values(
        ["conflict", "_kw_clicks", "pages", "keyword", "role"],
        ascending=[False, False, False, True, False],
        kind="stable",
    )
    return frame[REPORT_COLUMNS].reset_index(drop=True)


def _evidence(row: Any, own_best: bool) -> str:
    """Plain-text evidence of one (keyword, page) row."""
    share = row.click_share
    parts = [f"{share:.0%} of the keyword's clicks" if pd.notna(share) else ""]
    if pd.notna(row.estimated_traffic) and not pd.notna(share):
        parts.append(f"{row.estimated_traffic:,.0f} estimated visits")
    if pd.notna(row.position):
        parts.append(f"position {row.position:.1f}")
    if row.role == "owner":
        head = "Owner: most traffic, then best position"
    elif own_best:
        head = "This keyword is the page's own best keyword: the page duplicates the owner"
    elif pd.notna(row.position) and row.position <= TOP_POSITION:
        head = "Ranks in the top 10 with another best keyword: give it another primary"
    else:
        head = "Ranks low for it: remove it from the title and headings, link to the owner"
    return f"{head} ({', '.join(p for p in parts if p) or 'no traffic data'})."


def _best_keyword_per_page(frame: pd.DataFrame) -> dict[str, str]:
    order = frame.assign(
        _c=frame["clicks"].fillna(-1),
        _t=frame["estimated_traffic"].fillna(-1),
        _i=frame["impressions"].fillna(-1),
        _p=frame["position"].fillna(np.inf),
    ).sort_values(["_c", "_t", "_i", "_p"], ascending=[False, False, False, True])
    best = order.drop_duplicates("normalized_url")
    return dict(zip(best["normalized_url"], best["keyword"], strict=True))


def covered_owner(rows: pd.DataFrame) -> dict[str, str]:
    """Keyword → URL of the page that best covers it (most clicks, then best position).

    Parameters
    ----------
    rows : pandas.DataFrame
        Aggregated rankings rows (``keyword``, ``page_url``, ``clicks``, ``position``).
    """
    if rows.empty:
        return {}
    order = rows.assign(_c=rows["clicks"].fillna(-1), _p=rows["position"].fillna(np.inf))
    order = order.sort_values(["_c", "_p"], ascending=[False, True]).drop_duplicates("keyword")
    return dict(zip(order["keyword"], order["page_url"], strict=True))


def with_headers(report: pd.DataFrame) -> pd.DataFrame:
    """The report with plain headers (:data:`REPORT_HEADERS`) for the page and the CSV."""
    return report.rename(columns=REPORT_HEADERS)


def to_csv_bytes(report: pd.DataFrame) -> bytes:
    """The report as UTF-8 CSV (with BOM, so Excel reads accents), plain headers."""
    buffer = io.StringIO()
    with_headers(report).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8-sig")


def filter_report(
    report: pd.DataFrame,
    *,
    conflicts_only: bool = True,
    contains: str = "",
    actions: list[str] | None = None,
) -> pd.DataFrame:
    """Rows of the report the page shows: conflicts only, keyword/URL text, chosen actions.

    A keyword's rows are kept together: when any of its rows matches ``contains`` or an
    action, all its rows (owner included) are shown.
    """
    rows = report
    if conflicts_only:
        rows = rows[rows["conflict"].astype(bool)]
    text = contains.strip().lower()
    if text:
        hit = rows["keyword"].str.lower().str.contains(text, regex=False) | rows[
            "url"
        ].str.lower().str.contains(text, regex=False)
        rows = rows[rows["keyword"].isin(rows.loc[hit, "keyword"])]
    if actions:
        rows = rows[rows["keyword"].isin(rows.loc[rows["action"].isin(actions), "keyword"])]
    return rows.reset_index(drop=True)
