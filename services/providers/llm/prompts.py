"""Prompts, output schemas and the validate-or-repair loop shared by the live LLM adapters.

Both :mod:`services.providers.llm.claude` and :mod:`services.providers.llm.openai_compatible` send
the same prompts and the same JSON schemas (built from the pydantic models below) and
validate the answer with the same models, so the two adapters differ only in SDK calls.

What the model decides: Stage 1 candidates (keyword, strategy, rationale, intent) and
Stage 3 verdicts (keep/drop, role, reason, confidence 0-1). What it never decides: URL
slugs and composite scores — :mod:`services.seed_clusters.select` computes those
deterministically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.core.errors import InvalidOutput, ProviderError, StructuredOutputError
from services.core.text import normalize_keyword
from services.providers.base import (
    EXPANSION_STRATEGIES,
    Candidate,
    ExpansionRequest,
    FilterDecision,
    FilterRequest,
    Usage,
)

#: One example per strategy, all on the seed "trail running shoes" (design D2).
STRATEGY_EXAMPLES: dict[str, str] = {
    "demographic": "trail running shoes for women",
    "attribute": "waterproof trail running shoes",
    "price/value": "cheap trail running shoes",
    "use-case": "trail running shoes for ultramarathons",
    "comparison/intent": "best trail running shoes",
    "seasonal/occasion": "winter trail running shoes",
    "material/type": "gore-tex trail running shoes",
    "experience level": "trail running shoes for beginners",
    "problem/solution": "trail running shoes for plantar fasciitis",
    "terrain/environment": "trail running shoes for mud",
    "values/lifestyle": "vegan trail running shoes",
}

#: Output budget of one call (tokens); 20 candidates or decisions need ≈ 1,500.
MAX_OUTPUT_TOKENS = 4096
#: Characters of an invalid answer kept on the error for diagnosis.
RAW_EXCERPT_CHARS = 500

# One source for the 11 names (services.providers.base); a runtime Literal for pydantic.
Strategy = Literal[EXPANSION_STRATEGIES]  # type: ignore[valid-type]
Intent = Literal["commercial", "transactional", "informational", "navigational"]


# --------------------------------------------------------------------------- schemas
class ExpansionItem(BaseModel):
    """One Stage 1 candidate as the model returns it."""

    model_config = ConfigDict(extra="forbid")

    keyword: str = Field(description="The search query, lowercase, as a shopper types it.")
    expansion_strategy: Strategy = Field(description="Which of the 11 modifier strategies.")
    rationale: str = Field(description="One short sentence: why this page is worth building.")
    estimated_intent: Intent


class ExpansionOutput(BaseModel):
    """Stage 1 answer: 15-20 collection-page keywords, the seed first."""

    model_config = ConfigDict(extra="forbid", title="ClusterExpansion")

    candidates: list[ExpansionItem]


class FilterItem(BaseModel):
    """One Stage 3 verdict as the model returns it."""

    model_config = ConfigDict(extra="forbid")

    keyword: str = Field(description="The candidate keyword exactly as given.")
    keep: bool
    role: Literal["parent", "child"]
    reason: str = Field(description="One short sentence.")
    confidence: float = Field(
        ge=0.0, le=1.0, description="How sure you are this deserves its own page."
    )


class FilterOutput(BaseModel):
    """Stage 3 answer: one verdict per candidate."""

    model_config = ConfigDict(extra="forbid", title="ClusterFilter")

    decisions: list[FilterItem]


#: JSON-schema keywords structured-output engines reject; moved into the description and
#: enforced by pydantic after the call instead.
_UNSUPPORTED = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "default",
)


def _strictify(node: Any) -> Any:
    if isinstance(node, list):
        return [_strictify(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strictify(v) for k, v in node.items()}
    moved = [f"{k}: {out.pop(k)}" for k in _UNSUPPORTED if k in out]
    if moved:
        desc = out.get("description", "")
        out["description"] = (desc + " " if desc else "") + "{" + ", ".join(moved) + "}"
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of ``model`` in the strict form both APIs accept.

    Every object gets ``additionalProperties: false`` and lists all its properties as
    required (OpenAI strict mode); numeric/length constraints move into the description
    (Anthropic structured outputs reject them) and are checked by pydantic afterwards.

    Parameters
    ----------
    model : type[pydantic.BaseModel]
        :class:`ExpansionOutput` or :class:`FilterOutput`.

    Returns
    -------
    dict
        A fresh (deep-copied) schema with ``$defs``; safe to mutate.
    """
    return deepcopy(_strictify(model.model_json_schema()))


EXPANSION_SCHEMA = strict_json_schema(ExpansionOutput)
FILTER_SCHEMA = strict_json_schema(FilterOutput)
EXPANSION_SCHEMA_NAME = "ClusterExpansion"
FILTER_SCHEMA_NAME = "ClusterFilter"


# --------------------------------------------------------------------------- prompts
SYSTEM_PROMPT = (
    "You are an e-commerce SEO strategist. You plan collection pages (category pages that "
    "list products) for one online store, using the brand profile you are given. You answer "
    "only with JSON that matches the requested schema."
)


