"""Keyword-export parsing (no database): the team's real exports and synthetic edge cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from services.core.errors import ImportFormatError
from services.core.text import normalize_keyword
from services.projects.imports import OUTPUT_COLUMNS, parse_keyword_export
from tests.conftest import GKP_ES, SEMRUSH_ATW, SEMRUSH_ATW_CLUSTERED, SEMRUSH_WP
from tests.unit.projects.export_samples import (
    LONG_KEYWORD,
    TOO_LONG_KEYWORD,
    ahrefs_export,
    ahrefs_row,
    by_keyword,
    gkp_export,
)

# --------------------------------------------------------------------------- real files


def test_semrush_wordpress_export_parses_every_row():
    frame, report = parse_keyword_export(SEMRUSH_WP.read_bytes(), SEMRUSH_WP.name)

    assert report.tool == "semrush"
    assert report.rows_read == 12_680
    # "รับทำเว็บ wordpress" and "รับทําเว็บ wordpress" are one keyword after NFKC.
    assert report.duplicates_merged == 1
    assert report.skipped == 0 and report.skipped_reasons == {}
    assert len(frame) == 12_679
    assert list(frame.columns) == OUTPUT_COLUMNS
    assert frame["keyword"].is_unique
    assert all(k == normalize_keyword(k) for k in frame["keyword"])
    news = by_keyword(frame)["wordpress news"]
    assert news["search_volume"] == 40_500
    assert news["keyword_difficulty"] == 40
    assert news["cpc"] == pytest.approx(3.01)
    assert news["intent"] == "informational"
    assert news["serp_features"] == "Top stories, Related searches"
    assert news["source"] == "semrush"
    assert news["competition"] is None or math.isnan(news["competition"])  # no density column
    # Quoted multi-value Intent cells: 1,747 rows carry two labels (shared/data/README.md).
    assert frame["intent"].str.contains(",").sum() == 1_747
    labels = {label for cell in frame["intent"].dropna() for label in cell.split(",")}
    assert labels == {"informational", "commercial", "navigational", "transactional"}
    assert frame["search_volume"].notna().all()


def test_semrush_export_with_competitive_density_and_zero_volumes():
    frame, report = parse_keyword_export(SEMRUSH_ATW.read_bytes())

    assert (report.tool, report.rows_read, len(frame)) == ("semrush", 27_640, 27_640)
    assert (frame["search_volume"] == 0).sum() == 21_239  # zero is a volume, not missing
    assert frame["competition"].between(0, 1).all()
    assert frame["keyword_difficulty"].isna().sum() == 27_153
    row = by_keyword(frame)["how to add website to home screen"]
    assert (row["search_volume"], row["keyword_difficulty"], row["competition"]) == (1900, 37, 0)


def test_crlf_clustered_export_reads_like_the_raw_export():
    data = SEMRUSH_ATW_CLUSTERED.read_bytes()
    assert b"\r\n" in data

    clustered, report = parse_keyword_export(data)
    raw, _ = parse_keyword_export(SEMRUSH_ATW.read_bytes())

    assert report.rows_read == 27_640
    # CLUSTER becomes the grouping hint ("Other" = none); the rest as raw, no stray "\r".
    assert clustered["grouping_hint"].notna().sum() == 27_640 - 12_586
    assert clustered["grouping_hint"].map(lambda h: h is None or "\r" not in h).all()
    pd.testing.assert_frame_equal(
        clustered.drop(columns="grouping_hint"), raw.drop(columns="grouping_hint")
    )


def test_keyword_planner_export_utf16_with_preamble():
    frame, report = parse_keyword_export(GKP_ES.read_bytes(), "keyword-stats.csv")

    assert report.tool == "keyword_planner"
    assert report.rows_read == 2_214 and len(frame) == 2_214 and report.skipped == 0
    assert frame["search_volume"].isna().sum() == 1_786  # empty cells, no monthly data
    assert frame["competition_level"].value_counts().to_dict() == {
        "LOW": 82,
        "HIGH": 14,
        "MEDIUM": 10,
    }
    assert frame["competition_level"].isna().sum() == 2_108  # "Unknown"
    assert frame["competition"].dropna().between(0, 1).all()
    rows = by_keyword(frame)
    assert rows["taller mecanico"]["search_volume"] == 50
    assert rows["taller mecanico"]["competition"] == pytest.approx(0.04)
    assert rows["taller mecanico"]["competition_level"] == "LOW"
    assert "taller mecánico cerca de mi ubicación" in rows  # accents survive UTF-16
    assert frame["cpc"].isna().all()  # bid columns are empty in every row
    assert (frame["source"] == "keyword_planner").all()


# --------------------------------------------------------------------------- synthetic


def test_keyword_planner_buckets_exact_numbers_dashes_and_monthly_fallback():
    data = gkp_export(
        [
            {"Keyword": "bucket thousands", "Avg. monthly searches": "1K – 10K"},
            {"Keyword": "bucket tens", "Avg. monthly searches": "10 – 100"},
            {"Keyword": "bucket large", "Avg. monthly searches": "100K – 1M"},
            {
                "Keyword": "exact",
                "Avg. monthly searches": "1,300",
                "Currency": "USD",
                "Top of page bid (low range)": "1.00",
                "Top of page bid (high range)": "3.00",
            },  # fmt: skip
            {"Keyword": "dashes", "Avg. monthly searches": " --", "YoY change": " --"},
            {
                "Keyword": "monthly only",
                "Searches: Oct 2020": "10",
                "Searches: Nov 2020": "20",
                "Searches: Dec 2020": "30",
            },  # fmt: skip
            {
                "Keyword": "localised",
                "Avg. monthly searches": "10",
                "Competition": "Alta",
                "Competition (indexed value)": "86",
            },  # fmt: skip
            {
                "Keyword": "euros",
                "Avg. monthly searches": "10",
                "Currency": "EUR",
                "Top of page bid (low range)": "1.00",
                "Top of page bid (high range)": "3.00",
            },  # fmt: skip
        ]
    )

    frame, report = parse_keyword_export(data)
    rows = by_keyword(frame)

    assert report.tool == "keyword_planner" and report.rows_read == 8
    assert rows["bucket thousands"]["search_volume"] == 3_162  # geometric mean of 1,000-10,000
    assert rows["bucket tens"]["search_volume"] == 32
    assert rows["bucket large"]["search_volume"] == 316_228
    assert rows["exact"]["search_volume"] == 1_300
    assert rows["exact"]["cpc"] == pytest.approx(2.0)  # mean of the bid range
    assert pd.isna(rows["dashes"]["search_volume"])
    assert rows["monthly only"]["search_volume"] == 20
    assert rows["localised"]["competition_level"] == "HIGH"
    assert rows["localised"]["competition"] == pytest.approx(0.86)
    assert math.isnan(rows["euros"]["cpc"])  # not a USD figure


def test_ahrefs_utf16_quoted_export_with_edge_cases():
    data = ahrefs_export(
        [
            ahrefs_row("WordPress  Themes", 900, difficulty="", serp="Sitelinks,\nVideo"),
            ahrefs_row("wordpress themes", 100, difficulty=35),  # duplicate, lower volume
            ahrefs_row("multi\r\nline keyword", 40),
            ahrefs_row(LONG_KEYWORD, 10),
            ahrefs_row(TOO_LONG_KEYWORD, 10),
            ahrefs_row("best theme 🎨🚀", 70, cpc="1.25"),
            ahrefs_row("   ", 50),
            ahrefs_row("odd volume", "n/a"),
        ]
    )
    assert data.startswith(b"\xff\xfe")

    frame, report = parse_keyword_export(data, "ahrefs.csv")
    rows = by_keyword(frame)

    assert report.tool == "ahrefs"
    assert report.rows_read == 8
    assert report.duplicates_merged == 1
    assert report.skipped_reasons == {"keyword too long": 1, "empty keyword": 1}
    assert report.skipped == 2
    assert sorted(rows) == sorted(
        ["wordpress themes", "multi line keyword", LONG_KEYWORD, "best theme 🎨🚀", "odd volume"]
    )
    themes = rows["wordpress themes"]
    assert themes["search_volume"] == 900  # the higher volume wins
    assert themes["keyword_difficulty"] == 35  # filled from the merged row
    assert themes["serp_features"] == "Sitelinks,\nVideo"  # line break inside a quoted cell
    assert rows["best theme 🎨🚀"]["cpc"] == pytest.approx(1.25)
    assert pd.isna(rows["odd volume"]["search_volume"])  # kept, volume unknown
    assert frame["competition"].isna().all()  # Ahrefs has no competition metric


def test_ahrefs_site_explorer_layout_with_kd_and_intent_flags():
    header = ["Keyword", "Volume", "KD", "CPC", "Informational", "Commercial", "Branded"]
    data = ahrefs_export(
        [
            ["shoe store", "1,200", "44", "0.80", "false", "true", "false"],
            ["nike", "2.5K", "90", "1.10", "true", "true", "true"],
            ["plain", "10", "1", "0", "false", "false", "false"],
        ],
        header=header,
    )

    frame, report = parse_keyword_export(data)
    rows = by_keyword(frame)

    assert report.tool == "ahrefs"
    assert rows["shoe store"]["search_volume"] == 1_200
    assert rows["shoe store"]["keyword_difficulty"] == 44
    assert rows["shoe store"]["intent"] == "commercial"
    assert rows["nike"]["search_volume"] == 2_500
    assert rows["nike"]["intent"] == "informational,commercial,branded"
    assert rows["plain"]["intent"] is None


def test_search_console_export_uses_impressions_as_volume():
    data = (
        b"Top queries,Clicks,Impressions,CTR,Position\n"
        b"trail running shoes,120,4500,2.67%,8.1\n"
        b"Trail Running Shoes,3,90,3.3%,12\n"
        b"waterproof hiking boots,15,980,1.53%,11.4\n"
    )

    frame, report = parse_keyword_export(data, "Queries.csv")
    rows = by_keyword(frame)

    assert report.tool == "gsc"
    assert (report.rows_read, report.duplicates_merged, len(frame)) == (3, 1, 2)
    assert rows["trail running shoes"]["search_volume"] == 4_500
    assert rows["waterproof hiking boots"]["search_volume"] == 980
    assert frame["cpc"].isna().all() and frame["keyword_difficulty"].isna().all()
    assert (frame["source"] == "gsc").all()


def test_semicolon_semrush_export_with_localised_numbers_and_intent_codes():
    data = (
        "\ufeffsep=;\n"  # Excel's delimiter hint line
        "Keyword;Intent;Volume;Keyword Difficulty;CPC (USD);Competitive Density\n"
        'zapatos;"1, 3";1.300;40;1,25;0,5\n'
        "botas;0;abc;;;\n"
    ).encode("utf-8")

    frame, report = parse_keyword_export(data)
    rows = by_keyword(frame)

    assert report.tool == "semrush"
    assert rows["zapatos"]["search_volume"] == 1_300
    assert rows["zapatos"]["cpc"] == pytest.approx(1.25)
    assert rows["zapatos"]["competition"] == pytest.approx(0.5)
    assert rows["zapatos"]["intent"] == "informational,transactional"
    assert rows["botas"]["intent"] == "commercial"
    assert pd.isna(rows["botas"]["search_volume"])


def test_keywords_are_normalised_like_services_text():
    raw = [
        "Trail  Running Shoes ",
        "ＷＯＲＤＰＲＥＳＳ themes",
        "café\u00a0near me",
        "tab\there",
        "ok",
    ]
    data = ("Keyword,Volume,Keyword Difficulty\n" + "".join(
        f'"{k}",{n},1\n' for n, k in enumerate(raw)
    )).encode()  # fmt: skip

    frame, _ = parse_keyword_export(data)

    assert frame["keyword"].tolist() == [normalize_keyword(k) for k in raw]
    assert frame["keyword"].tolist()[:3] == [
        "trail running shoes",
        "wordpress themes",
        "café near me",
    ]


@pytest.mark.parametrize("broken_first", [False, True], ids=["broken-later", "broken-first"])
def test_rows_with_extra_cells_are_skipped_and_counted(broken_first):
    rows = ["good one,10,5", "good two,20,6,", "good three,30,7"]
    rows.insert(0 if broken_first else 2, "broken,10,5,surplus,cells")
    data = ("Keyword,Volume,Keyword Difficulty\n" + "\n".join(rows) + "\n").encode()

    frame, report = parse_keyword_export(data)

    # A trailing delimiter ("good two,20,6,") is harmless; surplus data is not.
    assert sorted(frame["keyword"]) == ["good one", "good three", "good two"]
    assert by_keyword(frame)["good three"]["search_volume"] == 30
    assert report.rows_read == 4
    assert report.skipped_reasons == {"malformed row": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "empty"),
        (b"   \r\n\r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "Excel workbook"),
        (bytes(range(256)) * 40, "binary"),
        (b"Foo,Bar\n1,2\n", "no keyword column found.*'Foo', 'Bar'"),
        (b"Keyword,Colour\nred shoes,red\n", "unknown export.*'Colour'"),
        (b"Keyword,Volume,Keyword Difficulty\n", "no data rows"),
        (b'Keyword,Volume,Keyword Difficulty\n"abc,10,5\nxyz,1,1\n', "never closed"),
        (b"Keyword,Volume,Keyword Difficulty\n ,10,5\n,20,6\n", "no usable keyword rows"),
        (b"Keyword,Volume,Keyword Difficulty\na,1,2,3,4\nb,1,2,3,4\nc,1,2\n", "more cells"),
    ],
    ids=[
        "zero-bytes",
        "bom-only",
        "blank-lines",
        "xlsx",
        "binary",
        "no-keyword-column",
        "unknown-tool",
        "header-only",
        "unclosed-quote",
        "only-blank-keywords",
        "mostly-malformed",
    ],
)
def test_unreadable_files_raise_import_format_error(data, message):
    with pytest.raises(ImportFormatError, match=message):
        parse_keyword_export(data, "upload.csv")


# --------------------------------------------------------------------------- database
