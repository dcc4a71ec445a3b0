"""The composite score, one formula used everywhere.

Source: ``shared/design/primary-keywords-design.md`` decision 1 (50 % volume / 35 %
relevance / 15 % competition), reused by the cluster funnel spec ("the existing
``calculate_score()`` formula"). The three weights are a project setting (issue 8);
:data:`DEFAULT_WEIGHTS` are the spec's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

VOLUME_WEIGHT = 0.50
RELEVANCE_WEIGHT = 0.35
COMPETITION_WEIGHT = 0.15
#: (volume, relevance, competition) weights of the spec.
DEFAULT_WEIGHTS: tuple[float, float, float] = (VOLUME_WEIGHT, RELEVANCE_WEIGHT, COMPETITION_WEIGHT)
#: Competition assumed by callers that need a number when a source has none (0-1).
#: :func:`score_parts` does not use it: unknown competition is left out of the score.
UNKNOWN_COMPETITION = 0.5
#: Where the competition of a score came from (issue 16).
COMPETITION_SOURCES = ("Ads competition", "Keyword Difficulty", "unknown")


def competition_used(
    ads_competition: float | None, keyword_difficulty: float | None
) -> tuple[float | None, str]:
    """The competition (0-1) a score uses and its source.

    Parameters
    ----------
    ads_competition : float or None
        Google Ads competition index 0-1.
    keyword_difficulty : float or None
        SEO Keyword Difficulty 0-100 (Ahrefs KD, Semrush KD %), used when there is no Ads
        competition.

    Returns
    -------
    tuple
        (value 0-1 or None, one of :data:`COMPETITION_SOURCES`).
    """
    if ads_competition is not None:
        return max(0.0, min(1.0, float(ads_competition))), "Ads competition"
    if keyword_difficulty is not None:
        return max(0.0, min(1.0, float(keyword_difficulty) / 100.0)), "Keyword Difficulty"
    return None, "unknown"


def volume_score(search_volume: int | float | None) -> float:
    """``min(50, max(0, log10(volume)·10))`` on a 0-50 scale; None or ≤ 0 → 0."""
    if not search_volume or search_volume <= 0:
        return 0.0
    return min(50.0, max(0.0, math.log10(search_volume) * 10.0))


def normalize_weights(
    weights: Sequence[float] | Mapping[str, Any] | None,
) -> tuple[float, float, float]:
    """Three non-negative weights summing to 1 (volume, relevance, competition).

    Parameters
    ----------
    weights : sequence of 3 floats, mapping with keys volume/relevance/competition, or None
        None or an all-zero / malformed value gives :data:`DEFAULT_WEIGHTS`.

    Returns
    -------
    tuple of float
        The weights scaled to sum 1.

    Raises
    ------
    ValueError
        A negative weight.
    """
    if weights is None:
        return DEFAULT_WEIGHTS
    if isinstance(weights, Mapping):
        try:
            values = [float(weights[k]) for k in ("volume", "relevance", "competition")]
        except (KeyError, TypeError, ValueError):
            return DEFAULT_WEIGHTS
    else:
        values = [float(w) for w in weights]
        if len(values) != 3:
            return DEFAULT_WEIGHTS
    if any(v < 0 for v in values):
        raise ValueError("Score weights cannot be negative.")
    total = sum(values)
    if total <= 0:
        return DEFAULT_WEIGHTS
    return (values[0] / total, values[1] / total, values[2] / total)


def score_parts(
    search_volume: int | float | None,
    confidence: float | None,
    competition: float | None,
    weights: Sequence[float] | Mapping[str, Any] | None = None,
) -> dict[str, float]:
    """The composite score split into its weighted parts (what the review table shows).

    Parameters
    ----------
    search_volume : int or None
        Searches/month (None when unknown → volume part 0).
    confidence : float or None
        Relevance 0-1 from Stage 3 (None → 0).
    competition : float or None
        Competition 0-1 (Google Ads competition, else Keyword Difficulty / 100; see
        :func:`competition_used`). None = unknown: the competition part is 0 and the volume
        and relevance weights are scaled to sum 1 (a constant would pretend to know).
    weights : optional
        (volume, relevance, competition); default :data:`DEFAULT_WEIGHTS`.

    Returns
    -------
    dict
        ``volume``, ``relevance``, ``competition`` (points, each weight × its 0-100 or 0-50
        scale) and ``total`` (their sum), rounded to 2 decimals.
    """
    wv, wr, wc = normalize_weights(weights)
    relevance = max(0.0, min(1.0, confidence or 0.0)) * 100.0
    if competition is None:
        # Unknown competition is no constant: the other two weights carry the score.
        scale = 1.0 / (wv + wr) if wv + wr > 0 else 0.0
        wv, wr, wc, comp = wv * scale, wr * scale, 0.0, 1.0
    else:
        comp = max(0.0, min(1.0, competition))
    parts = {
        "volume": wv * volume_score(search_volume),
        "relevance": wr * relevance,
        "competition": wc * (1.0 - comp) * 100.0,
    }
    out = {k: round(v, 2) for k, v in parts.items()}
    out["total"] = round(sum(parts.values()), 2)
    return out


def calculate_score(
    search_volume: int | float | None,
    confidence: float | None,
    competition: float | None,
    weights: Sequence[float] | Mapping[str, Any] | None = None,
) -> float:
    """Composite score of a keyword for a page.

    Args:
        search_volume: searches/month (None when unknown → volume part 0).
        confidence: relevance confidence 0-1 from Stage 3 (None → 0).
        competition: competition 0-1 (None = unknown, see :func:`score_parts`).
        weights: (volume, relevance, competition), default 0.50 / 0.35 / 0.15.

    Returns:
        ``0.50·volume_score + 0.35·(confidence·100) + 0.15·((1 − competition)·100)``,
        rounded to 2 decimals; range 0-85 with the default weights (volume_score tops out
        at 50).
    """
    return score_parts(search_volume, confidence, competition, weights)["total"]
