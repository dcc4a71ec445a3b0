"""Funnel Stage 3: distinct intents fill 8-12 pages, one parent, paths, scores.

The provider (LLM or offline) judges relevance (keep/drop, reason, confidence 0-1); the
rules are then enforced here, deterministically, whatever the provider said
(:func:`decide`, in this order):

1. **Filters** with their true reasons (:func:`services.clustering.keyword_filters.exclusion_reason`:
   brand safety, URLs, the data's navigational/branded labels, competitors, store-only cues
   on stores); the seed is never filtered.
2. **Intents first**: candidates are grouped into distinct searches
   (:func:`services.seed_clusters.intents.group_intents`: the shared same-search rules,
   then the data's evidence — same Parent Keyword, same ranking URL — then the funnel's
   wording tests :func:`find_same_search`). Each intent is ONE page: its highest-volume
   keyword (its words in natural order) is the primary keyword, the other wordings its
   secondary keywords, each with the rule that merged it ("same Parent Keyword"). The
   parent page is the seed's own intent, its keyword the highest-demand wording of that
   intent — or the typed seed when the seed has no data (the strongest wording is then
   offered as ``suggested_seed``).
3. The provider's verdict (off-topic drops); volume < 50 or unknown is dropped unless
   fewer than :data:`RELAX_BELOW` would remain (the floor is then relaxed).
4. 8-12 pages across intents by demand (the search volume of all wordings of the intent)
   × relevance; relevance is the topic fit, ``0.5·IDF-weighted word overlap with the seed
   (:class:`services.clustering.topic.SeedTopic`) + 0.5·the provider's confidence``;
   competition is Google Ads competition, else Keyword Difficulty, else unknown (left out
   of the score, :func:`services.core.scoring.score_parts`); shown in the order of the
   composite score with the project's weights.
5. A page type and a path by the project's site type, unique in the cluster; pre-selected
   unless it is an idea without search volume or already covered by a page of the project.
"""

from __future__ import annotations

from collections.abc import Callable

from services.clustering.keyword_filters import exclusion_reason
from services.clustering.topic import SeedTopic
from services.clustering.word_order import natural_wording
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import (
    BrandProfile,
    Candidate,
    Embedder,
    FilterDecision,
    FilterRequest,
    LLMProvider,
    Usage,
)
from services.seed_clusters.enrich import VOLUME_FLOOR
from services.seed_clusters.intents import FunnelEvidence, Intent, competition_of, group_intents
from services.seed_clusters.same_search import (  # noqa: F401  (re-exported)
    NEAR_DUPLICATE_COSINE,
    SAME_PART_COSINE,
    find_same_search,
    short_form_swap,
    wording_reason,
)
from services.seed_clusters.site_rules import (
    SiteSettings,
    page_type_of,
    parent_page_type,
    role_note,
    site_path,
)
from services.seed_clusters.stage3_rules import (  # noqa: F401  (re-exported)
    CLOSENESS_RANGE,
    SOURCES,
    TOPIC_WORD_WEIGHT,
    page_source,
)
from services.seed_clusters.stage3_rules import PageDraft as _Page
from services.seed_clusters.stage3_rules import StageRules as _Rules
from services.seed_clusters.stage3_rules import closeness_map as _closeness
from services.seed_clusters.suggestion import FilterOutcome, Suggestion  # noqa: F401

MIN_KEEP = 8
MAX_KEEP = 12
#: Below this many candidates over the volume floor, the floor is relaxed (spec Stage 3).
RELAX_BELOW = 5
#: Candidates the provider scored below this confidence (0-1) are treated as off-topic.
MIN_CONFIDENCE = 0.35


#: Kept for callers of the earlier name.
find_near_duplicates = find_same_search


