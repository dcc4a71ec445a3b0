"""Cannibalization: conflicts by click share or top-20 positions, owner, actions, near-duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.site.cannibalization import (
    CannibalizationSettings,
    covered_owner,
    filter_report,
    find_cannibalization,
    to_csv_bytes,
)
from services.site.rankings import aggregate_rankings, parse_rankings_export
from tests.unit.site.rankings_samples import gsc_query_page


def _rows(records: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        records,
        columns=["keyword", "normalized_url", "clicks", "position", "estimated_traffic"],
    )
    frame["page_url"] = "https://" + frame["normalized_url"]
    frame["impressions"] = np.nan
    frame["search_volume"] = np.nan
    return frame


def test_click_share_conflict_owner_and_no_conflict_when_one_page_dominates():
    rows, _m, _r = parse_rankings_export(gsc_query_page(), "gsc.csv")
    report = find_cannibalization(aggregate_rankings(rows))
    trail = report[report["keyword"] == "trail shoes"].set_index("url")
    assert trail["conflict"].all()
    assert trail.loc["https://shop.example.com/trail", "role"] == "owner"  # 30 of 50 clicks
    assert trail.loc["https://shop.example.com/trail", "click_share"] == 0.6
    assert (trail["owner_url"] == "https://shop.example.com/trail").all()
    care = report[report["keyword"] == "shoe care"]
    assert len(care) == 2 and not care["conflict"].any()  # 95 % / 5 %
    assert report.iloc[0]["conflict"]  # conflicts first
    assert set(report["keyword"]) == {"trail shoes", "shoe care"}  # single-page keywords out


def test_without_clicks_both_pages_in_top_20_conflict():
    frame = _rows(
        [
            ("boots", "x.com/a", np.nan, 4.0, 100.0),
            ("boots", "x.com/b", np.nan, 15.0, 10.0),
            ("socks", "x.com/a", np.nan, 5.0, 50.0),
            ("socks", "x.com/c", np.nan, 35.0, 1.0),
        ]
    )
    report = find_cannibalization(frame)
    assert report.groupby("keyword")["conflict"].first().to_dict() == {
        "boots": True,
        "socks": False,
    }
    looser = find_cannibalization(frame, CannibalizationSettings(max_position=40))
    assert looser["conflict"].all()


def test_actions_merge_retarget_deoptimize_with_evidence():
    frame = _rows(
        [
            ("boots", "x.com/owner", 50.0, 2.0, np.nan),
            ("boots", "x.com/dup", 30.0, 4.0, np.nan),  # boots is its best keyword → merge
            ("boots", "x.com/guide", 20.0, 6.0, np.nan),  # top 10, own best keyword elsewhere
            ("boots", "x.com/far", 10.0, 30.0, np.nan),  # ranks far → de-optimize
            ("boot care guide", "x.com/guide", 80.0, 1.0, np.nan),
            ("far keyword", "x.com/far", 90.0, 1.0, np.nan),
        ]
    )
    report = find_cannibalization(frame).set_index("url")
    boots = report[report["keyword"] == "boots"]
    assert boots.loc["https://x.com/owner", "action"] == "keep"
    assert boots.loc["https://x.com/dup", "action"] == "merge + 301"
    assert boots.loc["https://x.com/guide", "action"] == "re-target"
    assert boots.loc["https://x.com/far", "action"] == "de-optimize"
    assert boots.loc["https://x.com/owner", "evidence"].startswith("Owner: most traffic")
    assert (
        "45% of the keyword's clicks, position 2.0" in boots.loc["https://x.com/owner", "evidence"]
    )
    assert "own best keyword" in boots.loc["https://x.com/dup", "evidence"]


def test_owner_ties_broken_by_position():
    frame = _rows([("k", "x.com/a", np.nan, 9.0, 1.0), ("k", "x.com/b", np.nan, 3.0, 1.0)])
    report = find_cannibalization(frame).set_index("url")
    assert report.loc["https://x.com/b", "role"] == "owner"


def test_covered_owner_and_csv_export():
    frame = _rows([("k", "x.com/a", 5.0, 9.0, np.nan), ("k", "x.com/b", 1.0, 3.0, np.nan)])
    assert covered_owner(frame) == {"k": "https://x.com/a"}
    data = to_csv_bytes(find_cannibalization(frame))
    assert data.startswith(b"\xef\xbb\xbfKeyword,Page,Pages ranking,Conflict")


def test_settings_round_trip_and_defaults():
    s = CannibalizationSettings.from_dict({"min_click_share": "0.3", "junk": 1})
    assert s.min_click_share == 0.3 and s.max_position == 20.0
    assert CannibalizationSettings.from_dict(s.to_dict()) == s


def test_filter_keeps_a_keywords_rows_together():
    rows, _m, _r = parse_rankings_export(gsc_query_page(), "gsc.csv")
    report = find_cannibalization(aggregate_rankings(rows))
    assert set(filter_report(report)["keyword"]) == {"trail shoes"}
    shown = filter_report(report, conflicts_only=False, contains="CARE")
    assert shown["keyword"].tolist() == ["shoe care", "shoe care"]  # owner row kept too
    merge = filter_report(report, conflicts_only=False, actions=["merge + 301"])
    assert set(merge["keyword"]) == {"trail shoes"} and len(merge) == 2
    # /trail-guide's own best keyword is "trail shoes": re-target it away from "shoe care".
    retarget = filter_report(report, conflicts_only=False, actions=["re-target"])
    assert set(retarget["keyword"]) == {"shoe care"}
