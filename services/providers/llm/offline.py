"""The offline ``LLMProvider``: Stage 1 and Stage 3 with no key and no network.

Stage 1 draws candidates ONLY from keywords that exist in the project's imported data
(``KeywordMetric`` rows): real variants that carry every head term of the seed (plural- and
order-insensitive), ranked by search volume × relevance (embedding similarity to the seed),
with a mild preference for strategies not yet represented. Nothing is invented: with thin data
Stage 1 returns fewer candidates and the funnel says so. Every real variant that is passed
over gets a recorded reason (off-topic, competitor brand, navigational, or ranked below the
kept candidates) in the usage metadata. The brand profile is context for relevance only,
never keyword text. Stage 3 scores relevance as embedding similarity to the seed and brand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from services.clustering import keyword_filters as filters
from services.clustering.intent_rules import rule_intents
from services.clustering.topic import PARTIAL_MIN_STEMS, SUPERLATIVES, SeedTopic, stem
from services.clustering.variants import build_context, same_search_key
from services.core.modifier_words import OTHER_MODIFIER, strategy_of
from services.core.text import content_tokens, normalize_keyword, singularize, tokens
from services.providers.base import (
    Candidate,
    Embedder,
    ExpansionRequest,
    ExpansionResult,
    FilterDecision,
    FilterRequest,
    FilterResult,
    KeywordMetricsStore,
    Usage,
    metrics_store,
)

#: Real keywords embedded per seed (the highest-volume matches); bounds the Stage 1 cost to a
#: few hundred strings whatever the universe size.
MINING_POOL = 150
#: Real keywords below this cosine to the seed are off-topic (e.g. other languages, brands).
MIN_SEED_SIMILARITY = 0.45
#: Soft diversity: each candidate already kept with the same strategy multiplies a
#: candidate's volume × relevance by this factor while ranking (so a 4th "comparison" page
#: needs ~1.4× the volume of a first page of another strategy; nothing is capped). "Other
#: modifier" is no strategy and is never discounted.
DIVERSITY_FACTOR = 0.9
#: The discount stops growing after this many kept candidates of one strategy (0.9³ ≈ 0.73):
#: diversity orders near-equals, it never buries a much stronger keyword.
DIVERSITY_MAX_STEPS = 3
#: Function words that are no modifier (the strategy of "what are payday loans" is read
#: from what is left: "what").
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "and",
        "my",
        "your",
        "our",
        "is",
        "are",
        "be",
        "by",
        "with",
    ]
)


@dataclass(frozen=True)
class _UniverseRow:
    keyword: str
    volume: int
    intent: str
    toks: frozenset[str]


class _UniverseCache:
    """Tokenised keyword universe per project, rebuilt when the project's data changes.

    Only imported rows count as the project's data: DataForSEO cache rows
    (``source='dataforseo'``) are look-ups, not the user's export.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[Any, tuple[tuple[int, Any], list[_UniverseRow]]] = {}

    def get(self, metrics: KeywordMetricsStore, project_id: Any) -> list[_UniverseRow]:
        stamp = metrics.imported_stamp(project_id)
        key = (id(metrics), project_id)
        with self._lock:
            hit = self._data.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
        universe = [
            _UniverseRow(kw, int(vol or 0), (intent or "").lower(), frozenset(content_tokens(kw)))
            for kw, vol, intent in metrics.imported_keywords(project_id)
        ]
        with self._lock:
            self._data[key] = (stamp, universe)
        return universe


_UNIVERSES = _UniverseCache()


def estimate_intent(keyword: str) -> str:
    """Main search intent of a keyword, from the shared intent rules (:mod:`services.clustering.intent`).

    Returns:
        "informational" when a question/guide cue is present, else "transactional"
        (buy/price/deal cues), else "commercial" (best/review/vs cues) — also the default
        for a bare product phrase, which is what a collection page targets — or
        "navigational" for log-in pages, URLs and domains.
    """
    labels = rule_intents(keyword)
    for label in ("informational", "transactional", "commercial", "navigational"):
        if label in labels:
            return label
    return "commercial"


def universe_rows(metrics: KeywordMetricsStore | Any, project_id: Any) -> list[tuple[str, int]]:
    """(keyword, search volume) of every imported keyword of a project (cached per data stamp)."""
    return [(r.keyword, r.volume) for r in _UNIVERSES.get(metrics_store(metrics), project_id)]