def expansion_prompt(request: ExpansionRequest) -> str:
    """Stage 1 user prompt: the 11 strategies with one example each, the brand, 15-20 keywords.

    Parameters
    ----------
    request : ExpansionRequest
        Seed, brand profile and the 15-20 bounds.

    Returns
    -------
    str
        The prompt; the seed sits in ``<seed>`` tags (the local test servers read it there).
    """
    seed = normalize_keyword(request.seed)
    strategies = "\n".join(
        f'{i}. {name} — e.g. "{example}"'
        for i, (name, example) in enumerate(STRATEGY_EXAMPLES.items(), start=1)
    )
    return f"""<seed>{seed}</seed>

<brand>
{request.brand.to_prompt_text()}
</brand>

Propose {request.min_candidates}-{request.max_candidates} collection-page keywords for a \
keyword cluster around the seed. Each keyword is a search query a shopper types that deserves \
its own collection page (a filtered product listing) on this store — not a blog topic, a \
question or a single product.

Spread the keywords over these 11 modifier strategies (use the names exactly as written; the \
examples modify the seed "trail running shoes", apply the same kind of modifier to our seed):
{strategies}

Rules:
- The first item is the seed keyword "{seed}" itself: it becomes the parent (hub) page.
- {request.min_candidates}-{request.max_candidates} items in total including the seed; no \
duplicates and no near-duplicates (plural, word-order or "for women"/"women's" variants of \
each other).
- Lowercase, 2-7 words, as people really search; fit the brand's products, price point and \
persona; no competitor brand names.
- These are ideas: they are marked "LLM idea" until search volume confirms them. The brand \
profile is context only: never put the company name, persona or profile wording into a \
keyword, and never pad the list with seasonal, platform or audience words that nobody searches \
with the seed.
- estimated_intent: commercial or transactional for most collection pages; informational or \
navigational only when that is what the query is.
- rationale: one short sentence on why this page is worth building for this brand."""


def _candidate_row(c: Candidate) -> dict[str, Any]:
    return {
        "keyword": c.keyword,
        "strategy": c.expansion_strategy,
        "search_volume": c.search_volume,
        "cpc_usd": c.cpc,
        "competition": c.competition,
        "competition_level": c.competition_level,
    }


def filter_prompt(request: FilterRequest) -> str:
    """Stage 3 user prompt: the enriched candidates with volumes and the spec's rules.

    Parameters
    ----------
    request : FilterRequest
        Seed, brand, Stage 2 candidates, 8-12 bounds and the volume floor (searches/month).

    Returns
    -------
    str
        The prompt; candidates are a JSON array inside ``<candidates>`` tags.
    """
    seed = normalize_keyword(request.seed)
    rows = json.dumps([_candidate_row(c) for c in request.candidates], ensure_ascii=False)
    have_volume = any(c.search_volume is not None for c in request.candidates)
    volume_note = (
        "search_volume is Google searches/month (null = unknown); competition is 0-1."
        if have_volume
        else "No search volume is available for this run: judge on relevance only and "
        "ignore the volume rule."
    )
    return f"""<seed>{seed}</seed>

<brand>
{request.brand.to_prompt_text()}
</brand>

<candidates>
{rows}
</candidates>

{volume_note}

Choose the collection pages to build from these candidates. Rules:
1. Keep {request.min_keep}-{request.max_keep} keywords in total, the seed included.
2. Exactly one parent: the seed "{seed}" (keep true, role "parent"). Every other keyword has \
role "child".
3. Near-duplicates (the same page: plural/singular, word order, "for women" vs "women's") — \
keep only the one with the higher search volume; drop the other with reason "near-duplicate \
of <kept keyword>".
4. search_volume below {request.volume_floor} (or null) — drop, unless fewer than 5 candidates \
would remain at or above {request.volume_floor}; then keep the best low-volume ones.
5. Drop keywords that do not fit the brand's products, price point or persona.

Return one decision for EVERY candidate: keyword (exactly as given), keep, role, reason (one \
short sentence), confidence 0-1 (how sure you are this keyword deserves its own collection \
page for this brand). URL slugs and scores are computed elsewhere: do not produce them."""


def repair_prompt(error: str) -> str:
    """The follow-up message of the single repair attempt after an invalid answer."""
    return (
        f"Your previous answer was not valid: {error}\n"
        "Answer again with only the corrected JSON object that matches the schema and the "
        "rules above."
    )


# --------------------------------------------------------------------------- validation
# InvalidOutput and StructuredOutputError live in services.core.errors (imported above).


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:8]:
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc or 'answer'}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def load_answer(model: type[BaseModel], text: str) -> Any:
    if not text.strip():
        raise InvalidOutput("the answer was empty")
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise InvalidOutput(_validation_message(exc)) from exc


