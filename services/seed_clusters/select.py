"""Funnel Stage 3: filter to 8-12 pages, one parent, no near-duplicates, slugs, scores.

The provider (LLM or offline) judges relevance (keep/drop, reason, confidence 0-1); the
rules of the spec are then enforced here, deterministically, whatever the provider said:

* exactly one parent: the seed;
* near-duplicates (same :func:`services.core.text.canonical_key`, or embedding cosine ≥
  :data:`NEAR_DUPLICATE_COSINE`) keep only the higher-volume variant;
* volume < 50 or unknown is dropped unless fewer than :data:`RELAX_BELOW` would remain,
  in which case the floor is relaxed and the best remaining candidates fill up to 8;
* 8-12 kept, ranked by :func:`services.core.scoring.calculate_score`;
* ``/collections/<slug>`` slugs, unique in the cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from services.core.errors import ProviderError
from services.core.scoring import calculate_score
from services.core.slugs import collection_slug
from services.core.text import canonical_key, normalize_keyword
from services.providers.base import (
    Candidate,
    Embedder,
    FilterDecision,
    FilterRequest,
    LLMProvider,
    Usage,
)
from services.seed_clusters.enrich import VOLUME_FLOOR

MIN_KEEP = 8
MAX_KEEP = 12
#: Below this many candidates over the volume floor, the floor is relaxed (spec Stage 3).
RELAX_BELOW = 5
#: all-MiniLM-L6-v2 cosine at which two keywords target the same page. Chosen on pairs such
#: as "trail running shoes for women" / "womens trail running shoe" (≥ 0.93) versus
#: "trail running shoes" / "trail running shoes for women" (≈ 0.85, distinct pages).
NEAR_DUPLICATE_COSINE = 0.93
#: Candidates the provider scored below this confidence (0-1) are treated as off-topic.
MIN_CONFIDENCE = 0.35


@dataclass
class Suggestion:
    """One suggested collection page, ready to persist as a ``ClusterPage``."""

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
    relevance: float  # 0-1 (the provider's confidence)
    low_volume: bool = False
    source: str = "llm"


@dataclass
class FilterOutcome:
    """Stage 3 result."""

    suggestions: list[Suggestion]
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (keyword, reason)
    usage: list[Usage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provider: str = ""


def find_near_duplicates(
    keywords: list[str], embedder: Embedder | None, threshold: float = NEAR_DUPLICATE_COSINE
) -> list[list[int]]:
    """Group indices of near-duplicate keywords (canonical key or embedding cosine).

    Returns:
        Groups (lists of indices into ``keywords``) of size ≥ 2; union-find over both
        signals, so "a ~ b" and "b ~ c" put a, b, c together.
    """
    parent = list(range(len(keywords)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_key: dict[str, int] = {}
    for i, kw in enumerate(keywords):
        key = canonical_key(kw)
        if key in by_key:
            union(i, by_key[key])
        else:
            by_key[key] = i
    if embedder is not None and len(keywords) > 1:
        vecs = embedder.embed(keywords)
        sims = vecs @ vecs.T
        ii, jj = np.where(np.triu(sims, k=1) >= threshold)
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(keywords)):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def decide(
    seed: str,
    candidates: list[Candidate],
    decisions: list[FilterDecision],
    embedder: Embedder | None,
    *,
    volume_known: bool = True,
) -> tuple[list[Suggestion], list[tuple[str, str]], list[str]]:
    """Apply the Stage 3 rules to the provider's decisions.

    Args:
        seed: the seed keyword (becomes the only parent).
        candidates: enriched Stage 2 candidates.
        decisions: the provider's verdicts (missing ones count as keep, confidence 0.5).
        embedder: for embedding near-duplicates; None → lexical only.
        volume_known: False when Stage 2 had no volume data (the floor cannot apply).

    Returns:
        (suggestions sorted parent first then by composite score, dropped (keyword, reason),
        warnings).
    """
    seed = normalize_keyword(seed)
    by_kw = {normalize_keyword(d.keyword): d for d in decisions}
    warnings: list[str] = []
    dropped: list[tuple[str, str]] = []

    def conf(c: Candidate) -> float:
        d = by_kw.get(c.keyword)
        return 1.0 if c.keyword == seed else (d.confidence if d else 0.5)

    # 1. Near-duplicates: keep the higher-volume variant (the seed always wins its group).
    pool = list(candidates)
    losers: set[int] = set()
    for group in find_near_duplicates([c.keyword for c in pool], embedder):
        best = max(
            group,
            key=lambda i: (pool[i].keyword == seed, pool[i].search_volume or -1, conf(pool[i])),
        )
        for i in group:
            if i != best:
                losers.add(i)
                dropped.append(
                    (
                        pool[i].keyword,
                        f"near-duplicate of '{pool[best].keyword}' (cannibalization risk)",
                    )
                )
    pool = [c for i, c in enumerate(pool) if i not in losers]

    # 2. The provider's verdict (off-topic / explicit drops); the seed is never dropped.
    kept: list[Candidate] = []
    rejected: list[Candidate] = []
    for c in pool:
        d = by_kw.get(c.keyword)
        if c.keyword == seed or (d is None or (d.keep and d.confidence >= MIN_CONFIDENCE)):
            kept.append(c)
        else:
            rejected.append(c)
            dropped.append((c.keyword, d.reason if d and d.reason else "judged off-topic"))

    # 3. Volume floor, relaxed when fewer than RELAX_BELOW would remain.
    def over_floor(c: Candidate) -> bool:
        return c.search_volume is not None and c.search_volume >= VOLUME_FLOOR

    children = [c for c in kept if c.keyword != seed]
    passing = [c for c in children if over_floor(c)]
    relaxed = len(passing) < RELAX_BELOW
    if relaxed:
        if volume_known:
            warnings.append(
                f"Only {len(passing)} candidates reach {VOLUME_FLOOR} searches/month; the volume "
                "floor was relaxed and low-volume pages are marked."
            )
        chosen = children
    else:
        chosen = passing
        for c in children:
            if not over_floor(c):
                dropped.append(
                    (
                        c.keyword,
                        f"search volume {c.search_volume if c.search_volume is not None else 'unknown'} < {VOLUME_FLOOR}",
                    )
                )

    def score(c: Candidate) -> float:
        return calculate_score(c.search_volume, conf(c), c.competition)

    chosen.sort(key=score, reverse=True)
    # 4. 8-12 pages in total (parent + 7-11 children). Top up from provider rejects only when
    #    the floor is relaxed; never re-admit a near-duplicate.
    if relaxed and len(chosen) < MIN_KEEP - 1:
        extra = sorted(rejected, key=score, reverse=True)[: MIN_KEEP - 1 - len(chosen)]
        chosen.extend(extra)
        dropped[:] = [d for d in dropped if d[0] not in {c.keyword for c in extra}]
    for c in chosen[MAX_KEEP - 1 :]:
        dropped.append((c.keyword, "lower composite score than the 12 kept pages"))
    chosen = chosen[: MAX_KEEP - 1]
    if len(chosen) + 1 < MIN_KEEP:
        warnings.append(
            f"Only {len(chosen) + 1} pages qualify (8-12 wanted): the seed has few distinct, "
            "searched variants."
        )

    parent = next((c for c in candidates if c.keyword == seed), None)
    if parent is None:  # Stage 1 guarantees it; keep Stage 3 total anyway.
        parent = Candidate(keyword=seed, expansion_strategy="attribute", role_hint="parent")
    taken: set[str] = set()
    suggestions = []
    for c in [parent, *chosen]:
        d = by_kw.get(c.keyword)
        is_parent = c.keyword == seed
        suggestions.append(
            Suggestion(
                keyword=c.keyword,
                role="parent" if is_parent else "child",
                url_slug=collection_slug(c.keyword, taken),
                expansion_strategy=c.expansion_strategy,
                reasoning=(d.reason if d and d.reason else c.rationale) or "",
                search_volume=c.search_volume,
                cpc=c.cpc,
                competition=c.competition,
                competition_level=c.competition_level,
                composite_score=score(c),
                relevance=conf(c),
                low_volume=not over_floor(c),
                source=c.source,
            )
        )
    return suggestions, dropped, warnings


def run_stage3(
    llm: LLMProvider,
    request: FilterRequest,
    embedder_factory: Callable[[], Embedder] | None,
    *,
    fallback: LLMProvider | None = None,
    volume_known: bool = True,
) -> FilterOutcome:
    """Run the provider's filter, falling back to ``fallback`` on ``ProviderError``.

    Raises:
        ProviderError: when the provider fails and there is no fallback.
    """
    warnings: list[str] = []
    provider = llm
    billed: list[Usage] = []
    try:
        result = llm.filter(request)
    except ProviderError as exc:
        if fallback is None:
            raise
        billed = list(exc.usage)
        warnings.append(f"AI filtering failed ({exc}); the offline filter was used instead.")
        provider = fallback
        result = fallback.filter(request)
    embedder = embedder_factory() if embedder_factory else None
    suggestions, dropped, rule_warnings = decide(
        request.seed,
        list(request.candidates),
        result.decisions,
        embedder,
        volume_known=volume_known,
    )
    return FilterOutcome(
        suggestions=suggestions,
        dropped=dropped,
        usage=billed + list(result.usage),
        warnings=warnings + rule_warnings,
        provider=getattr(provider, "name", ""),
    )
