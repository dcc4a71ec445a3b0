"""Drafts spreadsheet and Matrixify file, read back with openpyxl cell by cell."""

from __future__ import annotations

import csv
import io

import openpyxl

from services.content import matrixify, spreadsheet
from services.content.briefs import BriefContext, PageInput, build_brief
from services.content.drafts import offline_skeleton

EVIL = '=HYPERLINK("http://evil.example","x")'


def records() -> list[dict]:
    brief = build_brief(
        PageInput(
            page_id="p1",
            primary_keyword="trail running shoes",
            url="https://example.com/collections/trail-running-shoes",
            role="parent",
            search_volume=9900,
            secondary=(("waterproof trail running shoes", 1600),),
        ),
        ctx=BriefContext(brand_name="Trailhead"),
    ).to_dict()
    brief["internal_links"] = {
        "outgoing": [
            {
                "source_id": "p1",
                "source_url": brief["url"],
                "target_id": "p2",
                "target_url": "https://example.com/collections/waterproof",
                "anchor": "waterproof trail running shoes",
                "relation": "to child",
            }
        ],
        "incoming": [],
    }
    drafted = {
        "status": "drafted",
        "error": None,
        "brief": brief,
        "draft": {
            "kind": "llm",
            "title": EVIL,
            "meta_description": "+1 great shoes",
            "h1": "Trail Running Shoes",
            "body_html": "<p>Intro</p>\n<h2>Guide</h2>",
            "faq": [{"question": "Why?", "answer": "Because."}],
            "social": {
                "facebook": "@everyone look",
                "linkedin": "li",
                "x": "x post",
                "google_business_profile": "gbp",
            },
        },
        "model": "claude-haiku-4-5",
        "prompt_version": "v1",
        "cost_usd": 0.0123,
    }
    article = build_brief(
        PageInput(
            page_id="p3",
            primary_keyword="how to clean trail running shoes",
            url="https://example.com/blogs/news/clean",
            category="collection",
        )
    )
    offline = {
        "status": "brief",
        "error": None,
        "brief": article.to_dict(),
        "draft": offline_skeleton(article),
        "model": None,
        "prompt_version": None,
        "cost_usd": 0.0,
    }
    return [drafted, offline]


def test_xlsx_sheets_headers_cells_and_no_formulas():
    data = spreadsheet.frames_to_xlsx(spreadsheet.workbook_frames(records()))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Briefs", "Drafts", "Internal links", "Social posts"]
    briefs, drafts, links, social = (wb[n] for n in wb.sheetnames)
    assert [c.value for c in briefs[1]] == spreadsheet.BRIEF_COLUMNS
    assert [c.value for c in drafts[1]] == spreadsheet.DRAFT_COLUMNS
    assert [c.value for c in links[1]] == spreadsheet.LINK_COLUMNS
    assert [c.value for c in social[1]] == spreadsheet.SOCIAL_COLUMNS
    assert briefs.freeze_panes == "A2"
    row = {h: c.value for h, c in zip(spreadsheet.BRIEF_COLUMNS, briefs[2], strict=True)}
    assert row["primary_keyword"] == "trail running shoes"
    assert row["search_volume"] == 9900
    assert row["secondary_keywords"] == "waterproof trail running shoes (1600)"
    assert row["word_count"] == "300-800"
    assert row["title"] == "Trail Running Shoes | Trailhead"
    d = {h: c.value for h, c in zip(spreadsheet.DRAFT_COLUMNS, drafts[2], strict=True)}
    assert d["title"] == "'" + EVIL  # neutralised, stored as text
    assert d["meta_description"] == "'+1 great shoes"
    assert d["faq"] == "Q: Why?\nA: Because."
    assert d["cost_usd"] == 0.0123
    off = {h: c.value for h, c in zip(spreadsheet.DRAFT_COLUMNS, drafts[3], strict=True)}
    assert off["draft_kind"] == "outline"
    assert off["body_html"].startswith("<p><em>outline — connect an LLM in Settings")
    assert [c.value for c in links[2]] == [
        "https://example.com/collections/trail-running-shoes",
        "https://example.com/collections/waterproof",
        "waterproof trail running shoes",
        "to child",
    ]
    assert social["C2"].value == "'@everyone look"
    assert briefs.column_dimensions["A"].width > 20
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_csv_per_sheet_is_neutralised():
    csvs = spreadsheet.frames_to_csvs(spreadsheet.workbook_frames(records()))
    assert sorted(csvs) == ["Briefs.csv", "Drafts.csv", "Internal links.csv", "Social posts.csv"]
    rows = list(csv.DictReader(io.StringIO(csvs["Drafts.csv"].decode("utf-8-sig"))))
    assert rows[0]["title"] == "'" + EVIL
    assert rows[1]["draft_kind"] == "outline"


