"""Keyword exports built in tests: Ahrefs and Keyword Planner native layouts (UTF-16LE)."""

from __future__ import annotations

import pandas as pd

AHREFS_HEADER = [
    "Keyword",
    "Country",
    "Difficulty",
    "Volume",
    "CPC",
    "CPS",
    "Parent Keyword",
    "Last Update",
    "SERP Features",
    "Global volume",
    "Traffic potential",
]
LONG_KEYWORD = " ".join(["wordpress theme for small business websites"] * 10)  # 439 chars
TOO_LONG_KEYWORD = "x" * 1001


def _quoted(cell: object) -> str:
    return '"' + str(cell).replace('"', '""') + '"'


def ahrefs_export(rows: list[list[object]], header: list[str] = AHREFS_HEADER) -> bytes:
    """An Ahrefs native export: UTF-16LE with BOM, tab-separated, every field quoted, CRLF."""
    lines = ["\t".join(_quoted(c) for c in line) for line in [header, *rows]]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")


def ahrefs_row(keyword: str, volume: object, difficulty: object = 10, cpc: object = 0.5,
               serp: str = "Sitelinks, Video") -> list[object]:  # fmt: skip
    return [keyword, "us", difficulty, volume, cpc, 1.1, keyword, "2026-04-01", serp, volume, 90]


def gkp_export(rows: list[dict[str, str]]) -> bytes:
    """A Keyword Planner native export: UTF-16LE + BOM, tabs, two preamble lines."""
    months = ["Searches: Oct 2020", "Searches: Nov 2020", "Searches: Dec 2020"]
    header = [
        "Keyword",
        "Currency",
        "Avg. monthly searches",
        "Three month change",
        "YoY change",
        "Competition",
        "Competition (indexed value)",
        "Top of page bid (low range)",
        "Top of page bid (high range)",
        *months,
    ]
    lines = ["Keyword Stats 2021-11-11 at 23_10_18", '"October 1, 2020 - September 30, 2021"']
    lines.append("\t".join(header))
    for row in rows:
        lines.append("\t".join(row.get(name, "") for name in header))
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-16-le")


def by_keyword(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    return frame.set_index("keyword").to_dict("index")
