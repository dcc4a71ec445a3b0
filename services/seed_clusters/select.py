"""Funnel Stage 3: filter to 8-12 pages, one parent, one page per search, paths, scores.

The provider (LLM or offline) judges relevance (keep/drop, reason, confidence 0-1); the
rules of the spec are then enforced here, deterministically, whatever the provider said:

* exactly one parent: the seed;
* keywords that target the same search (:func:`find_same_search`: plural/singular, word
  order, "a vs b" / "b vs a" / "compare a and b", short forms, embedding cosine ≥
  :data:`NEAR_DUPLICATE_COSINE` between different wordings) become ONE page: the higher-volume variant is its primary
  keyword, the others its secondary keywords (never separate, competing pages);
* volume < 50 or unknown is dropped unless fewer than :data:`RELAX_BELOW` would remain,
  in which case the floor is relaxed and the best remaining candidates fill up to 8;
* 8-12 kept: the strongest by search volume × relevance (issue 8: "the strongest real
  keywords first"), shown in the order of :func:`services.core.scoring.calculate_score`
  with the project's weights; each page keeps its score parts;
* a page type and a path by the project's site type (:mod:`services.seed_clusters.site_rules`),
  unique in the cluster;
* pre-selected for approval unless it is an idea without search volume or its keyword is
  already covered by an approved page of the project ("already covered by <url>").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from services.clustering.variants import is_short_form, same_comparison, variant_groups
from services.core.errors import ProviderError
from services.core.scoring import score_parts
from services.core.text import (
    FILLER_WORDS,
    PAGE_CHANGING_WORDS,
    content_tokens,
    normalize_keyword,
    singularize,
    tokens,
)
from services.providers.base import (
    Candidate,
    Embedder,
    FilterDecision,
    FilterRequest,
    LLMProvider,
    Usage,
)
from services.seed_clusters.enrich import VOLUME_FLOOR
from services.seed_clusters.site_rules import SiteSettings, page_type_of, role_note, suggest_path

MIN_KEEP = 8
MAX_KEEP = 12
#: Below this many candidates over the volume floor, the floor is relaxed (spec Stage 3).
RELAX_BELOW = 5
#: all-MiniLM-L6-v2 cosine at which two keywords target the same page. Chosen on pairs such
#: as "trail running shoes for women" / "womens trail running shoe" (≥ 0.93) versus
#: "trail running shoes" / "trail running shoes for women" (≈ 0.85, distinct pages).
NEAR_DUPLICATE_COSINE = 0.93
#: Cosine at which two compared parts name the same thing ("amex platinum" / "american
#: express platinum"); parts of a comparison are short names, closer than whole keywords.
SAME_PART_COSINE = 0.8
#: Candidates the provider scored below this confidence (0-1) are treated as off-topic.
MIN_CONFIDENCE = 0.35
#: Page sources (issue 8): the project's data, DataForSEO Labs, an LLM idea; "seed" for a
#: seed the data does not hold.
SOURCES = ("data", "dataforseo", "llm_idea", "seed")


@dataclass
class Suggestion:
    """One suggested page, ready to persist as a ``ClusterPage``.

    ``search_volume`` is an integer (searches/month) or None; ``url_slug`` is the page's
    path by the project's site type.
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
    relevance: float  # 0-1 (the provider's confidence)
    low_volume: bool = False
    source: str = "data"  # data | dataforseo | llm_idea | seed
    page_type: str = "collection"  # collection | article | comparison | landing
    secondary_keywords: list[str] = field(default_factory=list)
    score_parts: dict[str, float] = field(
        default_factory=dict
    )  # volume/relevance/competition/total
    preselected: bool = True
    covered_by: str | None = None  # URL of an approved page that already targets the keyword