def exclusion_reason(keyword: str, intent: str, competitors: tuple[str, ...]) -> str | None:
    """Why a real keyword cannot be a page of the cluster (None when it can): the seed
    funnel's filters with their true reasons (:func:`services.clustering.keyword_filters.exclusion_reason`;
    store-only rules wait for Stage 3, which knows the site type)."""
    return filters.exclusion_reason(keyword, intent, competitors)


def _implied_head_matches(
    seed: str, seed_set: frozenset[str], near: list[_UniverseRow]
) -> set[str]:
    """Keywords missing one seed word that the data shows is implied by their head noun.

    "amex travel cards" carries "best travel credit cards" when the data holds "amex travel
    credit cards" and uses "credit card" as a head after several words
    (:func:`services.clustering.variants.build_context`, the implied-head rule shared with
    list clustering). The context is built from ``near`` only (keywords with the seed's
    head noun and at most one seed word missing), so it costs little on large imports.
    """
    missing_one = [r for r in near if len(seed_set - r.toks) == 1]
    if not missing_one:
        return set()
    context = build_context([r.keyword for r in near])
    wanted = set(same_search_key(seed, context).split())
    out = set()
    for row in missing_one:
        key = same_search_key(row.keyword, context)
        if not key.startswith("cmp:") and wanted <= set(key.split()):
            out.add(row.keyword)
    return out


def modifier_words(keyword: str, seed_set: frozenset[str]) -> list[str]:
    """The words of ``keyword`` that qualify the seed (seed words and function words out)."""
    return [
        t for t in tokens(keyword) if t not in _FUNCTION_WORDS and singularize(t) not in seed_set
    ]


#: Singular audience words that are often part of a product or technical name ("wordpress
#: child theme", "man page", "baby monitor"): they label a keyword "demographic" only after
#: "for" ("trail shoes for a child"); plural and possessive forms (kids, women's) always do.
AMBIGUOUS_AUDIENCE = frozenset(["child", "kid", "man", "woman", "boy", "girl", "baby", "teen"])


def label_strategy(modifiers: list[str], keyword: str = "") -> str:
    """The strategy whose lexicon knows one of the modifier words, else "other modifier".

    Never a guessed strategy: ambiguous singular audience words
    (:data:`AMBIGUOUS_AUDIENCE`) count only after "for" in ``keyword``.
    """
    words = normalize_keyword(keyword).split()
    after_for = {w for prev, w in zip(["", *words], words, strict=False) if prev in ("for", "a")}
    kept = [m for m in modifiers if m not in AMBIGUOUS_AUDIENCE or m in after_for]
    return strategy_of(kept) or OTHER_MODIFIER


def _on_topic_rows(
    seed: str,
    seed_set: frozenset[str],
    universe: list[_UniverseRow],
    request: ExpansionRequest,
    passed: dict[str, str],
) -> tuple[list[_UniverseRow], list[_UniverseRow]]:
    """(full, partial) matches of the seed's topic (:class:`services.clustering.topic.SeedTopic`:
    stems, IDF over the universe, the implied-head rule); excluded and off-topic rows that
    miss at most one seed stem get their reason in ``passed``."""
    topic = SeedTopic.of(seed, (r.toks for r in universe))
    wanted = set(topic.stems)
    head = topic.stems[-1] if topic.stems else ""

    def close(row: _UniverseRow) -> bool:
        have = {stem(t) for t in row.toks}
        miss = wanted - have
        return not miss or (len(miss) == 1 and (head in have or len(wanted) >= PARTIAL_MIN_STEMS))

    near = [row for row in universe if row.keyword != seed and close(row)]
    core = " ".join(t for t in tokens(seed) if t not in SUPERLATIVES) or seed
    implied = _implied_head_matches(core, frozenset(content_tokens(core)), near)
    full: list[_UniverseRow] = []
    partial: list[_UniverseRow] = []
    for row in near:
        match = "full" if row.keyword in implied else topic.match(row.keyword)
        if match is None:
            passed[row.keyword] = f"off-topic (does not carry '{topic.missing_text(row.keyword)}')"
            continue
        reason = exclusion_reason(row.keyword, row.intent, request.brand.competitors)
        if reason:
            passed[row.keyword] = reason
            continue
        (full if match == "full" else partial).append(row)
    return full, partial


