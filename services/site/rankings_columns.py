"""Which rankings tool wrote a file, and its table read with the tool's column mapping.

The header aliases of each tool (see the table in :mod:`services.site.rankings`) and the
reading stage of :func:`services.site.rankings.parse_rankings_export`. Pure.
"""

from __future__ import annotations

import pandas as pd

from services.projects.imports.decode import _columns_seen, _error, decode_text
from services.projects.imports.detect import find_header, norm_header
from services.projects.imports.table import read_table

_QUERY_HEADERS = ("query", "queries", "top queries", "search query", "search term")
_PAGE_HEADERS = ("page", "landing page", "url", "current url", "address", "page url")

_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gsc": {
        "keyword": _QUERY_HEADERS,
        "page_url": ("page", "landing page", "page url", "url", "address"),
        "position": ("position", "average position", "avg. position", "avg position"),
        "clicks": ("clicks", "url clicks"),
        "impressions": ("impressions",),
        "sum_position": ("sum_position", "sum_top_position"),
        "date": ("date", "data_date"),
    },
    "ahrefs": {
        "keyword": ("keyword",),
        "page_url": ("current url", "url"),
        "position": ("current position", "position"),
        "estimated_traffic": ("organic traffic", "current organic traffic", "traffic"),
        "search_volume": ("volume", "search volume"),
        "keyword_difficulty": ("kd", "difficulty", "keyword difficulty"),
        "cpc": ("cpc",),
        "intent": ("intents", "intent"),
        "date": ("updated", "last update", "date"),
    },
    "semrush": {
        "keyword": ("keyword",),
        "page_url": ("url",),
        "position": ("position",),
        "estimated_traffic": ("traffic",),
        "search_volume": ("search volume", "volume"),
        "keyword_difficulty": ("keyword difficulty",),
        "cpc": ("cpc", "cpc (usd)"),
        "competition": ("competition", "competitive density"),
        "intent": ("keyword intents", "intent", "intents"),
        "date": ("timestamp", "date"),
    },
}


def detect_rankings_tool(headers: list[str]) -> str | None:
    """The rankings tool of a header row, or None when it is not a rankings export.

    Parameters
    ----------
    headers : list of str
        Header names, already normalised (lowercase, single spaces).

    Returns
    -------
    str or None
        ``"gsc"`` (a query column, a page column and clicks or impressions), ``"ahrefs"``
        (Current URL, or URL with Organic traffic / Current position), ``"semrush"`` (URL with
        Position and Search Volume or Traffic), else None (e.g. a plain keyword export).
    """
    names = set(headers)
    if not names & set(_PAGE_HEADERS):
        return None
    if names & set(_QUERY_HEADERS) and names & {"clicks", "url clicks", "impressions"}:
        return "gsc"
    if "keyword" not in names:
        return None
    if "current url" in names or (
        "url" in names and names & {"organic traffic", "current position"}
    ):
        return "ahrefs"
    if "url" in names and "position" in names and names & {"search volume", "traffic"}:
        return "semrush"
    return None


def read_rankings(data: bytes, filename: str) -> tuple[pd.DataFrame, str, dict[str, str], int]:
    """The table, its tool, the field → column mapping and the malformed row count."""
    text = decode_text(data, filename)
    offset, header_delimiter = find_header(text, filename)
    frame, bad_lines, _label = read_table(text[offset:], header_delimiter, filename)
    malformed = len(bad_lines) if isinstance(bad_lines, list) else int(bad_lines)
    headers = [norm_header(c) for c in frame.columns]
    tool = detect_rankings_tool(headers)
    if tool is None:
        raise _error(
            filename,
            "not a rankings export: it needs a keyword/query column and a page URL column "
            "(Search Console query+page, Ahrefs Organic keywords, Semrush Organic Positions). "
            f"Columns seen: {_columns_seen(frame.columns)}.",
        )
    by_name: dict[str, str] = {}
    for label, name in zip(frame.columns, headers, strict=True):
        by_name.setdefault(name, label)
    cols = {
        fld: next(by_name[a] for a in aliases if a in by_name)
        for fld, aliases in _FIELDS[tool].items()
        if any(a in by_name for a in aliases)
    }
    if len(frame) + malformed == 0:
        raise _error(filename, "the file has a header but no data rows.")
    return frame, tool, cols, malformed
