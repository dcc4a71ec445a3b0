"""Stages 2, 3 and 5 of the keyword-export importer: header line, CSV dialect, tool.

* **Header line** — the first of the first 30 lines that has a keyword column (Keyword
  Planner writes two preamble lines before it; Excel may write ``sep=,``).
* **Dialect** — ``clevercsv`` on a sample from the header on (stdlib ``csv.Sniffer`` and the
  header line's own delimiter as fallbacks).
* **Tool** — detected from the header names (see ``_SIGNATURES``); :func:`_resolve` maps each
  field to the tool's column (see the table in :mod:`services.projects.imports`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Hashable, Iterable
from typing import Any

import clevercsv
import pandas as pd

from services.projects.imports.decode import _columns_seen, _error

#: Tools the importer recognises (the value stored in ``KeywordMetric.source``).
TOOLS = ("semrush", "ahrefs", "keyword_planner", "gsc")
_DELIMITERS = [",", "\t", ";", "|"]
_HEADER_SCAN_LINES = 30
_SNIFF_CHARS = 8_000
#: Widest header accepted (cells). Real exports have < 100 columns (Keyword Planner with 48
#: monthly columns is the widest seen); a wider line is not a keyword export.
MAX_COLUMNS = 1_000

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
        "grouping_hint": ("cluster", "topic", "parent keyword", "parent topic"),
    },
    "ahrefs": {
        "keyword": ("keyword", "keywords"),
        "search_volume": ("volume", "search volume"),
        "cpc": ("cpc",),
        "keyword_difficulty": ("difficulty", "kd", "keyword difficulty"),
        "intent": ("intents", "intent"),
        "serp_features": ("serp features",),
        "grouping_hint": ("parent keyword", "parent topic"),
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


def norm_header(name: Hashable) -> str:
    """A header cell as compared against the known tool headers: BOM, quotes and repeated
    white space removed, lower case (``"\ufeffKeyword "`` → ``"keyword"``)."""
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip().strip('"').strip().lower()


def split_line(line: str, delimiter: str) -> list[str]:
    """Cells of one line; a line the csv module refuses (a cell over its 128 KiB field
    limit, a stray line break) is split on the delimiter alone."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def find_header(text: str, filename: str) -> tuple[int, str]:
    """Offset of the header line and the delimiter that splits it into a keyword column."""
    pos = 0
    first_cells: list[str] = []
    for number in range(1, _HEADER_SCAN_LINES + 1):
        end = text.find("\n", pos)
        line = text[pos : end if end >= 0 else len(text)].rstrip("\r")
        splits = {d: split_line(line, d) for d in _DELIMITERS}
        matches = [d for d in _DELIMITERS if _KEYWORD_HEADERS & {norm_header(c) for c in splits[d]}]
        if matches:
            delimiter = max(matches, key=lambda d: len(splits[d]))
            if len(splits[delimiter]) > MAX_COLUMNS:
                raise _error(
                    filename,
                    f"the header (line {number}) has {len(splits[delimiter]):,} columns; a "
                    f"keyword export has at most {MAX_COLUMNS:,}. The file is corrupted or not "
                    "a keyword export.",
                )
            return pos, delimiter
        if not first_cells and line.strip():
            first_cells = max(splits.values(), key=len)
        if end < 0:
            break
        pos = end + 1
    raise _error(
        filename,
        f"no keyword column found in the first {_HEADER_SCAN_LINES} lines (expected e.g. "
        "'Keyword', or 'Top queries' for Search Console). Columns seen: "
        f"{_columns_seen(c for c in first_cells if c.strip())}.",
    )


def _sniff(body: str, header_delimiter: str) -> tuple[str, str, str | None]:
    """(delimiter, quotechar, escapechar) from clevercsv, checked against the header."""
    sample = body[:_SNIFF_CHARS]
    if len(body) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    header = body[: (body.find("\n") + 1 or len(body))].rstrip("\r\n")

    def splits_header(delimiter: str) -> bool:
        return bool(_KEYWORD_HEADERS & {norm_header(c) for c in split_line(header, delimiter)})

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
        raise _error(
            filename,
            "unknown export: the header matches none of Semrush, Ahrefs, Google Keyword "
            f"Planner or Search Console. Columns seen: {_columns_seen(columns)}.",
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
