"""What a seed funnel run tells the user: warnings, the empty-seed message, the suggested
seed, and the DataForSEO keyword ideas added to Stage 1. Pure (values in, values out)."""

from __future__ import annotations

import uuid
from typing import Any

from services.clustering.topic import SeedTopic
from services.core.errors import ProviderError
from services.core.text import content_tokens, normalize_keyword
from services.providers.base import Candidate, Usage, VolumeProvider
from services.providers.dataforseo import SUGGESTIONS_PER_RUN
from services.seed_clusters.select import Suggestion

#: Stage 1 sources that are real keywords (the seed counts as the user's own).
REAL_SOURCES = frozenset(["data", "universe", "dataforseo", "seed"])
#: Fewer real candidates than this → the thin-data message (issue 8; shown when no LLM
#: proposes ideas, since the message's way out is switching one on).
THIN_DATA_BELOW = 8
#: DataForSEO Labs keyword suggestions asked for per run (one request; price per item).
DATAFORSEO_SUGGESTIONS = SUGGESTIONS_PER_RUN


def thin_data_message(count: int, seed: str) -> str:
    """The message shown when fewer than :data:`THIN_DATA_BELOW` real keywords qualify."""
    noun = "keyword" if count == 1 else "keywords"
    return (
        f"Only {count} {noun} for '{seed}' in this project's data — import a "
        "Semrush/Ahrefs/Keyword Planner export for this seed, or switch on DataForSEO or an "
        "LLM in Settings."
    )


def empty_seed_message(seed: str, suggested: str | None) -> str:
    """The message of a seed whose cluster holds no search volume (not saved)."""
    text = (
        f"No keyword of '{seed}' has search volume in this project's data, so the cluster "
        "was not saved."
    )
    if suggested:
        return f"{text} Try '{suggested}', the strongest real keyword of this search."
    return (
        f"{text} Import a Semrush/Ahrefs/Keyword Planner export for this seed, switch on "
        "DataForSEO, or keep the seed anyway."
    )


def result_warnings(
    seed: str,
    candidates: list[Candidate],
    in_data: set[str],
    filtered: Any,
    warnings: list[str],
) -> list[str]:
    """The run's warnings plus thin data, ideas without volume and covered pages."""
    real_children = {
        c.keyword for c in candidates[1:] if c.keyword in in_data or c.source == "dataforseo"
    }
    llm_ideas = any(c.source not in REAL_SOURCES for c in candidates[1:])
    if len(real_children) < THIN_DATA_BELOW and not llm_ideas:
        warnings.insert(0, thin_data_message(len(real_children), seed))
    pages = filtered.suggestions
    no_volume = [g for g in pages if g.source == "llm_idea" and g.search_volume is None]
    if no_volume:
        warnings.append(
            f"{len(no_volume)} of {len(pages)} pages are LLM ideas without "
            "search volume: shown as such and not pre-selected."
        )
    covered_pages = [g for g in pages if g.covered_by]
    if covered_pages:
        warnings.append(
            f"{len(covered_pages)} suggested pages target keywords an approved page already "
            "covers; they are flagged and not pre-selected."
        )
    return warnings


def suggested_seed(
    seed: str, suggestions: list[Suggestion], candidates: list[Candidate], in_data: set[str]
) -> str | None:
    """A real keyword to use instead of a seed the data does not hold: the highest-demand
    wording of the seed's own search (a secondary keyword of the parent page, or the
    parent's keyword when it is another wording), else the highest-volume candidate
    carrying every word of the seed; None when the seed has data."""
    volumes = {c.keyword: c.search_volume for c in candidates}
    parent = suggestions[0] if suggestions else None
    if parent is not None and parent.keyword != seed and parent.search_volume:
        return parent.keyword
    if seed in in_data or volumes.get(seed):
        return None
    if parent is not None:
        wordings = [k for k in parent.secondary_keywords if volumes.get(k)]
        if wordings:
            return max(wordings, key=lambda k: volumes.get(k) or 0)
    topic = SeedTopic.of(seed, [c.keyword for c in candidates])
    real = [
        c
        for c in candidates
        if c.keyword != seed and c.search_volume and topic.match(c.keyword) == "full"
    ]
    best = max(real, key=lambda c: (c.search_volume or 0, -len(c.keyword)), default=None)
    return best.keyword if best else None


def dataforseo_candidates(
    volume: VolumeProvider | None, seed: str, project_id: uuid.UUID, known: set[str]
) -> tuple[list[Candidate], list[Usage], list[str]]:
    """Real keywords from DataForSEO Labs keyword suggestions (one request) when DataForSEO
    is the volume source: those carrying every head term of the seed, with their metrics.

    Returns:
        (candidates with ``source="dataforseo"`` and metrics filled, usage, warnings); empty
        when the volume source is not DataForSEO. A failed request is a warning, not a failure.
    """
    suggest = getattr(volume, "keyword_suggestions", None)
    if suggest is None:
        return [], [], []
    try:
        result = suggest(seed, project_id=project_id, limit=DATAFORSEO_SUGGESTIONS)
    except ProviderError as exc:
        return [], list(exc.usage), [f"DataForSEO keyword suggestions unavailable: {exc}"]
    heads = set(content_tokens(seed))
    out = []
    for kw, data in result.data.items():
        kw = normalize_keyword(kw)
        if kw in known or not heads <= set(content_tokens(kw)):
            continue
        known.add(kw)
        volume_text = f"{data.search_volume:,}" if data.search_volume is not None else "unknown"
        out.append(
            Candidate(
                keyword=kw,
                expansion_strategy="other modifier",
                rationale=f"DataForSEO keyword suggestion: {volume_text} searches/month.",
                estimated_intent=(data.intent or "commercial").split(",")[0],
                source="dataforseo",
                search_volume=data.search_volume,
                cpc=data.cpc,
                competition=data.competition,
                competition_level=data.competition_level,
            )
        )
    return out, list(result.usage), []
