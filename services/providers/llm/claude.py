"""Live Stage 1 / Stage 3 on Claude through the official ``anthropic`` SDK.

Structured output uses ``output_config.format`` (JSON schema; the answer is the text of a
``text`` block), not a forced tool: newer models reject forced tool use
(``shared/contracts/anthropic/NOTES.md``, "Model caveat"). The SDK does the retrying
was the SDK's; now the SDK runs with ``max_retries=0`` and every request goes through the one
retry layer, :func:`services.providers.retry.call_with_retries` (408/409/429/5xx/529 and
connection errors retried with back-off; ``retry-after`` honoured up to 20 s; a total deadline per
stage, 30 s by default, that no retry outlasts). Every failure is a typed
:class:`~services.core.errors.ProviderError` with the HTTP status and the ``request-id``; an HTTP
200 that is not a usable message (not JSON, ``{}``, no ``content``) is a
:class:`~services.core.errors.BadResponseError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from services.core.errors import (
    BadResponseError,
    ProviderError,
    ProviderUnavailableError,
)
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
    import anthropic
    from anthropic.types import MessageParam


#: Claude Haiku 4.5 — design D3 ("Haiku for Stages 1 and 3").
DEFAULT_MODEL = "claude-haiku-4-5"
#: Used instead of the default when the owner switches the fallback on (design D3).
DEFAULT_FALLBACK_MODEL = "claude-sonnet-4-5"
#: Per-request timeout (seconds); the stage's deadline (30 s, design D6) caps it further.
DEFAULT_TIMEOUT_S = 30.0
#: Retries of one request by our retry layer (the SDK's own are off).
DEFAULT_MAX_RETRIES = DEFAULT_MAX_ATTEMPTS - 1
#: HTTP statuses worth retrying (as the SDK: 408, 409, 429, 5xx; 529 = overloaded).
RETRYABLE_STATUS = frozenset({408, 409, 500, 502, 503, 504, 529})
PROVIDER = "anthropic"


@lru_cache(maxsize=8)
def _client(
    api_key: str, base_url: str | None, timeout: float, max_retries: int
) -> anthropic.Anthropic:
    """One SDK client per configuration (thread-safe, keeps its connection pool)."""
    import anthropic  # the SDK loads when an adapter is first used, not at import

    return anthropic.Anthropic(
        api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
    )


def translate_error(exc: anthropic.AnthropicError, timeout: float) -> ProviderError:
    """Turn an SDK exception into our typed :class:`ProviderError` (no secrets in the message).

    Parameters
    ----------
    exc : anthropic.AnthropicError
        Raised by the SDK (its own retries are off).
    timeout : float
        The attempt's timeout in seconds, for the message.

    Returns
    -------
    ProviderError
        :class:`~services.core.errors.RateLimitedError` (429, with ``retry_after_s``),
        :class:`~services.core.errors.ProviderUnavailableError` (timeout, connection,
        408/409/5xx/529), else a plain ``ProviderError`` (400/401/403/404…); each with
        ``status_code`` and ``request_id`` when the API sent them.
    """
    import anthropic

    if isinstance(exc, anthropic.APITimeoutError):
        return ProviderUnavailableError(
            f"Claude did not answer within {timeout:.3g} s", provider=PROVIDER
        )
    if isinstance(exc, anthropic.APIConnectionError):
        return ProviderUnavailableError(
            "could not reach the Claude API (connection failed)", provider=PROVIDER
        )
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        raw_err = body.get("error")
        err = raw_err if isinstance(raw_err, dict) else {}
        kind = err.get("type") or type(exc).__name__
        message = str(err.get("message") or "no message")[:300]
        request_id = exc.request_id or body.get("request_id")
        return status_error(
            "Claude",
            exc.status_code,
            kind,
            message,
            request_id,
            exc.response.headers,
            provider=PROVIDER,
            retryable=RETRYABLE_STATUS,
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
        Retries on 408/409/429/5xx/529 by our retry layer, :data:`DEFAULT_MAX_RETRIES`.
    stage_deadline_s : float, optional
        Total seconds per stage (both calls of a repair, retries and waits included);
        default: setting ``PROVIDER_STAGE_DEADLINE_S`` or 30.
    client : anthropic.Anthropic, optional
        A prepared client (tests); built from the other arguments when omitted. Its own
        retries are switched off.
    sleep : callable
        ``time.sleep`` (tests record the waits).

    Notes
    -----
    Each call returns a :class:`~services.providers.base.Usage` with token counts and the
    USD cost from :mod:`services.providers.pricing`; the funnel writes the ``APIUsage`` rows. Errors
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
        stage_deadline_s: float | None = None,
        client: anthropic.Anthropic | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.fallback_model = fallback_model
        self.use_fallback_model = use_fallback_model
        self.timeout = timeout
        self.max_attempts = max(1, int(max_retries) + 1)
        self._init_deadline(stage_deadline_s)
        self._sleep = sleep
        base = client or _client(api_key, base_url, float(timeout), 0)
        self._client = base.with_options(max_retries=0)

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
        max_tokens: int | None = None,
        deadline: Deadline | None = None,
    ) -> tuple[str, Usage]:
        """One Messages call (retried by :func:`call_with_retries` within ``deadline``).

        Returns
        -------
        tuple
            The answer text and its :class:`Usage` (tokens, USD).

        Raises
        ------
        ProviderError
            Typed: rate limited, unavailable, bad response (with status and request id).
        """
        deadline = deadline or self.new_deadline()
        return call_with_retries(
            lambda timeout: self._attempt(
                stage, schema, turns, timeout, system, max_tokens or MAX_OUTPUT_TOKENS
            ),
            deadline=deadline,
            per_request_s=self.timeout,
            max_attempts=self.max_attempts,
            sleep=self._sleep,
        )

    def _attempt(
        self,
        stage: str,
        schema: dict[str, Any],
        turns: list[dict[str, str]],
        timeout: float,
        system: str,
        max_tokens: int,
    ) -> tuple[str, Usage]:
        import anthropic

        model = self.active_model
        try:
            raw = self._client.messages.with_raw_response.create(
                model=model,
                max_tokens=max_tokens,
                system=system,
                # Our turns are plain {"role", "content"} dicts: MessageParam-shaped.
                messages=cast("list[MessageParam]", turns),
                output_config={"format": {"type": "json_schema", "schema": schema}},
                timeout=timeout,
            )
        except anthropic.AnthropicError as exc:
            raise translate_error(exc, timeout) from exc
        request_id = raw.headers.get("request-id")
        try:
            message: Any = raw.parse()
            content = message.content
            if not isinstance(content, list):
                raise TypeError("no content list")
            text = "".join(
                str(getattr(b, "text", "") or "")
                for b in content
                if getattr(b, "type", None) == "text"
            )
            stop_reason = getattr(message, "stop_reason", None)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            rid = f" (request id {request_id})" if request_id else ""
            raise BadResponseError(
                f"Claude answered HTTP {raw.status_code} with a body that is not a message "
                f"({type(exc).__name__}){rid}",
                provider=PROVIDER,
                status_code=raw.status_code,
                request_id=request_id,
                usage=[self._estimated_usage(stage, model, system, turns, "", request_id)],
            ) from exc
        if stop_reason == "refusal":
            text = ""  # validation reports the empty answer; the repair turn asks again
        elif stop_reason == "max_tokens":
            text = text + "\n(truncated at max_tokens)"
        return text, self._usage(stage, model, message, system, turns, text, request_id)

    def _estimated_usage(
        self,
        stage: str,
        model: str,
        system: str,
        turns: list[dict[str, str]],
        text: str,
        request_id: str | None,
    ) -> Usage:
        """Usage of a billed answer that did not report its tokens: ⌈characters / 4⌉."""
        prompt = system + "".join(t.get("content", "") for t in turns)
        tokens_in, tokens_out = approx_tokens(prompt), approx_tokens(text)
        cost = llm_cost_usd(model, input_tokens=tokens_in, output_tokens=tokens_out)
        return Usage(
            provider=PROVIDER,
            endpoint=f"messages.{stage}",
            model=model,
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
        self,
        stage: str,
        model: str,
        message: Any,
        system: str,
        turns: list[dict[str, str]],
        text: str,
        request_id: str | None,
    ) -> Usage:
        u = getattr(message, "usage", None)
        if u is None or not isinstance(getattr(u, "input_tokens", None), int):
            return self._estimated_usage(stage, model, system, turns, text, request_id)
        creation = getattr(u, "cache_creation", None)
        write_1h = _tokens(getattr(creation, "ephemeral_1h_input_tokens", 0)) if creation else 0
        write_total = _tokens(getattr(u, "cache_creation_input_tokens", 0))
        write_5m = max(0, write_total - write_1h)
        cache_read = _tokens(getattr(u, "cache_read_input_tokens", 0))
        tokens_in, tokens_out = _tokens(u.input_tokens), _tokens(getattr(u, "output_tokens", 0))
        answered_model = str(getattr(message, "model", "") or model)
        cost = None
        # A dated id we do not know: price the requested family.
        for priced in (answered_model, model):
            cost = llm_cost_usd(
                priced,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cache_read_tokens=cache_read,
                cache_write_5m_tokens=write_5m,
                cache_write_1h_tokens=write_1h,
            )
            if cost is not None:
                break
        return Usage(
            provider=PROVIDER,
            endpoint=f"messages.{stage}",
            model=answered_model,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            cache_read_tokens=cache_read,
            cache_write_tokens=write_total,
            cost_usd=cost or 0.0,
            metadata={
                "stage": stage,
                "request_id": request_id,
                "stop_reason": getattr(message, "stop_reason", None),
                "price_known": cost is not None,
            },
        )


#: Largest token count we accept from a ``usage`` block (Claude's context is ≤ 1M tokens).
MAX_REPORTED_TOKENS = 10_000_000


def _tokens(value: Any) -> int:
    """A reported token count range-checked to 0..:data:`MAX_REPORTED_TOKENS` (0 if not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(max(0, min(MAX_REPORTED_TOKENS, value)))
