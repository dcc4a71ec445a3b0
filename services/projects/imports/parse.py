"""Stage 4 of the keyword-export importer: the table → one row per normalised keyword.

``pandas.read_csv`` (C engine: quoted cells with delimiters or line breaks, CRLF, rows with
missing trailing cells) reads every cell as text; rows with *more* cells than the header
are skipped and counted as ``"malformed row"``. Each field is then read from the tool's
column (see the table in :mod:`services.projects.imports`). Pure: nothing here writes.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from services.core.errors import ImportConfirmationRequired
from services.core.text import normalize_keyword
from services.projects.imports.decode import _clip, _columns_seen, _error, _name, decode_text
from services.projects.imports.detect import (
    _GKP_MONTH_PREFIXES,
    _detect_tool,
    _resolve,
    _sniff,
    find_header,
    norm_header,
)

#: Longest keyword kept (characters, after normalisation; the column is String(1000)).
MAX_KEYWORD_LENGTH = 1000
#: Columns of the DataFrame returned by :func:`parse_keyword_export`.
OUTPUT_COLUMNS = [
    "keyword",
    "search_volume",
    "cpc",
    "competition",
    "competition_level",
    "keyword_difficulty",
    "intent",
    "serp_features",
    "grouping_hint",
    "source",
]
#: Highest search volume stored (searches/month): PostgreSQL's INTEGER maximum, 2**31 - 1,
#: the same on SQLite. No keyword is searched 2 billion times a month; a larger cell is a
#: corrupted value and is clamped, with a note.
MAX_SEARCH_VOLUME = 2_147_483_647
#: Highest CPC kept (USD). The dearest Google Ads keywords cost around 1,000 USD a click;
#: a cell above this is treated as missing, with a note.
MAX_CPC_USD = 10_000.0
#: Share of rows (0-1) that may fail :func:`looks_like_query` before an import needs the
#: user's confirmation (``allow_non_queries=True``).
NON_QUERY_CONFIRM_SHARE = 0.5
_SERP_FEATURES_MAX_CHARS = 2_000  # longest SERP-features cell kept (characters)
# C0/C1 control characters (NUL …) other than the whitespace ones, DEL, non-characters and
# invisible format characters that make two keywords look identical (zero-width space, bidi
# marks, word joiner, BOM). PostgreSQL refuses NUL in text; SQLite
# would store it; both get the cleaned text.
_CONTROL = re.compile(  # literal characters: the pattern also runs in pyarrow's RE2
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffe\uffff\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
# What a search query is made of: letters, digits, spaces and the punctuation queries use.
_QUERY_ODD_CHAR = r"[^\w\s'’.,&+/:#%$€£\-]"
# Three letter/digit switches in one token ("a8kd0qz1"): an id or hash, not a word.
_QUERY_ID_TOKEN = r"(?:[a-z]\d|\d[a-z])\S*(?:[a-z]\d|\d[a-z])\S*(?:[a-z]\d|\d[a-z])"
# Six consonants in a row (y counts as a vowel): random letters, not a word of a Latin-script
# language (English peaks at five, "lengths").
_QUERY_CONSONANT_RUN = r"[bcdfghjklmnpqrstvwxz]{6,}"
# Letter pairs seen fewer than 3 times in 40,000 real English keywords (Semrush exports of
# the team) and never in the Spanish Keyword Planner export: two of them in one keyword
# mark random letters ("qzvk"), not words.
_QUERY_RARE_BIGRAMS = "|".join(
    [
        "bq",
        "bv",
        "bw",
        "bx",
        "bz",
        "cx",
        "cz",
        "dq",
        "fd",
        "fg",
        "fh",
        "fj",
        "fk",
        "fm",
        "fn",
        "fq",
        "fv",
        "fx",
        "fz",
        "gf",
        "gj",
        "gk",
        "gq",
        "gv",
        "gw",
        "gx",
        "hf",
        "hh",
        "hk",
        "hq",
        "hx",
        "hz",
        "jb",
        "jc",
        "jd",
        "jf",
        "jg",
        "jh",
        "jj",
        "jl",
        "jm",
        "jn",
        "jr",
        "jt",
        "jv",
        "jw",
        "jx",
        "jy",
        "jz",
        "kj",
        "kq",
        "kx",
        "kz",
        "lj",
        "lq",
        "lx",
        "lz",
        "mj",
        "mk",
        "mq",
        "mx",
        "oq",
        "pj",
        "pq",
        "pv",
        "px",
        "pz",
        "qb",
        "qc",
        "qd",
        "qe",
        "qf",
        "qg",
        "qh",
        "qi",
        "qj",
        "qk",
        "qm",
        "qn",
        "qo",
        "qp",
        "qq",
        "qs",
        "qt",
        "qv",
        "qx",
        "qy",
        "qz",
        "rx",
        "sj",
        "sz",
        "tq",
        "tz",
        "uh",
        "uj",
        "uq",
        "vd",
        "vf",
        "vh",
        "vj",
        "vn",
        "vq",
        "vw",
        "vx",
        "vz",
        "wg",
        "wj",
        "wm",
        "wv",
        "wx",
        "wz",
        "xg",
        "xh",
        "xj",
        "xk",
        "xl",
        "xq",
        "xu",
        "xv",
        "xw",
        "xx",
        "xz",
        "yh",
        "yj",
        "yk",
        "yq",
        "yv",
        "yx",
        "yy",
        "yz",
        "zb",
        "zc",
        "zf",
        "zg",
        "zh",
        "zj",
        "zk",
        "zn",
        "zp",
        "zq",
        "zv",
        "zw",
        "zx",
    ]
)
_QUERY_SAMPLE_ROWS = 5_000  # keywords checked by looks_like_query per file (evenly spaced)
_QUERY_MAX_WORDS = 20
_QUERY_MAX_TOKEN = 40
_INTENT_MAX_CHARS = 100  # KeywordMetric.intent is String(100)
# pandas reports skipped over-long rows only as warnings; catching them mutates the global
# warnings state, so parsing is serialised (Streamlit runs each session in its own thread).
_PARSE_LOCK = threading.Lock()
_AHREFS_INTENT_COLUMNS = (
    "informational",
    "navigational",
    "commercial",
    "transactional",
    "branded",
    "local",
)
_TRUE_TOKENS = frozenset(("true", "1", "yes", "y", "x", "✓", "✔"))
_SEMRUSH_INTENT_CODES = {
    "0": "commercial",
    "1": "informational",
    "2": "navigational",
    "3": "transactional",
}
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
_NULL_TOKENS = frozenset(("", "-", "--", "—", "–", "n/a", "na", "null", "none", "nan", "unknown"))
_CURRENCY = re.compile(r"us\$|usd|eur|gbp|[$€£%\s\u00a0\u202f]")
_RANGE = re.compile(r"([\d.,]+[km]?)[–—-]([\d.,]+[km]?)")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d+,\d+")
_THOUSANDS_DOT_INT = r"\d{1,3}(?:\.\d{3})+"
# Printable ASCII except A-Z, words separated by single spaces: already normalised.
_ALREADY_NORMAL = r"[!-@\[-~]+(?: [!-@\[-~]+)*"


@dataclass
class ImportReport:
    """What one import did, for the import page.

    Attributes
    ----------
    tool : str
        Detected tool: ``"semrush"``, ``"ahrefs"``, ``"keyword_planner"`` or ``"gsc"``.
    rows_read : int
        Data rows in the file (header and preamble excluded, malformed rows included).
    rows_imported : int
        Distinct keywords written, ``inserted + updated`` (0 from
        :func:`parse_keyword_export`, which writes nothing).
    inserted : int
        Keywords that were new to the project.
    updated : int
        Keywords the project already had (metrics merged, see :func:`import_keywords`).
    duplicates_merged : int
        Rows folded into another row of the same file with the same normalised keyword.
    skipped : int
        Rows dropped on their own; ``rows_read == skipped + duplicates_merged + distinct``.
    skipped_reasons : dict[str, int]
        Reason → count: ``"malformed row"``, ``"empty keyword"``, ``"keyword too long"``.
    notes : dict[str, int]
        Rows kept with a changed value, note → count: ``"control characters removed"``,
        ``"search volume clamped to 2,147,483,647"``, ``"CPC above 10,000 USD dropped"``.
    first_lines : dict[str, int]
        Skip reason or note → line of the file (1-based) of its first row. Counted as one
        line per row: a quoted cell spanning lines shifts later numbers.
    non_query_share : float
        Share of the kept keywords (0-1) that do not look like search queries
        (:func:`looks_like_query`; on an evenly spaced sample of 5,000 in larger files).
    seconds : float
        Wall time of the call (s).
    """

    tool: str
    rows_read: int = 0
    rows_imported: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates_merged: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    first_lines: dict[str, int] = field(default_factory=dict)
    non_query_share: float = 0.0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the page (at most 300 characters): counts, skips and notes with the
        line of their first row."""
        text = (
            f"Imported {self.rows_imported:,} keywords from a {self.tool} export "
            f"({self.inserted:,} new, {self.updated:,} updated)."
        )
        details = [
            f"{reason}: {count:,} (first at line {self.first_lines.get(reason, '?')})"
            for reason, count in {**self.skipped_reasons, **self.notes}.items()
        ]
        if self.skipped:
            text += f" Skipped {self.skipped:,} rows."
        if details:
            text += " " + "; ".join(details) + "."
        return _clip(text)


