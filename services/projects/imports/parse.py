"""Stage 4 of the keyword-export importer: the table → one row per normalised keyword.

The table is read by :func:`services.projects.imports.table.read_table`; each field is then
read from the tool's column (see the table in :mod:`services.projects.imports`) and every
row goes through the one bad-row policy of :mod:`services.projects.imports.cells`. Pure:
nothing here writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from services.core.errors import ImportConfirmationRequired
from services.core.wording import export_of
from services.projects.imports.cells import (
    MAX_CPC_USD,
    NOTE_CONTROLS,
    clamp_note,
    normalized_keywords,
    strip_controls,
)
from services.projects.imports.decode import _clip, _columns_seen, _error, _name, decode_text
from services.projects.imports.detect import (
    _detect_tool,
    _resolve,
    find_header,
    norm_header,
)
from services.projects.imports.fields import extract_fields
from services.projects.imports.query_shape import QUERY_SAMPLE_ROWS, looks_like_query
from services.projects.imports.table import read_table

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
#: Share of rows (0-1) that may fail :func:`looks_like_query` before an import needs the
#: user's confirmation (``allow_non_queries=True``).
NON_QUERY_CONFIRM_SHARE = 0.5


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
            f"Imported {self.rows_imported:,} keywords from {export_of(self.tool)} "
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
    table = _read(data, filename)
    rows = extract_fields(table.frame, table.tool, table.cols, table.headers)
    rows, kept_lines, reasons, notes, first_lines = _check_rows(rows, table)
    if rows.empty:
        detail = "; ".join(
            f"{r}: {c:,} (first at line {first_lines[r]})" for r, c in reasons.items()
        )
        raise _error(filename, f"no usable keyword rows ({table.rows_read:,} rows read; {detail}).")
    share = _query_share(rows["keyword"], kept_lines, filename, allow_non_queries)
    rows, merged = _merge_duplicates(rows)
    for name in ("competition_level", "intent", "serp_features", "grouping_hint"):
        rows[name] = rows[name].astype(object).where(rows[name].notna(), None)
    report = ImportReport(
        tool=table.tool,
        rows_read=table.rows_read,
        duplicates_merged=merged,
        skipped=sum(reasons.values()),
        skipped_reasons=reasons,
        notes=notes,
        first_lines=first_lines,
        non_query_share=share,
        seconds=time.perf_counter() - started,
    )
    return rows[OUTPUT_COLUMNS], report


@dataclass
class _Table:
    """A keyword export read as text cells, its tool and columns, and each row's line."""

    frame: pd.DataFrame
    tool: str
    cols: dict[str, str]
    headers: list[str]
    malformed_lines: list[int]
    rows_read: int
    header_line: int
    lines: np.ndarray  # line of the file (1-based) of each row of ``frame``


def _read(data: bytes, filename: str) -> _Table:
    """Decode, find the header, read the cells and the tool's columns (stages 1-3)."""
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
            f"looks like {export_of(tool)} but has no keyword column. "
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
    return _Table(frame, tool, cols, headers, malformed_lines, rows_read, header_line, lines)


def _check_rows(
    rows: pd.DataFrame, table: _Table
) -> tuple[pd.DataFrame, np.ndarray, dict[str, int], dict[str, int], dict[str, int]]:
    """The bad-row policy (:mod:`services.projects.imports.cells`) on the extracted rows.

    Returns the kept rows, their lines, skip reasons, notes and each one's first line.
    """
    raw, controls = strip_controls(rows["keyword"])
    rows["keyword"] = normalized_keywords(raw)
    lengths = rows["keyword"].str.len()
    empty = (lengths == 0).to_numpy()
    too_long = (lengths > MAX_KEYWORD_LENGTH).to_numpy()
    skipped_masks = {"empty keyword": empty, "keyword too long": too_long}
    kept = ~(empty | too_long)
    note_masks = {
        NOTE_CONTROLS: controls & kept,
        clamp_note("search volume"): rows["_volume_clamped"].to_numpy(dtype=bool) & kept,
        f"CPC above {MAX_CPC_USD:,.0f} USD dropped": rows["_cpc_dropped"].to_numpy() & kept,
    }
    malformed = len(table.malformed_lines)
    reasons = {"malformed row": malformed}
    first_lines = (
        {"malformed row": table.header_line - 1 + table.malformed_lines[0]} if malformed else {}
    )
    notes: dict[str, int] = {}
    for target, masks in ((reasons, skipped_masks), (notes, note_masks)):
        for reason, mask in masks.items():
            target[reason] = int(mask.sum())
            if target[reason]:
                first_lines[reason] = int(table.lines[np.argmax(mask)])
    reasons = {reason: count for reason, count in reasons.items() if count}
    notes = {note: count for note, count in notes.items() if count}
    rows = rows[kept].drop(columns=["_volume_clamped", "_cpc_dropped"])
    return rows, table.lines[kept], reasons, notes, first_lines


def _query_share(
    keywords: pd.Series, kept_lines: np.ndarray, filename: str, allow_non_queries: bool
) -> float:
    """Share of keywords that do not look like search queries (on an evenly spaced sample,
    within ±1.4 points at 95 % for n = 5,000).

    Raises
    ------
    ImportConfirmationRequired
        Over :data:`NON_QUERY_CONFIRM_SHARE` and the user has not confirmed.
    """
    step = max(1, len(keywords) // QUERY_SAMPLE_ROWS)
    sample = keywords.iloc[::step]
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
    return share
