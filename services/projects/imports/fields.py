"""Stage 4a of the keyword importer: a tool's columns → the output fields of each row.

Volumes, CPC, competition, KD, intent (text or Ahrefs' boolean flag columns), SERP features
and a tool's own grouping hint, each read from the column :func:`services.projects.imports.
detect._resolve` chose, under the bad-row policy of :mod:`services.projects.imports.cells`.
Pure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.core.text import normalize_keyword
from services.projects.imports.cells import (
    CONTROL,
    MAX_CPC_USD,
    MAX_SEARCH_VOLUME,
    clamp_counts,
    intent_labels,
    map_unique,
    parse_numbers,
)
from services.projects.imports.detect import _GKP_MONTH_PREFIXES

_SERP_FEATURES_MAX_CHARS = 2_000  # longest SERP-features cell kept (characters)
_AHREFS_INTENT_COLUMNS = (
    "informational",
    "navigational",
    "commercial",
    "transactional",
    "branded",
    "local",
)
_TRUE_TOKENS = frozenset(("true", "1", "yes", "y", "x", "✓", "✔"))
_COMPETITION_LEVELS = {
    # en, es, pt, it, de, fr, nl
    "low": "LOW",
    "medium": "MEDIUM",
    "high": "HIGH",
    "baja": "LOW",
    "bajo": "LOW",
    "media": "MEDIUM",
    "medio": "MEDIUM",
    "alta": "HIGH",
    "alto": "HIGH",
    "baixa": "LOW",
    "baixo": "LOW",
    "média": "MEDIUM",
    "bassa": "LOW",
    "niedrig": "LOW",
    "mittel": "MEDIUM",
    "hoch": "HIGH",
    "faible": "LOW",
    "moyenne": "MEDIUM",
    "moyen": "MEDIUM",
    "élevée": "HIGH",
    "élevé": "HIGH",
    "forte": "HIGH",
    "laag": "LOW",
    "gemiddeld": "MEDIUM",
    "hoog": "HIGH",
}


def _intent_from_flags(frame: pd.DataFrame, flag_columns: dict[str, str]) -> pd.Series:
    """Ahrefs boolean intent columns → comma-joined labels in a fixed order."""
    joined = np.full(len(frame), "", dtype=object)
    for label in _AHREFS_INTENT_COLUMNS:
        if label in flag_columns:
            truthy = frame[flag_columns[label]].astype(str).str.strip().str.lower()
            mask = truthy.isin(_TRUE_TOKENS).to_numpy()
            joined = np.where(mask, joined + label + ",", joined)
    result = pd.Series(joined, index=frame.index, dtype=object).str.rstrip(",")
    return result.where(result != "", None)


def _text_or_none(cell: str) -> str | None:
    cell = CONTROL.sub("", cell).strip()[:_SERP_FEATURES_MAX_CHARS]
    return cell or None


def _level(cell: str) -> str | None:
    return _COMPETITION_LEVELS.get(cell.strip().lower())


def extract_fields(
    frame: pd.DataFrame, tool: str, cols: dict[str, str], headers: list[str]
) -> pd.DataFrame:
    """Tool columns → the output fields (keyword not yet normalised)."""
    out = pd.DataFrame(index=frame.index)
    out["keyword"] = frame[cols["keyword"]]
    nan = pd.Series(np.nan, index=frame.index, dtype="float64")
    none = pd.Series(None, index=frame.index, dtype=object)

    volume = (
        parse_numbers(frame[cols["search_volume"]], integer=True)
        if "search_volume" in cols
        else nan
    )
    if tool == "keyword_planner":
        months = [
            label
            for label, name in zip(frame.columns, headers, strict=True)
            if name.startswith(_GKP_MONTH_PREFIXES)
        ]
        if months and volume.isna().any():
            monthly = pd.concat([parse_numbers(frame[m], integer=True) for m in months], axis=1)
            volume = volume.fillna(monthly.mean(axis=1, skipna=True))
    volume, out["_volume_clamped"] = clamp_counts(volume, MAX_SEARCH_VOLUME)
    out["search_volume"] = volume.astype("Int64")

    if tool == "keyword_planner":
        bids = [parse_numbers(frame[cols[k]]) for k in ("bid_low", "bid_high") if k in cols]
        cpc = pd.concat(bids, axis=1).mean(axis=1, skipna=True) if bids else nan
        if "currency" in cols:
            currency = frame[cols["currency"]].astype(str).str.strip().str.upper()
            cpc = cpc.where(currency.isin(["USD", ""]))
        out["cpc"] = cpc
        competition = (
            parse_numbers(frame[cols["competition"]]) / 100.0 if "competition" in cols else nan
        )
    else:
        out["cpc"] = parse_numbers(frame[cols["cpc"]]) if "cpc" in cols else nan
        competition = parse_numbers(frame[cols["competition"]]) if "competition" in cols else nan
    out["_cpc_dropped"] = (out["cpc"] > MAX_CPC_USD).to_numpy()
    out["cpc"] = out["cpc"].where(out["cpc"] <= MAX_CPC_USD)
    out["competition"] = competition.where(competition <= 1.0)
    out["competition_level"] = (
        map_unique(frame[cols["competition_level"]], _level)
        if "competition_level" in cols
        else none
    )
    kd = parse_numbers(frame[cols["keyword_difficulty"]]) if "keyword_difficulty" in cols else nan
    out["keyword_difficulty"] = kd.where(kd <= 100.0)

    if "intent" in cols:
        out["intent"] = map_unique(frame[cols["intent"]], intent_labels)
    elif tool == "ahrefs":
        flags = {
            name: label
            for label, name in zip(frame.columns, headers, strict=True)
            if name in _AHREFS_INTENT_COLUMNS
        }
        out["intent"] = _intent_from_flags(frame, flags) if flags else none
    else:
        out["intent"] = none
    out["serp_features"] = (
        map_unique(frame[cols["serp_features"]], _text_or_none) if "serp_features" in cols else none
    )
    # A tool's own grouping (Ahrefs Parent Keyword / Parent Topic, a cluster column):
    # a hint list clustering may use when the user asks (issue 12).
    out["grouping_hint"] = (
        map_unique(frame[cols["grouping_hint"]], _grouping_hint)
        if "grouping_hint" in cols
        else none
    )
    out["source"] = tool
    return out


#: Grouping-hint values that group nothing ("Other" holds 12,586 of the 27,640 rows of the
#: shared clustered Semrush export).
_HINT_CATCH_ALL = frozenset(
    ["other", "others", "misc", "miscellaneous", "uncategorized", "uncategorised", "none", "n/a"]
)


def _grouping_hint(cell: str) -> str | None:
    """Normalised hint (≤ 500 characters, the column width); None when empty or catch-all."""
    text = normalize_keyword(cell)[:500].strip(" -")
    return text if text and text not in _HINT_CATCH_ALL else None