def _filtered_pool(
    rules: _Rules,
    candidates: list[Candidate],
    brand: BrandProfile,
    dropped: list[tuple[str, str]],
) -> list[Candidate]:
    """The candidates (the seed added when missing) less those a filter excludes."""
    pool = list(candidates)
    if not any(c.keyword == rules.seed for c in pool):
        pool.insert(
            0, Candidate(keyword=rules.seed, expansion_strategy="attribute", role_hint="parent")
        )
    intents = rules.evidence.intents if rules.evidence else {}
    kept = []
    for c in pool:
        reason = None
        if c.keyword != rules.seed:
            reason = exclusion_reason(
                c.keyword,
                intents.get(c.keyword),
                brand.competitors,
                site_type=rules.site.site_type,
                brand=brand.company_name,
            )
        if reason:
            dropped.append((c.keyword, reason))
        else:
            kept.append(c)
    return kept


def _intent_pages(
    rules: _Rules,
    pool: list[Candidate],
    embedder: Embedder | None,
    dropped: list[tuple[str, str]],
) -> list[_Page]:
    """One page per intent, the parent (the seed's intent) first.

    The primary keyword of an intent is its highest-volume wording (the parent's too: the
    highest-demand keyword of the seed's own intent), or the same words in natural order
    (:func:`services.clustering.word_order.natural_wording`); the others become its
    secondary keywords with the rule that merged them.
    """
    intents: list[Intent] = group_intents(
        [c.keyword for c in pool],
        [c.search_volume for c in pool],
        rules.evidence,
        wording_groups=lambda kws: find_same_search(kws, embedder),
    )
    pages: list[_Page] = []
    for intent in intents:
        members = [pool[i] for i in intent.members]
        is_parent = any(c.keyword == rules.seed for c in members)
        best = max(
            members,
            key=lambda c: (c.search_volume or -1, c.keyword == rules.seed, rules.conf(c)),
        )
        seed = next((c for c in members if c.keyword == rules.seed), None)
        if seed is not None and seed.search_volume is None:
            best = seed  # a seed without data stays the parent; its wordings are offered
        elif best is not seed:  # the typed seed keeps its wording
            at = natural_wording(
                [c.keyword for c in members],
                [c.search_volume for c in members],
                members.index(best),
                rules.seed,
            )
            best = members[at]

        rest = sorted((c for c in members if c is not best), key=lambda c: -(c.search_volume or -1))
        index = {id(pool[i]): i for i in intent.members}
        merged = {
            c.keyword: wording_reason(intent.why(index[id(c)], index[id(best)]), c, best)
            for c in rest
        }
        for c in rest:
            dropped.append(
                (
                    c.keyword,
                    f"near-duplicate of '{best.keyword}' (same search: {merged[c.keyword]}): "
                    "kept as its secondary keyword",
                )
            )
        volumes = [c.search_volume for c in members if c.search_volume is not None]
        demand = int(sum(volumes)) if volumes else None
        pages.append(_Page(best, rest, merged, demand, is_parent))
    pages.sort(key=lambda p: not p.is_parent)
    return pages


def _provider_verdict(
    rules: _Rules, pages: list[_Page], dropped: list[tuple[str, str]]
) -> tuple[list[_Page], list[_Page]]:
    """(kept, rejected) child pages by the provider's keep/confidence verdict."""
    kept: list[_Page] = []
    rejected: list[_Page] = []
    for page in pages:
        d = rules.by_kw.get(page.cand.keyword)
        if d is None or (d.keep and d.confidence >= MIN_CONFIDENCE):
            kept.append(page)
        else:
            rejected.append(page)
            dropped.append((page.cand.keyword, d.reason if d.reason else "judged off-topic"))
    return kept, rejected


def _over_floor(c: Candidate) -> bool:
    return c.search_volume is not None and c.search_volume >= VOLUME_FLOOR