def _mining_pool(
    universe: list[_UniverseRow],
    seed: str,
    seed_set: frozenset[str],
    request: ExpansionRequest,
    passed: dict[str, str],
) -> list[_UniverseRow]:
    """The real keywords worth scoring: the seed's topic (:func:`_on_topic_rows`), not
    excluded, the :data:`MINING_POOL` with the most searches (partial matches fill a pool
    under half full). Keywords left out are recorded in ``passed`` with the reason."""
    full, partial = _on_topic_rows(seed, seed_set, universe, request, passed)
    by_volume = sorted(full, key=lambda r: (-r.volume, r.keyword))
    pool = by_volume[:MINING_POOL]
    for row in by_volume[MINING_POOL:]:
        passed[row.keyword] = f"lower search volume than the {MINING_POOL} real variants ranked"
    if len(pool) < MINING_POOL // 2:
        pool += sorted(partial, key=lambda r: (-r.volume, r.keyword))[: MINING_POOL - len(pool)]
    return pool


def _pick_diverse(
    scored: list[tuple[_UniverseRow, float, str]], seed_set: frozenset[str]
) -> list[Candidate]:
    """Greedy pick by volume × relevance, softly discounting strategies already taken
    (:data:`DIVERSITY_FACTOR` per earlier pick, at most :data:`DIVERSITY_MAX_STEPS`)."""
    taken: dict[str, int] = {}
    remaining = list(scored)
    ranked: list[Candidate] = []
    while remaining:
        best = max(
            range(len(remaining)),
            key=lambda i: (
                max(remaining[i][0].volume, 1)
                * remaining[i][1]
                * DIVERSITY_FACTOR ** min(taken.get(remaining[i][2], 0), DIVERSITY_MAX_STEPS),
                remaining[i][0].volume,
            ),
        )
        row, relevance, strategy = remaining.pop(best)
        if strategy != OTHER_MODIFIER:  # no strategy: nothing to diversify
            taken[strategy] = taken.get(strategy, 0) + 1
        intent = (row.intent.split(",")[0] if row.intent else "") or estimate_intent(row.keyword)
        mods = " ".join(modifier_words(row.keyword, seed_set)) or row.keyword
        ranked.append(
            Candidate(
                keyword=row.keyword,
                expansion_strategy=strategy,
                rationale=(
                    f"Real keyword from your keyword data: {row.volume:,} searches/month; "
                    f"'{mods}' is {'an' if strategy[0] in 'aeiou' else 'a'} {strategy} of the seed."
                ),
                estimated_intent=intent,
                source="data",
            )
        )
    return ranked


