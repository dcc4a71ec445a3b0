"""The offline ``LLMProvider``: Stage 1 and Stage 3 with no key and no network.

Stage 1 mines the project's imported keyword universe for real keywords that contain the
seed's head terms (plural- and order-insensitive), labels each with the strategy its
modifier belongs to (:mod:`services.seed_clusters.modifiers`, then the embedder for modifiers no
lexicon knows), prefers real keywords with search volume, keeps the set diverse across
strategies, and only then invents lexicon keywords whose modifier is semantically close to
the seed and brand. Stage 3 scores relevance as embedding similarity to the seed and the
brand profile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from db.models import KeywordMetric
from db.session import session_scope
from services.core.scoring import volume_score
from services.core.text import (
    STOP_WORDS,
    canonical_key,
    content_tokens,
    normalize_keyword,
    singularize,
    tokens,
)
from services.providers.base import (
    EXPANSION_STRATEGIES,
    BrandProfile,
    Candidate,
    Embedder,
    ExpansionRequest,
    ExpansionResult,
    FilterDecision,
    FilterRequest,
    FilterResult,
    Usage,
)
from services.seed_clusters.modifiers import (
    GENERIC_MODIFIERS,
    MODIFIER_TEMPLATES,
    NOT_A_COLLECTION,
    NOT_INVENTED,
    QUESTION,
    STRATEGY_LEXICONS,
    STRATEGY_TEMPLATES,
    URL_LIKE,
    estimate_intent,
    strategy_of,
)

#: Pool of real keywords embedded per seed (pre-ranked by volume and intent); bounds the
#: Stage 1 cost to a few hundred strings whatever the universe size.
MINING_POOL = 120
#: At most this many candidates of one strategy in the first selection pass (diversity).
PER_STRATEGY_CAP = 4
#: Real keywords below this cosine to the seed are off-topic (e.g. other languages, brands).
MIN_SEED_SIMILARITY = 0.45
MAX_WORDS = 8
#: Lexicon modifiers (no keyword data): minimum cosine of modifier to seed. Measured with
#: all-MiniLM-L6-v2: plausible pairs score 0.27-0.55 ("leather"/"handbags" 0.49,
#: "marathon"/"trail running shoes" 0.49), implausible ones 0.03-0.20 ("marathon"/"handbags"
#: 0.18, "ecommerce"/"handbags" 0.11).
SPECIFIC_FIT = 0.28
GENERIC_FIT = 0.2
GENERIC_BONUS = 0.08


@dataclass(frozen=True)
class _UniverseRow:
    keyword: str
    volume: int
    intent: str
    toks: frozenset[str]


class _UniverseCache:
    """Tokenised keyword universe per project, rebuilt when the project's data changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[Any, tuple[tuple[int, Any], list[_UniverseRow]]] = {}

    def get(self, engine: Engine, project_id: Any) -> list[_UniverseRow]:
        with session_scope(engine) as s:
            stamp = tuple(
                s.execute(
                    select(func.count(KeywordMetric.id), func.max(KeywordMetric.fetched_at)).where(
                        KeywordMetric.project_id == project_id
                    )
                ).one()
            )
            with self._lock:
                hit = self._data.get((id(engine), project_id))
            if hit and hit[0] == stamp:
                return hit[1]
            rows = s.execute(
                select(
                    KeywordMetric.keyword, KeywordMetric.search_volume, KeywordMetric.intent
                ).where(KeywordMetric.project_id == project_id)
            ).all()
        universe = [
            _UniverseRow(kw, int(vol or 0), (intent or "").lower(), frozenset(content_tokens(kw)))
            for kw, vol, intent in rows
        ]
        with self._lock:
            self._data[(id(engine), project_id)] = (stamp, universe)
        return universe


_UNIVERSES = _UniverseCache()
_PROTOTYPES: dict[str, np.ndarray] = {}
_PROTOTYPES_LOCK = threading.Lock()


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or ch.isspace() for ch in text)