def test_overlong_cell_is_truncated_with_a_note():
    recs = records()
    recs[0]["draft"]["body_html"] = "x" * 40_000
    wb = openpyxl.load_workbook(
        io.BytesIO(spreadsheet.frames_to_xlsx(spreadsheet.workbook_frames(recs)))
    )
    value = wb["Drafts"]["H2"].value
    assert len(value) == spreadsheet.EXCEL_CELL_MAX and value.endswith("see the CSV]")


def test_matrixify_custom_collections_xlsx_and_csv():
    frame = matrixify.collections_frame(records())
    assert len(frame) == 1  # the article page is not a collection
    wb = openpyxl.load_workbook(io.BytesIO(matrixify.to_xlsx(frame)))
    assert wb.sheetnames == ["Custom Collections"]
    ws = wb["Custom Collections"]
    assert [c.value for c in ws[1]] == matrixify.COLUMNS
    row = {h: c.value for h, c in zip(matrixify.COLUMNS, ws[2], strict=True)}
    assert row["ID"] is None
    assert row["Handle"] == "trail-running-shoes"
    assert row["Command"] == "MERGE"
    assert row["Title"] == "Trail Running Shoes"
    assert row["Body HTML"] == "<p>Intro</p>\n<h2>Guide</h2>"
    assert row["Published"] == "FALSE"
    assert row["Metafield: title_tag [string]"] == "'" + EVIL
    assert row["Metafield: description_tag [string]"] == "'+1 great shoes"
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    rows = list(csv.reader(io.StringIO(matrixify.to_csv(frame).decode())))
    assert rows[0] == matrixify.COLUMNS
    assert rows[1][1:4] == ["trail-running-shoes", "MERGE", "Trail Running Shoes"]
    assert "Custom Collection" in matrixify.CSV_NAME


def test_matrixify_offline_body_is_the_briefs_intro_not_the_skeleton():
    recs = records()
    red = build_brief(PageInput("p", "red shoes", "/collections/red"))
    recs[0]["brief"] = red.to_dict()
    recs[0]["draft"] = offline_skeleton(red)
    frame = matrixify.collections_frame(recs, command="NEW")
    assert frame.loc[0, "Body HTML"] == "<p>Shop Red Shoes.</p>"
    assert frame.loc[0, "Command"] == "NEW"
    assert frame.loc[0, "Metafield: title_tag [string]"] == recs[0]["brief"]["title"]


def test_numbers_stay_numbers_and_blanks_stay_blank():
    import pandas as pd

    data = spreadsheet.frames_to_xlsx(
        {"S": pd.DataFrame({"n": [1, 2], "t": ["=1+1", None], "f": [0.5, float("nan")]})}
    )
    ws = openpyxl.load_workbook(io.BytesIO(data))["S"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["n", "t", "f"],
        [1, "'=1+1", 0.5],
        [2, None, None],
    ]
    assert ws["A2"].data_type == "n" and ws["B2"].data_type == "s"


def test_brief_tables_open_links_with_from_to_anchor_and_read_old_briefs():
    from services.content.views import brief_tables

    old = records()[0]["brief"]
    old["outline"] = [{"level": 2, "text": "Sizing", "source": "secondary keyword"}]  # old shape
    old["competitors"] = {
        "median_words": 900,
        "common_headings": [{"text": "Sizing", "pages": 3}],
        "gaps": [],
        "pages": [{"rank": 1, "url": "https://rival.example/", "word_count": 900, "error": ""}],
    }
    tables = dict(brief_tables(old))
    assert list(tables["Internal links"].columns[:3]) == ["source_url", "target_url", "anchor"]
    assert list(tables["Outline"].columns) == ["level", "text", "source", "search_volume"]
    label = next(k for k in tables if k.startswith("Competitors"))
    assert "median 900 words" in label and "common headings: Sizing" in label
    assert list(tables[label].columns)[-1] == "error"
