"""Cannibalization a strategist can act on (issue 18 §3) against a real database."""

from __future__ import annotations

from pandas import testing as pd_testing

from services.site import api
from services.site.cannibalization_api import NO_RANKINGS, ONE_URL_PER_KEYWORD
from tests.unit.site.rankings_samples import SEMRUSH_HEADER, gsc_query_page

ROWS = [
    ("clear vs tsa precheck", 3, 12100, "/travel/learn/is-clear-worth-the-cost/", 649),
    ("tsa precheck vs clear", 7, 9900, "/travel/learn/tsa-precheck-vs-clear/", 60),
    ("chase sapphire preferred", 2, 90500, "/credit-cards/chase-sapphire-preferred/", 5000),
    ("chase sapphire reserve", 2, 74000, "/credit-cards/chase-sapphire-reserve/", 4000),
]


def _semrush() -> bytes:
    lines = [
        f"{kw},{pos},{pos},{vol},40,1.0,https://www.example.com{path},{traffic},1.0,10.0,0.5,"
        '1000,"[1]",2025-09-11,"","commercial",Organic'
        for kw, pos, vol, path, traffic in ROWS
    ]
    return ("\n".join([SEMRUSH_HEADER, *lines]) + "\n").encode()


def test_one_url_per_keyword_says_what_to_import_and_still_finds_same_search_pages(
    engine, project_id
):
    assert api.cannibalization_report(engine, project_id).notice == NO_RANKINGS
    api.import_rankings(engine, project_id, _semrush(), "positions.csv")
    result = api.cannibalization_report(engine, project_id)
    assert result.conflicts == 0
    assert result.notice == ONE_URL_PER_KEYWORD
    assert "Search Console query + page" in result.notice
    pairs = result.near_duplicates
    assert len(pairs) == 1  # Preferred / Reserve are sibling products, not a conflict
    row = pairs.iloc[0]
    assert row["Owner page"].endswith("/is-clear-worth-the-cost/")
    assert row["Other page"].endswith("/tsa-precheck-vs-clear/")
    assert row["Action"] == "merge + 301"
    assert "Traffic 649 vs 60 visits/month" in row["Evidence"]


def test_keyword_level_data_clears_the_notice(engine, project_id):
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    result = api.cannibalization_report(engine, project_id)
    assert result.notice == "" and result.conflicts == 1


def test_report_is_cached_until_a_new_rankings_import(engine, project_id, monkeypatch):
    from services.site import cannibalization_api, store

    reads = []
    load = store.load_rankings
    monkeypatch.setattr(store, "load_rankings", lambda s, pid: reads.append(pid) or load(s, pid))
    api.import_rankings(engine, project_id, _semrush(), "positions.csv")
    first = api.cannibalization_report(engine, project_id)
    again = api.cannibalization_report(engine, project_id)
    assert len(reads) == 1  # the rerun is served from the cache
    pd_testing.assert_frame_equal(first.near_duplicates, again.near_duplicates)
    again.near_duplicates.drop(again.near_duplicates.index, inplace=True)  # a caller's copy
    assert len(api.cannibalization_report(engine, project_id).near_duplicates) == 1

    # A Search Console export: two pages share clicks on one keyword → a conflict appears.
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    after = api.cannibalization_report(engine, project_id)
    assert len(reads) == 2
    assert first.conflicts == 0 and after.conflicts == 1 and after.notice == ""
    assert len(cannibalization_api._REPORTS) >= 2
