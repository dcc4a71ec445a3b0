"""Stage 3 of the keyword-export importer: the text after the header → a table of text cells.

``pandas.read_csv`` (C engine: quoted cells with delimiters or line breaks, CRLF, rows with
missing trailing cells) reads every cell as text; rows with *more* cells than the header
are skipped and counted as ``"malformed row"``. Used by the keyword and rankings importers.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import warnings
from typing import Any

import numpy as np
import pandas as pd

from services.projects.imports.decode import _error
from services.projects.imports.detect import _sniff

# pandas reports skipped over-long rows only as warnings; catching them mutates the global
# warnings state, so parsing is serialised (Streamlit runs each session in its own thread).
_PARSE_LOCK = threading.Lock()


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