def read_table(
    body: str, header_delimiter: str, filename: str
) -> tuple[pd.DataFrame, list[int], str]:
    """All cells as strings ("" when missing), the lines of skipped malformed rows (1 = the
    header) and the delimiter's name.

    When malformed rows were re-read (see :func:`_read_ragged`), ``frame.attrs["lines"]``
    holds the line of every kept row.
    """
    delimiter, quotechar, escapechar = _sniff(body, header_delimiter)
    label = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(delimiter, delimiter)
    with _PARSE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(
                io.StringIO(body),
                sep=delimiter,
                quotechar=quotechar,
                escapechar=escapechar,
                dtype=str,
                na_filter=False,
                keep_default_na=False,
                index_col=False,
                skip_blank_lines=True,
                on_bad_lines="warn",
                engine="c",
            )
        except pd.errors.ParserError as exc:
            message = str(exc)
            if "EOF inside string" in message:
                row = re.search(r"row (\d+)", message)
                where = f" (the quote opened in data row {row.group(1)})" if row else ""
                message = f"a quoted cell is never closed{where}"
            raise _error(
                filename, f"cannot parse the file as {label}-separated text: {message}."
            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise _error(filename, "the file has no columns.") from exc
        except (ValueError, OverflowError, MemoryError) as exc:  # pandas' own limits
            raise _error(
                filename, f"cannot parse the file as {label}-separated text: {exc}."
            ) from exc
    overlong = any(
        issubclass(w.category, pd.errors.ParserWarning)
        and str(w.message).startswith(("Skipping line", "Length of header"))
        for w in caught
    )
    if not overlong:
        return frame, [], label
    frame, malformed = _read_ragged(body, delimiter, quotechar, escapechar, list(frame.columns))
    return frame, malformed, label


def _read_ragged(
    body: str, delimiter: str, quotechar: str, escapechar: str | None, columns: list[Any]
) -> tuple[pd.DataFrame, list[int]]:
    """Re-read a file that has rows with more cells than its header (rare path).

    pandas either skips such rows or, when the first data row is one of them, silently
    truncates them all. Neither tells a harmless trailing delimiter from a shifted row, so
    the stdlib reader does it here: surplus cells that are empty are dropped, a row whose
    surplus cells hold data is skipped and counted as malformed, and so is a row the csv
    module refuses (a cell over its 128 KiB field limit). Line breaks are read like pandas
    reads them (``\\r``, ``\\n`` or ``\\r\\n``).

    Returns
    -------
    frame : pandas.DataFrame
        The kept rows; ``frame.attrs["lines"]`` is the line (1 = header) of each.
    malformed : list of int
        Lines of the skipped rows.
    """
    width = len(columns)
    reader = csv.reader(
        io.StringIO(body, newline=None),
        delimiter=delimiter,
        quotechar=quotechar,
        escapechar=escapechar,
    )
    kept: list[list[str]] = []
    lines: list[int] = []
    malformed: list[int] = []
    started = False
    while True:
        first_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            if started:
                malformed.append(first_line)
            started = True
            continue
        if not started:  # the header
            started = True
            continue
        if not record:
            continue  # blank line
        if len(record) > width:
            if any(cell.strip() for cell in record[width:]):
                malformed.append(first_line)
                continue
            record = record[:width]
        kept.append(record + [""] * (width - len(record)))
        lines.append(first_line)
    frame = pd.DataFrame(kept, columns=columns, dtype=str)
    frame.attrs["lines"] = np.asarray(lines, dtype=np.int64)
    return frame, malformed


# --------------------------------------------------------------------------- values


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


def _volumes(values: pd.Series) -> pd.Series:
    """Whole searches/month as Int64, clamped to :data:`MAX_SEARCH_VOLUME` (NaN stays <NA>)."""
    return values.clip(upper=MAX_SEARCH_VOLUME).round().astype("Int64")


def map_unique(column: pd.Series, func_: Callable[[str], str | None]) -> pd.Series:
    """Apply ``func_`` once per distinct cell (intent, level and SERP cells repeat a lot),
    the cell's control characters removed first (every text field, the same on both
    databases: PostgreSQL refuses NUL)."""
    text = column.astype(str)
    mapping = {u: func_(_CONTROL.sub("", u)) for u in pd.unique(text)}
    mapped = text.map(mapping).astype(object)
    return mapped.where(mapped.notna(), None)


def intent_labels(cell: str) -> str | None:
    """An intent cell as comma-joined lower-case labels, Semrush's numeric codes spelt out
    (``"0, 3"`` or ``"Commercial, Transactional"`` → ``"commercial,transactional"``); None
    when the cell holds no label."""
    labels: list[str] = []
    for part in re.split(r"[,;|/]", _CONTROL.sub("", cell)):
        label = part.strip().lower()
        label = _SEMRUSH_INTENT_CODES.get(label, label)
        if label and label not in labels:
            labels.append(label)
    while labels and len(",".join(labels)) > _INTENT_MAX_CHARS:
        labels.pop()
    return ",".join(labels) or None


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
    cell = _CONTROL.sub("", cell).strip()[:_SERP_FEATURES_MAX_CHARS]
    return cell or None


def _level(cell: str) -> str | None:
    return _COMPETITION_LEVELS.get(cell.strip().lower())


def _extract(
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
    out["_volume_clamped"] = (volume > MAX_SEARCH_VOLUME).to_numpy()
    out["search_volume"] = _volumes(volume)

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


def _merge_duplicates(rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per keyword: highest volume wins, its missing metrics filled from the others."""
    rows = rows.assign(_order=np.arange(len(rows)))
    dup = rows.duplicated("keyword", keep=False)
    if not dup.any():
        return rows.drop(columns="_order"), 0
    group = rows[dup].sort_values(
        ["search_volume", "_order"], ascending=[False, True], na_position="last", kind="stable"
    )
    merged = group.groupby("keyword", sort=False, as_index=False, dropna=False).first()
    result = pd.concat([rows[~dup], merged[rows.columns]], ignore_index=True)
    result = result.sort_values("_order", kind="stable").drop(columns="_order")
    return result.reset_index(drop=True), int(dup.sum() - len(merged))


def parse_keyword_export(
    data: bytes, filename: str = "", *, allow_non_queries: bool = False
) -> tuple[pd.DataFrame, ImportReport]:
    """Read a keyword export into one row per normalised keyword. Pure: writes nothing.

    Parameters
    ----------
    data : bytes
        The uploaded file (CSV/TSV as exported by Semrush, Ahrefs, Google Ads Keyword
        Planner or Search Console; any common encoding, see the module docstring).
    filename : str, optional
        Original file name; used only in error messages.
    allow_non_queries : bool, optional
        Import even when more than :data:`NON_QUERY_CONFIRM_SHARE` of the rows do not look
        like search queries (the user confirmed).

    Returns
    -------
    frame : pandas.DataFrame
        Columns :data:`OUTPUT_COLUMNS`, in file order, duplicates merged:
        ``keyword`` (str, normalised), ``search_volume`` (Int64, searches/month),
        ``cpc`` (float, USD), ``competition`` (float, 0-1), ``competition_level``
        ("LOW"/"MEDIUM"/"HIGH" or None), ``keyword_difficulty`` (float, 0-100),
        ``intent`` (comma-joined lowercase labels or None), ``serp_features`` (str or None),
        ``source`` (the tool). Missing values are NaN/<NA>/None.
    report : ImportReport
        Tool, rows read, duplicates merged and skipped rows by reason; ``inserted``,
        ``updated`` and ``rows_imported`` are 0.

    Raises
    ------
    ImportFormatError
        The file cannot be read at all: empty, binary or a workbook, unknown encoding, no
        keyword column (the message lists the columns seen), unknown tool, unbalanced
        quotes, no data rows, mostly malformed rows, or no usable keyword at all. Every
        message is at most 300 characters.
    ImportConfirmationRequired
        More than :data:`NON_QUERY_CONFIRM_SHARE` of the keywords do not look like search
        queries and ``allow_non_queries`` is False.

    Notes
    -----
    Every row is range-checked here, the same for SQLite and PostgreSQL: control characters
    are removed from text (PostgreSQL refuses NUL), keywords over
    :data:`MAX_KEYWORD_LENGTH` are skipped, volumes are clamped to
    :data:`MAX_SEARCH_VOLUME`, CPCs above :data:`MAX_CPC_USD`, competition above 1 and KD
    above 100 become missing; each skip or change is counted in the report with the line
    of its first row.
    """
    started = time.perf_counter()
    text = decode_text(data, filename)
    offset, header_delimiter = find_header(text, filename)
    header_line = text.count("\n", 0, offset) + 1
    frame, malformed_lines, label = read_table(text[offset:], header_delimiter, filename)
    headers = [norm_header(c) for c in frame.columns]
    tool = _detect_tool(headers, filename, frame.columns)
    cols = _resolve(tool, frame, headers)
    if "keyword" not in cols:
        raise _error(
            filename,
            f"looks like a {tool} export but has no keyword column. "
            f"Columns seen: {_columns_seen(frame.columns)}.",
        )
    malformed = len(malformed_lines)
    rows_read = len(frame) + malformed
    if rows_read == 0:
        raise _error(filename, "the file has a header but no data rows.")
    if malformed * 2 > rows_read:
        raise _error(
            filename,
            f"{malformed:,} of {rows_read:,} rows have more cells than the "
            f"{len(frame.columns)}-column header when read as {label}-separated text (first "
            f"at line {header_line - 1 + malformed_lines[0]}); the file is corrupted or not an "
            "export of a supported tool.",
        )
    relative = frame.attrs.get("lines")
    if relative is None:  # one line per row after the header
        relative = np.arange(2, len(frame) + 2, dtype=np.int64)
    lines = header_line - 1 + np.asarray(relative, dtype=np.int64)

    rows = _extract(frame, tool, cols, headers)
    raw = rows["keyword"].astype(str)
    controls = raw.str.contains(_CONTROL, regex=True).to_numpy(dtype=bool)
    if controls.any():
        raw = raw.where(~controls, raw.str.replace(_CONTROL, "", regex=True))
    rows["keyword"] = normalized_keywords(raw)
    lengths = rows["keyword"].str.len()
    empty = (lengths == 0).to_numpy()
    too_long = (lengths > MAX_KEYWORD_LENGTH).to_numpy()
    skipped_masks = {"empty keyword": empty, "keyword too long": too_long}
    kept = ~(empty | too_long)
    note_masks = {
        "control characters removed": controls & kept,
        f"search volume clamped to {MAX_SEARCH_VOLUME:,}": rows["_volume_clamped"].to_numpy()
        & kept,
        f"CPC above {MAX_CPC_USD:,.0f} USD dropped": rows["_cpc_dropped"].to_numpy() & kept,
    }
    reasons = {"malformed row": malformed}
    first_lines = {"malformed row": header_line - 1 + malformed_lines[0]} if malformed else {}
    notes: dict[str, int] = {}
    for target, masks in ((reasons, skipped_masks), (notes, note_masks)):
        for reason, mask in masks.items():
            target[reason] = int(mask.sum())
            if target[reason]:
                first_lines[reason] = int(lines[np.argmax(mask)])
    reasons = {reason: count for reason, count in reasons.items() if count}
    notes = {note: count for note, count in notes.items() if count}
    rows = rows[kept].drop(columns=["_volume_clamped", "_cpc_dropped"])
    kept_lines = lines[kept]
    if rows.empty:
        detail = "; ".join(
            f"{r}: {c:,} (first at line {first_lines[r]})" for r, c in reasons.items()
        )
        raise _error(filename, f"no usable keyword rows ({rows_read:,} rows read; {detail}).")
    # An evenly spaced sample estimates the share within ±1.4 points (95 %, n = 5,000).
    step = max(1, len(rows) // _QUERY_SAMPLE_ROWS)
    sample = rows["keyword"].iloc[::step]
    queries = looks_like_query(sample)
    share = float(1.0 - queries.mean())
    if share > NON_QUERY_CONFIRM_SHARE and not allow_non_queries:
        first = int(np.argmin(queries))
        example = str(sample.iloc[first])
        raise ImportConfirmationRequired(
            _clip(
                f"{_name(filename)}{share:.0%} of rows do not look like search queries "
                f"(e.g. {_clip(example, 40)!r} at line {kept_lines[first * step]}). "
                "Check that this is the keyword export you meant; import anyway to keep them."
            ),
            share,
        )
    rows, merged = _merge_duplicates(rows)
    for name in ("competition_level", "intent", "serp_features", "grouping_hint"):
        rows[name] = rows[name].astype(object).where(rows[name].notna(), None)
    report = ImportReport(
        tool=tool,
        rows_read=rows_read,
        duplicates_merged=merged,
        skipped=sum(reasons.values()),
        skipped_reasons=reasons,
        notes=notes,
        first_lines=first_lines,
        non_query_share=share,
        seconds=time.perf_counter() - started,
    )
    return rows[OUTPUT_COLUMNS], report


def looks_like_query(keywords: pd.Series) -> np.ndarray:
    """Which normalised keywords look like search queries rather than ids, hashes or noise.

    A keyword passes when it has a letter (any script), at most 20 words, no token over 40
    characters, at most 20 % of characters outside letters, digits, spaces and the
    punctuation queries use (``' . , & + / : # % $ - …``), no token with three letter/digit
    switches (``a8kd0qz1``), no run of six consonants (y counting as a vowel) and fewer than
    two letter pairs that real keywords almost never have (``qz``, ``xj``…). Thresholds
    are ours, set so that the team's real exports (Semrush, Keyword Planner es) pass at
    ≥ 99 % and random printable or alphanumeric strings of 5-30 characters fail at ≥ 70 %
    (``tests/unit/projects/test_import_guards.py``).

    Parameters
    ----------
    keywords : pandas.Series of str
        Normalised keywords (lowercase, single spaces).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where the keyword looks like a search query.
    """
    text = keywords.astype(str)
    length = text.str.len().clip(lower=1)
    ok = text.str.contains(r"[^\W\d_]", regex=True)
    ok &= text.str.count(" ") < _QUERY_MAX_WORDS
    ok &= ~text.str.contains(rf"\S{{{_QUERY_MAX_TOKEN + 1},}}", regex=True)
    ok &= text.str.count(_QUERY_ODD_CHAR) <= 0.2 * length
    ok &= ~text.str.contains(_QUERY_ID_TOKEN, regex=True)
    ok &= ~text.str.contains(_QUERY_CONSONANT_RUN, regex=True)
    ok &= text.str.count(f"(?:{_QUERY_RARE_BIGRAMS})") < 2
    return ok.to_numpy(dtype=bool)
