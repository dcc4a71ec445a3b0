"""Live Stage 1 / Stage 3 on any OpenAI-compatible server through the official ``openai`` SDK.

``base_url`` makes the same adapter work with OpenAI itself and with local servers that
speak Chat Completions (Ollama ``http://localhost:11434/v1``, llama.cpp ``llama-server``,
vLLM). Structured output is ``response_format={"type": "json_schema", "json_schema":
{"name", "schema", "strict": true}}`` (``shared/contracts/openai/NOTES.md``); the schema-
conforming JSON arrives as a string in ``message.content``, a refusal in
``message.refusal``. Retries are the SDK's (408/409/429/5xx, default 2). No token limit is
sent as ``max_completion_tokens`` to OpenAI itself and as ``max_tokens`` to other servers (the
form vLLM, llama.cpp and Ollama accept), so the worst case of a paid call is bounded; a cut
answer (``finish_reason="length"``) is repaired like any invalid one. The SDK's retries are
off: :func:`services.providers.retry.call_with_retries` is the one retry layer (deadline per
stage, ``retry-after`` capped at 20 s). Failures are typed with status and ``x-request-id``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from services.core.errors import BadResponseError, ProviderError, ProviderUnavailableError
from services.providers.base import (
    Usage,
)
from services.providers.llm.prompts import MAX_OUTPUT_TOKENS, SYSTEM_PROMPT
from services.providers.llm.structured import StructuredLLMProvider, approx_tokens
from services.providers.pricing import llm_cost_usd
from services.providers.retry import (
    DEFAULT_MAX_ATTEMPTS,
    Deadline,
    call_with_retries,
    status_error,
)

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam


DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT_S = 30.0
#: Retries of one request by our retry layer (the SDK's own are off).
DEFAULT_MAX_RETRIES = DEFAULT_MAX_ATTEMPTS - 1
#: HTTP statuses worth retrying (as the SDK: 408, 409, 5xx).
RETRYABLE_STATUS = frozenset({408, 409, 500, 502, 503, 504})
#: Sent when a local server needs no key (the SDK insists on one; Ollama ignores it).
LOCAL_API_KEY = "not-needed"
PROVIDER = "openai"


@lru_cache(maxsize=8)
def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int) -> openai.OpenAI:
    """One SDK client per configuration (thread-safe, keeps its connection pool)."""
    import openai  # the SDK loads when an adapter is first used, not at import

    return openai.OpenAI(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


def translate_error(exc: openai.OpenAIError, timeout: float) -> ProviderError:
    """Turn an SDK exception into our typed :class:`ProviderError` (no secrets in the message).

    Returns
    -------
    ProviderError
        ``RateLimitedError`` (429), ``ProviderUnavailableError`` (timeout, connection,
        408/409/5xx), else a plain ``ProviderError``; with ``status_code`` and ``request_id``.
    """
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return ProviderUnavailableError(
            f"the model server did not answer within {timeout:.3g} s", provider=PROVIDER
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderUnavailableError(
            "could not reach the model server (connection failed)", provider=PROVIDER
        )
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        raw_err = body.get("error")
        err = raw_err if isinstance(raw_err, dict) else body
        kind = err.get("type") or err.get("code") or type(exc).__name__
        message = str(err.get("message") or "no message")[:300]
        return status_error(
            "The model server",
            exc.status_code,
            kind,
            message,
            exc.request_id,
            exc.response.headers,
            provider=PROVIDER,
            retryable=RETRYABLE_STATUS,
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
            Retries on 408/409/429/5xx by our retry layer.
        stage_deadline_s : float, optional
            Total seconds per stage; default: setting ``PROVIDER_STAGE_DEADLINE_S`` or 30.
        client : openai.OpenAI, optional
            A prepared client (tests); its own retries are switched off.
        sleep : callable
            ``time.sleep`` (tests).

        Notes
        -----
        Cost: :func:`services.providers.pricing.llm_cost_usd`; models without a price (all local ones)
        are refused before the run unless a price is entered on the Settings page ($0 for a local
    server: :func:`services.providers.pricing.set_custom_price`).
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
        stage_deadline_s: float | None = None,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.max_attempts = max(1, int(max_retries) + 1)
        self._init_deadline(stage_deadline_s)
        self._sleep = sleep
        base = client or _client(api_key or LOCAL_API_KEY, base_url, float(timeout), 0)
        self._client = base.with_options(max_retries=0)

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
        max_tokens: int | None = None,
        deadline: Deadline | None = None,
    ) -> tuple[str, Usage]:
        """One Chat Completions call (retried by :func:`call_with_retries` within ``deadline``).

        Raises
        ------
        ProviderError
            Typed: rate limited, unavailable, bad response (with status and request id).
        """
        deadline = deadline or self.new_deadline()
        limit = max_tokens or MAX_OUTPUT_TOKENS
        return call_with_retries(
            lambda timeout: self._attempt(stage, name, schema, turns, timeout, system, limit),
            deadline=deadline,
            per_request_s=self.timeout,
            max_attempts=self.max_attempts,
            sleep=self._sleep,
        )

    def _openai_itself(self) -> bool:
        """True for OpenAI's own API (takes ``max_completion_tokens``; others ``max_tokens``)."""
        return self.base_url is None or "api.openai.com" in self.base_url

    def _attempt(
        self,
        stage: str,
        name: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        timeout: float,
        system: str,
        max_tokens: int,
    ) -> tuple[str, Usage]:
        import openai

        try:
            raw = self._client.chat.completions.with_raw_response.create(
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
                timeout=timeout,
                max_completion_tokens=max_tokens if self._openai_itself() else openai.omit,
                max_tokens=openai.omit if self._openai_itself() else max_tokens,
            )
        except openai.OpenAIError as exc:
            raise translate_error(exc, timeout) from exc
        request_id = raw.headers.get("x-request-id")
        try:
            completion: Any = raw.parse()
            choices = completion.choices
            if not isinstance(choices, list):
                raise TypeError("no choices list")
            text = ""
            finish = None
            if choices:
                choice = choices[0]
                finish = choice.finish_reason
                if not choice.message.refusal:
                    text = str(choice.message.content or "")
                if finish == "length":
                    text += "\n(truncated at the token limit)"
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            rid = f" (request id {request_id})" if request_id else ""
            raise BadResponseError(
                f"the model server answered HTTP {raw.status_code} with a body that is not a "
                f"chat completion ({type(exc).__name__}){rid}",
                provider=PROVIDER,
                status_code=raw.status_code,
                request_id=request_id,
                usage=[self._estimated_usage(stage, system, turns, "", request_id)],
            ) from exc
        if getattr(completion, "usage", None) is None:
            return text, self._estimated_usage(stage, system, turns, text, request_id)
        return text, self._usage(stage, completion, finish, request_id)

    def _estimated_usage(
        self, stage: str, system: str, turns: list[dict[str, str]], text: str, request_id: Any
    ) -> Usage:
        """Usage of an answer that did not report its tokens: ⌈characters / 4⌉."""
        prompt = system + "".join(str(t.get("content", "")) for t in turns)
        tokens_in, tokens_out = approx_tokens(prompt), approx_tokens(text)
        cost = llm_cost_usd(self.model, input_tokens=tokens_in, output_tokens=tokens_out)
        return Usage(
            provider=PROVIDER,
            endpoint=f"chat.completions.{stage}",
            model=self.model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cost_usd=cost or 0.0,
            metadata={
                "stage": stage,
                "request_id": request_id,
                "usage_estimated": True,
                "price_known": cost is not None,
            },
        )

    def _usage(
        self, stage: str, completion: Any, finish: str | None, request_id: Any = None
    ) -> Usage:
        u = completion.usage
        prompt = _tokens(getattr(u, "prompt_tokens", 0))
        output = _tokens(getattr(u, "completion_tokens", 0))
        details = getattr(u, "prompt_tokens_details", None)
        cached = min(prompt, _tokens(getattr(details, "cached_tokens", 0))) if details else 0
        model = str(getattr(completion, "model", "") or self.model)
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
                "request_id": request_id,
                "finish_reason": finish,
                "price_known": cost is not None,
            },
        )


#: Largest token count we accept from a ``usage`` block.
MAX_REPORTED_TOKENS = 10_000_000


def _tokens(value: Any) -> int:
    """A reported token count range-checked to 0..:data:`MAX_REPORTED_TOKENS` (0 if not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(max(0, min(MAX_REPORTED_TOKENS, value)))
