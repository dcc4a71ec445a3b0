"""Funnel Stage 2: one batch lookup of search volume, CPC and competition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import Candidate, Usage, VolumeProvider

#: Candidates below this many searches/month are flagged (design D7).
VOLUME_FLOOR = 50
VOLUME_UNAVAILABLE = "volume data unavailable"


@dataclass
class EnrichOutcome:
    """Stage 2 result: the same candidates, enriched in place, plus what happened."""

    candidates: list[Candidate]
    usage: list[Usage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    volume_available: bool = True
    failed: bool = False  # the volume source raised (an outage, not an absence of data)
    skipped: dict[str, str] = field(default_factory=dict)


def run_stage2(
    volume: VolumeProvider | None, candidates: list[Candidate], project_id: Any = None
) -> EnrichOutcome:
    """Enrich every candidate in ONE ``lookup`` call and flag volume < 50 (or unknown).

    Candidates that arrive with metrics (DataForSEO keyword suggestions) are not looked up
    again. Volumes are integers (searches/month).

    Nothing is removed here (Stage 3 decides). When the source is missing or raises
    ``ProviderError`` the candidates continue without volume and the outcome carries the
    warning ``"volume data unavailable"`` plus the reason.
    """
    outcome = EnrichOutcome(candidates=candidates)
    if volume is None:
        outcome.volume_available = False
        outcome.warnings.append(f"{VOLUME_UNAVAILABLE}: no search-volume source is configured.")
    else:
        try:
            todo = [c.keyword for c in candidates if c.search_volume is None]
            result = volume.lookup(todo, project_id=project_id)
        except ProviderError as exc:
            outcome.volume_available = False
            outcome.failed = True
            outcome.usage.extend(exc.usage)  # a failed task may still be billed
            outcome.warnings.append(f"{VOLUME_UNAVAILABLE}: {exc}")
        else:
            outcome.usage.extend(result.usage)
            outcome.skipped = dict(result.skipped)
            for cand in candidates:
                data = result.data.get(normalize_keyword(cand.keyword))
                if data is None or cand.search_volume is not None:
                    continue
                cand.search_volume = (
                    int(data.search_volume) if data.search_volume is not None else None
                )
                cand.cpc = data.cpc
                cand.competition = data.competition
                cand.competition_level = data.competition_level
            if not any(c.search_volume is not None for c in candidates):
                outcome.volume_available = False
                outcome.warnings.append(
                    f"{VOLUME_UNAVAILABLE}: the source knows none of these keywords."
                )
    for cand in candidates:
        cand.low_volume = cand.search_volume is None or cand.search_volume < VOLUME_FLOOR
    return outcome
