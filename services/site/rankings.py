"""Organic-rankings exports (query ↔ page pairs): detection, parsing, aggregation. Pure.

Reading reuses the keyword importer's stages (:mod:`services.projects.imports`: encoding by
BOM / UTF-8 / charset-normalizer, header line, clevercsv dialect, pandas parsing, number
parsing), so a rankings file is read exactly like a keyword export; only the column mapping
differs. Supported shapes (header names matched case- and whitespace-insensitively):

============== ============================ ============================ =========================
field          Search Console (API,         Ahrefs "Organic keywords"    Semrush "Organic
               BigQuery, Looker Studio)     (UTF-16 TSV)                 Positions"
============== ============================ ============================ =========================
keyword        Query / Queries / Top        Keyword                      Keyword
               queries / Search query
page_url       Page / Landing page / URL    Current URL / URL            URL
position       Position / Average position  Current position / Position Position
               (BigQuery: sum_position /
               impressions + 1)
clicks         Clicks / Url clicks          —                            —
impressions    Impressions                  —                            —
est. traffic   —                            Organic traffic / Traffic    Traffic
search_volume  — [1]_                       Volume                       Search Volume
KD (0-100)     —                            KD / Difficulty              Keyword Difficulty
cpc (USD)      —                            CPC                          CPC
competition    —                            —                            Competition (0-1)
intent         —                            Intents                      Keyword Intents
date           Date / data_date             Updated / Date               Timestamp / Date
============== ============================ ============================ =========================

.. [1] As in the keyword importer, a Search Console query's "volume" in the keyword universe
   is its impressions (per page summed over the export's dates, then the largest page), i.e.
   how often the site was shown, not how often the query was searched.

A file is a rankings export when its header has a keyword/query column AND a page URL column
(:func:`detect_rankings_tool`); the ``import`` command routes such files here and every other
file to the keyword importer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from services.core.urls import normalize_url
from services.projects.imports.cells import (
    NOTE_CONTROLS,
    clamp_counts,
    clamp_note,
    intent_labels,
    map_unique,
    normalized_keywords,
    parse_numbers,
    strip_controls,
)

# Reused, not copied: the keyword importer's public reading stages (see the module docstring).
from services.projects.imports.decode import _error, decode_text
from services.projects.imports.detect import find_header, norm_header, split_line
from services.projects.imports.parse import MAX_KEYWORD_LENGTH
from services.site.rankings_columns import detect_rankings_tool, read_rankings

#: Tools recognised (the value stored in ``PageRanking.source``).
RANKING_TOOLS = ("gsc", "ahrefs", "semrush")
#: Columns of the page-query rows returned by :func:`parse_rankings_export`.
ROW_COLUMNS = [
    "page_url",
    "normalized_url",
    "keyword",
    "position",
    "clicks",
    "impressions",
    "estimated_traffic",
    "search_volume",
    "source",
    "date",
]
#: Columns of the keyword-metrics frame (the keyword importer's upsert columns).
METRIC_COLUMNS = [
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
#: Columns of :func:`aggregate_rankings`.
AGGREGATE_COLUMNS = [
    "normalized_url",
    "page_url",
    "keyword",
    "position",
    "clicks",
    "impressions",
    "estimated_traffic",
    "search_volume",
    "sources",
]


@dataclass
class RankingsReport:
    """What one rankings import did.

    Attributes
    ----------
    tool : str
        ``"gsc"``, ``"ahrefs"`` or ``"semrush"``.
    rows_read : int
        Data rows in the file (malformed rows included).
    rows_imported : int
        Page-query rows written (after merging duplicates).
    duplicates_merged : int
        Rows folded into another row with the same page, keyword and date.
    skipped : int
        Rows dropped; ``rows_read == skipped + duplicates_merged + rows``.
    skipped_reasons : dict[str, int]
        ``"malformed row"``, ``"empty keyword"``, ``"keyword too long"``, ``"no page url"``.
    notes : dict[str, int]
        Rows kept with a changed value (the keyword importer's bad-row policy,
        :mod:`services.projects.imports.cells`): ``"control characters removed"``,
        ``"clicks clamped to 2,147,483,647"``…
    pages : int
        Distinct page URLs (normalised) in the file.
    pages_created : int
        Pages the project did not have (stored as ``CrawledPage(source='rankings')``).
    keywords : int
        Distinct keywords; their metrics went into the keyword universe.
    keywords_inserted : int
        Keywords new to the project's keyword universe.
    seconds : float
        Wall time (s).
    """

    tool: str
    rows_read: int = 0
    rows_imported: int = 0
    duplicates_merged: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    pages_created: int = 0
    keywords: int = 0
    keywords_inserted: int = 0
    seconds: float = 0.0


def _header_names(text: str, filename: str) -> list[str]:
    offset, delimiter = find_header(text, filename)
    end = text.find("\n", offset)
    line = text[offset : end if end >= 0 else len(text)].rstrip("\r")
    return [norm_header(c) for c in split_line(line, delimiter)]


def is_rankings_export(data: bytes, filename: str = "") -> bool:
    """True when ``data`` is a rankings export (query/keyword AND page columns).

    Raises
    ------
    ImportFormatError
        The file cannot be read at all (empty, binary, no keyword column).
    """
    return detect_rankings_tool(_header_names(decode_text(data, filename), filename)) is not None


def _column(frame: pd.DataFrame, cols: dict[str, str], name: str, integer: bool = False):
    if name not in cols:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return parse_numbers(frame[cols[name]], integer=integer)


def _dates(frame: pd.DataFrame, cols: dict[str, str], today: date) -> pd.Series:
    if "date" not in cols:
        return pd.Series([today] * len(frame), index=frame.index, dtype=object)
    parsed = pd.to_datetime(frame[cols["date"]].astype(str), errors="coerce", format="mixed")
    days = parsed.dt.date.astype(object)
    return days.where(parsed.notna(), today)


def _web_url(cell: str) -> bool:
    """An http(s) URL of at most 2,000 characters with a host that parses (``http://[::1``
    does not) and a normal form."""
    if not cell.startswith(("http://", "https://")) or len(cell) > 2000:
        return False
    try:
        return bool(urlsplit(cell).hostname) and bool(normalize_url(cell))
    except ValueError:
        return False


def parse_rankings_export(
    data: bytes, filename: str = "", *, today: date | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, RankingsReport]:
    """Read a rankings export into page-query rows and keyword metrics. Pure: writes nothing.

    Parameters
    ----------
    data : bytes
        The uploaded file (see the module docstring for the shapes).
    filename : str, optional
        Original file name, for error messages.
    today : datetime.date, optional
        Date given to rows without one (default: today, UTC).

    Returns
    -------
    rows : pandas.DataFrame
        :data:`ROW_COLUMNS`, one row per (normalized_url, keyword, date): ``page_url`` (the
        first URL seen), ``keyword`` (normalised), ``position`` (float, 1 = top),
        ``clicks``/``impressions`` (float counts or NaN), ``estimated_traffic`` (float,
        visits/month, NaN for GSC), ``search_volume`` (float, searches/month), ``source``,
        ``date``. Duplicates are merged: clicks, impressions and traffic summed, the best
        (lowest) position and the highest volume kept.
    metrics : pandas.DataFrame
        :data:`METRIC_COLUMNS`, one row per keyword, for the keyword universe.
    report : RankingsReport
        Counts (``rows_imported`` is the number of ``rows``; page/keyword creation counts 0).

    Raises
    ------
    ImportFormatError
        Unreadable file, not a rankings export (no page URL column), no data rows, or no
        usable row at all.
    """
    started = time.perf_counter()
    today = today or datetime.now(UTC).date()
    frame, tool, cols, malformed = read_rankings(data, filename)
    rows_read = len(frame) + malformed
    out, notes = _extract_rankings(frame, tool, cols, today)
    out, reasons = _drop_bad_rows(out, malformed)
    if out.empty:
        detail = ", ".join(f"{r}: {c}" for r, c in reasons.items())
        raise _error(filename, f"no usable rows ({rows_read} rows read; {detail}).")
    rows = _merge_rows(out, tool, notes)
    metrics = _keyword_metrics(out, rows, tool)
    report = RankingsReport(
        tool=tool,
        rows_read=rows_read,
        rows_imported=len(rows),
        duplicates_merged=len(out) - len(rows),
        skipped=sum(reasons.values()),
        skipped_reasons=reasons,
        notes={n: c for n, c in notes.items() if c},
        pages=int(rows["normalized_url"].nunique()),
        keywords=len(metrics),
        seconds=time.perf_counter() - started,
    )
    return rows[ROW_COLUMNS].reset_index(drop=True), metrics, report


def _extract_rankings(
    frame: pd.DataFrame, tool: str, cols: dict[str, str], today: date
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Tool columns → row fields under the bad-row policy; returns the rows and the notes."""
    out = pd.DataFrame(index=frame.index)
    keywords, keyword_controls = strip_controls(frame[cols["keyword"]])
    out["keyword"] = normalized_keywords(keywords)
    urls, url_controls = strip_controls(frame[cols["page_url"]])
    out["page_url"] = urls.str.strip()
    notes = {NOTE_CONTROLS: int((keyword_controls | url_controls).sum())}
    out["position"] = _column(frame, cols, "position")
    if tool == "gsc" and "position" not in cols and "sum_position" in cols:
        # BigQuery bulk export: positions are zero-based sums, average = sum / impressions + 1
        # (Google's "Query guidelines and sample queries",
        # https://support.google.com/webmasters/answer/12917174).
        impressions = _column(frame, cols, "impressions", integer=True)
        out["position"] = (
            _column(frame, cols, "sum_position") / impressions.where(impressions > 0) + 1.0
        )
    for name in ("clicks", "impressions", "search_volume"):  # INTEGER columns
        values, over = clamp_counts(_column(frame, cols, name, integer=True))
        out[name] = values
        notes[clamp_note(name.replace("_", " "))] = int(over.sum())
    out["estimated_traffic"] = _column(frame, cols, "estimated_traffic")
    out["cpc"] = _column(frame, cols, "cpc")
    competition = _column(frame, cols, "competition")
    out["competition"] = competition.where(competition <= 1.0)
    kd = _column(frame, cols, "keyword_difficulty")
    out["keyword_difficulty"] = kd.where(kd <= 100.0)
    out["intent"] = (
        map_unique(frame[cols["intent"]], intent_labels)
        if "intent" in cols
        else pd.Series(None, index=frame.index, dtype=object)
    )
    out["date"] = _dates(frame, cols, today)
    out["source"] = tool
    return out, notes


