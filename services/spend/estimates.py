"""Cost estimates of a run before it starts: the funnel's worst case and typical cost, content
drafts, and the model prices the owner entered (a model without a price refuses the run).

Token figures per stage call are measured by the local test servers; the worst case is what a
budget hold is sized from (:mod:`services.spend.holds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from services.core.app_settings import get_setting, set_setting
from services.core.errors import (
    InvalidInputError,
    PriceUnknownError,
)
from services.providers.dataforseo import SUGGESTIONS_PER_RUN
from services.providers.dataforseo.serp import FUNNEL_SERP_KEYWORDS
from services.providers.pricing import (
    KEYWORD_SUGGESTIONS_LIVE,
    SEARCH_VOLUME_LIVE,
    SERP_ORGANIC_LIVE_ADVANCED,
    dataforseo_estimate_usd,
    llm_cost_usd,
    model_price,
    set_custom_prices,
    simple_price,
)

if TYPE_CHECKING:
    from services.providers.registry import ProviderSet

PRICES_KEY = "model_prices"

# Tokens per Stage call. Our real prompts and answers, measured by the local test servers at
# ⌈characters / 4⌉ (tests/services/test_funnel_live.py, bench/live_overhead.py): Stage 1
# ≈ 840 in / 1,030 out for 18 candidates, Stage 3 ≈ 1,330 in / 710 out for 18 decisions.
# Rounded up for 20 candidates and the real tokenizer, so the estimate is an upper bound.
STAGE1_INPUT_TOKENS = 1_000
STAGE1_OUTPUT_TOKENS = 1_400
STAGE3_INPUT_TOKENS = 1_600
STAGE3_OUTPUT_TOKENS = 1_400
#: DataForSEO requests a cluster needs at most (15-20 keywords ≤ 1000 per request).
VOLUME_REQUESTS_PER_CLUSTER = 1

# Worst case of one run, what the hold is sized from. Output: every call may use its whole
# ``max_tokens`` (services.providers.llm.prompts.MAX_OUTPUT_TOKENS). Input: the prompts
# measured at UTF-8 bytes / 2 + 400 framing tokens (structured.max_input_tokens: 2,700 for
# Stage 1, 3,900 for Stage 3 with 20 candidates), rounded up. A repair resends the first
# turn plus the invalid answer (≤ max_tokens) plus the repair message.
LLM_MAX_OUTPUT_TOKENS = 4096
STAGE1_MAX_INPUT_TOKENS = 3_000
STAGE3_MAX_INPUT_TOKENS = 4_500
REPAIR_EXTRA_INPUT_TOKENS = LLM_MAX_OUTPUT_TOKENS + 300


# --------------------------------------------------------------------------- estimates
@dataclass(frozen=True)
class CostEstimate:
    """Estimated cost of one funnel run.

    Attributes
    ----------
    llm_usd : float
        Stage 1 + Stage 3 (tokens × price), USD.
    volume_usd : float
        Stage 2 (DataForSEO requests × price), USD; an upper bound — cached keywords
        cost nothing.
    lines : tuple of str
        Human-readable breakdown.
    notes : tuple of str
        Caveats (e.g. a model without a known price).
    """

    llm_usd: float
    volume_usd: float
    lines: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    typical_usd: float | None = None
    unpriced_models: tuple[str, ...] = ()

    @property
    def total_usd(self) -> float:
        """LLM + volume, USD."""
        return round(self.llm_usd + self.volume_usd, 6)


def worst_case_llm_usd(model: str) -> float | None:
    """Most one funnel run can spend on ``model`` (USD); None if unpriced.

    Stage 1 and Stage 3, each a call plus one repair, every call at its full
    :data:`LLM_MAX_OUTPUT_TOKENS`; inputs from :data:`STAGE1_MAX_INPUT_TOKENS`,
    :data:`STAGE3_MAX_INPUT_TOKENS` and :data:`REPAIR_EXTRA_INPUT_TOKENS`.
    """
    total = 0.0
    for first_input in (STAGE1_MAX_INPUT_TOKENS, STAGE3_MAX_INPUT_TOKENS):
        for input_tokens in (first_input, first_input + REPAIR_EXTRA_INPUT_TOKENS):
            usd = llm_cost_usd(
                model, input_tokens=input_tokens, output_tokens=LLM_MAX_OUTPUT_TOKENS
            )
            if usd is None:
                return None
            total += usd
    return round(total, 6)


def estimate_llm_usd(model: str) -> float | None:
    """Stage 1 + Stage 3 on ``model`` with the token budget above; None if unpriced."""
    stage1 = llm_cost_usd(
        model, input_tokens=STAGE1_INPUT_TOKENS, output_tokens=STAGE1_OUTPUT_TOKENS
    )
    stage3 = llm_cost_usd(
        model, input_tokens=STAGE3_INPUT_TOKENS, output_tokens=STAGE3_OUTPUT_TOKENS
    )
    if stage1 is None or stage3 is None:
        return None
    return round(stage1 + stage3, 6)


def estimate_cluster_cost(provider_set: ProviderSet) -> CostEstimate:
    """Estimate one seed-funnel run on the providers in force.

    Parameters
    ----------
    provider_set : ProviderSet
        From :func:`services.providers.registry.build_providers`.

    Returns
    -------
    CostEstimate
        LLM: (Stage 1 + Stage 3 tokens) × the model's price; volume: 1 DataForSEO
        search-volume request × $0.075 and one Labs suggestions request when DataForSEO is
        the volume source (the optional Stage 3 SERPs, at most ``FUNNEL_SERP_KEYWORDS`` ×
        $0.002, are a note: they ask the budget at run time); offline
        providers cost $0.
    """
    lines: list[str] = []
    notes: list[str] = []
    unpriced: list[str] = []
    llm_usd = 0.0
    typical = 0.0
    llm = provider_set.llm
    if llm.name != "offline":
        model = str(getattr(llm, "active_model", getattr(llm, "model", "")))
        usd = worst_case_llm_usd(model)
        if usd is None:
            unpriced.append(model)
            notes.append(unpriced_message(model))
            usd = 0.0
        llm_usd = usd
        typical += estimate_llm_usd(model) or 0.0
        lines.append(
            f"LLM {llm.name} {model}: up to 4 calls (2 stages + 1 repair each) at ≤ "
            f"{LLM_MAX_OUTPUT_TOKENS:,} output tokens → at most ${usd:.4f}"
        )
    volume_usd = 0.0
    if provider_set.volume is not None and provider_set.volume.name == "dataforseo":
        volume_usd = dataforseo_estimate_usd(SEARCH_VOLUME_LIVE, VOLUME_REQUESTS_PER_CLUSTER)
        typical += volume_usd
        lines.append(
            f"DataForSEO search volume: ≤ {VOLUME_REQUESTS_PER_CLUSTER} request → ${volume_usd:.4f} "
            "($0 when every keyword is cached)"
        )
        # Stage 1 also takes real keywords from one Labs keyword_suggestions request (issue 8).
        ideas_usd = dataforseo_estimate_usd(KEYWORD_SUGGESTIONS_LIVE, 1, SUGGESTIONS_PER_RUN)
        volume_usd += ideas_usd
        typical += ideas_usd
        lines.append(
            f"DataForSEO Labs keyword suggestions: 1 request, ≤ {SUGGESTIONS_PER_RUN} "
            f"keywords → ${ideas_usd:.4f}"
        )
        # Stage 3's SERP evidence (issue 16) is optional: it asks the budget at run time and
        # is skipped when it does not fit, so it is shown beside the hold, not held.
        serps_usd = dataforseo_estimate_usd(SERP_ORGANIC_LIVE_ADVANCED, FUNNEL_SERP_KEYWORDS)
        notes.append(
            f"SERP evidence (Stage 3): up to {FUNNEL_SERP_KEYWORDS} top-10 requests, "
            f"${serps_usd:.2f} more, asked of the budget during the run and skipped when it "
            "does not fit; SERPs already cached are free."
        )
    return CostEstimate(
        llm_usd=round(llm_usd, 6),
        volume_usd=round(volume_usd, 6),
        lines=tuple(lines),
        notes=tuple(notes),
        typical_usd=round(typical, 6),
        unpriced_models=tuple(unpriced),
    )


def unpriced_message(model: str) -> str:
    """The message of a run refused for a model without a price."""
    return (
        f"No price is known for model '{model}', so the run cannot be held against the "
        "budget: enter its price per million tokens on the Settings page ($0 for a local "
        "server)."
    )


def run_estimate_usd(provider_set: ProviderSet) -> float:
    """The hold of one funnel run (USD), refusing a model without a price.

    Raises
    ------
    PriceUnknownError
        The LLM in force has no list price and none was entered in Settings.
    """
    estimate = estimate_cluster_cost(provider_set)
    if estimate.unpriced_models:
        raise PriceUnknownError(unpriced_message(estimate.unpriced_models[0]))
    return estimate.total_usd


# --------------------------------------------------------------------------- custom prices
def get_model_prices(engine: Engine) -> dict[str, dict[str, float]]:
    """Prices entered on the Settings page: model → {"input", "output"} USD per million tokens."""
    raw = get_setting(engine, PRICES_KEY, {})
    out: dict[str, dict[str, float]] = {}
    for model, price in (raw or {}).items():
        try:
            out[str(model)] = {"input": float(price["input"]), "output": float(price["output"])}
        except (KeyError, TypeError, ValueError):
            continue
    return out


def load_custom_prices(engine: Engine) -> dict[str, dict[str, float]]:
    """Install the stored prices in :data:`services.providers.pricing.CUSTOM_PRICES`; return them."""
    prices = get_model_prices(engine)
    set_custom_prices({m: simple_price(p["input"], p["output"]) for m, p in prices.items()})
    return prices


def set_model_price(
    engine: Engine, model: str, input_usd: float, output_usd: float
) -> dict[str, dict[str, float]]:
    """Store a model's price (USD per million tokens; 0 and 0 for a local server).

    Parameters
    ----------
    engine : sqlalchemy.Engine
    model : str
        Model id as sent to the API (e.g. "llama3.1", "claude-opus-4-1").
    input_usd, output_usd : float
        USD per million input / output tokens, 0 to 1,000.

    Returns
    -------
    dict
        All stored prices.

    Raises
    ------
    InvalidInputError
        Empty model id, or a price that is not a number in 0..1,000.
    """
    name = (model or "").strip().lower()
    if not name or len(name) > 200:
        raise InvalidInputError("Enter the model id (as sent to the API).")
    try:
        values = (float(input_usd), float(output_usd))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("Prices must be numbers of US dollars per million tokens.") from exc
    if not all(0 <= v <= 1_000 for v in values):
        raise InvalidInputError("Prices must be between $0 and $1,000 per million tokens.")
    prices = get_model_prices(engine)
    prices[name] = {"input": values[0], "output": values[1]}
    set_setting(engine, PRICES_KEY, prices)
    return load_custom_prices(engine)


def delete_model_price(engine: Engine, model: str) -> dict[str, dict[str, float]]:
    """Remove a stored price; returns the prices left."""
    prices = get_model_prices(engine)
    prices.pop((model or "").strip().lower(), None)
    set_setting(engine, PRICES_KEY, prices)
    return load_custom_prices(engine)


def has_price(model: str) -> bool:
    """True when ``model`` has a list price or one entered in Settings (loaded)."""
    return model_price(model) is not None


# --------------------------------------------------------------------------- content drafts
# Tokens per drafted page (services.content.drafts: analysis + draft + social posts).
# bench/content.py measures ≈ 2,900 in / 1,600 out for a collection page (our real prompts,
# answers of ≈ 700 words, at ⌈characters / 4⌉); articles run to 2,000 words, so the preview
# uses an upper bound (a repair call costs extra and is not included).
DRAFT_INPUT_TOKENS_PER_PAGE = 4_000
DRAFT_OUTPUT_TOKENS_PER_PAGE = 3_000
#: Calls per drafted page (analysis, draft, social posts).
DRAFT_CALLS_PER_PAGE = 3


def estimate_drafts_cost(model: str, pages: int) -> CostEstimate:
    """Estimate a drafts batch of ``pages`` pages on ``model``.

    Parameters
    ----------
    model : str
        The LLM model in force ("" or "offline" → $0).
    pages : int
        Pages to draft.

    Returns
    -------
    CostEstimate
        ``llm_usd`` = pages × (:data:`DRAFT_INPUT_TOKENS_PER_PAGE` input +
        :data:`DRAFT_OUTPUT_TOKENS_PER_PAGE` output tokens) × the model's list price
        (:mod:`services.providers.pricing`); a note when the model has no known price.
    """
    if not model or model == "offline" or pages <= 0:
        return CostEstimate(llm_usd=0.0, volume_usd=0.0, lines=("Offline: no LLM cost.",))
    per_page = llm_cost_usd(
        model,
        input_tokens=DRAFT_INPUT_TOKENS_PER_PAGE,
        output_tokens=DRAFT_OUTPUT_TOKENS_PER_PAGE,
    )
    notes: tuple[str, ...] = ()
    if per_page is None:
        notes = (f"No price is known for model '{model}'; its calls are counted as $0.",)
        per_page = 0.0
    total = round(per_page * pages, 6)
    line = (
        f"{pages} page(s) × {DRAFT_CALLS_PER_PAGE} calls on {model}: ≈"
        f"{DRAFT_INPUT_TOKENS_PER_PAGE:,} input + {DRAFT_OUTPUT_TOKENS_PER_PAGE:,} output "
        f"tokens per page → ${per_page:.4f}/page, ${total:.4f} in all"
    )
    return CostEstimate(llm_usd=total, volume_usd=0.0, lines=(line,), notes=notes)