def _choose(
    rules: _Rules,
    kept: list[_Page],
    rejected: list[_Page],
    dropped: list[tuple[str, str]],
    volume_known: bool,
) -> tuple[list[_Page], list[str]]:
    """The 7-11 child pages: volume floor (relaxed below :data:`RELAX_BELOW`), then by
    demand × relevance; shown by composite score."""
    warnings: list[str] = []
    passing = [p for p in kept if _over_floor(p.cand)]
    relaxed = len(passing) < RELAX_BELOW
    if relaxed:
        if volume_known and kept:
            warnings.append(
                f"Only {len(passing)} of the {len(kept)} candidates reach {VOLUME_FLOOR} "
                "searches/month; the volume floor was relaxed and low-volume pages are marked."
            )
        chosen = list(kept)
    else:
        chosen = passing
        for p in kept:
            if not _over_floor(p.cand):
                vol = p.cand.search_volume if p.cand.search_volume is not None else "unknown"
                dropped.append((p.cand.keyword, f"search volume {vol} < {VOLUME_FLOOR}"))
    chosen.sort(key=rules.rank, reverse=True)
    # Top up from provider rejects only when the floor is relaxed.
    if relaxed and len(chosen) < MIN_KEEP - 1:
        extra = sorted(rejected, key=rules.rank, reverse=True)[: MIN_KEEP - 1 - len(chosen)]
        chosen.extend(extra)
        back = {p.cand.keyword for p in extra}
        dropped[:] = [d for d in dropped if d[0] not in back]
    for p in chosen[MAX_KEEP - 1 :]:
        dropped.append(
            (
                p.cand.keyword,
                f"lower search volume × relevance (all its wordings) than the {MAX_KEEP} "
                "kept pages",
            )
        )
    chosen = chosen[: MAX_KEEP - 1]
    chosen.sort(
        key=lambda p: (rules.parts(p.cand)["total"], p.cand.search_volume or 0), reverse=True
    )
    return chosen, warnings


def _suggestion(rules: _Rules, page: _Page, parent: str, taken: set[str]) -> Suggestion:
    """The page as a :class:`Suggestion` (type, path, reasoning, score parts, flags)."""
    c = page.cand
    d = rules.by_kw.get(c.keyword)
    site = rules.site
    ptype = page_type_of(c.keyword, c.estimated_intent, site.site_type)
    if page.is_parent:
        ptype = parent_page_type(ptype, site.site_type)  # the hub lists its children
    source = page_source(c, rules.in_data)
    volume = int(c.search_volume) if c.search_volume is not None else None
    wordings = [c.keyword, *(s.keyword for s in page.secondaries)]
    cover = next((rules.covered[k] for k in wordings if k in rules.covered), None)
    reasoning = (d.reason if d and d.reason else c.rationale) or ""
    note = "" if page.is_parent else role_note(ptype, parent, site, c.keyword, c.estimated_intent)
    competition, comp_source = competition_of(c, rules.evidence)
    extra = [] if page.is_parent else [f"Topic fit {rules.relevance(c):.2f}."]
    extra.append(f"Competition: {comp_source}.")
    if page.merged:
        extra.append("Merged: " + "; ".join(f"'{k}' ({r})" for k, r in page.merged.items()) + ".")
    reasoning = " ".join(x for x in [reasoning, note, *extra] if x)
    if cover:
        reasoning = f"Already covered by {cover}. {reasoning}".strip()
    path, origin = site_path(
        c.keyword, ptype, site, parent_keyword=None if page.is_parent else parent, taken=taken,
        topic=parent,
    )  # fmt: skip
    if origin:
        reasoning = f"{reasoning} Path: {origin}.".strip()
    sp = rules.parts(c)
    return Suggestion(
        keyword=c.keyword,
        role="parent" if page.is_parent else "child",
        url_slug=path,
        expansion_strategy=c.expansion_strategy,
        reasoning=reasoning,
        search_volume=volume,
        cpc=c.cpc,
        competition=c.competition,
        competition_level=c.competition_level,
        composite_score=sp["total"],
        relevance=rules.relevance(c),
        low_volume=not _over_floor(c),
        source=source,
        page_type=ptype,
        secondary_keywords=[s.keyword for s in page.secondaries],
        score_parts=sp,
        preselected=cover is None and not (source == "llm_idea" and volume is None),
        covered_by=cover,
        merged=dict(page.merged),
        competition_source=comp_source if competition is not None else "unknown",
        demand=page.demand,
    )


