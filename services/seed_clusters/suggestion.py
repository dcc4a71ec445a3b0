"""What Stage 3 returns: one suggested page (:class:`Suggestion`) and the stage's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.providers.base import Usage


@dataclass
class Suggestion:
    """One suggested page, ready to persist as a ``ClusterPage``.

    ``search_volume`` is an integer (searches/month) or None; ``url_slug`` is the page's
    path by the project's site type; ``merged`` maps each secondary keyword to the rule
    that made it this page's wording ("same Parent Keyword", "word order" …);
    ``competition_source`` says what the competition part of the score used.
    """

    keyword: str
    role: str
    url_slug: str
    expansion_strategy: str
    reasoning: str
    search_volume: int | None
    cpc: float | None
    competition: float | None
    competition_level: str | None
    composite_score: float
    relevance: float  # 0-1 topic fit
    low_volume: bool = False
    source: str = "data"  # data | dataforseo | llm_idea | seed
    page_type: str = "collection"  # collection | article | comparison | landing
    secondary_keywords: list[str] = field(default_factory=list)
    score_parts: dict[str, float] = field(
        default_factory=dict
    )  # volume/relevance/competition/total
    preselected: bool = True
    covered_by: str | None = None  # URL of an approved page that already targets the keyword
    merged: dict[str, str] = field(default_factory=dict)
    competition_source: str = "unknown"  # Ads competition | Keyword Difficulty | unknown
    demand: int | None = None  # search volume of all the page's wordings


@dataclass
class FilterOutcome:
    """Stage 3 result."""

    suggestions: list[Suggestion]
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (keyword, reason)
    usage: list[Usage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provider: str = ""
