"""Live keyword discovery: DataForSEO Labs ``keyword_suggestions/live`` per seed
(``include_serp_info`` for SERP features), through the DataForSEO provider's client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from services.clustering.intent import format_labels
from services.core.text import normalize_keyword
from services.providers.base import Usage
from services.providers.pricing import KEYWORD_SUGGESTIONS_LIVE

#: Suggestions requested per seed in a live run (DataForSEO max 1,000; price per item
#: $0.0001, so 200 items ≈ $0.03 per seed). Filters then keep the best ``limit``.
FETCH_PER_SEED = 200
CANDIDATE_COLUMNS = [
    "keyword",
    "search_volume",
    "keyword_difficulty",
    "cpc",
    "competition",
    "competition_level",
    "intent",
    "serp_features",
    "seed",
    "source",
]


def parse_suggestions(result: list[Any], seed: str) -> pd.DataFrame:
    """Labs ``keyword_suggestions/live`` task result → candidate rows (tolerant of gaps)."""
    rows = []
    for block in result or []:
        if not isinstance(block, dict):
            continue
        items = (
            [block["seed_keyword_data"]] if isinstance(block.get("seed_keyword_data"), dict) else []
        ) + [i for i in block.get("items") or [] if isinstance(i, dict)]
        for item in items:
            kw = normalize_keyword(str(item.get("keyword") or ""))
            if not kw:
                continue
            info = item.get("keyword_info") or {}
            props = item.get("keyword_properties") or {}
            intent = item.get("search_intent_info") or {}
            serp = item.get("serp_info") or {}
            labels = [intent.get("main_intent")] + list(intent.get("foreign_intent") or [])
            level = info.get("competition_level")
            rows.append(
                {
                    "keyword": kw,
                    "search_volume": info.get("search_volume"),
                    "keyword_difficulty": props.get("keyword_difficulty"),
                    "cpc": info.get("cpc"),
                    "competition": info.get("competition"),
                    "competition_level": level.upper() if isinstance(level, str) else None,
                    "intent": format_labels(lab for lab in labels if lab) or None,
                    "serp_features": ", ".join(
                        t for t in serp.get("serp_item_types") or [] if t != "organic"
                    )
                    or None,
                    "seed": seed,
                    "source": "dataforseo",
                }
            )
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    return frame.drop_duplicates("keyword")


def fetch_live(
    client: Any,
    seeds: Sequence[str],
    *,
    location: str,
    language: str,
    progress: Callable[[float], None] | None = None,
) -> tuple[pd.DataFrame, list[Usage]]:
    """Suggestions for every seed (one Labs request each), highest volume order kept.

    Raises
    ------
    services.core.errors.ProviderError
        A request failed; ``usage`` of the calls made so far is attached when possible.
    """
    frames: list[pd.DataFrame] = []
    usage: list[Usage] = []
    for n, seed in enumerate(seeds, start=1):
        task = {
            "keyword": seed,
            "location_name": location,
            "language_name": language,
            "include_seed_keyword": True,
            "include_serp_info": True,
            "limit": FETCH_PER_SEED,
        }
        try:
            response = client.post(KEYWORD_SUGGESTIONS_LIVE, task, items=1)
        except Exception as exc:
            if hasattr(exc, "usage"):
                exc.usage = usage + list(exc.usage)
            raise
        usage.append(response.usage)
        frames.append(parse_suggestions(response.result, seed))
        if progress:
            progress(n / len(seeds))
    frame = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CANDIDATE_COLUMNS)
    )
    return frame.drop_duplicates("keyword").reset_index(drop=True), usage
