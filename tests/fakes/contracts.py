"""Response bodies built from the published shapes in ``shared/contracts``.

Every builder starts from a recorded or documented payload (loaded from the contract file)
and replaces only the fields a test scripts, so the fakes stay as close to the real APIs
as the contracts allow. See each API's NOTES.md for provenance.
"""

from __future__ import annotations

import json
import math
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.fakes.http_server import Reply

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"


@lru_cache(maxsize=32)
def _load(relative: str) -> Any:
    return json.loads((CONTRACTS / relative).read_text(encoding="utf-8"))


def load(relative: str) -> Any:
    """A fresh copy of a contract JSON file, e.g. ``"openai/chat_completions_json_schema.response.json"``."""
    return deepcopy(_load(relative))


def approx_tokens(text: str) -> int:
    """Token count approximation used by the fake LLM servers: ⌈characters / 4⌉."""
    return max(1, math.ceil(len(text) / 4))


# --------------------------------------------------------------------------- Anthropic
def anthropic_message(
    text: str,
    *,
    model: str = "claude-haiku-4-5-20251001",
    input_tokens: int = 500,
    output_tokens: int | None = None,
    stop_reason: str = "end_turn",
    cache_read: int = 0,
    cache_write_5m: int = 0,
    cache_write_1h: int = 0,
) -> dict[str, Any]:
    """A Messages response with one text block (recorded ``messages_structured_output`` shape)."""
    body = load("anthropic/messages_structured_output.response.json")
    body["model"] = model
    body["content"][0]["text"] = text
    body["stop_reason"] = stop_reason
    usage = body["usage"]
    usage["input_tokens"] = input_tokens
    usage["output_tokens"] = approx_tokens(text) if output_tokens is None else output_tokens
    usage["cache_read_input_tokens"] = cache_read
    usage["cache_creation_input_tokens"] = cache_write_5m + cache_write_1h
    usage["cache_creation"] = {
        "ephemeral_5m_input_tokens": cache_write_5m,
        "ephemeral_1h_input_tokens": cache_write_1h,
    }
    return body


_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def anthropic_error(
    status: int, message: str = "", *, headers: dict[str, str] | None = None
) -> Reply:
    """An error reply in the documented shape (``error_not_found.docs_example.json``)."""
    body = load("anthropic/error_not_found.docs_example.json")
    body["error"]["type"] = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    body["error"]["message"] = message or ("Overloaded" if status == 529 else body["error"]["type"])
    return Reply(
        status=status, body=body, headers={"request-id": body["request_id"], **(headers or {})}
    )


