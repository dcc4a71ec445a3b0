"""Rankings exports: detection, parsing of the three shapes, aggregation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from services.core.errors import ImportFormatError
from services.site.rankings import (
    aggregate_rankings,
    detect_rankings_tool,
    is_rankings_export,
    parse_rankings_export,
)
from tests.unit.site.rankings_samples import (
    ahrefs_organic_keywords,
    gsc_query_page,
    keyword_export,
    semrush_positions,
)


def test_detection_tells_rankings_from_keyword_exports():
    assert is_rankings_export(semrush_positions())
    assert is_rankings_export(ahrefs_organic_keywords())
    assert is_rankings_export(gsc_query_page())
    assert not is_rankings_export(keyword_export())
    assert detect_rankings_tool(["query", "page", "clicks"]) == "gsc"
    assert detect_rankings_tool(["keyword", "current url", "volume"]) == "ahrefs"
    assert detect_rankings_tool(["keyword", "url", "position", "search volume"]) == "semrush"
    # GSC's UI "Queries" export has no page column: a keyword export, not rankings.
    assert detect_rankings_tool(["top queries", "clicks", "impressions"]) is None


def test_semrush_rows_merged_skipped_and_metrics():
    rows, metrics, report = parse_rankings_export(semrush_positions(), "positions.csv")
    assert report.tool == "semrush"
    assert report.rows_read == 5
    assert report.skipped_reasons == {"no page url": 1}
    # "Trail Running Shoes" on the same URL with a trailing slash: same page, same keyword, date.
    assert report.duplicates_merged == 1
    assert report.rows_read == report.skipped + report.duplicates_merged + len(rows)
    trail = rows[rows["keyword"] == "trail running shoes"].iloc[0]
    assert trail["normalized_url"] == "example.com/collections/trail-running-shoes"
    assert trail["position"] == 2.0  # best position of the two
    assert trail["estimated_traffic"] == 860.0  # 820 + 40
    assert trail["date"] == date(2025, 9, 11)
    assert report.pages == 3
    m = metrics.set_index("keyword")
    assert m.loc["trail running shoes", "search_volume"] == 9900
    assert m.loc["trail running shoes", "competition"] == pytest.approx(0.81)
    assert m.loc["waterproof trail shoes", "intent"] == "commercial,transactional"
    assert m.loc["how to clean running shoes", "keyword_difficulty"] == 20.0


def test_ahrefs_utf16_tsv_with_polish_keywords():
    rows, metrics, report = parse_rankings_export(ahrefs_organic_keywords(), "oral.csv")
    assert report.tool == "ahrefs"
    assert report.skipped_reasons == {"empty keyword": 1}
    assert set(rows["keyword"]) == {
        "szczoteczka elektryczna",
        "szczoteczki elektryczne",
        "nić dentystyczna",
    }
    first = rows.set_index("keyword").loc["szczoteczka elektryczna"]
    assert first["position"] == 4.0
    assert first["estimated_traffic"] == 1885.0
    assert first["search_volume"] == 22000.0
    assert pd.isna(first["clicks"])
    assert metrics.set_index("keyword").loc["nić dentystyczna", "search_volume"] == 5400


def test_gsc_keeps_dates_and_uses_impressions_as_volume():
    rows, metrics, report = parse_rankings_export(gsc_query_page(), "gsc.csv")
    assert report.tool == "gsc"
    assert len(rows) == 6  # one row per (page, query, date)
    assert report.pages == 3
    # Per page summed over dates (200 on /trail, 150 on /trail-guide) → the largest page.
    assert metrics.set_index("keyword").loc["trail shoes", "search_volume"] == 200


def test_aggregate_sums_gsc_dates_with_weighted_position():
    rows, _m, _r = parse_rankings_export(gsc_query_page(), "gsc.csv")
    agg = aggregate_rankings(rows).set_index(["normalized_url", "keyword"])
    trail = agg.loc[("shop.example.com/trail", "trail shoes")]
    assert trail["clicks"] == 30
    assert trail["impressions"] == 200
    assert trail["position"] == pytest.approx(4.0)  # (3·100 + 5·100) / 200


def test_aggregate_keeps_the_latest_snapshot_of_a_tool():
    rows, _m, _r = parse_rankings_export(semrush_positions(), "positions.csv")
    older = rows.copy()
    older["date"] = date(2025, 1, 1)
    older["position"] = 50.0
    agg = aggregate_rankings(pd.concat([older, rows], ignore_index=True))
    assert len(agg) == len(rows)
    assert agg.set_index("keyword").loc["trail running shoes", "position"] == 2.0


def test_not_a_rankings_export_is_refused_with_columns_named():
    with pytest.raises(ImportFormatError, match="not a rankings export"):
        parse_rankings_export(keyword_export(), "kw.csv")


def test_gsc_bigquery_export_position_from_sum_position():
    data = (
        b"data_date,url,query,clicks,impressions,sum_position\n"
        b"2026-01-02,https://x.com/a,trail shoes,3,10,20\n"
    )
    rows, _m, report = parse_rankings_export(data, "bq.csv")
    assert report.tool == "gsc"
    assert rows.loc[0, "position"] == 3.0  # 20 / 10 + 1
    assert rows.loc[0, "date"] == date(2026, 1, 2)
