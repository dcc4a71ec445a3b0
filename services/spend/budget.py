"""Cost estimates, the monthly budget and spend reports.

The budget ledger is the ``budget_reservations`` table: a paid run first *reserves* its
worst-case cost (every call it may make at its ``max_tokens``, repairs included; refused with
:class:`~services.core.errors.BudgetExceeded` when it does not fit), tops the hold up before
any call its hold no longer covers (:mod:`services.providers.meter`; refused with
``BudgetTopUpRefused``), records its billed spend on the hold after every call, then
*settles* the actual cost. Month usage = settled actuals + holds still in flight, so the
budget is a ceiling even for concurrent runs: every check-and-write runs under a database lock
(``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL). A hold not
written for :data:`STALE_RESERVATION` belongs to a killed run: it then counts its billed spend
only, and :func:`recover_stale_reservations` settles it and logs that spend.

A model without a price refuses the run (:class:`~services.core.errors.PriceUnknownError`)
until a price is entered on the Settings page (:func:`set_model_price`; $0 is allowed, for a
local OpenAI-compatible server).

The Costs page reads the ``api_usage`` rows (one per provider call) for spend by provider,
by day and per cluster.

Prices come from :mod:`services.providers.pricing`; months are calendar months in UTC.

Modules: :mod:`~services.spend.holds` (the budget and its holds),
:mod:`~services.spend.estimates` (estimates and model prices), :mod:`~services.spend.reports`
(pre-flight and the Costs page's report). This module re-exports their names.
"""

from __future__ import annotations

from services.spend.estimates import (
    DRAFT_CALLS_PER_PAGE,
    DRAFT_INPUT_TOKENS_PER_PAGE,
    DRAFT_OUTPUT_TOKENS_PER_PAGE,
    LLM_MAX_OUTPUT_TOKENS,
    PRICES_KEY,
    REPAIR_EXTRA_INPUT_TOKENS,
    STAGE1_INPUT_TOKENS,
    STAGE1_MAX_INPUT_TOKENS,
    STAGE1_OUTPUT_TOKENS,
    STAGE3_INPUT_TOKENS,
    STAGE3_MAX_INPUT_TOKENS,
    STAGE3_OUTPUT_TOKENS,
    VOLUME_REQUESTS_PER_CLUSTER,
    CostEstimate,
    delete_model_price,
    estimate_cluster_cost,
    estimate_drafts_cost,
    estimate_llm_usd,
    get_model_prices,
    has_price,
    load_custom_prices,
    run_estimate_usd,
    set_model_price,
    unpriced_message,
    worst_case_llm_usd,
)
from services.spend.holds import (
    BUDGET_KEY,
    DEFAULT_MONTHLY_BUDGET_USD,
    STALE_RESERVATION,
    BudgetGuard,
    BudgetStatus,
    _month_bounds,
    checked_budget,
    current_month,
    get_monthly_budget,
    recent_months,
    recover_stale_reservations,
    set_monthly_budget,
)
from services.spend.reports import (
    CostReport,
    Preflight,
    cost_report,
    preflight,
)

__all__ = [
    "checked_budget",
    "BUDGET_KEY",
    "BudgetGuard",
    "BudgetStatus",
    "CostEstimate",
    "CostReport",
    "DEFAULT_MONTHLY_BUDGET_USD",
    "DRAFT_CALLS_PER_PAGE",
    "DRAFT_INPUT_TOKENS_PER_PAGE",
    "DRAFT_OUTPUT_TOKENS_PER_PAGE",
    "LLM_MAX_OUTPUT_TOKENS",
    "PRICES_KEY",
    "Preflight",
    "REPAIR_EXTRA_INPUT_TOKENS",
    "STAGE1_INPUT_TOKENS",
    "STAGE1_MAX_INPUT_TOKENS",
    "STAGE1_OUTPUT_TOKENS",
    "STAGE3_INPUT_TOKENS",
    "STAGE3_MAX_INPUT_TOKENS",
    "STAGE3_OUTPUT_TOKENS",
    "STALE_RESERVATION",
    "VOLUME_REQUESTS_PER_CLUSTER",
    "_month_bounds",
    "cost_report",
    "current_month",
    "delete_model_price",
    "estimate_cluster_cost",
    "estimate_drafts_cost",
    "estimate_llm_usd",
    "get_model_prices",
    "get_monthly_budget",
    "has_price",
    "load_custom_prices",
    "preflight",
    "recent_months",
    "recover_stale_reservations",
    "run_estimate_usd",
    "set_model_price",
    "set_monthly_budget",
    "unpriced_message",
    "worst_case_llm_usd",
]