def decide(
    seed: str,
    candidates: list[Candidate],
    decisions: list[FilterDecision],
    embedder: Embedder | None,
    *,
    volume_known: bool = True,
    site: SiteSettings | None = None,
    covered: dict[str, str] | None = None,
    in_data: set[str] | None = None,
    evidence: FunnelEvidence | None = None,
    brand: BrandProfile | None = None,
) -> tuple[list[Suggestion], list[tuple[str, str]], list[str]]:
    """Apply the Stage 3 rules (module docstring) to the provider's decisions.

    Args:
        seed: the seed keyword; its intent is the parent page.
        candidates: enriched Stage 2 candidates.
        decisions: the provider's verdicts (missing ones count as keep, confidence 0.5).
        embedder: for embedding same-search tests; None → rule-based tests only.
        volume_known: False when Stage 2 had no volume data (the floor cannot apply).
        site: site type, URL pattern and score weights (default: Shopify, spec weights).
        covered: keyword → URL of a page of the project that already targets it.
        in_data: keywords present in the project's imported data (for ``source``).
        evidence: the data's Parent Keyword, ranking URL, Keyword Difficulty and intent
            labels (:class:`FunnelEvidence`); None = text rules only, no KD.
        brand: the brand profile (competitors and the own brand for the filters).

    Returns:
        (suggestions parent first then by composite score, dropped (keyword, reason) — merged
        wordings included with the page they joined —, warnings).
    """
    seed = normalize_keyword(seed)
    keywords = [c.keyword for c in candidates]
    universe = evidence.universe if evidence and evidence.universe else keywords
    rules = _Rules(
        seed=seed,
        site=site or SiteSettings(),
        by_kw={normalize_keyword(d.keyword): d for d in decisions},
        topic=SeedTopic.of(seed, universe),
        evidence=evidence,
        covered=covered or {},
        in_data=in_data,
    )
    dropped: list[tuple[str, str]] = []
    pool = _filtered_pool(rules, candidates, brand or BrandProfile(), dropped)
    rules.closeness = _closeness(seed, [c.keyword for c in pool], embedder)
    parent, *children = _intent_pages(rules, pool, embedder, dropped)
    kept, rejected = _provider_verdict(rules, children, dropped)
    chosen, warnings = _choose(rules, kept, rejected, dropped, volume_known)
    taken: set[str] = set()
    suggestions = [
        _suggestion(rules, page, parent.cand.keyword, taken) for page in [parent, *chosen]
    ]
    return suggestions, dropped, warnings


def run_stage3(
    llm: LLMProvider,
    request: FilterRequest,
    embedder_factory: Callable[[], Embedder] | None,
    *,
    fallback: LLMProvider | None = None,
    volume_known: bool = True,
    site: SiteSettings | None = None,
    covered: dict[str, str] | None = None,
    in_data: set[str] | None = None,
    evidence: FunnelEvidence | None = None,
) -> FilterOutcome:
    """Run the provider's filter, falling back to ``fallback`` on ``ProviderError``.

    ``site``, ``covered``, ``in_data`` and ``evidence`` are passed to :func:`decide` (with
    the request's brand profile).

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
        site=site,
        covered=covered,
        in_data=in_data,
        evidence=evidence,
        brand=request.brand,
    )
    return FilterOutcome(
        suggestions=suggestions,
        dropped=dropped,
        usage=billed + list(result.usage),
        warnings=warnings + rule_warnings,
        provider=getattr(provider, "name", ""),
    )