class OfflineLLMProvider:
    """``LLMProvider`` that needs no key and no network (the embedded default).

    Args:
        metrics: the project's stored keywords (:class:`~services.providers.base.KeywordMetricsStore`;
            an engine is wrapped, for one release).
        embedder_factory: returns the shared :class:`Embedder` (MiniLM int8 ONNX).
    """

    name = "offline"

    def __init__(
        self, metrics: KeywordMetricsStore | Any, embedder_factory: Callable[[], Embedder]
    ) -> None:
        self.metrics = metrics_store(metrics)
        self._embedder_factory = embedder_factory

    @property
    def embedder(self) -> Embedder:
        return self._embedder_factory()

    # ----------------------------------------------------------------- Stage 1
    def expand(self, request: ExpansionRequest) -> ExpansionResult:
        """Up to ``max_candidates`` real keywords from the project's data (none invented).

        Returns:
            :class:`ExpansionResult`: the seed first (role_hint "parent"), then real keywords
            (``source="data"``), best first; same-search variants of a kept keyword follow it
            so Stage 3 can make them its secondary keywords. One zero-cost ``Usage`` whose
            metadata carries ``matching`` (real keywords with every head term),
            ``passed_over`` (keyword → reason) and ``from_keyword_data``.
        """
        seed = normalize_keyword(request.seed)
        seed_set = frozenset(content_tokens(seed))
        ranked, passed = (
            self._mine_universe(request, seed, seed_set) if request.project_id else ([], {})
        )
        target = request.max_candidates - 1  # distinct searches wanted besides the seed
        out: list[Candidate] = []
        seed_key = same_search_key(seed)
        keys: dict[str, int] = {seed_key: 0}
        for cand in ranked:
            key = same_search_key(cand.keyword)
            if key in keys:  # a variant of a kept search: carried along, merged in Stage 3
                out.append(cand)
                continue
            if len(keys) - 1 >= target:
                passed.setdefault(
                    cand.keyword,
                    f"ranked below the {target} kept candidates (search volume × relevance)",
                )
                continue
            keys[key] = len(keys)
            out.append(cand)
        seed_cand = Candidate(
            keyword=seed,
            expansion_strategy="attribute",
            rationale="The seed keyword: the cluster's parent (hub) page.",
            estimated_intent=estimate_intent(seed),
            role_hint="parent",
            source="seed",
        )
        usage = Usage(
            provider=self.name,
            endpoint="stage1.expand",
            metadata={
                "from_keyword_data": len(out),
                "matching": len(ranked)
                + sum(1 for r in passed.values() if not r.startswith("ranked")),
                "passed_over": passed,
            },
        )
        return ExpansionResult(candidates=[seed_cand, *out], usage=[usage])

    def _mine_universe(
        self, request: ExpansionRequest, seed: str, seed_set: frozenset[str]
    ) -> tuple[list[Candidate], dict[str, str]]:
        """Real keywords containing the seed's head terms, ranked, labelled by strategy.

        Returns:
            (candidates best first, passed-over keyword → reason).
        """
        passed: dict[str, str] = {}
        if not seed_set:
            return [], passed
        universe = _UNIVERSES.get(self.metrics, request.project_id)
        pool = _mining_pool(universe, seed, seed_set, request, passed)
        if not pool:
            return [], passed
        vecs = self.embedder.embed([seed, *[r.keyword for r in pool]])
        sims = (vecs[1:] @ vecs[0]).tolist()
        scored = []
        for row, sim in zip(pool, sims, strict=True):
            if sim < MIN_SEED_SIMILARITY:
                passed[row.keyword] = f"off-topic (similarity to the seed {sim:.2f})"
                continue
            relevance = max(_relevance(sim), 0.05)
            strategy = label_strategy(modifier_words(row.keyword, seed_set), row.keyword)
            scored.append((row, relevance, strategy))
        return _pick_diverse(scored, seed_set), passed

    # ----------------------------------------------------------------- Stage 3
    def filter(self, request: FilterRequest) -> FilterResult:
        """Relevance (confidence 0-1) from embedding similarity to the seed and brand.

        Each part maps cosine to confidence with :func:`_relevance`, which saturates at 1.0
        once a keyword is clearly on-topic (cos ≥ 0.62), so that among on-topic pages the
        composite score is decided by search volume and competition, not by closeness to
        the seed wording (which would favour near-duplicates of the parent).
        confidence = 0.8·seed part + 0.2·brand part (seed part alone without brand products
        or persona). Informational keywords are not discounted: they become article pages.
        """
        seed = normalize_keyword(request.seed)
        keywords = [c.keyword for c in request.candidates]
        brand_text = " ".join([*request.brand.products, request.brand.primary_persona]).strip()
        texts = [seed, *keywords] + ([brand_text] if brand_text else [])
        vecs = self.embedder.embed(texts)
        seed_sim = vecs[1 : 1 + len(keywords)] @ vecs[0]
        brand_sim = vecs[1 : 1 + len(keywords)] @ vecs[-1] if brand_text else None
        decisions = []
        for i, cand in enumerate(request.candidates):
            s_part = _relevance(float(seed_sim[i]))
            conf = s_part
            if brand_sim is not None:
                conf = 0.8 * s_part + 0.2 * _relevance(float(brand_sim[i]))
            is_seed = cand.keyword == seed
            vol = (
                f"{cand.search_volume:,} searches/month"
                if cand.search_volume is not None
                else "volume unknown"
            )
            reason = (
                "Seed keyword: parent (hub) page of the cluster."
                if is_seed
                else f"{cand.expansion_strategy} page; similarity to seed {seed_sim[i]:.2f}; {vol}."
            )
            decisions.append(
                FilterDecision(
                    keyword=cand.keyword,
                    keep=is_seed or conf >= 0.35,
                    role="parent" if is_seed else "child",
                    reason=reason,
                    confidence=1.0 if is_seed else round(conf, 3),
                )
            )
        return FilterResult(
            decisions=decisions, usage=[Usage(provider=self.name, endpoint="stage3.filter")]
        )


#: Cosines (all-MiniLM-L6-v2) bounding relevance, measured on "wordpress themes": its
#: variants score 0.64-0.82 ("wordpress portfolio themes" 0.64, "modern wordpress themes"
#: 0.82), neighbouring topics 0.41-0.42 ("wordpress hosting", "wordpress plugins").
ON_TOPIC_COSINE = 0.62
OFF_TOPIC_COSINE = 0.35


def _relevance(cos: float) -> float:
    """Confidence 0-1 from a cosine: 0 at :data:`OFF_TOPIC_COSINE`, 1 from
    :data:`ON_TOPIC_COSINE` up, linear in between."""
    return float(np.clip((cos - OFF_TOPIC_COSINE) / (ON_TOPIC_COSINE - OFF_TOPIC_COSINE), 0.0, 1.0))