def _collection_worthy(row: _UniverseRow, competitors: tuple[str, ...]) -> bool:
    """Whether a real keyword can be the primary keyword of a collection page."""
    kw = row.keyword
    if URL_LIKE.search(kw) or QUESTION.search(kw) or NOT_A_COLLECTION.search(kw):
        return False
    if len(kw.split()) > MAX_WORDS or not _is_latin(kw):
        return False
    if row.intent and row.intent.split(",") == ["navigational"]:
        return False
    lowered = f" {kw} "
    for comp in competitors:
        comp = normalize_keyword(comp)
        if (
            comp
            and f" {comp} " in lowered
            and not any(w in kw.split() for w in ("vs", "versus", "alternative", "alternatives"))
        ):
            return False  # a competitor's brand query, not our page
    return True


class OfflineLLMProvider:
    """``LLMProvider`` that needs no key and no network (the embedded default).

    Args:
        engine: database holding the project's ``KeywordMetric`` universe.
        embedder_factory: returns the shared :class:`Embedder` (MiniLM int8 ONNX).
    """

    name = "offline"

    def __init__(self, engine: Engine, embedder_factory: Callable[[], Embedder]) -> None:
        self.engine = engine
        self._embedder_factory = embedder_factory

    # ----------------------------------------------------------------- helpers
    @property
    def embedder(self) -> Embedder:
        return self._embedder_factory()

    def _strategy_prototypes(self) -> np.ndarray:
        """One unit vector per strategy: the mean embedding of its lexicon (once per embedder
        and process; providers are rebuilt per page run, the lexicons never change)."""
        embedder = self.embedder
        with _PROTOTYPES_LOCK:
            cached = _PROTOTYPES.get(embedder.name)
        if cached is not None:
            return cached
        rows = []
        for strategy in EXPANSION_STRATEGIES:
            mean = embedder.embed(list(STRATEGY_LEXICONS[strategy])).mean(axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        vecs = np.vstack(rows).astype(np.float32)
        with _PROTOTYPES_LOCK:
            _PROTOTYPES[embedder.name] = vecs
        return vecs

    def _label(self, modifiers: list[str], modifier_vec: np.ndarray | None) -> str:
        strategy = strategy_of(modifiers)
        if strategy:
            return strategy
        if modifier_vec is not None:
            sims = self._strategy_prototypes() @ modifier_vec
            return EXPANSION_STRATEGIES[int(np.argmax(sims))]
        return "attribute"

    # ----------------------------------------------------------------- Stage 1
    def expand(self, request: ExpansionRequest) -> ExpansionResult:
        """15-20 candidates: real keywords from the project's data first, then lexicon ones.

        Returns:
            :class:`ExpansionResult` (the seed first, role_hint "parent") and one zero-cost
            ``Usage``.
        """
        seed = normalize_keyword(request.seed)
        target = request.max_candidates - 1  # children wanted besides the seed
        minimum = request.min_candidates - 1
        seed_toks = content_tokens(seed)
        seed_set = frozenset(seed_toks)
        out: list[Candidate] = []
        used_keys = {canonical_key(seed)}

        real = self._mine_universe(request, seed, seed_set) if request.project_id else []
        per_strategy: dict[str, int] = {}
        leftovers: list[Candidate] = []
        for cand in real:
            key = canonical_key(cand.keyword)
            if key in used_keys:
                continue
            if per_strategy.get(cand.expansion_strategy, 0) >= PER_STRATEGY_CAP:
                leftovers.append(cand)
                continue
            used_keys.add(key)
            per_strategy[cand.expansion_strategy] = per_strategy.get(cand.expansion_strategy, 0) + 1
            out.append(cand)
            if len(out) >= target:
                break
        for cand in leftovers:
            if len(out) >= target:
                break
            key = canonical_key(cand.keyword)
            if key not in used_keys:
                used_keys.add(key)
                out.append(cand)
        if len(out) < minimum + 2:  # leave room: Stage 3 drops near-duplicates
            want = max(minimum, min(target, minimum + 2)) - len(out)
            out.extend(self._invent(seed, request.brand, want, used_keys))
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
            metadata={"from_keyword_data": sum(c.source == "universe" for c in out)},
        )
        return ExpansionResult(candidates=[seed_cand, *out], usage=[usage])

    def _mine_universe(
        self, request: ExpansionRequest, seed: str, seed_set: frozenset[str]
    ) -> list[Candidate]:
        """Real keywords containing the seed's head terms, ranked, labelled by strategy."""
        if not seed_set:
            return []
        universe = _UNIVERSES.get(self.engine, request.project_id)
        head = content_tokens(seed)[-1]
        full, partial = [], []
        for row in universe:
            if row.keyword == seed or not _collection_worthy(row, request.brand.competitors):
                continue
            if seed_set <= row.toks:
                full.append(row)
            elif len(seed_set) >= 4 and head in row.toks and len(seed_set - row.toks) == 1:
                # Long seeds only, one qualifier missing: "waterproof trail running shoes for
                # women" may use "trail running shoes for women"; "trail running shoes" never
                # borrows its sibling "road running shoes".
                partial.append(row)

        def prior(row: _UniverseRow) -> float:
            intent = row.intent or estimate_intent(row.keyword)
            bonus = 6.0 if ("commercial" in intent or "transactional" in intent) else 0.0
            bonus -= 3.0 if intent == "informational" else 0.0
            return volume_score(row.volume) + bonus - 1.5 * max(0, len(row.keyword.split()) - 4)

        pool = sorted(full, key=prior, reverse=True)[:MINING_POOL]
        if len(pool) < MINING_POOL // 2:
            pool += sorted(partial, key=prior, reverse=True)[: MINING_POOL - len(pool)]
        if not pool:
            return []
        modifiers = [
            [t for t in tokens(r.keyword) if t not in STOP_WORDS and singularize(t) not in seed_set]
            for r in pool
        ]
        texts = [
            seed,
            *[r.keyword for r in pool],
            *[" ".join(m) or r.keyword for m, r in zip(modifiers, pool, strict=True)],
        ]
        vecs = self.embedder.embed(texts)
        seed_vec = vecs[0]
        kw_vecs = vecs[1 : 1 + len(pool)]
        mod_vecs = vecs[1 + len(pool) :]
        sims = kw_vecs @ seed_vec
        ranked = []
        for row, mods, sim, mvec in zip(pool, modifiers, sims.tolist(), mod_vecs, strict=True):
            if sim < MIN_SEED_SIMILARITY:
                continue
            strategy = self._label(mods, mvec)
            intent = (row.intent.split(",")[0] if row.intent else "") or estimate_intent(
                row.keyword
            )
            score = prior(row) + 40.0 * sim
            rationale = (
                f"Real keyword from your keyword data: {row.volume:,} searches/month; "
                f"'{' '.join(mods) or row.keyword}' is a {strategy} modifier of the seed."
            )
            ranked.append(
                (
                    score,
                    Candidate(
                        keyword=row.keyword,
                        expansion_strategy=strategy,
                        rationale=rationale,
                        estimated_intent=intent,
                        source="universe",
                    ),
                )
            )
        ranked.sort(key=lambda pair: pair[0], reverse=True)
        return [c for _, c in ranked]

    def _invent(
        self, seed: str, brand: BrandProfile, want: int, used_keys: set[str]
    ) -> list[Candidate]:
        """Lexicon candidates whose modifier plausibly qualifies the seed.

        Fit = cosine between the modifier alone and the seed. Broadly applicable modifiers
        (:data:`services.seed_clusters.modifiers.GENERIC_MODIFIERS`: women, cheap, gift, beginners…) need
        :data:`GENERIC_FIT`; domain-specific ones (marathon, gutenberg, crossbody…) need
        :data:`SPECIFIC_FIT`, so "leather handbags" does not get "marathon" pages. Modifiers
        repeating a seed word are skipped. Picks round-robin over the strategies; only when
        too few modifiers fit are the best of the rest used, so Stage 1 still returns 15.
        """
        if want <= 0:
            return []
        seed_words = set(content_tokens(seed))
        seed_strategy = strategy_of(content_tokens(seed))  # "leather handbags" → material/type
        options: list[tuple[str, str, str]] = []  # (strategy, modifier, keyword)
        for strategy in EXPANSION_STRATEGIES:
            if strategy == seed_strategy and strategy != "demographic":
                continue  # no "rubber leather handbags": the seed already fixes this dimension
            for modifier in STRATEGY_LEXICONS[strategy]:
                if modifier in NOT_INVENTED or modifier.isdigit():
                    continue
                if seed_words & set(content_tokens(modifier)):
                    continue
                template = MODIFIER_TEMPLATES.get(modifier, STRATEGY_TEMPLATES[strategy])
                options.append((strategy, modifier, template.format(m=modifier, s=seed)))
        if brand.competitors:
            rival = normalize_keyword(brand.competitors[0])
            options.append(("comparison/intent", rival, f"{rival} {seed} alternatives"))
        persona = _persona_phrase(brand.primary_persona)
        if persona and not seed_words & set(content_tokens(persona)):
            options.append(("demographic", persona, f"{seed} for {persona}"))
        if brand.price_point:
            word = brand.price_point.split()[0].lower()
            options.append(("price/value", word, f"{word} {seed}"))
        vecs = self.embedder.embed([seed, *[m for _, m, _ in options]])
        fit = vecs[1:] @ vecs[0]
        ranked = sorted(
            range(len(options)),
            key=lambda i: fit[i] + (GENERIC_BONUS if options[i][1] in GENERIC_MODIFIERS else 0.0),
            reverse=True,
        )

        def fits(i: int) -> bool:
            floor = GENERIC_FIT if options[i][1] in GENERIC_MODIFIERS else SPECIFIC_FIT
            return bool(fit[i] >= floor)

        picked: list[Candidate] = []
        per_strategy: dict[str, int] = {}

        def take(strategy: str, kw: str, cap: int) -> bool:
            kw = normalize_keyword(kw)
            key = canonical_key(kw)
            if key in used_keys or per_strategy.get(strategy, 0) >= cap:
                return False
            used_keys.add(key)
            per_strategy[strategy] = per_strategy.get(strategy, 0) + 1
            picked.append(
                Candidate(
                    keyword=kw,
                    expansion_strategy=strategy,
                    rationale=(
                        f"Suggested {strategy} angle (not in your keyword data; check its "
                        "search volume before building)."
                    ),
                    estimated_intent=estimate_intent(kw),
                    source="lexicon",
                )
            )
            return len(picked) >= want

        good = [i for i in ranked if fits(i)]
        for cap in (1, 2, 3):
            for idx in good:
                if take(options[idx][0], options[idx][2], cap):
                    return picked
        # Too few single modifiers fit: combine fitting ones ("cheap … for women") before
        # falling back to modifiers that fit poorly.
        prefixes = [i for i in good if options[i][2].endswith(seed)][:6]
        suffixes = [i for i in good if options[i][2].startswith(f"{seed} for ")][:4]
        for p in prefixes:
            for q in suffixes:
                if options[p][0] != options[q][0] and take(
                    options[p][0], f"{options[p][1]} {options[q][2]}", 3
                ):
                    return picked
        for idx in ranked:
            if not fits(idx) and take(options[idx][0], options[idx][2], 3):
                return picked
        return picked

    # ----------------------------------------------------------------- Stage 3
    def filter(self, request: FilterRequest) -> FilterResult:
        """Relevance (confidence 0-1) from embedding similarity to the seed and brand.

        Each part maps cosine to confidence with :func:`_relevance`, which saturates at 1.0
        once a keyword is clearly on-topic (cos ≥ 0.62), so that among on-topic pages the
        composite score is decided by search volume and competition, not by closeness to
        the seed wording (which would favour near-duplicates of the parent).
        confidence = 0.8·seed part + 0.2·brand part (seed part alone without brand products
        or persona). Informational keywords are discounted ×0.8 (a collection page serves
        commercial/transactional intent).
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
            if cand.estimated_intent == "informational":
                conf *= 0.8
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


def _persona_phrase(persona: str) -> str:
    """Short audience noun phrase from a persona sentence ("small business owners ...")."""
    words = []
    for w in normalize_keyword(persona).split():
        if w in {
            "who",
            "that",
            "with",
            "building",
            "looking",
            "wanting",
            "need",
            "needing",
            "and",
            "on",
            "in",
            "for",
            "at",
            "to",
            "of",
            "training",
            "buying",
            "running",
        }:
            break
        words.append(w)
    return " ".join(words[:3]) if len(words) > 0 else ""
