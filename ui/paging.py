"""Large tables shown a page at a time (issue 22: a screen sends only what is shown)."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

#: Rows per page of a paged table (a browser grid stays quick; a CSV download has them all).
PAGE_ROWS = 500


def paged(frame: Any, key: str, rows: int = PAGE_ROWS) -> Any:
    """The rows of ``frame`` on the page the user picked; the whole frame when it fits.

    Parameters
    ----------
    frame : pandas.DataFrame
    key : str
        Widget key of the page picker (unique on the screen).
    rows : int
        Rows per page.

    Returns
    -------
    pandas.DataFrame
        At most ``rows`` rows; a page picker and a "Rows a–b of n" caption are drawn when the
        frame is longer.
    """
    if len(frame) <= rows:
        return frame
    pages = math.ceil(len(frame) / rows)
    number = int(st.number_input(f"Page (of {pages:,})", 1, pages, 1, key=key))
    start = (number - 1) * rows
    end = min(start + rows, len(frame))
    st.caption(f"Rows {start + 1:,}–{end:,} of {len(frame):,}")
    return frame.iloc[start:end]
