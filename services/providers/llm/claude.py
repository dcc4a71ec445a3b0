"""Live Stage 1 / Stage 3 on Claude through the official ``anthropic`` SDK.

Structured output uses ``output_config.format`` (JSON schema; the answer is the text of a
``text`` block), not a forced tool: newer models reject forced tool use
(``shared/contracts/anthropic/NOTES.md``, "Model caveat"). The SDK does the retrying
(408/409/429/5xx incl. 529 overloaded, honouring ``retry-after``/``retry-after-ms``); this
module adds none of its own — only the single *repair* call after an invalid answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import anthropic
from anthropic.types import MessageParam

from services.core.errors import ProviderError
from services.providers.base import (
    Usage,
)
from services.providers.llm.prompts import (
    MAX_OUTPUT_TOKENS,
    SYSTEM_PROMPT,
    StructuredLLMProvider,
)
from services.spend.pricing import llm_cost_usd

#: Claude Haiku 4.5 — design D3 ("Haiku for Stages 1 and 3").
DEFAULT_MODEL = "claude-haiku-4-5"
#: Used instead of the default when the owner switches the fallback on (design D3).
DEFAULT_FALLBACK_MODEL = "claude-sonnet-4-5"
#: Per-request timeout (seconds); the funnel has a 30 s budget per stage (design D6).
DEFAULT_TIMEOUT_S = 30.0
#: The SDK's own default (``anthropic.DEFAULT_MAX_RETRIES``).
DEFAULT_MAX_RETRIES = 2
PROVIDER = "anthropic"


@lru_cache(maxsize=8)
def _client(
    api_key: str, base_url: str | None, timeout: float, max_retries: int
) -> anthropic.Anthropic:
    """One SDK client per configuration (thread-safe, keeps its connection pool)."""
    return anthropic.Anthropic(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


def translate_error(exc: anthropic.AnthropicError, timeout: float) -> ProviderError:
    """Turn an SDK exception into our :class:`ProviderError` (no secrets in the message).

    Parameters
    ----------
    exc : anthropic.AnthropicError
        Raised by the SDK after its own retries.
    timeout : float
        The configured timeout in seconds, for the message.
    """
    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderError(f"Claude did not answer within {timeout:g} s", provider=PROVIDER)
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderError(
            "could not reach the Claude API (connection failed)", provider=PROVIDER
        )
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        raw_err = body.get("error")
        err = raw_err if isinstance(raw_err, dict) else {}
        kind = err.get("type") or type(exc).__name__
        message = err.get("message") or "no message"
        request_id = exc.request_id or body.get("request_id")
        rid = f" (request id {request_id})" if request_id else ""
        return ProviderError(
            f"Claude API error {exc.status_code} {kind}: {message}{rid}",
            provider=PROVIDER,
            status=exc.status_code,
        )
    return ProviderError(f"Claude API error: {type(exc).__name__}", provider=PROVIDER)


class AnthropicProvider(StructuredLLMProvider):
    """``LLMProvider`` on the Claude Messages API.

    Parameters
    ----------
    api_key : str
        ``ANTHROPIC_API_KEY``; kept only inside the SDK client, never logged.
    model : str
        Default model, :data:`DEFAULT_MODEL` (Claude Haiku 4.5).
    fallback_model : str
        Model used when ``use_fallback_model`` is on, :data:`DEFAULT_FALLBACK_MODEL`.
    use_fallback_model : bool
        The owner's switch (Settings page): run both stages on ``fallback_model``.
    base_url : str, optional
        API root (``ANTHROPIC_BASE_URL``); the SDK appends ``/v1/messages``.
    timeout : float
        Seconds per request, :data:`DEFAULT_TIMEOUT_S`.
    max_retries : int
        SDK retries on 408/409/429/5xx/529, :data:`DEFAULT_MAX_RETRIES`.
    client : anthropic.Anthropic, optional
        A prepared client (tests); built from the other arguments when omitted.

    Notes
    -----
    Each call returns a :class:`~services.providers.base.Usage` with token counts and the
    USD cost from :mod:`services.spend.pricing`; the funnel writes the ``APIUsage`` rows. Errors
    raised after a billed call carry those calls as ``exc.usage``.
    """

    name = PROVIDER
    provider = PROVIDER

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        fallback_model: str = DEFAULT_FALLBACK_MODEL,
        use_fallback_model: bool = False,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        client: anthropic.Anthropic | None = None,
    ) -> None:
        self.model = model
        self.fallback_model = fallback_model
        self.use_fallback_model = use_fallback_model
        self.timeout = timeout
        self._client = client or _client(api_key, base_url, float(timeout), int(max_retries))

    @property
    def active_model(self) -> str:
        """The model both stages run on (the fallback when switched on)."""
        return self.fallback_model if self.use_fallback_model else self.model

    def __repr__(self) -> str:  # never show the key
        return f"AnthropicProvider(model={self.active_model!r})"

    # ----------------------------------------------------------------- one SDK call
    def _call(
        self,
        stage: str,
        schema_name: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        *,
        system: str = SYSTEM_PROMPT,
        max_tokens: int = MAX_OUTPUT_TOKENS,
    ) -> tuple[str, Usage]:
        model = self.active_model
        try:
            message = self._client.messages.create(
                model=model,
                max_tokens=max_tokens,
                system=system,
                # Our turns are plain {"role", "content"} dicts: MessageParam-shaped.
                messages=cast("list[MessageParam]", turns),
                output_config={"format": {"type": "json_schema", "schema": schema}},
            )
        except anthropic.AnthropicError as exc:
            raise translate_error(exc, self.timeout) from exc
        text = "".join(getattr(b, "text", "") for b in message.content if b.type == "text")
        if message.stop_reason == "refusal":
            text = ""  # validation reports the empty answer; the repair turn asks again
        elif message.stop_reason == "max_tokens":
            text = text + "\n(truncated at max_tokens)"
        return text, self._usage(stage, model, message)

    def _usage(self, stage: str, model: str, message: Any) -> Usage:
        u = message.usage
        creation = getattr(u, "cache_creation", None)
        write_1h = int(getattr(creation, "ephemeral_1h_input_tokens", 0) or 0) if creation else 0
        write_total = int(u.cache_creation_input_tokens or 0)
        write_5m = max(0, write_total - write_1h)
        cache_read = int(u.cache_read_input_tokens or 0)
        cost = llm_cost_usd(
            message.model or model,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_read_tokens=cache_read,
            cache_write_5m_tokens=write_5m,
            cache_write_1h_tokens=write_1h,
        )
        if cost is None:  # a dated id we do not know: price the requested family
            cost = llm_cost_usd(
                model,
                input_tokens=u.input_tokens,
                output_tokens=u.output_tokens,
                cache_read_tokens=cache_read,
                cache_write_5m_tokens=write_5m,
                cache_write_1h_tokens=write_1h,
            )
        return Usage(
            provider=PROVIDER,
            endpoint=f"messages.{stage}",
            model=message.model or model,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            cache_read_tokens=cache_read,
            cache_write_tokens=write_total,
            cost_usd=cost or 0.0,
            metadata={
                "stage": stage,
                "request_id": getattr(message, "_request_id", None),
                "stop_reason": message.stop_reason,
                "price_known": cost is not None,
            },
        )