# --------------------------------------------------------------------------- OpenAI
def openai_completion(
    content: str | None,
    *,
    model: str = "gpt-4o-2024-08-06",
    prompt_tokens: int = 500,
    completion_tokens: int | None = None,
    refusal: str | None = None,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """A Chat Completions response (recorded ``chat_completions_json_schema`` shape)."""
    body = load("openai/chat_completions_json_schema.response.json")
    body["model"] = model
    choice = body["choices"][0]
    choice["message"]["content"] = content
    choice["message"]["refusal"] = refusal
    choice["finish_reason"] = finish_reason
    out = (
        approx_tokens(content or refusal or "") if completion_tokens is None else completion_tokens
    )
    body["usage"].update(
        {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": out,
            "total_tokens": prompt_tokens + out,
        }
    )
    return body


def openai_error(
    status: int, message: str = "error", *, kind: str = "server_error", code: str | None = None
) -> Reply:
    """An error reply in the SDK's ``ErrorObject`` shape ``{"error": {message, type, param, code}}``."""
    return Reply(
        status=status,
        body={"error": {"message": message, "type": kind, "param": None, "code": code}},
    )


# --------------------------------------------------------------------------- DataForSEO
def dataforseo_envelope(
    tasks: list[dict[str, Any]], *, status_code: int = 20000, status_message: str = "Ok."
) -> dict[str, Any]:
    """The documented v3 envelope around ``tasks`` (the search-volume capture has only tasks)."""
    return {
        "version": "0.1.20240801",
        "status_code": status_code,
        "status_message": status_message,
        "time": "0.1000 sec.",
        "cost": round(sum(float(t.get("cost") or 0) for t in tasks), 6),
        "tasks_count": len(tasks),
        "tasks_error": sum(1 for t in tasks if t.get("status_code") != 20000),
        "tasks": tasks,
    }


def search_volume_task(
    metrics: dict[str, dict[str, Any]], *, cost: float = 0.075
) -> dict[str, Any]:
    """A search_volume/live task from the real capture, with one result item per keyword.

    Parameters
    ----------
    metrics : dict
        keyword → overrides of the captured item, e.g. ``{"search_volume": 1300,
        "competition": "LOW", "competition_index": 12}``. Like the capture, items have no
        ``cpc`` key unless a test adds one.
    """
    task = load("dataforseo/keywords_data_google_ads_search_volume_live.tasks_only.json")[0]
    template = task["result"][0]
    task["cost"] = cost
    task["data"]["keywords"] = list(metrics)
    task["result"] = []
    for keyword, override in metrics.items():
        item = deepcopy(template)
        item.update({"keyword": keyword, "spell": None})
        item.update(override)
        task["result"].append(item)
    task["result_count"] = len(task["result"])
    return task


def search_volume_reply(metrics: dict[str, dict[str, Any]], *, cost: float = 0.075) -> Reply:
    """HTTP 200 with an OK envelope around :func:`search_volume_task`."""
    return Reply(body=dataforseo_envelope([search_volume_task(metrics, cost=cost)]))


def volume_from_request(rec: Any, volume: int = 880, *, cost: float = 0.075) -> Reply:
    """A search-volume reply for exactly the keywords in the recorded request."""
    keywords = rec.json[0]["keywords"]
    metrics = {
        kw: {"search_volume": volume + 10 * i, "competition": "MEDIUM", "competition_index": 40}
        for i, kw in enumerate(keywords)
    }
    return search_volume_reply(metrics, cost=cost)


def failed_task(
    status_code: int,
    status_message: str,
    *,
    cost: float = 0.0,
    path: str = "keywords_data/google_ads/search_volume/live",
) -> dict[str, Any]:
    """A task that failed inside an otherwise successful (20000) envelope."""
    task = load("dataforseo/keywords_data_google_ads_search_volume_live.tasks_only.json")[0]
    task.update(
        {
            "status_code": status_code,
            "status_message": status_message,
            "cost": cost,
            "result_count": 0,
            "result": None,
            "path": ["v3", *path.split("/")],
        }
    )
    return task


def envelope_error(status_code: int, status_message: str) -> Reply:
    """HTTP 200 whose envelope itself reports an error (e.g. 40202 rate limit, 40203 cost limit)."""
    body = dataforseo_envelope([], status_code=status_code, status_message=status_message)
    body["tasks"] = None
    return Reply(body=body)


def keyword_suggestions_reply() -> Reply:
    """Labs keyword_suggestions/live (the normalised docs example; the raw one is broken)."""
    return Reply(
        body=load("dataforseo/dataforseo_labs_google_keyword_suggestions_live.normalized.json")
    )


def search_intent_reply(
    items: dict[str, list[tuple[str, float]]], *, cost: float = 0.0011
) -> Reply:
    """Labs search_intent/live built from the documented result shape (no sample exists).

    Parameters
    ----------
    items : dict
        keyword → [(label, probability), …], the first being the main intent.
    """
    result_items = [
        {
            "keyword": kw,
            "keyword_intent": {"label": labels[0][0], "probability": labels[0][1]},
            "secondary_keyword_intents": [{"label": lb, "probability": p} for lb, p in labels[1:]]
            or None,
        }
        for kw, labels in items.items()
    ]
    task = {
        "id": "11111111-1111-1111-1111-111111111111",
        "status_code": 20000,
        "status_message": "Ok.",
        "time": "0.1 sec.",
        "cost": cost,
        "result_count": 1,
        "path": ["v3", "dataforseo_labs", "google", "search_intent", "live"],
        "data": {"api": "dataforseo_labs", "function": "search_intent", "keywords": list(items)},
        "result": [
            {"language_code": "en", "items_count": len(result_items), "items": result_items}
        ],
    }
    return Reply(body=dataforseo_envelope([task]))