def _drop_bad_rows(out: pd.DataFrame, malformed: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows without a keyword, with a keyword too long or without a web page URL are
    skipped (counted by reason); the rest get their ``normalized_url``."""
    lengths = out["keyword"].str.len()
    empty = (lengths == 0).to_numpy()
    too_long = (lengths > MAX_KEYWORD_LENGTH).to_numpy()
    no_url = ~out["page_url"].map(_web_url).to_numpy(dtype=bool) & ~empty & ~too_long
    reasons = {
        "malformed row": malformed,
        "empty keyword": int(empty.sum()),
        "keyword too long": int(too_long.sum()),
        "no page url": int(no_url.sum()),
    }
    out = out[~(empty | too_long | no_url)].copy()
    out["normalized_url"] = out["page_url"].map(normalize_url)
    return out, {r: c for r, c in reasons.items() if c}


def _merge_rows(out: pd.DataFrame, tool: str, notes: dict[str, int]) -> pd.DataFrame:
    """One row per (normalized_url, keyword, date): clicks, impressions and traffic summed
    (sums clamped again to the INTEGER maximum), the best position, the highest volume."""
    key = ["normalized_url", "keyword", "date"]
    grouped = out.groupby(key, sort=False, as_index=False, dropna=False)
    rows = grouped.agg(
        page_url=("page_url", "first"),
        position=("position", "min"),
        clicks=("clicks", "sum"),
        impressions=("impressions", "sum"),
        estimated_traffic=("estimated_traffic", "sum"),
        search_volume=("search_volume", "max"),
    )
    rows = _nan_if_none(rows, out, key)
    for name in ("clicks", "impressions"):
        rows[name], over = clamp_counts(rows[name])
        note = clamp_note(name)
        notes[note] = notes.get(note, 0) + int(over.sum())
    rows["source"] = tool
    return rows


_SUMMED = ("clicks", "impressions", "estimated_traffic")


def _nan_if_none(result: pd.DataFrame, source: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums of groups without any value back to NaN (pandas' ``sum`` gives 0 for them)."""
    present = source[keys].copy()
    names = [c for c in _SUMMED if c in result.columns and c in source.columns]
    for name in names:
        present[name] = source[name].notna()
    counts = present.groupby(keys, sort=False)[names].any()
    merged = result.set_index(keys)
    for name in names:
        merged[name] = merged[name].where(counts[name].reindex(merged.index).to_numpy())
    return merged.reset_index()


def _first_valid(series: pd.Series):
    valid = series.dropna()
    return valid.iloc[0] if len(valid) else None


def _keyword_metrics(out: pd.DataFrame, rows: pd.DataFrame, tool: str) -> pd.DataFrame:
    """One metrics row per keyword (GSC: impressions as volume, see the module docstring)."""
    if tool == "gsc":
        per_page = rows.groupby(["keyword", "normalized_url"], sort=False)["impressions"].sum(
            min_count=1
        )
        volume = per_page.groupby(level=0, sort=False).max()
    else:
        volume = out.groupby("keyword", sort=False)["search_volume"].max()
    grouped = out.groupby("keyword", sort=False)
    metrics = pd.DataFrame({"keyword": volume.index})
    metrics["search_volume"] = volume.to_numpy()
    for name in ("cpc", "competition", "keyword_difficulty"):
        metrics[name] = grouped[name].max().reindex(volume.index).to_numpy()
    metrics["intent"] = grouped["intent"].agg(_first_valid).reindex(volume.index).to_numpy()
    metrics["search_volume"] = clamp_counts(metrics["search_volume"])[0].astype("Int64")
    metrics["competition_level"] = None
    metrics["serp_features"] = None
    metrics["intent"] = metrics["intent"].astype(object).where(metrics["intent"].notna(), None)
    metrics["source"] = tool
    return metrics[METRIC_COLUMNS]


def aggregate_rankings(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (page, keyword) over every import, for scoring and cannibalization.

    Search Console rows are a time series: clicks and impressions are summed over the dates
    and the position is the impression-weighted mean (the plain mean without impressions).
    Semrush/Ahrefs rows are snapshots: only each keyword's latest date counts. Sources are
    then combined: clicks/impressions from GSC, estimated traffic and volume from the tools,
    the best (lowest) position of any source.

    Parameters
    ----------
    rows : pandas.DataFrame
        Stored page-query rows with :data:`ROW_COLUMNS` (``date`` as ``datetime.date``).

    Returns
    -------
    pandas.DataFrame
        :data:`AGGREGATE_COLUMNS`; ``clicks``/``impressions``/``estimated_traffic`` are
        float (NaN = the sources had none), ``sources`` is a comma-joined sorted list.
    """
    if rows.empty:
        return pd.DataFrame(columns=AGGREGATE_COLUMNS)
    rows = rows.copy()
    key = ["normalized_url", "keyword"]
    gsc = rows[rows["source"] == "gsc"].copy()
    tools = rows[rows["source"] != "gsc"]
    parts = []
    if not gsc.empty:
        weight = gsc["impressions"].fillna(0)
        gsc["_wpos"] = gsc["position"] * weight
        gsc["_w"] = weight.where(gsc["position"].notna(), 0)
        g = gsc.groupby(key, sort=False).agg(
            page_url=("page_url", "first"),
            clicks=("clicks", "sum"),
            impressions=("impressions", "sum"),
            _wpos=("_wpos", "sum"),
            _w=("_w", "sum"),
            _mean=("position", "mean"),
        )
        g = _nan_if_none(g.reset_index(), gsc, key)
        g["position"] = np.where(g["_w"] > 0, g["_wpos"] / g["_w"].where(g["_w"] > 0), g["_mean"])
        g["estimated_traffic"] = np.nan
        g["search_volume"] = np.nan
        g["sources"] = "gsc"
        parts.append(g.drop(columns=["_wpos", "_w", "_mean"]))
    if not tools.empty:
        # datetime64, not datetime.date objects: the max per group stays vectorised (issue 22).
        dates = pd.to_datetime(tools["date"])
        groups = [tools[c] for c in key + ["source"]]
        latest = dates == dates.groupby(groups, sort=False).transform("max")
        t = tools[latest]
        t = t.groupby(key + ["source"], sort=False, as_index=False).agg(
            page_url=("page_url", "first"),
            position=("position", "min"),
            estimated_traffic=("estimated_traffic", "sum"),
            search_volume=("search_volume", "max"),
        )
        t = _nan_if_none(t, tools[latest], key + ["source"])
        t = t.rename(columns={"source": "sources"})
        t["clicks"] = np.nan
        t["impressions"] = np.nan
        parts.append(t)
    both = pd.concat(parts, ignore_index=True)
    if len(parts) == 1 and both.duplicated(key).sum() == 0:
        return both[AGGREGATE_COLUMNS].reset_index(drop=True)
    combined = both.groupby(key, sort=False, as_index=False).agg(
        page_url=("page_url", "first"),
        position=("position", "min"),
        clicks=("clicks", "sum"),
        impressions=("impressions", "sum"),
        estimated_traffic=("estimated_traffic", "max"),
        search_volume=("search_volume", "max"),
        sources=("sources", lambda s: ",".join(sorted(set(s)))),
    )
    combined = _nan_if_none(combined, both, key)
    return combined[AGGREGATE_COLUMNS].reset_index(drop=True)