@dataclass
class FilterOutcome:
    """Stage 3 result."""

    suggestions: list[Suggestion]
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (keyword, reason)
    usage: list[Usage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provider: str = ""


def find_same_search(
    keywords: list[str], embedder: Embedder | None, threshold: float = NEAR_DUPLICATE_COSINE
) -> list[list[int]]:
    """Group indices of keywords that one result page answers.

    Union-find over :func:`services.clustering.variants.variant_groups` (lexical variants,
    comparisons in any order or wording, implied head nouns, short forms the list spells
    out), brand short forms ("amex gold card" = "american express gold card", see
    :func:`short_form_swap`), comparisons whose parts name the same things
    (:func:`services.clustering.variants.same_comparison`) and whole-keyword embedding cosine
    ≥ ``threshold`` between different wordings.

    Returns:
        Groups (lists of indices into ``keywords``) of size ≥ 2.
    """
    n = len(keywords)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    if n == 0:
        return []
    first: dict[int, int] = {}
    for i, g in enumerate(variant_groups(keywords).tolist()):
        if g in first:
            union(i, first[g])
        else:
            first[g] = i
    by_words: dict[frozenset[str], int] = {}
    for i, kw in enumerate(keywords):  # same words in another wording or as a how-to question
        key = _words(kw)
        if key and key in by_words:
            union(i, by_words[key])
        elif key:
            by_words[key] = i
    cosine: Callable[[str, str], float] | None = None
    if embedder is not None and n > 1:
        vecs = embedder.embed(keywords)
        sims = vecs @ vecs.T
        ii, jj = np.where(np.triu(sims, k=1) >= threshold)
        words = [_words(kw) for kw in keywords]
        changers = [frozenset(tokens(kw)) & PAGE_CHANGING_WORDS for kw in keywords]
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            # A keyword that only ADDS words to another is a narrower search with its own
            # page ("add google analytics to wordpress website" ⊃ "add google analytics to
            # website"), however close the embedding; a different wording is the same search.
            # Words that change the page (best, near me, vs, free …) are no wording detail:
            # only evidence joins "best x" and "x" (issue 16).
            if not (words[i] < words[j] or words[j] < words[i]) and changers[i] == changers[j]:
                union(i, j)

        def cosine(x: str, y: str) -> float:
            vx, vy = embedder.embed([x, y])
            return float(vx @ vy)

    contexts = _contexts(keywords)
    for i in range(n):
        for j in range(i + 1, n):
            if find(i) != find(j) and short_form_swap(keywords[i], keywords[j], cosine, contexts):
                union(i, j)

    def same_part(x: str, y: str) -> bool:
        if short_form_swap(x, y, cosine, contexts):
            return True
        digits_differ = _digits(x) != _digits(y)
        return bool(cosine and not digits_differ and cosine(x, y) >= SAME_PART_COSINE)

    comparisons = [i for i, kw in enumerate(keywords) if _is_comparison(kw)]
    for a_pos, i in enumerate(comparisons):
        for j in comparisons[a_pos + 1 :]:
            if find(i) != find(j) and same_comparison(keywords[i], keywords[j], similar=same_part):
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


#: Embedding cosine (all-MiniLM-L6-v2) that confirms a short form: "amex" / "american
#: express" 0.65, against "chase" / "capital one" 0.43 and "bofa" / "bank of america" 0.28
#: (the data must confirm that one: two shared contexts).
SHORT_FORM_COSINE = 0.5
#: Contexts both forms must share in the candidate list when the embedder does not confirm.
SHORT_FORM_CONTEXTS = 2


def short_form_swap(
    a: str,
    b: str,
    cosine: Callable[[str, str], float] | None,
    contexts: dict[str, set[str]] | None = None,
) -> bool:
    """Whether ``a`` and ``b`` are the same words but for a brand short form and its long form
    ("amex gold card" / "american express gold card").

    The swap must have the shape of an abbreviation
    (:func:`services.clustering.variants.is_short_form`) and be confirmed by the embedder
    (cosine ≥ :data:`SHORT_FORM_COSINE`) or by the list (both forms occur with at least
    :data:`SHORT_FORM_CONTEXTS` same other words, ``contexts`` from :func:`_contexts`).
    """
    ta = [singularize(t) for t in normalize_keyword(a).split()]
    tb = [singularize(t) for t in normalize_keyword(b).split()]
    only_a = [t for t in ta if t not in tb]
    only_b = [t for t in tb if t not in ta]
    if len(only_a) > len(only_b):
        only_a, only_b = only_b, only_a
    if len(only_a) != 1 or not 2 <= len(only_b) <= 4:
        return False
    short, phrase = only_a[0], only_b
    if not is_short_form(short, phrase):
        return False
    long_form = " ".join(phrase)
    if cosine is not None and cosine(short, long_form) >= SHORT_FORM_COSINE:
        return True
    if contexts:
        shared = contexts.get(short, set()) & contexts.get(long_form, set())
        return len(shared) >= SHORT_FORM_CONTEXTS
    return False


def _contexts(keywords: list[str]) -> dict[str, set[str]]:
    """Word or word run → the rests of the keywords it occurs in ("amex" → {"gold card",
    "platinum"}); runs of 1-4 words."""
    out: dict[str, set[str]] = {}
    for kw in keywords:
        toks = [singularize(t) for t in normalize_keyword(kw).split()]
        for size in range(1, 5):
            for start in range(0, len(toks) - size + 1):
                run = " ".join(toks[start : start + size])
                rest = " ".join(toks[:start] + toks[start + size :])
                if rest:
                    out.setdefault(run, set()).add(rest)
    return out


def _digits(text: str) -> list[str]:
    return re.findall(r"\d+", text)


#: Kept for callers of the earlier name.
find_near_duplicates = find_same_search


_YEAR = re.compile(r"^(19|20)\d\d$")


#: Words of a "how to / how do I / how can you …" question around a task: "how do i add a
#: website to google analytics" asks for the page "add website to google analytics" does.
#: Other questions keep their words: "what are payday loans" is not "payday loans".
_HOW_WORDS = frozenset(["how", "do", "doe", "did", "i", "can", "you", "we", "should", "one"])


def _words(keyword: str) -> frozenset[str]:
    """Content words (singular, no stop or filler words, no years, no "how do i" wording) of
    a keyword: "best wordpress themes 2025" and "wordpress themes" have the same words."""
    toks = [t for t in content_tokens(keyword) if t not in FILLER_WORDS and not _YEAR.match(t)]
    if toks and toks[0] == "how":
        toks = [t for t in toks if t not in _HOW_WORDS]
    return frozenset(toks)


def _is_comparison(keyword: str) -> bool:
    words = set(keyword.split())
    return bool(words & {"vs", "versus", "compare", "comparison", "or"})


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
) -> tuple[list[Suggestion], list[tuple[str, str]], list[str]]:
    """Apply the Stage 3 rules to the provider's decisions.

    Args:
        seed: the seed keyword (becomes the only parent).
        candidates: enriched Stage 2 candidates.
        decisions: the provider's verdicts (missing ones count as keep, confidence 0.5).
        embedder: for embedding same-search tests; None → lexical rules only.
        volume_known: False when Stage 2 had no volume data (the floor cannot apply).
        site: site type, URL pattern and score weights (default: Shopify, spec weights).
        covered: keyword → URL of an approved page of the project that already targets it.
        in_data: keywords present in the project's imported data (for ``source``).

    Returns:
        (suggestions parent first then by composite score, dropped (keyword, reason) — merged
        variants included with the page they joined —, warnings).
    """
    site = site or SiteSettings()
    covered = covered or {}
    seed = normalize_keyword(seed)
    by_kw = {normalize_keyword(d.keyword): d for d in decisions}
    warnings: list[str] = []
    dropped: list[tuple[str, str]] = []

    def conf(c: Candidate) -> float:
        d = by_kw.get(c.keyword)
        return 1.0 if c.keyword == seed else (d.confidence if d else 0.5)

    # 1. Same search → one page: the higher-volume variant (the seed always wins its group)
    #    is the primary keyword, the others its secondary keywords.
    pool = list(candidates)
    if not any(c.keyword == seed for c in pool):
        pool.insert(0, Candidate(keyword=seed, expansion_strategy="attribute", role_hint="parent"))
    secondaries: dict[str, list[str]] = {}
    losers: set[int] = set()
    for group in find_same_search([c.keyword for c in pool], embedder):
        best = max(
            group,
            key=lambda i: (pool[i].keyword == seed, pool[i].search_volume or -1, conf(pool[i])),
        )
        rest = sorted((i for i in group if i != best), key=lambda i: -(pool[i].search_volume or -1))
        secondaries[pool[best].keyword] = [pool[i].keyword for i in rest]
        for i in rest:
            losers.add(i)
            dropped.append(
                (
                    pool[i].keyword,
                    f"near-duplicate of '{pool[best].keyword}' (same search): kept as its secondary keyword",
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
        if volume_known and children:
            warnings.append(
                f"Only {len(passing)} of the {len(children)} candidates reach {VOLUME_FLOOR} "
                "searches/month; the volume floor was relaxed and low-volume pages are marked."
            )
        chosen = children
    else:
        chosen = passing
        for c in children:
            if not over_floor(c):
                vol = c.search_volume if c.search_volume is not None else "unknown"
                dropped.append((c.keyword, f"search volume {vol} < {VOLUME_FLOOR}"))

    def parts(c: Candidate) -> dict[str, float]:
        return score_parts(c.search_volume, conf(c), c.competition, site.weights)

    def score(c: Candidate) -> tuple[float, float]:
        """Keep order: search volume × relevance (the strongest real keywords first, issue
        8), then the composite score; with no volume at all, the composite score alone."""
        return ((c.search_volume or 0) * conf(c), parts(c)["total"])

    chosen.sort(key=score, reverse=True)
    # 4. 8-12 pages in total (parent + 7-11 children). Top up from provider rejects only when
    #    the floor is relaxed; never re-admit a same-search variant.
    if relaxed and len(chosen) < MIN_KEEP - 1:
        extra = sorted(rejected, key=score, reverse=True)[: MIN_KEEP - 1 - len(chosen)]
        chosen.extend(extra)
        dropped[:] = [d for d in dropped if d[0] not in {c.keyword for c in extra}]
    for c in chosen[MAX_KEEP - 1 :]:
        dropped.append(
            (c.keyword, f"lower search volume × relevance than the {MAX_KEEP} kept pages")
        )
    chosen = chosen[: MAX_KEEP - 1]
    chosen.sort(key=lambda c: (parts(c)["total"], c.search_volume or 0), reverse=True)

    parent = next(c for c in pool if c.keyword == seed)
    taken: set[str] = set()
    suggestions = []
    for c in [parent, *chosen]:
        d = by_kw.get(c.keyword)
        is_parent = c.keyword == seed
        ptype = page_type_of(c.keyword, c.estimated_intent, site.site_type)
        if is_parent and ptype == "landing":
            ptype = "collection"  # the hub lists its children
        source = page_source(c, in_data)
        volume = int(c.search_volume) if c.search_volume is not None else None
        cover = next(
            (covered[k] for k in [c.keyword, *secondaries.get(c.keyword, [])] if k in covered),
            None,
        )
        reasoning = (d.reason if d and d.reason else c.rationale) or ""
        note = "" if is_parent else role_note(ptype, seed, site)
        if note:
            reasoning = f"{reasoning} {note}".strip()
        if cover:
            reasoning = f"Already covered by {cover}. {reasoning}".strip()
        sp = parts(c)
        suggestions.append(
            Suggestion(
                keyword=c.keyword,
                role="parent" if is_parent else "child",
                url_slug=suggest_path(
                    c.keyword, ptype, site, parent_keyword=None if is_parent else seed, taken=taken
                ),
                expansion_strategy=c.expansion_strategy,
                reasoning=reasoning,
                search_volume=volume,
                cpc=c.cpc,
                competition=c.competition,
                competition_level=c.competition_level,
                composite_score=sp["total"],
                relevance=conf(c),
                low_volume=not over_floor(c),
                source=source,
                page_type=ptype,
                secondary_keywords=secondaries.get(c.keyword, []),
                score_parts=sp,
                preselected=cover is None and not (source == "llm_idea" and volume is None),
                covered_by=cover,
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
    site: SiteSettings | None = None,
    covered: dict[str, str] | None = None,
    in_data: set[str] | None = None,
) -> FilterOutcome:
    """Run the provider's filter, falling back to ``fallback`` on ``ProviderError``.

    ``site``, ``covered`` and ``in_data`` are passed to :func:`decide`.

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
    )
    return FilterOutcome(
        suggestions=suggestions,
        dropped=dropped,
        usage=billed + list(result.usage),
        warnings=warnings + rule_warnings,
        provider=getattr(provider, "name", ""),
    )
