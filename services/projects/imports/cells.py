"""Cell values of imported exports and the one bad-row policy of every importer.

Shared by the keyword importer (:mod:`services.projects.imports.parse`) and the rankings
importer (:mod:`services.site.rankings`), so that a bad row gets the same treatment in both
and on both databases (issue 20 §2):

- control characters (NUL …) are removed from every text cell (:func:`strip_controls`,
  :func:`map_unique`); PostgreSQL refuses NUL in text, SQLite would store it;
- counts stored as ``INTEGER`` (search volume, clicks, impressions) are clamped to
  :data:`MAX_INT4`, PostgreSQL's INTEGER maximum (:func:`clamp_counts`), with a note;
- numbers are parsed tolerantly (separators, K/M, buckets, currency signs); unparseable and
  negative cells become missing, never a skipped row (:func:`parse_numbers`).

Pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from services.core.text import normalize_keyword

#: Highest search volume stored (searches/month): PostgreSQL's INTEGER maximum, 2**31 - 1,
#: the same on SQLite. No keyword is searched 2 billion times a month; a larger cell is a
#: corrupted value and is clamped, with a note.
MAX_SEARCH_VOLUME = 2_147_483_647
#: Highest CPC kept (USD). The dearest Google Ads keywords cost around 1,000 USD a click;
#: a cell above this is treated as missing, with a note.
MAX_CPC_USD = 10_000.0
#: PostgreSQL's INTEGER (int4) maximum, 2**31 - 1: the largest count any importer stores.
MAX_INT4 = MAX_SEARCH_VOLUME
#: Note of a row whose text lost control characters.
NOTE_CONTROLS = "control characters removed"
# C0/C1 control characters (NUL …) other than the whitespace ones, DEL, non-characters and
# invisible format characters that make two keywords look identical (zero-width space, bidi
# marks, word joiner, BOM). PostgreSQL refuses NUL in text; SQLite
# would store it; both get the cleaned text.
CONTROL = re.compile(  # literal characters: the pattern also runs in pyarrow's RE2
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_INTENT_MAX_CHARS = 100  # KeywordMetric.intent is String(100)
_SEMRUSH_INTENT_CODES = {
    "0": "commercial",
    "1": "informational",
    "2": "navigational",
    "3": "transactional",
}
_NULL_TOKENS = frozenset(("", "-", "--", "—", "–", "n/a", "na", "null", "none", "nan", "unknown"))
_CURRENCY = re.compile(r"us\$|usd|eur|gbp|[$€£%\s\u00a0\u202f]")
_RANGE = re.compile(r"([\d.,]+[km]?)[–—-]([\d.,]+[km]?)")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_THOUSANDS_DOT_INT = r"\d{1,3}(?:\.\d{3})+"
# Printable ASCII except A-Z, words separated by single spaces: already normalised.
_ALREADY_NORMAL = r"[!-@\[-~]+(?: [!-@\[-~]+)*"


def _scalar(token: str, integer: bool) -> float:
    """One cleaned number token ("1,300", "1.300", "2,5", "1.5k") → float or NaN."""
    multiplier = 1.0
    if token[-1:] in ("k", "m"):
        multiplier = 1_000.0 if token[-1] == "k" else 1_000_000.0
        token = token[:-1]
    if _THOUSANDS_COMMA.fullmatch(token):
        token = token.replace(",", "")
    elif _THOUSANDS_DOT.fullmatch(token) and (integer or "," in token):
        token = token.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(token):
        token = token.replace(",", ".")
    try:
        value = float(token) * multiplier
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _parse_number(text: str, integer: bool) -> float:
    """Slow path for cells :func:`pandas.to_numeric` rejects: separators, K/M, buckets."""
    token = _CURRENCY.sub("", str(text).strip().lower())
    if token in _NULL_TOKENS:
        return math.nan
    bucket = _RANGE.fullmatch(token)
    if bucket:
        low, high = _scalar(bucket.group(1), integer), _scalar(bucket.group(2), integer)
        if math.isnan(low) or math.isnan(high) or high < low:
            return math.nan
        return math.sqrt(max(low, 1.0) * high)  # geometric mean of a log-spaced bucket
    return _scalar(token, integer)


def parse_numbers(column: pd.Series, *, integer: bool = False) -> pd.Series:
    """Vectorised number parsing; unparseable and negative cells become NaN (float64)."""
    text = column.astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    rest = values.isna() & (text != "")
    if integer:  # "1.300" is a thousands separator in a count, not 1.3 searches
        rest |= text.str.fullmatch(_THOUSANDS_DOT_INT).fillna(False).astype(bool)
    if rest.any():
        leftovers = text[rest]
        parsed = {u: _parse_number(u, integer) for u in pd.unique(leftovers)}
        values[rest] = leftovers.map(parsed).astype("float64")
    values[~np.isfinite(values) | (values < 0)] = np.nan
    return values


def map_unique(column: pd.Series, func_: Callable[[str], str | None]) -> pd.Series:
    """Apply ``func_`` once per distinct cell (intent, level and SERP cells repeat a lot),
    the cell's control characters removed first (every text field, the same on both
    databases: PostgreSQL refuses NUL)."""
    text = column.astype(str)
    mapping = {u: func_(CONTROL.sub("", u)) for u in pd.unique(text)}
    mapped = text.map(mapping).astype(object)
    return mapped.where(mapped.notna(), None)


def intent_labels(cell: str) -> str | None:
    """An intent cell as comma-joined lower-case labels, Semrush's numeric codes spelt out
    (``"0, 3"`` or ``"Commercial, Transactional"`` → ``"commercial,transactional"``); None
    when the cell holds no label."""
    labels: list[str] = []
    for part in re.split(r"[,;|/]", CONTROL.sub("", cell)):
        label = part.strip().lower()
        label = _SEMRUSH_INTENT_CODES.get(label, label)
        if label and label not in labels:
            labels.append(label)
    while labels and len(",".join(labels)) > _INTENT_MAX_CHARS:
        labels.pop()
    return ",".join(labels) or None


def normalized_keywords(column: pd.Series) -> np.ndarray:
    """:func:`normalize_keyword` of every cell, skipping cells that are already normal.

    A cell of printable ASCII without capitals, with single inner spaces and none at the
    ends is its own normal form (NFKC is the identity on ASCII), so only other cells pay
    for the Python call; most Semrush/Ahrefs keywords take the fast path.
    """
    raw = column.astype(str)
    normal = raw.str.fullmatch(_ALREADY_NORMAL).to_numpy(dtype=bool)
    values = raw.to_numpy(dtype=object, copy=True)
    values[~normal] = [normalize_keyword(k) for k in values[~normal]]
    return values


def strip_controls(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Text cells without control characters (:data:`CONTROL`).

    Returns
    -------
    (pandas.Series of str, numpy.ndarray of bool, shape (n,))
        The cleaned cells and which of them changed (for the :data:`NOTE_CONTROLS` note).
    """
    text = column.astype(str)
    changed = text.str.contains(CONTROL, regex=True).to_numpy(dtype=bool)
    if changed.any():
        text = text.where(~changed, text.str.replace(CONTROL, "", regex=True))
    return text, changed


def clamp_counts(values: pd.Series, maximum: int = MAX_INT4) -> tuple[pd.Series, np.ndarray]:
    """Counts (float, NaN = missing) rounded and clamped to ``maximum`` (:data:`MAX_INT4`).

    Returns
    -------
    (pandas.Series of float, numpy.ndarray of bool, shape (n,))
        The clamped values and which of them were above ``maximum``.
    """
    over = (values > maximum).to_numpy(dtype=bool)
    return values.clip(upper=maximum).round(), over


def clamp_note(field: str, maximum: int = MAX_INT4) -> str:
    """The note of a clamped count, e.g. ``"search volume clamped to 2,147,483,647"``."""
    return f"{field} clamped to {maximum:,}"
