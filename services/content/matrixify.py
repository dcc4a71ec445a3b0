"""Shopify collections as a Matrixify "Custom Collections" import file (pure).

Source: ``shared/contracts/shopify/NOTES.md`` (matrixify.app/documentation/custom-collections):
the CSV file name must contain "Custom Collection", an XLSX sheet is named "Custom
Collections". Columns: ``ID`` (empty for new), ``Handle``, ``Command``, ``Title``,
``Body HTML``, ``Sort Order``, ``Published``, ``Metafield: title_tag [string]`` (SEO title),
``Metafield: description_tag [string]`` (SEO meta description).

Choices: ``Command`` is MERGE by default (creates the collection when the handle is new,
updates it otherwise — safe to import twice); ``Published`` is FALSE (these are drafts
for review); ``Sort Order`` is left empty (Shopify keeps its default; the accepted values
are not verified in the contract notes). Only collection pages are exported.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from slugify import slugify

from services.seed_clusters.export import neutralise_cell, neutralise_frame

if TYPE_CHECKING:
    import pandas as pd

SHEET_NAME = "Custom Collections"
CSV_NAME = "Custom Collections.csv"
COMMANDS = ("NEW", "MERGE")
COLUMNS = [
    "ID",
    "Handle",
    "Command",
    "Title",
    "Body HTML",
    "Sort Order",
    "Published",
    "Metafield: title_tag [string]",
    "Metafield: description_tag [string]",
]
#: Shopify handles are at most 255 characters (Matrixify documentation).
HANDLE_MAX = 255


def handle_from_url(url: str) -> str:
    """Shopify handle from a page URL: the last path segment (``/collections/<handle>``)."""
    path = urlsplit(url).path if "://" in url else url
    last = [p for p in path.split("/") if p][-1:] or [""]
    return str(slugify(last[0], max_length=HANDLE_MAX))


def collections_frame(
    records: Sequence[Mapping[str, Any]], *, command: str = "MERGE"
) -> pd.DataFrame:
    """One row per collection page with :data:`COLUMNS`.

    Parameters
    ----------
    records : sequence of mapping
        ``{"brief": dict, "draft": dict}`` per page; pages other than a store's collections
        are skipped. Body HTML is the collection copy: the written draft's body, else the
        brief's one-line intro (an outline-only skeleton is never exported as copy); title
        and meta come from the draft when written, else from the brief.
    command : str
        "NEW" or "MERGE".
    """
    import pandas as pd

    if command not in COMMANDS:
        raise ValueError(f"command must be one of {COMMANDS}")
    rows = []
    for rec in records:
        b: Mapping[str, Any] = rec.get("brief") or {}
        if b.get("format", b.get("page_type")) != "collection":
            continue
        d: Mapping[str, Any] = rec.get("draft") or {}
        written = d.get("kind") == "llm"
        intro = str(b.get("intro") or "")
        rows.append(
            {
                "ID": "",
                "Handle": handle_from_url(str(b.get("url", ""))),
                "Command": command,
                "Title": b.get("h1", ""),
                "Body HTML": d.get("body_html", "") if written else _paragraph(intro),
                "Sort Order": "",
                "Published": "FALSE",
                "Metafield: title_tag [string]": d.get("title") if written else b.get("title"),
                "Metafield: description_tag [string]": (
                    d.get("meta_description") if written else b.get("meta_description")
                ),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def to_csv(frame: pd.DataFrame) -> bytes:
    """The Matrixify CSV (UTF-8, neutralised cells); save it as :data:`CSV_NAME`."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8")


def to_xlsx(frame: pd.DataFrame) -> bytes:
    """An XLSX with one sheet named :data:`SHEET_NAME` (neutralised, no formulas)."""
    import pandas as pd

    buf = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        safe = neutralise_frame(frame)
        safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
        safe.to_excel(writer, index=False, sheet_name=SHEET_NAME)
        writer.sheets[SHEET_NAME].freeze_panes(1, 0)
    return buf.getvalue()
