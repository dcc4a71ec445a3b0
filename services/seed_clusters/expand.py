"""Funnel Stage 1: expand the seed into up to 20 candidates over the 11 strategies.

Sources (issue 8): ``data`` (real keywords of the project's imports, the offline provider),
``dataforseo`` (DataForSEO Labs keyword suggestions, when DataForSEO is on) and LLM ideas
(``llm``, marked ``llm_idea`` after Stage 2 unless the keyword is in the project's data).
"""

from __future__ import annotations

from services.clustering.variants import same_search_key
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import (
    EXPANSION_STRATEGIES,
    SEARCH_INTENTS,
    Candidate,
    ExpansionRequest,
    ExpansionResult,
    LLMProvider,
)
from services.seed_clusters.modifiers import OTHER_MODIFIER

MIN_CANDIDATES = 15
MAX_CANDIDATES = 20


def _strategy(name: str) -> str:
    """Map a provider's strategy label onto one of the 11 names (tolerates case/spacing);
    anything else is "other modifier", never a guessed strategy."""
    key = normalize_keyword(name).replace(" / ", "/").replace("_", " ")
    for s in EXPANSION_STRATEGIES:
        if key == s or key.replace("-", " ") == s.replace("-", " "):
            return s
    for s in EXPANSION_STRATEGIES:
        first = s.split("/")[0]
        if key and ((len(key) >= 4 and s.startswith(key)) or key.startswith(first)):
            return s
    return OTHER_MODIFIER


def run_stage1(llm: LLMProvider, request: ExpansionRequest) -> ExpansionResult:
    """Ask the provider for candidates and enforce the Stage 1 contract.

    Guarantees on return: the seed is the first candidate with ``role_hint="parent"``
    (added if the provider left it out), keywords are normalised and unique, every
    strategy is one of the 11 or "other modifier", intents are one of the four, at most 20
    distinct searches (same-search variants of a kept keyword, which the offline provider
    returns so that Stage 3 makes them secondary keywords, do not count).

    Raises:
        ProviderError: from the provider, or when an LLM returns fewer than 15 usable
            candidates (a Stage 1 failure: no cluster is created). Real keywords from the
            project's data are never refused for being few: the funnel returns them with a
            message (:func:`services.seed_clusters.api.thin_data_message`).
    """
    result = llm.expand(request)
    seed = normalize_keyword(request.seed)
    seen: set[str] = {seed}
    out: list[Candidate] = [
        Candidate(
            keyword=seed,
            expansion_strategy="attribute",
            rationale="The seed keyword: the cluster's parent (hub) page.",
            estimated_intent="commercial",
            role_hint="parent",
            source="seed",
        )
    ]
    searches = {same_search_key(seed)}
    for cand in result.candidates:
        kw = normalize_keyword(cand.keyword)
        if kw == seed:
            out[0].rationale = cand.rationale or out[0].rationale
            out[0].estimated_intent = cand.estimated_intent or out[0].estimated_intent
            out[0].expansion_strategy = _strategy(cand.expansion_strategy)
            continue
        if not kw or kw in seen:
            continue
        key = same_search_key(kw)
        if key not in searches and len(searches) >= MAX_CANDIDATES:
            continue
        searches.add(key)
        seen.add(kw)
        intent = normalize_keyword(cand.estimated_intent or "")
        out.append(
            Candidate(
                keyword=kw,
                expansion_strategy=_strategy(cand.expansion_strategy),
                rationale=cand.rationale,
                estimated_intent=intent if intent in SEARCH_INTENTS else "commercial",
                role_hint="child",
                source=cand.source,
            )
        )
    from_data = all(c.source in ("data", "universe", "dataforseo") for c in out[1:])
    if len(out) < MIN_CANDIDATES and not from_data:
        raise ProviderError(
            f"Stage 1 returned only {len(out)} usable candidates (15-20 needed).",
            provider=getattr(llm, "name", "llm"),
        )
    return ExpansionResult(candidates=out, usage=list(result.usage))
