"""The composite score, one formula used everywhere.

Source: ``shared/design/primary-keywords-design.md`` decision 1 (50 % volume / 35 %
relevance / 15 % competition), reused by the cluster funnel spec ("the existing
``calculate_score()`` formula").
"""

from __future__ import annotations

import math

VOLUME_WEIGHT = 0.50
RELEVANCE_WEIGHT = 0.35
COMPETITION_WEIGHT = 0.15
#: Competition assumed when a source has none (0-1): neutral, neither rewarded nor punished.
UNKNOWN_COMPETITION = 0.5


def volume_score(search_volume: int | float | None) -> float:
    """``min(50, max(0, log10(volume)·10))`` on a 0-50 scale; None or ≤ 0 → 0."""
    if not search_volume or search_volume <= 0:
        return 0.0
    return min(50.0, max(0.0, math.log10(search_volume) * 10.0))


def calculate_score(
    search_volume: int | float | None, confidence: float | None, competition: float | None
) -> float:
    """Composite score of a keyword for a page.

    Args:
        search_volume: searches/month (None when unknown → volume part 0).
        confidence: relevance confidence 0-1 from Stage 3 (None → 0).
        competition: Google Ads competition 0-1 (None → :data:`UNKNOWN_COMPETITION`).

    Returns:
        ``0.50·volume_score + 0.35·(confidence·100) + 0.15·((1 − competition)·100)``,
        rounded to 2 decimals; range 0-85 (volume_score tops out at 50).
    """
    relevance = max(0.0, min(1.0, confidence or 0.0)) * 100.0
    comp = UNKNOWN_COMPETITION if competition is None else max(0.0, min(1.0, competition))
    score = (
        VOLUME_WEIGHT * volume_score(search_volume)
        + RELEVANCE_WEIGHT * relevance
        + COMPETITION_WEIGHT * (1.0 - comp) * 100.0
    )
    return round(score, 2)
