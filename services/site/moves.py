"""Keyword moves: a primary keyword given to a page other than the one earning it (issue 18 §4).

Pure. The **earner** of a keyword is the page with the most clicks for it (Search Console),
else the most estimated organic traffic (Semrush "Traffic", Ahrefs "Organic traffic"); a
keyword no page earns traffic for has no earner. When the primary-keyword step gives a
keyword to another page, the approval table says "moves from <url> (N visits)" and the
approval asks the reviewer to confirm: retargeting a page away from the keyword that brings
it its visits is a decision, not a side effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Earner:
    """The page earning a keyword's traffic (``visits`` per month, clicks or estimated)."""

    normalized_url: str
    url: str
    visits: float


def keyword_earners(ranked: pd.DataFrame) -> dict[str, Earner]:
    """keyword → :class:`Earner`, from :func:`services.site.rankings.aggregate_rankings` rows."""
    if ranked.empty:
        return {}
    clicks = ranked["clicks"].fillna(0)
    visits = clicks.where(clicks > 0, ranked["estimated_traffic"].fillna(0))
    frame = ranked.assign(visits_=visits)
    frame = frame[frame["visits_"] > 0].sort_values(["keyword", "visits_"], ascending=[True, False])
    best = frame.drop_duplicates("keyword")
    return {
        str(r.keyword): Earner(str(r.normalized_url), str(r.page_url), float(r.visits_))
        for r in best.itertuples(index=False)
    }


def move_notice(keyword: str | None, normalized_url: str, earners: dict[str, Earner]) -> str:
    """ "moves from <url> (N visits)" when another page earns ``keyword``, else ""."""
    earner = earners.get(keyword or "")
    if earner is None or earner.normalized_url == normalized_url:
        return ""
    return f"moves from {earner.url} ({earner.visits:,.0f} visits)"