def parse_expansion(text: str, request: ExpansionRequest) -> list[Candidate]:
    """Validate a Stage 1 answer and turn it into candidates (the seed first, as parent).

    Parameters
    ----------
    text : str
        The model's JSON text.
    request : ExpansionRequest
        The request it answers (seed and the minimum count).

    Returns
    -------
    list[Candidate]
        ``source="llm"``; the seed first with ``role_hint="parent"`` (added if missing);
        normalised, de-duplicated, at most ``max_candidates``.

    Raises
    ------
    InvalidOutput
        Not schema-valid JSON, or fewer than ``min_candidates`` distinct keywords with the seed.
    """
    out: ExpansionOutput = load_answer(ExpansionOutput, text)
    seed = normalize_keyword(request.seed)
    parent = Candidate(
        keyword=seed,
        expansion_strategy="attribute",
        rationale="The seed keyword: the cluster's parent (hub) page.",
        role_hint="parent",
        source="llm",
    )
    children: list[Candidate] = []
    seen = {seed}
    for item in out.candidates:
        kw = normalize_keyword(item.keyword)
        if kw == seed:
            parent.expansion_strategy = item.expansion_strategy
            parent.rationale = item.rationale or parent.rationale
            parent.estimated_intent = item.estimated_intent
            continue
        if not kw or kw in seen:
            continue
        seen.add(kw)
        children.append(
            Candidate(
                keyword=kw,
                expansion_strategy=item.expansion_strategy,
                rationale=item.rationale,
                estimated_intent=item.estimated_intent,
                role_hint="child",
                source="llm",
            )
        )
    total = 1 + len(children)
    if total < request.min_candidates:
        raise InvalidOutput(
            f"only {total} distinct keywords including the seed; "
            f"{request.min_candidates}-{request.max_candidates} are required"
        )
    return [parent, *children][: request.max_candidates]


def parse_filter(text: str, request: FilterRequest) -> list[FilterDecision]:
    """Validate a Stage 3 answer and turn it into decisions.

    Parameters
    ----------
    text : str
        The model's JSON text.
    request : FilterRequest
        The request it answers (its candidates must all be judged).

    Returns
    -------
    list[FilterDecision]
        One per candidate (decisions on keywords that were not candidates are ignored).

    Raises
    ------
    InvalidOutput
        Not schema-valid JSON, a confidence outside 0-1, or candidates left without a verdict.
    """
    out: FilterOutput = load_answer(FilterOutput, text)
    wanted = {normalize_keyword(c.keyword) for c in request.candidates}
    decisions: dict[str, FilterDecision] = {}
    for item in out.decisions:
        kw = normalize_keyword(item.keyword)
        if kw in wanted and kw not in decisions:
            decisions[kw] = FilterDecision(
                keyword=kw,
                keep=item.keep,
                role=item.role,
                reason=item.reason,
                confidence=item.confidence,
            )
    missing = [
        kw
        for kw in (normalize_keyword(c.keyword) for c in request.candidates)
        if kw not in decisions
    ]
    if missing:
        shown = ", ".join(f'"{kw}"' for kw in missing[:10])
        raise InvalidOutput(f"no decision for {len(missing)} candidate(s): {shown}")
    return list(decisions.values())


T = TypeVar("T")
#: ``call(turns) -> (text, usage)``: one SDK call with the conversation so far.
Call = Callable[[list[dict[str, str]]], tuple[str, Usage]]


def attach_usage(exc: ProviderError, usage: list[Usage]) -> ProviderError:
    """Record on ``exc`` (as ``exc.usage``) the billed calls made before it was raised."""
    exc.usage = list(getattr(exc, "usage", [])) + list(usage)
    return exc


def call_with_repair(
    call: Call, prompt: str, validate: Callable[[str], T], *, provider: str, stage: str
) -> tuple[T, list[Usage]]:
    """One call, and one repair call if the answer is invalid; then a typed error.

    Parameters
    ----------
    call : callable
        ``call(turns) -> (text, usage)``; raises ``ProviderError`` on API failures.
    prompt : str
        The user prompt of the first turn.
    validate : callable
        ``validate(text) -> value``; raises :class:`InvalidOutput`.
    provider : str
        Provider name for errors ("anthropic", "openai").
    stage : str
        "expand" or "filter", for messages.

    Returns
    -------
    tuple
        The validated value and the ``Usage`` of every call made (1 or 2).

    Raises
    ------
    StructuredOutputError
        Both answers were invalid (carries both calls' usage).
    ProviderError
        An API failure; ``exc.usage`` holds calls already billed.
    """
    turns = [{"role": "user", "content": prompt}]
    usages: list[Usage] = []
    text, usage = call(turns)
    usages.append(usage)
    try:
        return validate(text), usages
    except InvalidOutput as exc:
        first_error = str(exc)
    repair_turns = [
        *turns,
        {"role": "assistant", "content": text.strip() or "(empty answer)"},
        {"role": "user", "content": repair_prompt(first_error)},
    ]
    try:
        text, usage = call(repair_turns)
    except ProviderError as exc:
        raise attach_usage(exc, usages) from exc
    usages.append(usage)
    try:
        return validate(text), usages
    except InvalidOutput as exc:
        raise StructuredOutputError(
            f"the {stage} answer was invalid twice (after one repair attempt): {exc}",
            provider=provider,
            usage=usages,
            raw=text[:RAW_EXCERPT_CHARS],
            transient=False,
        ) from exc
