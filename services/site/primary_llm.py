"""The primary-keyword step's LLM part: generate-then-filter per page (design decision 2).

Pages run ≤ :data:`MAX_PARALLEL_PAGES` at once; the budget is reserved before any paid call
and settled with the calls' cost; every call's usage is recorded in ``api_usage`` in a unit
of work of its own (spend must be recorded even when the run fails afterwards).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.session import session_scope
from services.core.errors import InvalidInputError, ProviderError
from services.core.text import normalize_keyword
from services.providers.base import (
    BrandProfile,
    ExpansionRequest,
    FilterRequest,
    LLMProvider,
    Usage,
)
from services.providers.base import Candidate as FunnelCandidate
from services.site.primary import Candidate, PageInput, merge_candidates
from services.spend.usage import record_usage

#: Pages processed at once (LLM calls per page run in parallel up to this; design risk note).
MAX_PARALLEL_PAGES = 8

Progress = Callable[[float, str], None]


@dataclass
class LlmStepResult:
    """What the LLM step did: pages done, per-page errors (URL → message), cost (USD)."""

    pages: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    cost_usd: float = 0.0


def llm_candidates(
    llm: LLMProvider,
    brand: BrandProfile,
    project_id: Any,
    page: PageInput,
    known: list[str],
    usage: list[Usage],
) -> tuple[list[Candidate], dict[str, float]]:
    """Generate-then-filter on one page: new candidates and the filter's confidences (0-1).

    The calls' ``Usage`` (also of a failed call, from ``ProviderError.usage``) is appended to
    ``usage``.
    """
    seed = normalize_keyword(page.fallback_keyword() or page.slug_words)
    try:
        expanded = llm.expand(ExpansionRequest(seed=seed, brand=brand, project_id=project_id))
    except ProviderError as exc:
        usage.extend(exc.usage)
        raise
    usage.extend(expanded.usage)
    generated = [c.keyword for c in expanded.candidates]
    pool = list(dict.fromkeys([*known, *(normalize_keyword(k) for k in generated)]))
    request = FilterRequest(
        seed=seed,
        brand=brand,
        candidates=tuple(FunnelCandidate(keyword=k, expansion_strategy="page") for k in pool),
        project_id=project_id,
    )
    try:
        filtered = llm.filter(request)
    except ProviderError as exc:
        usage.extend(exc.usage)
        raise
    usage.extend(filtered.usage)
    decisions = filtered.decisions
    confidence = {
        normalize_keyword(d.keyword): (d.confidence if d.keep else d.confidence * 0.5)
        for d in decisions
    }
    new = [Candidate(keyword=k, source="llm") for k in pool if k not in known]
    return new, confidence


def run_llm_step(
    engine: Engine,
    llm: LLMProvider,
    brand: BrandProfile,
    pid: uuid.UUID,
    pages: list[PageInput],
    per_page: list[list[Candidate]],
    llm_conf: list[dict[str, float]],
    progress: Progress,
    budget: Any,
) -> LlmStepResult:
    """Generate-then-filter for every page, ≤ :data:`MAX_PARALLEL_PAGES` at once.

    With a ``budget`` (:class:`services.spend.budget.BudgetGuard`) the worst case
    (:func:`services.spend.budget.worst_case_llm_usd` per page: one expand and one filter
    call, each with a repair) is reserved first — a refused reservation raises
    ``BudgetExceeded`` before any paid call — and settled with the calls' actual cost. Every
    call's usage is recorded in ``api_usage``. A cancel stops the pages not started yet.
    ``per_page`` and ``llm_conf`` (keyword → filter confidence 0-1) are updated in place.
    """
    result = LlmStepResult()
    usage: list[Usage] = []
    lock = threading.Lock()
    reservation = None
    if budget is not None:
        from services.spend.budget import unpriced_message, worst_case_llm_usd

        model = str(getattr(llm, "model", "") or llm.name)
        per_page_usd = worst_case_llm_usd(model)
        if per_page_usd is None:
            raise InvalidInputError(unpriced_message(model))
        reservation = budget.reserve(
            per_page_usd * len(pages), f"primary keywords: {len(pages)} pages"
        )

    def one(i: int) -> tuple[int, list[Candidate], dict[str, float], str | None]:
        known = [c.keyword for c in per_page[i]]
        calls: list[Usage] = []
        try:
            new, conf = llm_candidates(llm, brand, pid, pages[i], known, calls)
        except ProviderError as exc:
            return i, [], {}, str(exc)
        finally:
            with lock:
                usage.extend(calls)
        return i, new, conf, None

    pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL_PAGES)
    try:
        futures = [pool.submit(one, i) for i in range(len(pages))]
        for done, future in enumerate(as_completed(futures), start=1):
            i, new, conf, error = future.result()
            if error is not None:
                result.errors[pages[i].url] = error
            else:
                per_page[i] = merge_candidates([per_page[i], new])
                llm_conf[i] = conf
                result.pages += 1
            progress(10 + 40 * done / len(pages), f"LLM step: {done}/{len(pages)} pages")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        with lock:
            calls_made = list(usage)
        spent = sum(u.cost_usd for u in calls_made)
        if calls_made:
            with session_scope(engine) as s:
                record_usage(s, calls_made, project_id=pid)
        result.cost_usd = round(spent, 6)
        if reservation is not None:
            budget.settle(reservation, spent)
    return result
