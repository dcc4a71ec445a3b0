"""Funnel Stage 3 building blocks: the rules every step needs and the page drafts.

Split out of :mod:`services.seed_clusters.select` (module size): :class:`StageRules` (the
seed, site, provider verdicts, evidence and the topic fit that ranks pages),
:class:`PageDraft` (one intent on its way to a page), :func:`page_source` and
:func:`closeness_map` (embedding closeness to the seed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.clustering.topic import SeedTopic
from services.core.scoring import score_parts
from services.providers.base import Candidate, Embedder, FilterDecision
from services.seed_clusters.intents import FunnelEvidence, competition_of
from services.seed_clusters.site_rules import SiteSettings

#: Weight of the IDF-weighted word overlap in the topic fit (the rest is the provider's
#: confidence, the embedding similarity offline).
TOPIC_WORD_WEIGHT = 0.5
#: all-MiniLM-L6-v2 cosines mapped to closeness 0 and 1: 0.35 is off-topic (the offline
#: provider's bound), 0.95 a near-identical wording.
CLOSENESS_RANGE = (0.35, 0.95)
#: Page sources (issue 8): the project's data, DataForSEO Labs, an LLM idea; "seed" for a
#: seed the data does not hold.
SOURCES = ("data", "dataforseo", "llm_idea", "seed")


def page_source(candidate: Candidate, in_data: set[str] | None) -> str:
    """``data`` | ``dataforseo`` | ``llm_idea`` | ``seed`` of a candidate (see :data:`SOURCES`).

    A keyword found in the project's imported data is ``data`` whoever proposed it.
    """
    if in_data is not None and candidate.keyword in in_data:
        return "data"
    if candidate.source in ("data", "universe"):
        return "data"
    if candidate.source == "dataforseo":
        return "dataforseo"
    if candidate.source == "seed":
        return "seed"
    return "llm_idea"


@dataclass
class PageDraft:
    """One intent on its way to a page: its primary candidate and the other wordings."""

    cand: Candidate
    secondaries: list[Candidate]
    merged: dict[str, str]
    demand: int | None
    is_parent: bool = False


@dataclass
class StageRules:
    """What every Stage 3 step needs: the seed, the site, the provider's verdicts, evidence."""

    seed: str
    site: SiteSettings
    by_kw: dict[str, FilterDecision]
    topic: SeedTopic
    evidence: FunnelEvidence | None
    covered: dict[str, str]
    in_data: set[str] | None
    closeness: dict[str, float] = field(default_factory=dict)

    def conf(self, c: Candidate) -> float:
        """The provider's confidence (the seed 1.0; no verdict 0.5)."""
        if c.keyword == self.seed:
            return 1.0
        d = self.by_kw.get(c.keyword)
        return d.confidence if d else 0.5

    def relevance(self, c: Candidate) -> float:
        """Topic fit 0-1: IDF-weighted word overlap with the seed, plus the provider's
        confidence and (with an embedder) the unsaturated embedding closeness, half each."""
        if c.keyword == self.seed:
            return 1.0
        words = self.topic.overlap(c.keyword)
        meaning = self.conf(c)
        if c.keyword in self.closeness:
            meaning = (meaning + self.closeness[c.keyword]) / 2
        return round(TOPIC_WORD_WEIGHT * words + (1 - TOPIC_WORD_WEIGHT) * meaning, 3)

    def parts(self, c: Candidate) -> dict[str, float]:
        competition, _ = competition_of(c, self.evidence)
        return score_parts(c.search_volume, self.relevance(c), competition, self.site.weights)

    def rank(self, page: PageDraft) -> tuple[float, float]:
        """Keep order: demand × relevance (the strongest real searches first), then the
        composite score; with no volume at all, the composite score alone."""
        return ((page.demand or 0) * self.relevance(page.cand), self.parts(page.cand)["total"])


def closeness_map(seed: str, keywords: list[str], embedder: Embedder | None) -> dict[str, float]:
    """Keyword → embedding closeness to the seed 0-1: cosine mapped linearly from
    :data:`CLOSENESS_RANGE` (unsaturated, so it varies among on-topic keywords)."""
    if embedder is None or not keywords:
        return {}
    vecs = embedder.embed([seed, *keywords])
    lo, hi = CLOSENESS_RANGE
    sims = (vecs[1:] @ vecs[0]).tolist()
    return {
        k: max(0.0, min(1.0, (s - lo) / (hi - lo))) for k, s in zip(keywords, sims, strict=True)
    }
