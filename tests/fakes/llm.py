"""Fake LLM servers that answer Stage 1 and Stage 3 from the prompt they receive.

They read the seed from ``<seed>`` and the candidates from ``<candidates>`` in our real
prompts, answer schema-valid JSON in the recorded Anthropic / OpenAI response shapes and
report token counts approximated from the request and answer sizes (⌈characters / 4⌉), so
cost figures computed from them reflect our real prompt sizes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.contracts import anthropic_message, approx_tokens, openai_completion
from tests.fakes.http_server import Recorded, Reply

_SEED = re.compile(r"<seed>(.*?)</seed>", re.S)
_CANDIDATES = re.compile(r"<candidates>\s*(.*?)\s*</candidates>", re.S)

#: (strategy, template) — 17 children over the 11 strategies; "{}" is the seed.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("demographic", "{} for women"),
    ("demographic", "{} for men"),
    ("demographic", "kids {}"),
    ("attribute", "waterproof {}"),
    ("attribute", "lightweight {}"),
    ("price/value", "cheap {}"),
    ("price/value", "premium {}"),
    ("use-case", "{} for racing"),
    ("comparison/intent", "best {}"),
    ("seasonal/occasion", "winter {}"),
    ("material/type", "leather {}"),
    ("experience level", "{} for beginners"),
    ("problem/solution", "{} for wide feet"),
    ("terrain/environment", "{} for mud"),
    ("values/lifestyle", "vegan {}"),
    ("values/lifestyle", "sustainable {}"),
    ("attribute", "wide fit {}"),
)


def expansion_answer(seed: str, children: int = 17) -> dict[str, Any]:
    """A valid Stage 1 answer: the seed plus ``children`` modified keywords."""
    items = [
        {
            "keyword": seed,
            "expansion_strategy": "attribute",
            "rationale": "The hub page every other page in the cluster links up to.",
            "estimated_intent": "commercial",
        }
    ]
    for strategy, template in TEMPLATES[:children]:
        kw = template.format(seed)
        items.append(
            {
                "keyword": kw,
                "expansion_strategy": strategy,
                "rationale": f"Shoppers filter by this; a '{kw}' collection matches the brand's range.",
                "estimated_intent": "transactional" if strategy == "price/value" else "commercial",
            }
        )
    return {"candidates": items}


def filter_answer(candidates: list[dict[str, Any]], seed: str) -> dict[str, Any]:
    """A valid Stage 3 answer: keep everything, the seed as parent, confidence 0.8."""
    return {
        "decisions": [
            {
                "keyword": c["keyword"],
                "keep": True,
                "role": "parent" if c["keyword"] == seed else "child",
                "reason": "Distinct, searched and on-brand collection page.",
                "confidence": 0.8,
            }
            for c in candidates
        ]
    }


def _answer(stage: str, prompt: str) -> str:
    seed_match = _SEED.search(prompt)
    seed = seed_match.group(1).strip() if seed_match else "seed"
    if stage == "expand":
        return json.dumps(expansion_answer(seed))
    cand_match = _CANDIDATES.search(prompt)
    candidates = json.loads(cand_match.group(1)) if cand_match else []
    return json.dumps(filter_answer(candidates, seed))


def _stage_anthropic(body: dict[str, Any]) -> str:
    title = body.get("output_config", {}).get("format", {}).get("schema", {}).get("title", "")
    return "expand" if title == "ClusterExpansion" else "filter"


def _stage_openai(body: dict[str, Any]) -> str:
    name = body.get("response_format", {}).get("json_schema", {}).get("name", "")
    return "expand" if name == "ClusterExpansion" else "filter"


def _request_text(body: dict[str, Any], schema: Any) -> str:
    parts = [body.get("system") or ""] if isinstance(body.get("system"), str) else []
    parts += [
        m.get("content") or ""
        for m in body.get("messages", [])
        if isinstance(m.get("content"), str)
    ]
    parts.append(json.dumps(schema))
    return "\n".join(parts)


Override = Callable[[str, str], str | None]


def anthropic_handler(
    *,
    delay: float = 0.0,
    model: str = "claude-haiku-4-5-20251001",
    override: Override | None = None,
) -> Callable[[Recorded], Reply]:
    """Handler for ``POST /v1/messages`` answering both stages.

    Parameters
    ----------
    delay : float
        Seconds before each answer.
    model : str
        Model id reported back.
    override : callable, optional
        ``override(stage, prompt) -> text | None``: replace the answer text (None keeps it).
    """

    def handle(rec: Recorded) -> Reply:
        body = rec.json or {}
        stage = _stage_anthropic(body)
        prompt = body["messages"][0]["content"]
        text = (override(stage, prompt) if override else None) or _answer(stage, prompt)
        schema = body.get("output_config", {}).get("format", {}).get("schema")
        return Reply(
            body=anthropic_message(
                text, model=model, input_tokens=approx_tokens(_request_text(body, schema))
            ),
            headers={"request-id": "req_local_test"},
            delay=delay,
        )

    return handle


def openai_handler(
    *, delay: float = 0.0, model: str = "gpt-4o-mini-2024-07-18", override: Override | None = None
) -> Callable[[Recorded], Reply]:
    """Handler for ``POST /v1/chat/completions`` answering both stages (see :func:`anthropic_handler`)."""

    def handle(rec: Recorded) -> Reply:
        body = rec.json or {}
        stage = _stage_openai(body)
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        text = (override(stage, prompt) if override else None) or _answer(stage, prompt)
        schema = body.get("response_format", {}).get("json_schema", {}).get("schema")
        return Reply(
            body=openai_completion(
                text, model=model, prompt_tokens=approx_tokens(_request_text(body, schema))
            ),
            delay=delay,
        )

    return handle
