"""Funnel Stage 1: expand the seed into 15-20 candidates over the 11 strategies."""

from __future__ import annotations

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

MIN_CANDIDATES = 15
MAX_CANDIDATES = 20


def _strategy(name: str) -> str:
    """Map a provider's strategy label onto one of the 11 names (tolerates case/spacing)."""
    key = normalize_keyword(name).replace(" / ", "/").replace("_", " ")
    for s in EXPANSION_STRATEGIES:
        if key == s or key.replace("-", " ") == s.replace("-", " "):
            return s
    for s in EXPANSION_STRATEGIES:
        if key and (key in s or s.split("/")[0] in key):
            return s
    return "attribute"


def run_stage1(llm: LLMProvider, request: ExpansionRequest) -> ExpansionResult:
    """Ask the provider for candidates and enforce the Stage 1 contract.

    Guarantees on return: the seed is the first candidate with ``role_hint="parent"``
    (added if the provider left it out), keywords are normalised and unique, every
    strategy is one of the 11, intents are one of the four, at most 20 candidates.

    Raises:
        ProviderError: from the provider, or when it returns fewer than 15 usable
            candidates (a Stage 1 failure: no cluster is created).
    """
    result = llm.expand(request)
    seed = normalize_keyword(request.seed)
    seen: set[str] = set()
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
    seen.add(seed)
    for cand in result.candidates:
        kw = normalize_keyword(cand.keyword)
        if kw == seed:
            out[0].rationale = cand.rationale or out[0].rationale
            out[0].estimated_intent = cand.estimated_intent or out[0].estimated_intent
            out[0].expansion_strategy = _strategy(cand.expansion_strategy)
            continue
        if not kw or kw in seen:
            continue
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
    out = out[:MAX_CANDIDATES]
    if len(out) < MIN_CANDIDATES:
        raise ProviderError(
            f"Stage 1 returned only {len(out)} usable candidates (15-20 needed).",
            provider=getattr(llm, "name", "llm"),
        )
    return ExpansionResult(candidates=out, usage=list(result.usage))
