"""Live Stage 1 / Stage 3 on any OpenAI-compatible server through the official ``openai`` SDK.

``base_url`` makes the same adapter work with OpenAI itself and with local servers that
speak Chat Completions (Ollama ``http://localhost:11434/v1``, llama.cpp ``llama-server``,
vLLM). Structured output is ``response_format={"type": "json_schema", "json_schema":
{"name", "schema", "strict": true}}`` (``shared/contracts/openai/NOTES.md``); the schema-
conforming JSON arrives as a string in ``message.content``, a refusal in
``message.refusal``. Retries are the SDK's (408/409/429/5xx, default 2). No token limit is
sent: ``max_tokens`` / ``max_completion_tokens`` support differs between OpenAI models and
local servers; a cut answer (``finish_reason="length"``) is repaired like any invalid one.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from services.core.errors import ProviderError
from services.providers.base import (
    Usage,
)
from services.providers.llm.prompts import (
    SYSTEM_PROMPT,
    StructuredLLMProvider,
)
from services.spend.pricing import llm_cost_usd

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_RETRIES = 2
#: Sent when a local server needs no key (the SDK insists on one; Ollama ignores it).
LOCAL_API_KEY = "not-needed"
PROVIDER = "openai"


@lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int) -> openai.OpenAI:
    """One SDK client per configuration (thread-safe, keeps its connection pool)."""
    return openai.OpenAI(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


def translate_error(exc: openai.OpenAIError, timeout: float) -> ProviderError:
    """Turn an SDK exception into our :class:`ProviderError` (no secrets in the message)."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            f"the model server did not answer within {timeout:g} s", provider=PROVIDER
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "could not reach the model server (connection failed)", provider=PROVIDER
        )
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        raw_err = body.get("error")
        err = raw_err if isinstance(raw_err, dict) else body
        kind = err.get("type") or err.get("code") or type(exc).__name__
        message = err.get("message") or "no message"
        return ProviderError(
            f"model server error {exc.status_code} {kind}: {message}",
            provider=PROVIDER,
            status=exc.status_code,
        )
    return ProviderError(f"model server error: {type(exc).__name__}", provider=PROVIDER)


class OpenAICompatibleProvider(StructuredLLMProvider):
    """``LLMProvider`` on an OpenAI-compatible Chat Completions endpoint.

    Parameters
    ----------
    api_key : str, optional
        ``OPENAI_API_KEY``; None for local servers (a placeholder is sent).
    model : str
        Model name on that server (``OPENAI_MODEL``), e.g. "gpt-4o-mini" or "llama3.1".
    base_url : str, optional
        ``OPENAI_BASE_URL`` including ``/v1``; None → https://api.openai.com/v1.
    timeout : float
        Seconds per request.
    max_retries : int
        SDK retries on 408/409/429/5xx.
    client : openai.OpenAI, optional
        A prepared client (tests).

    Notes
    -----
    Cost: :func:`services.spend.pricing.llm_cost_usd`; models without a price (all local ones)
    are logged at $0 with ``metadata["price_known"] = False``.
    """

    name = PROVIDER
    provider = PROVIDER

    def __init__(
        self,
        api_key: str | None = None,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        client: openai.OpenAI | None = None,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self._client = client or _client(
            api_key or LOCAL_API_KEY, base_url, float(timeout), int(max_retries)
        )

    @property
    def active_model(self) -> str:
        """The model both stages run on."""
        return self.model

    def __repr__(self) -> str:  # never show the key
        return f"OpenAICompatibleProvider(model={self.model!r})"

    def _call(
        self,
        stage: str,
        name: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        *,
        system: str = SYSTEM_PROMPT,
        max_tokens: int | None = None,  # not sent: see the module docstring
    ) -> tuple[str, Usage]:
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": system},
                    # Our turns are plain {"role", "content"} dicts: message-param-shaped.
                    *cast("list[ChatCompletionMessageParam]", turns),
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": schema, "strict": True},
                },
            )
        except openai.OpenAIError as exc:
            raise translate_error(exc, self.timeout) from exc
        choice = completion.choices[0] if completion.choices else None
        text = ""
        finish = None
        if choice is not None:
            finish = choice.finish_reason
            if not choice.message.refusal:
                text = choice.message.content or ""
            if finish == "length":
                text += "\n(truncated at the token limit)"
        return text, self._usage(stage, completion, finish)

    def _usage(self, stage: str, completion: Any, finish: str | None) -> Usage:
        u = completion.usage
        prompt = int(getattr(u, "prompt_tokens", 0) or 0) if u else 0
        output = int(getattr(u, "completion_tokens", 0) or 0) if u else 0
        details = getattr(u, "prompt_tokens_details", None) if u else None
        cached = int(getattr(details, "cached_tokens", 0) or 0) if details else 0
        model = completion.model or self.model
        cost = llm_cost_usd(
            model, input_tokens=prompt - cached, output_tokens=output, cache_read_tokens=cached
        )
        return Usage(
            provider=PROVIDER,
            endpoint=f"chat.completions.{stage}",
            model=model,
            input_tokens=prompt - cached,
            output_tokens=output,
            cache_read_tokens=cached,
            cost_usd=cost or 0.0,
            metadata={
                "stage": stage,
                "request_id": getattr(completion, "_request_id", None),
                "finish_reason": finish,
                "price_known": cost is not None,
            },
        )
