"""The one price table: LLM tokens and DataForSEO requests → USD.

Every cost figure of the app (``Usage.cost_usd``, the pre-run estimate, the Costs page)
comes from here. Actual DataForSEO costs are read from each response's ``cost`` field; the
DataForSEO prices below are only used to *estimate* a run before it starts.

Sources
-------
* Anthropic: platform.claude.com/docs/en/about-claude/pricing, as recorded in
  ``shared/contracts/anthropic/NOTES.md`` ("Model ids and prices"). Verify against
  claude.com/pricing before billing customers.
* DataForSEO Google Ads search volume (live): ``cost`` 0.075 per request observed in the
  real capture ``shared/contracts/dataforseo/keywords_data_google_ads_search_volume_live
  .tasks_only.json`` and in DataForSEO's help-center example response; "charged per
  request, no matter what number of keywords" (NOTES.md §1).
* DataForSEO Labs: ``cost`` 0.0101 for 1 item and 0.0103 for 3 items in the docs examples
  (NOTES.md §2) → $0.01 per request + $0.0001 per returned item.
* DataForSEO SERP live: $0.002 base per request, first page of 10 results (NOTES.md §3,
  pricing change effective 2025-09-19).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens of one model.

    Attributes
    ----------
    input : float
        Uncached input tokens (USD / million tokens).
    output : float
        Output tokens (USD / million tokens).
    cache_write_5m : float
        Prompt-cache writes with the default 5-minute TTL (USD / million tokens).
    cache_write_1h : float
        Prompt-cache writes with the 1-hour TTL (USD / million tokens).
    cache_read : float
        Prompt-cache hits (USD / million tokens).
    """

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


#: Anthropic list prices (USD per million tokens), source: contracts/anthropic/NOTES.md.
ANTHROPIC_PRICES: dict[str, ModelPrice] = {
    "claude-haiku-4-5": ModelPrice(1.00, 5.00, 1.25, 2.00, 0.10),
    "claude-sonnet-4-5": ModelPrice(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-sonnet-4-6": ModelPrice(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-sonnet-5": ModelPrice(2.00, 10.00, 2.50, 4.00, 0.20),
}

#: Models of OpenAI-compatible servers with a known price. Empty on purpose: no price source
#: is recorded in ``shared/contracts/openai``. A model without a price refuses paid runs until
#: the user enters one on the Settings page (:data:`CUSTOM_PRICES`; $0 for a local server such
#: as Ollama, llama.cpp or vLLM).
OPENAI_PRICES: dict[str, ModelPrice] = {}

#: Prices entered on the Settings page (model id → price), loaded from the database by
#: :func:`services.spend.budget.load_custom_prices`; they win over the list prices above.
CUSTOM_PRICES: dict[str, ModelPrice] = {}
_custom_lock = threading.Lock()


def set_custom_prices(prices: dict[str, ModelPrice]) -> None:
    """Replace :data:`CUSTOM_PRICES` (process-wide; keys are lowercased model ids)."""
    with _custom_lock:
        CUSTOM_PRICES.clear()
        CUSTOM_PRICES.update({k.strip().lower(): v for k, v in prices.items()})


def simple_price(input_usd: float, output_usd: float) -> ModelPrice:
    """A :class:`ModelPrice` from input/output USD per million tokens (cache = input rates)."""
    return ModelPrice(
        input=float(input_usd),
        output=float(output_usd),
        cache_write_5m=float(input_usd),
        cache_write_1h=float(input_usd),
        cache_read=float(input_usd),
    )


# DataForSEO endpoints (path below /v3/) and their per-request prices in USD.
SEARCH_VOLUME_LIVE = "keywords_data/google_ads/search_volume/live"
KEYWORD_SUGGESTIONS_LIVE = "dataforseo_labs/google/keyword_suggestions/live"
SEARCH_INTENT_LIVE = "dataforseo_labs/google/search_intent/live"
SERP_ORGANIC_LIVE_ADVANCED = "serp/google/organic/live/advanced"

#: Base price per request (USD); see the module docstring for the source of each.
DATAFORSEO_REQUEST_USD: dict[str, float] = {
    SEARCH_VOLUME_LIVE: 0.075,
    KEYWORD_SUGGESTIONS_LIVE: 0.01,
    SEARCH_INTENT_LIVE: 0.01,
    SERP_ORGANIC_LIVE_ADVANCED: 0.002,
}
#: Extra price per returned item (USD) for Labs endpoints (docs examples: 0.0101 for 1 item).
DATAFORSEO_ITEM_USD: dict[str, float] = {
    KEYWORD_SUGGESTIONS_LIVE: 0.0001,
    SEARCH_INTENT_LIVE: 0.0001,
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def model_price(model: str) -> ModelPrice | None:
    """Price of ``model``, resolving dated snapshots ("claude-haiku-4-5-20251001").

    Parameters
    ----------
    model : str
        Model id as sent to, or returned by, the API.

    Returns
    -------
    ModelPrice or None
        None when the model has no known price.
    """
    name = (model or "").strip().lower()
    for table in (CUSTOM_PRICES, ANTHROPIC_PRICES, OPENAI_PRICES):
        if name in table:
            return table[name]
        base = _DATE_SUFFIX.sub("", name)
        if base in table:
            return table[base]
    return None


def llm_cost_usd(
    model: str,
    *,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cache_read_tokens: int = 0,
    cache_write_5m_tokens: int = 0,
    cache_write_1h_tokens: int = 0,
) -> float | None:
    """Cost of one LLM call in USD.

    Parameters
    ----------
    model : str
        Model id (dated snapshots resolve to their family).
    input_tokens, output_tokens : int
        Uncached input and output tokens.
    cache_read_tokens : int
        Input tokens served from the prompt cache.
    cache_write_5m_tokens, cache_write_1h_tokens : int
        Input tokens written to the prompt cache with a 5-minute / 1-hour TTL.

    Returns
    -------
    float or None
        USD rounded to 8 decimals; None when the model's price is unknown.
    """
    price = model_price(model)
    if price is None:
        return None
    usd = (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_read_tokens * price.cache_read
        + cache_write_5m_tokens * price.cache_write_5m
        + cache_write_1h_tokens * price.cache_write_1h
    ) / PER_MILLION
    return round(usd, 8)


def dataforseo_estimate_usd(endpoint: str, requests: int = 1, items: int = 0) -> float:
    """Estimated DataForSEO cost in USD of ``requests`` calls returning ``items`` items.

    Parameters
    ----------
    endpoint : str
        Path below ``/v3/``, e.g. :data:`SEARCH_VOLUME_LIVE`.
    requests : int
        Number of HTTP requests (the search-volume price is per request, ≤ 1000 keywords).
    items : int
        Items expected back in total (Labs endpoints charge per item).

    Raises
    ------
    KeyError
        ``endpoint`` has no price in :data:`DATAFORSEO_REQUEST_USD`.
    """
    usd = requests * DATAFORSEO_REQUEST_USD[endpoint] + items * DATAFORSEO_ITEM_USD.get(
        endpoint, 0.0
    )
    return round(usd, 8)
