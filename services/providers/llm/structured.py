"""The shared flow of the live LLM adapters: token estimates, budget-hold sizes and
:class:`StructuredLLMProvider` (prompt → call → validate or repair, metered, under the stage
deadline). The prompts, schemas and validation it uses are in
:mod:`services.providers.llm.prompts`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from services.core.errors import ProviderError
from services.providers import meter
from services.providers.base import (
    ExpansionRequest,
    ExpansionResult,
    FilterRequest,
    FilterResult,
    ModelT,
    Usage,
)
from services.providers.llm.prompts import (
    EXPANSION_SCHEMA,
    EXPANSION_SCHEMA_NAME,
    FILTER_SCHEMA,
    FILTER_SCHEMA_NAME,
    MAX_OUTPUT_TOKENS,
    SYSTEM_PROMPT,
    call_with_repair,
    expansion_prompt,
    filter_prompt,
    load_answer,
    parse_expansion,
    parse_filter,
    strict_json_schema,
)
from services.providers.retry import Deadline, stage_deadline_s


# --------------------------------------------------------------------------- shared adapter flow
def approx_tokens(text: str) -> int:
    """Typical token count of ``text``: ⌈characters / 4⌉ (English prose and JSON)."""
    return math.ceil(len(text) / 4)


#: Upper bound used for budget holds: UTF-8 bytes per token is at least this for our prompts
#: (English/JSON ≈ 4 characters per token; CJK ≈ 3 bytes per token), so bytes / 2 over-counts.
MIN_BYTES_PER_TOKEN = 2.0
#: Tokens added to every request for the schema/tool framing the API inserts.
REQUEST_OVERHEAD_TOKENS = 400


def max_input_tokens(
    schema: dict[str, Any], turns: list[dict[str, str]], *, system: str = SYSTEM_PROMPT
) -> int:
    """Upper bound of the input tokens of one request (system prompt, schema and turns)."""
    size = len(system.encode()) + len(json.dumps(schema).encode())
    size += sum(len(str(t.get("content", "")).encode()) for t in turns)
    return math.ceil(size / MIN_BYTES_PER_TOKEN) + REQUEST_OVERHEAD_TOKENS


class StructuredLLMProvider:
    """Stage 1 and Stage 3 for adapters whose ``_call`` returns (answer text, Usage).

    Subclasses set ``provider`` and implement
    ``_call(stage, schema_name, schema, turns, *, deadline) -> (text, Usage)`` for their SDK;
    this class builds the prompts, validates the answers with the pydantic schemas and makes
    the one repair attempt (:func:`call_with_repair`). Other structured methods reuse
    :meth:`metered_call` with a deadline from :meth:`new_deadline`: the stage's total
    deadline and the budget hold (:mod:`services.providers.meter`) then apply to them too.
    """

    provider: str = ""
    #: Seconds per stage, all calls, retries and waits included (see :meth:`new_deadline`).
    stage_deadline_s: float = 30.0

    def _init_deadline(self, seconds: float | None) -> None:
        """Set :attr:`stage_deadline_s` (None → setting ``PROVIDER_STAGE_DEADLINE_S`` or 30)."""
        self.stage_deadline_s = float(seconds) if seconds else stage_deadline_s()

    def new_deadline(self) -> Deadline:
        """A fresh deadline of :attr:`stage_deadline_s` for one stage."""
        return Deadline(self.stage_deadline_s)

    @property
    def active_model(self) -> str:
        """The model calls run on (subclasses override)."""
        return str(getattr(self, "model", ""))

    def _call(
        self,
        stage: str,
        schema_name: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        *,
        system: str = SYSTEM_PROMPT,
        max_tokens: int | None = None,
        deadline: Deadline | None = None,
    ) -> tuple[str, Usage]:
        raise NotImplementedError

    def metered_call(
        self,
        stage: str,
        schema_name: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        *,
        system: str = SYSTEM_PROMPT,
        max_tokens: int | None = None,
        deadline: Deadline | None = None,
    ) -> tuple[str, Usage]:
        """:meth:`_call` inside the run's budget hold.

        Before the call, the run's hold is topped up to cover its worst case
        (:func:`max_input_tokens` in, :data:`MAX_OUTPUT_TOKENS` out, at the model's price);
        after it, the billed cost is recorded on the hold — also when the call fails.

        Raises
        ------
        BudgetTopUpRefused
            The worst case does not fit the budget left; the call was not made.
        ProviderError
            As :meth:`_call`.
        """
        from services.providers.pricing import llm_cost_usd

        worst = llm_cost_usd(
            self.active_model,
            input_tokens=max_input_tokens(schema, turns, system=system),
            output_tokens=max_tokens or MAX_OUTPUT_TOKENS,
        )
        meter.before_call(worst or 0.0, label=f"{self.provider} {stage}")
        try:
            text, usage = self._call(
                stage,
                schema_name,
                schema,
                turns,
                system=system,
                max_tokens=max_tokens,
                deadline=deadline,
            )
        except ProviderError as exc:
            meter.after_call(sum(u.cost_usd for u in exc.usage))
            raise
        meter.after_call(usage.cost_usd)
        return text, usage

    def expand(self, request: ExpansionRequest) -> ExpansionResult:
        """Stage 1: 15-20 candidates over the 11 strategies, the seed first as parent.

        Raises
        ------
        ProviderError
            API failure after the retries (typed: rate limited, unavailable, bad response),
            :class:`StructuredOutputError` when the answer is invalid twice (its ``usage``
            holds both billed calls), or ``BudgetTopUpRefused`` before a call that no
            longer fits the budget.
        """
        deadline = self.new_deadline()
        candidates, usage = call_with_repair(
            lambda turns: self.metered_call(
                "expand", EXPANSION_SCHEMA_NAME, EXPANSION_SCHEMA, turns, deadline=deadline
            ),
            expansion_prompt(request),
            lambda text: parse_expansion(text, request),
            provider=self.provider,
            stage="expand",
        )
        return ExpansionResult(candidates=candidates, usage=usage)

    def filter(self, request: FilterRequest) -> FilterResult:
        """Stage 3: keep/drop, role, reason and confidence 0-1 for every candidate.

        Raises
        ------
        ProviderError
            As :meth:`expand`.
        """
        deadline = self.new_deadline()
        decisions, usage = call_with_repair(
            lambda turns: self.metered_call(
                "filter", FILTER_SCHEMA_NAME, FILTER_SCHEMA, turns, deadline=deadline
            ),
            filter_prompt(request),
            lambda text: parse_filter(text, request),
            provider=self.provider,
            stage="filter",
        )
        return FilterResult(decisions=decisions, usage=usage)

    # ----------------------------------------------------------------- structured generation (content)
    def generate(
        self,
        system: str,
        user: str,
        schema: type[ModelT],
        *,
        max_tokens: int,
        purpose: str,
    ) -> tuple[ModelT, list[Usage]]:
        """``StructuredGenerator.generate``: one call plus one repair, validated by ``schema``.

        The deadline is the stage deadline, stretched for long answers to at least
        ``max_tokens / GENERATE_MIN_TOKENS_PER_S`` seconds; the budget hold applies as for the
        funnel stages (:meth:`metered_call`).

        Raises
        ------
        ProviderError
            Typed API failure, :class:`StructuredOutputError` (invalid twice) or
            ``BudgetTopUpRefused``; each carries the billed calls as ``usage``.
        """
        json_schema = strict_json_schema(schema)
        name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64] or "Answer"
        seconds = max(self.stage_deadline_s, max_tokens / GENERATE_MIN_TOKENS_PER_S)
        deadline = Deadline(seconds)
        return call_with_repair(
            lambda turns: self.metered_call(
                purpose,
                name,
                json_schema,
                turns,
                system=system,
                max_tokens=max_tokens,
                deadline=deadline,
            ),
            user,
            lambda text: load_answer(schema, text),
            provider=self.provider,
            stage=purpose,
        )


#: Slowest generation speed we allow for when stretching a long answer's deadline (tokens/s).
GENERATE_MIN_TOKENS_PER_S = 40.0
