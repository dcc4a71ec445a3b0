"""Keyword-export importer: Semrush, Ahrefs, Google Ads Keyword Planner, Search Console.

A user uploads the CSV/TSV file a tool exported and gets :class:`~db.models.KeywordMetric`
rows, with no configuration. Reading is done in stages, each by a well-kept library where
one exists:

1. **Encoding** — byte-order mark (UTF-8/16/32), else strict UTF-8, else
   ``charset_normalizer``. Workbooks (``.xlsx``/``.xls``) and binary files are refused.
2. **Header line** — the first of the first 30 lines that has a keyword column
   (Keyword Planner writes two preamble lines before it; Excel may write ``sep=,``).
3. **Dialect** — ``clevercsv`` on a sample from the header on (stdlib ``csv.Sniffer`` and
   the header line's own delimiter as fallbacks).
4. **Parsing** — ``pandas.read_csv`` (C engine: quoted cells with delimiters or line breaks,
   CRLF, rows with missing trailing cells); rows with *more* cells than the header are
   skipped and counted as ``"malformed row"``.
5. **Tool** — detected from the header names (see ``_SIGNATURES``), then each field is
   read from the tool's column as listed below.

Column mapping (header names are matched case- and whitespace-insensitively):

=================== ============================== ================================ ==========================
field (unit)        Semrush                        Ahrefs                           Keyword Planner / GSC
=================== ============================== ================================ ==========================
keyword             Keyword                        Keyword                          Keyword / Top queries
search_volume (/mo) Volume, Search Volume          Volume                           Avg. monthly searches [1]_
                                                                                    / Impressions [2]_
cpc (USD)           CPC (USD), CPC                 CPC                              mean of Top of page bid
                                                                                    (low/high range) [3]_
competition (0-1)   Competitive Density,           —                                Competition (indexed
                    Competition (already 0-1)                                       value) / 100
competition_level   —                              —                                Competition: Low/Medium/High
                                                                                    (also es/pt/it/de/fr/nl)
keyword_difficulty  Keyword Difficulty (0-100)     Difficulty, KD (0-100)           —
intent              Intent, Keyword Intents        Intents, or boolean columns      —
                    (labels or codes 0-3)          Informational … Local
serp_features       SERP Features                  SERP Features                    —
=================== ============================== ================================ ==========================

.. [1] Keyword Planner volumes may be exact ("1,300") or buckets ("1K – 10K",
   "10 – 100", "100K – 1M"). A bucket is stored as the **geometric mean of its bounds**,
   rounded (``sqrt(max(lo, 1) * hi)``: "1K – 10K" → 3,162, "10 – 100" → 32), because the
   buckets are log-spaced and the geometric mean is their central point on that scale.
   When "Avg. monthly searches" is empty the mean of the "Searches: Mon YYYY" columns is
   used; ``" --"`` and empty cells are ``None``.
.. [2] Search Console has no search volume: ``search_volume`` is the query's
   **Impressions** over the export's date range (GSC's default range is 3 months), i.e.
   how often the site was shown, not how often the query was searched.
.. [3] Only when the export's Currency column is USD (or absent); other currencies give
   ``None`` rather than a wrong dollar figure.

Keywords are normalised with :func:`services.core.text.normalize_keyword`. Rows whose keywords
collide after normalisation are merged: the row with the highest volume wins and its
missing metrics are filled from the other rows. Keywords longer than
:data:`MAX_KEYWORD_LENGTH` characters are skipped (``"keyword too long"``), blank ones too
(``"empty keyword"``). A metric that does not parse is stored as ``None``; it never skips
the row.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import charset_normalizer
import clevercsv
import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from db.models import KeywordMetric, Project
from services.core.errors import ImportFormatError, NotFoundError
from services.core.ids import as_uuid
from services.core.text import normalize_keyword

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEYWORD_LENGTH",
    "OUTPUT_COLUMNS",
    "TOOLS",
    "UNIVERSE_COLUMNS",
    "ImportReport",
    "import_keywords",
    "load_keyword_universe",
    "parse_keyword_export",
]

#: Tools the importer recognises (the value stored in ``KeywordMetric.source``).
TOOLS = ("semrush", "ahrefs", "keyword_planner", "gsc")
#: Longest keyword kept (characters, after normalisation; the column is String(1000)).
MAX_KEYWORD_LENGTH = 1000
#: Rows per executemany batch; progress is reported after each batch.
CHUNK_SIZE = 10_000
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
    "source",
]
#: Columns of the DataFrame returned by :func:`load_keyword_universe`.
UNIVERSE_COLUMNS = [
    "keyword",
    "search_volume",
    "cpc",
    "competition",
    "competition_level",
    "keyword_difficulty",
    "intent",
    "source",
]

_DELIMITERS = [",", "\t", ";", "|"]
_HEADER_SCAN_LINES = 30
_SNIFF_CHARS = 8_000
_INTENT_MAX_CHARS = 100  # KeywordMetric.intent is String(100)
# pandas reports skipped over-long rows only as warnings; catching them mutates the global
# warnings state, so parsing is serialised (Streamlit runs each session in its own thread).
_PARSE_LOCK = threading.Lock()

# Keyword column names of every tool (GSC names localised: es, de, fr, pt, it).
_GSC_QUERY_HEADERS = (
    "top queries",
    "queries",
    "query",
    "consultas principales",
    "häufigste suchanfragen",
    "requêtes les plus fréquentes",
    "principais consultas",
    "query principali",
)
_GSC_IMPRESSION_HEADERS = (
    "impressions",
    "impresiones",
    "impressionen",
    "impressões",
    "impressioni",
)
_GKP_KEYWORD_HEADERS = ("keyword", "palabra clave", "mot clé", "palavra-chave", "parola chiave")
_GKP_VOLUME_HEADERS = (
    "avg. monthly searches",
    "promedio de búsquedas mensuales",
    "durchschnittl. suchanfragen pro monat",
    "nombre moyen de recherches mensuelles",
    "média de pesquisas mensais",
)
_GKP_INDEX_HEADERS = (
    "competition (indexed value)",
    "competencia (valor indexado)",
    "wettbewerb (indexierter wert)",
    "concurrence (valeur indexée)",
    "concorrência (valor indexado)",
)
_GKP_LEVEL_HEADERS = ("competition", "competencia", "wettbewerb", "concurrence", "concorrência")
_GKP_MONTH_PREFIXES = (
    "searches: ",
    "búsquedas: ",
    "suchanfragen: ",
    "recherches : ",
    "pesquisas: ",
)

_KEYWORD_HEADERS = frozenset(("keyword", "keywords", *_GKP_KEYWORD_HEADERS, *_GSC_QUERY_HEADERS))

#: tool -> field -> accepted header names, first match wins.
_FIELD_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "semrush": {
        "keyword": ("keyword", "keywords"),
        "search_volume": ("volume", "search volume"),
        "cpc": ("cpc (usd)", "cpc"),
        "competition": ("competitive density", "competition"),
        "keyword_difficulty": ("keyword difficulty", "keyword difficulty index"),
        "intent": ("intent", "keyword intents", "intents"),
        "serp_features": ("serp features", "serp features by keyword"),
    },
    "ahrefs": {
        "keyword": ("keyword", "keywords"),
        "search_volume": ("volume", "search volume"),
        "cpc": ("cpc",),
        "keyword_difficulty": ("difficulty", "kd", "keyword difficulty"),
        "intent": ("intents", "intent"),
        "serp_features": ("serp features",),
    },
    "keyword_planner": {
        "keyword": _GKP_KEYWORD_HEADERS,
        "search_volume": _GKP_VOLUME_HEADERS,
        "competition": _GKP_INDEX_HEADERS,
        "competition_level": _GKP_LEVEL_HEADERS,
        "bid_low": ("top of page bid (low range)",),
        "bid_high": ("top of page bid (high range)",),
        "currency": ("currency", "moneda", "währung", "devise", "moeda"),
    },
    "gsc": {
        "keyword": _GSC_QUERY_HEADERS,
        "search_volume": _GSC_IMPRESSION_HEADERS,
    },
}

#: Header names that only one tool writes; the tool with most of them wins.
_SIGNATURES: dict[str, frozenset[str]] = {
    "semrush": frozenset(
        (
            "keyword difficulty",
            "cpc (usd)",
            "competitive density",
            "trend",
            "trends",
            "intent",
            "keyword intents",
            "number of results",
            "serp features by keyword",
        )
    ),
    "ahrefs": frozenset(
        (
            "difficulty",
            "kd",
            "cps",
            "parent keyword",
            "parent topic",
            "last update",
            "global volume",
            "traffic potential",
            "global traffic potential",
            "first seen",
        )
    ),
    "keyword_planner": frozenset(
        (
            *_GKP_VOLUME_HEADERS,
            *_GKP_INDEX_HEADERS,
            "top of page bid (low range)",
            "top of page bid (high range)",
            "three month change",
            "yoy change",
            "ad impression share",
            "in account?",
            "in plan?",
        )
    ),
    "gsc": frozenset(
        (
            *_GSC_QUERY_HEADERS,
            *_GSC_IMPRESSION_HEADERS,
            "clicks",
            "clics",
            "klicks",
            "cliques",
            "ctr",
        )
    ),
}

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
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or other ZIP archive",
    b"\xd0\xcf\x11\xe0": "a legacy Excel (.xls) workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


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
    seconds: float = 0.0


# --------------------------------------------------------------------------- reading


def _name(filename: str) -> str:
    return f"{filename}: " if filename else ""


def _decode(data: bytes, filename: str) -> str:
    """Text of ``data``: BOM, then strict UTF-8, then charset-normalizer."""
    if not data:
        raise ImportFormatError(f"{_name(filename)}the file is empty (0 bytes).")
    for magic, what in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise ImportFormatError(
                f"{_name(filename)}this is {what}, not a CSV/TSV export. "
                "Export or save the keywords as CSV and upload that file."
            )
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"{_name(filename)}the file starts with a {encoding} byte-order mark but "
                    f"is not valid {encoding} (byte {exc.start})."
                ) from exc
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:  # NULs: UTF-16 without a BOM, or binary
            best = charset_normalizer.from_bytes(data).best()
            if best is None:
                raise ImportFormatError(
                    f"{_name(filename)}cannot detect the text encoding; the file looks "
                    "binary. Upload the CSV/TSV file exported by the tool."
                )
            text = str(best)
    text = text.lstrip("\ufeff")
    sample = text[:10_000]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if controls > max(2, len(sample) // 100):
        raise ImportFormatError(
            f"{_name(filename)}the file holds binary data ({controls} control characters in "
            "its first 10,000), not CSV/TSV text."
        )
    if not text.strip():
        raise ImportFormatError(f"{_name(filename)}the file is empty (no text).")
    if "\n" not in text and "\r" in text:  # classic Mac line endings
        text = text.replace("\r", "\n")
    return text


def _norm_header(name: Hashable) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().strip('"').strip().lower()


def _split_line(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _find_header(text: str, filename: str) -> tuple[int, str]:
    """Offset of the header line and the delimiter that splits it into a keyword column."""
    pos = 0
    first_cells: list[str] = []
    for _ in range(_HEADER_SCAN_LINES):
        end = text.find("\n", pos)
        line = text[pos : end if end >= 0 else len(text)].rstrip("\r")
        splits = {d: _split_line(line, d) for d in _DELIMITERS}
        matches = [
            d for d in _DELIMITERS if _KEYWORD_HEADERS & {_norm_header(c) for c in splits[d]}
        ]
        if matches:
            return pos, max(matches, key=lambda d: len(splits[d]))
        if not first_cells and line.strip():
            first_cells = max(splits.values(), key=len)
        if end < 0:
            break
        pos = end + 1
    seen = [c.strip() for c in first_cells if c.strip()]
    raise ImportFormatError(
        f"{_name(filename)}no keyword column found in the first {_HEADER_SCAN_LINES} lines. "
        f"Columns seen: {seen[:40]}. Expected a column named e.g. 'Keyword' (Semrush, Ahrefs, "
        "Keyword Planner) or 'Top queries' (Search Console)."
    )


def _sniff(body: str, header_delimiter: str) -> tuple[str, str, str | None]:
    """(delimiter, quotechar, escapechar) from clevercsv, checked against the header."""
    sample = body[:_SNIFF_CHARS]
    if len(body) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    header = body[: (body.find("\n") + 1 or len(body))].rstrip("\r\n")

    def splits_header(delimiter: str) -> bool:
        return bool(_KEYWORD_HEADERS & {_norm_header(c) for c in _split_line(header, delimiter)})

    try:
        dialect = clevercsv.Detector().detect(sample, delimiters=_DELIMITERS)
    except Exception:  # noqa: BLE001 - a detector failure only means "use the fallback"
        dialect = None
    if dialect is not None and dialect.delimiter and splits_header(dialect.delimiter):
        return dialect.delimiter, dialect.quotechar or '"', dialect.escapechar or None
    try:
        std = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS))
        if splits_header(std.delimiter):
            return std.delimiter, std.quotechar or '"', std.escapechar
    except csv.Error:
        pass
    return header_delimiter, '"', None


def _read_table(body: str, header_delimiter: str, filename: str) -> tuple[pd.DataFrame, int, str]:
    """All cells as strings ("" when missing), over-long rows skipped, and the delimiter name."""
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
            raise ImportFormatError(
                f"{_name(filename)}cannot parse the file as {label}-separated text: {message}."
            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise ImportFormatError(f"{_name(filename)}the file has no columns.") from exc
    overlong = any(
        issubclass(w.category, pd.errors.ParserWarning)
        and str(w.message).startswith(("Skipping line", "Length of header"))
        for w in caught
    )
    if not overlong:
        return frame, 0, label
    frame, malformed = _read_ragged(body, delimiter, quotechar, escapechar, list(frame.columns))
    return frame, malformed, label


def _read_ragged(
    body: str, delimiter: str, quotechar: str, escapechar: str | None, columns: list[Any]
) -> tuple[pd.DataFrame, int]:
    """Re-read a file that has rows with more cells than its header (rare path).

    pandas either skips such rows or, when the first data row is one of them, silently
    truncates them all. Neither tells a harmless trailing delimiter from a shifted row, so
    the stdlib reader does it here: surplus cells that are empty are dropped, a row whose
    surplus cells hold data is skipped and counted as malformed.
    """
    width = len(columns)
    reader = csv.reader(
        io.StringIO(body), delimiter=delimiter, quotechar=quotechar, escapechar=escapechar
    )
    next(reader, None)  # the header
    kept: list[list[str]] = []
    malformed = 0
    for record in reader:
        if not record:
            continue  # blank line
        if len(record) > width:
            if any(cell.strip() for cell in record[width:]):
                malformed += 1
                continue
            record = record[:width]
        kept.append(record + [""] * (width - len(record)))
    return pd.DataFrame(kept, columns=columns, dtype=str), malformed


def _detect_tool(headers: list[str], filename: str, columns: Iterable[Any]) -> str:
    """Tool with the most signature headers; ties go to the order of :data:`TOOLS`."""
    names = set(headers)
    scores = {tool: len(names & _SIGNATURES[tool]) for tool in TOOLS}
    scores["keyword_planner"] += sum(h.startswith(_GKP_MONTH_PREFIXES) for h in headers)
    # GSC needs both its query and impressions columns; "Query" alone is too generic.
    if not (names & set(_GSC_QUERY_HEADERS) and names & set(_GSC_IMPRESSION_HEADERS)):
        scores["gsc"] = 0
    tool = max(TOOLS, key=lambda t: scores[t])
    if scores[tool] == 0:
        raise ImportFormatError(
            f"{_name(filename)}unknown export: the header matches none of Semrush, Ahrefs, "
            f"Google Keyword Planner or Search Console. Columns seen: {list(map(str, columns))[:40]}."
        )
    return tool


def _resolve(tool: str, frame: pd.DataFrame, headers: list[str]) -> dict[str, str]:
    """field -> column label of ``frame`` for ``tool``."""
    by_name: dict[str, str] = {}
    for label, name in zip(frame.columns, headers, strict=True):
        by_name.setdefault(name, label)
    resolved: dict[str, str] = {}
    for fld, aliases in _FIELD_HEADERS[tool].items():
        for alias in aliases:
            if alias in by_name:
                resolved[fld] = by_name[alias]
                break
    return resolved


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


def _numbers(column: pd.Series, *, integer: bool = False) -> pd.Series:
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
    return values.round().astype("Int64")


def _map_unique(column: pd.Series, func_: Callable[[str], str | None]) -> pd.Series:
    """Apply ``func_`` once per distinct cell (intent, level and SERP cells repeat a lot)."""
    text = column.astype(str)
    mapping = {u: func_(u) for u in pd.unique(text)}
    mapped = text.map(mapping).astype(object)
    return mapped.where(mapped.notna(), None)


def _intent_labels(cell: str) -> str | None:
    labels: list[str] = []
    for part in re.split(r"[,;|/]", cell):
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
    cell = cell.strip()
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
        _numbers(frame[cols["search_volume"]], integer=True) if "search_volume" in cols else nan
    )
    if tool == "keyword_planner":
        months = [
            label
            for label, name in zip(frame.columns, headers, strict=True)
            if name.startswith(_GKP_MONTH_PREFIXES)
        ]
        if months and volume.isna().any():
            monthly = pd.concat([_numbers(frame[m], integer=True) for m in months], axis=1)
            volume = volume.fillna(monthly.mean(axis=1, skipna=True))
    out["search_volume"] = _volumes(volume)

    if tool == "keyword_planner":
        bids = [_numbers(frame[cols[k]]) for k in ("bid_low", "bid_high") if k in cols]
        cpc = pd.concat(bids, axis=1).mean(axis=1, skipna=True) if bids else nan
        if "currency" in cols:
            currency = frame[cols["currency"]].astype(str).str.strip().str.upper()
            cpc = cpc.where(currency.isin(["USD", ""]))
        out["cpc"] = cpc
        competition = _numbers(frame[cols["competition"]]) / 100.0 if "competition" in cols else nan
    else:
        out["cpc"] = _numbers(frame[cols["cpc"]]) if "cpc" in cols else nan
        competition = _numbers(frame[cols["competition"]]) if "competition" in cols else nan
    out["competition"] = competition.where(competition <= 1.0)
    out["competition_level"] = (
        _map_unique(frame[cols["competition_level"]], _level)
        if "competition_level" in cols
        else none
    )
    kd = _numbers(frame[cols["keyword_difficulty"]]) if "keyword_difficulty" in cols else nan
    out["keyword_difficulty"] = kd.where(kd <= 100.0)

    if "intent" in cols:
        out["intent"] = _map_unique(frame[cols["intent"]], _intent_labels)
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
        _map_unique(frame[cols["serp_features"]], _text_or_none)
        if "serp_features" in cols
        else none
    )
    out["source"] = tool
    return out


def _normalized_keywords(column: pd.Series) -> np.ndarray:
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


def parse_keyword_export(data: bytes, filename: str = "") -> tuple[pd.DataFrame, ImportReport]:
    """Read a keyword export into one row per normalised keyword. Pure: writes nothing.

    Parameters
    ----------
    data : bytes
        The uploaded file (CSV/TSV as exported by Semrush, Ahrefs, Google Ads Keyword
        Planner or Search Console; any common encoding, see the module docstring).
    filename : str, optional
        Original file name; used only in error messages.

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
        quotes, no data rows, mostly malformed rows, or no usable keyword at all.
    """
    started = time.perf_counter()
    text = _decode(data, filename)
    offset, header_delimiter = _find_header(text, filename)
    frame, malformed, label = _read_table(text[offset:], header_delimiter, filename)
    headers = [_norm_header(c) for c in frame.columns]
    tool = _detect_tool(headers, filename, frame.columns)
    cols = _resolve(tool, frame, headers)
    if "keyword" not in cols:
        raise ImportFormatError(
            f"{_name(filename)}looks like a {tool} export but has no keyword column. "
            f"Columns seen: {list(map(str, frame.columns))[:40]}."
        )
    rows_read = len(frame) + malformed
    if rows_read == 0:
        raise ImportFormatError(f"{_name(filename)}the file has a header but no data rows.")
    if malformed * 2 > rows_read:
        raise ImportFormatError(
            f"{_name(filename)}{malformed} of {rows_read} rows have more cells than the "
            f"{len(frame.columns)}-column header when read as {label}-separated text; the "
            "file is corrupted or not an export of a supported tool."
        )

    rows = _extract(frame, tool, cols, headers)
    rows["keyword"] = _normalized_keywords(rows["keyword"])
    lengths = rows["keyword"].str.len()
    empty = (lengths == 0).to_numpy()
    too_long = (lengths > MAX_KEYWORD_LENGTH).to_numpy()
    reasons = {
        "malformed row": malformed,
        "empty keyword": int(empty.sum()),
        "keyword too long": int(too_long.sum()),
    }
    reasons = {reason: count for reason, count in reasons.items() if count}
    rows = rows[~(empty | too_long)]
    if rows.empty:
        detail = ", ".join(f"{r}: {c}" for r, c in reasons.items())
        raise ImportFormatError(
            f"{_name(filename)}no usable keyword rows ({rows_read} rows read; {detail})."
        )
    rows, merged = _merge_duplicates(rows)
    for name in ("competition_level", "intent", "serp_features"):
        rows[name] = rows[name].astype(object).where(rows[name].notna(), None)
    report = ImportReport(
        tool=tool,
        rows_read=rows_read,
        duplicates_merged=merged,
        skipped=sum(reasons.values()),
        skipped_reasons=reasons,
        seconds=time.perf_counter() - started,
    )
    return rows[OUTPUT_COLUMNS], report


# --------------------------------------------------------------------------- database

_METRIC_COLUMNS = (
    "search_volume",
    "cpc",
    "competition",
    "competition_level",
    "keyword_difficulty",
    "intent",
    "serp_features",
)
#: Columns of every inserted row (``id`` first; the order of named parameters).
_ROW_COLUMNS = (
    "id",
    "project_id",
    "keyword",
    *_METRIC_COLUMNS,
    "source",
    "status",
    "fetched_at",
)


def _upsert_statement(dialect_name: str) -> Any:
    """INSERT … ON CONFLICT (project_id, keyword) DO UPDATE keeping the higher volume.

    The incoming row wins when the stored volume is NULL or the incoming one is at least as
    high (ties go to the newer data); the winner's metrics are kept and its missing ones
    are filled from the loser (``COALESCE``). ``status`` of an existing row is never
    changed; ``source`` and ``fetched_at`` follow the winner.
    """
    table = KeywordMetric.__table__
    insert: postgresql.Insert | sqlite.Insert
    if dialect_name == "postgresql":
        insert = postgresql.insert(table)
    elif dialect_name == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - the app runs on SQLite or PostgreSQL only
        raise NotImplementedError(f"keyword import does not support {dialect_name!r}")
    new, old = insert.excluded, table.c
    new_wins = or_(
        old.search_volume.is_(None),
        and_(new.search_volume.is_not(None), new.search_volume >= old.search_volume),
    )
    set_: dict[str, Any] = {
        name: case(
            (new_wins, func.coalesce(new[name], old[name])),
            else_=func.coalesce(old[name], new[name]),
        )
        for name in _METRIC_COLUMNS
    }
    set_["source"] = case((new_wins, new.source), else_=old.source)
    set_["fetched_at"] = case((new_wins, new.fetched_at), else_=old.fetched_at)
    return insert.on_conflict_do_update(index_elements=[old.project_id, old.keyword], set_=set_)


def _python_values(column: pd.Series) -> list[Any]:
    """Column as plain Python values with None for missing (DB drivers need no numpy)."""
    return column.astype(object).where(column.notna(), None).tolist()


def _new_ids(total: int, dialect: Any) -> list[Any]:
    """``total`` random (version 4) UUIDs, already bound for ``dialect``.

    Built in bulk from ``os.urandom``; when the dialect stores UUIDs as 32-digit hex text
    (SQLite) the hex strings are used directly instead of 100,000 ``UUID`` objects.
    """
    octets = np.frombuffer(os.urandom(16 * total), dtype=np.uint8).reshape(total, 16).copy()
    octets[:, 6] = (octets[:, 6] & 0x0F) | 0x40  # version 4
    octets[:, 8] = (octets[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = octets.tobytes().hex()
    hexes = [digits[i : i + 32] for i in range(0, 32 * total, 32)]
    processor = KeywordMetric.__table__.c.id.type.bind_processor(dialect)
    probe = uuid.uuid4()
    if processor is not None and processor(probe) == probe.hex:
        return hexes
    ids = [uuid.UUID(h) for h in hexes]
    return [processor(i) for i in ids] if processor is not None else ids


def _bound_rows(
    frame: pd.DataFrame, project_id: uuid.UUID, now: datetime, dialect: Any, order: list[str]
) -> list[Any]:
    """Driver-ready parameters, one tuple (positional) or dict (named) per keyword.

    SQLAlchemy's per-row parameter processing costs about a second per 100,000 rows, so
    the column types' bind processors are applied here column-wise instead (constants once).
    """
    table = KeywordMetric.__table__
    total = len(frame)
    constants = {"project_id": project_id, "status": "qualified", "fetched_at": now}
    columns: dict[str, list[Any]] = {"id": _new_ids(total, dialect)}
    for name in _ROW_COLUMNS:
        if name in constants:
            processor = table.c[name].type.bind_processor(dialect)
            value = constants[name]
            columns[name] = [processor(value) if processor else value] * total
        elif name in frame.columns:
            columns[name] = _python_values(frame[name])
    for name in _ROW_COLUMNS:
        processor = table.c[name].type.bind_processor(dialect)
        if processor is not None and name not in constants and name != "id":
            columns[name] = [processor(v) for v in columns[name]]
    if order:  # positional paramstyle (sqlite "?")
        return list(zip(*(columns[name] for name in order), strict=True))
    ordered = [columns[name] for name in _ROW_COLUMNS]
    return [dict(zip(_ROW_COLUMNS, values, strict=True)) for values in zip(*ordered, strict=True)]


def import_keywords(
    engine: Engine,
    project_id: uuid.UUID | str,
    data: bytes,
    filename: str = "",
    progress: Callable[[float, str], None] | None = None,
) -> ImportReport:
    """Parse a keyword export and upsert it into the project's ``keyword_metrics``.

    All rows are written in ONE transaction (chunked ``executemany`` of a dialect
    ``INSERT … ON CONFLICT DO UPDATE``): a failure anywhere leaves the table as it was.
    A keyword the project already has keeps the higher ``search_volume``; the winning
    row's metrics are kept and missing ones filled from the other (see
    :func:`_upsert_statement`). New rows get ``status="qualified"`` and
    ``fetched_at=now`` (UTC).

    Parameters
    ----------
    engine : sqlalchemy.Engine
        A migrated SQLite or PostgreSQL engine.
    project_id : uuid.UUID or str
        The project that owns the keywords.
    data : bytes
        The uploaded export (see :func:`parse_keyword_export`).
    filename : str, optional
        Original file name, for error messages.
    progress : callable, optional
        ``progress(fraction, message)`` with ``fraction`` in 0-1, called after parsing,
        after each chunk of :data:`CHUNK_SIZE` rows and at the end. An exception raised by
        it aborts the import and rolls everything back.

    Returns
    -------
    ImportReport
        Counts of the parse plus ``inserted`` (new keywords), ``updated`` (keywords the
        project had), ``rows_imported = inserted + updated`` and total ``seconds``.

    Raises
    ------
    ImportFormatError
        The file cannot be read (nothing is written).
    NotFoundError
        ``project_id`` does not exist.
    """
    started = time.perf_counter()
    report_progress = progress or (lambda _fraction, _message: None)
    report_progress(0.0, "Reading the file")
    frame, report = parse_keyword_export(data, filename)
    total = len(frame)
    report_progress(0.1, f"Read {report.rows_read:,} rows from a {report.tool} export")
    pid = as_uuid(project_id)
    table = KeywordMetric.__table__
    count = select(func.count()).select_from(table).where(table.c.project_id == pid)
    with engine.begin() as conn:
        if conn.execute(select(Project.id).where(Project.id == pid)).first() is None:
            raise NotFoundError(f"Project {pid} does not exist.")
        before = conn.execute(count).scalar_one()
        compiled = _upsert_statement(conn.dialect.name).compile(
            dialect=conn.dialect, column_keys=list(_ROW_COLUMNS)
        )
        rows = _bound_rows(
            frame, pid, datetime.now(UTC), conn.dialect, list(compiled.positiontup or [])
        )
        sql = str(compiled)
        for start in range(0, total, CHUNK_SIZE):
            conn.exec_driver_sql(sql, rows[start : start + CHUNK_SIZE])
            done = min(start + CHUNK_SIZE, total)
            report_progress(0.1 + 0.85 * done / total, f"Saved {done:,} of {total:,} keywords")
        after = conn.execute(count).scalar_one()
    report.inserted = after - before
    report.updated = total - report.inserted
    report.rows_imported = total
    report.seconds = time.perf_counter() - started
    report_progress(
        1.0, f"Imported {total:,} keywords ({report.inserted:,} new, {report.updated:,} updated)"
    )
    return report


def load_keyword_universe(engine: Engine, project_id: uuid.UUID | str) -> pd.DataFrame:
    """All keyword metrics of a project, highest volume first.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The application's engine.
    project_id : uuid.UUID or str
        The project.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNIVERSE_COLUMNS`: ``keyword``, ``search_volume`` (Int64,
        searches/month), ``cpc`` (float, USD), ``competition`` (float, 0-1),
        ``competition_level``, ``keyword_difficulty`` (float, 0-100), ``intent``,
        ``source``. Empty (with those columns) when the project has no keywords.
    """
    t = KeywordMetric
    statement = (
        select(*(getattr(t, name) for name in UNIVERSE_COLUMNS))
        .where(t.project_id == as_uuid(project_id))
        .order_by(t.search_volume.desc().nulls_last(), t.keyword)
    )
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=UNIVERSE_COLUMNS)
    frame["search_volume"] = frame["search_volume"].astype("Int64")
    for name in ("cpc", "competition", "keyword_difficulty"):
        frame[name] = frame[name].astype("float64")
    return frame
