"""Every import ends in a parse or a clean ImportFormatError (issue 11, item 3).

The first five tests are the exact files that crashed the importer in the fault-injection
run; the rest pin the range checks and the "mostly not keywords" guard.
"""

from __future__ import annotations

import random
import string

import pandas as pd
import pytest

from services.core.errors import ImportConfirmationRequired, ImportFormatError
from services.projects.imports import parse_keyword_export
from services.projects.imports.cells import MAX_SEARCH_VOLUME
from services.projects.imports.decode import MESSAGE_LIMIT
from services.projects.imports.query_shape import looks_like_query
from tests.conftest import GKP_ES, SEMRUSH_ATW, SEMRUSH_WP

HEADER = b"Keyword,Volume,Keyword Difficulty\n"


def test_bare_carriage_return_after_an_over_long_row_is_read_not_a_csv_error():
    frame, report = parse_keyword_export(HEADER + b"shoes,10,5,extra\nbo\rots,20,5\n")

    assert report.skipped_reasons == {"malformed row": 1}
    assert report.first_lines == {"malformed row": 2}
    assert "ots" in set(frame["keyword"])  # a lone \r ends a line, as pandas reads it


def test_volume_beyond_int64_is_clamped_with_a_note():
    frame, report = parse_keyword_export(HEADER + b"shoes,10000000000000000000,5\nboots,20,5\n")

    volumes = dict(zip(frame["keyword"], frame["search_volume"], strict=True))
    assert volumes == {"shoes": MAX_SEARCH_VOLUME, "boots": 20}
    assert report.notes == {"search volume clamped to 2,147,483,647": 1}
    assert report.first_lines["search volume clamped to 2,147,483,647"] == 2


def test_volume_above_postgres_integer_is_clamped():
    frame, _ = parse_keyword_export(HEADER + b"shoes,3000000000,5\nboots,20,5\n")

    assert frame["search_volume"].max() == 2**31 - 1


def test_header_of_70000_fields_is_refused_with_a_short_message():
    data = ("Keyword," + ",".join(f"c{i}" for i in range(70_000)) + "\nshoes,1\n").encode()

    with pytest.raises(ImportFormatError, match="70,001 columns") as caught:
        parse_keyword_export(data, "wide.csv")
    assert len(str(caught.value)) <= MESSAGE_LIMIT


def test_nul_and_other_control_characters_are_removed_from_text():
    data = (
        HEADER.replace(b"\n", b",Intent,SERP Features\n")
        + (
            b"sh\x00oes,10,5,Infor\x00mational,Video\x07\n"
            b"bo\x1bots,20,5,Commercial,\xe2\x80\x8bSitelinks\n"
        )
        + b"".join(b"hat %d,1,1,Commercial,Video\n" % i for i in range(30))
    )

    frame, report = parse_keyword_export(data)

    assert list(frame["keyword"][:2]) == ["shoes", "boots"]
    assert list(frame["intent"][:2]) == ["informational", "commercial"]
    assert list(frame["serp_features"][:2]) == ["Video", "Sitelinks"]
    assert report.notes["control characters removed"] == 2
    assert report.first_lines["control characters removed"] == 2


def test_a_cell_over_the_csv_field_limit_is_a_skipped_row():
    data = b"Keyword;Volume;Keyword Difficulty\n" + b"a" * 200_000 + b";1;2\nboots;1;2\nhats;3;4\n"

    frame, report = parse_keyword_export(data)

    assert list(frame["keyword"]) == ["boots", "hats"]
    assert report.skipped_reasons == {"keyword too long": 1}


def test_cpc_out_of_range_becomes_missing_with_a_note():
    data = b"Keyword,Volume,Keyword Difficulty,CPC (USD)\nshoes,10,5,99999\nboots,20,5,1.5\n"

    frame, report = parse_keyword_export(data)

    cpc = dict(zip(frame["keyword"], frame["cpc"], strict=True))
    assert pd.isna(cpc["shoes"]) and cpc["boots"] == 1.5
    assert report.notes == {"CPC above 10,000 USD dropped": 1}


def test_error_messages_are_at_most_300_characters_and_name_the_first_bad_line():
    columns = ",".join(f"a very long column name number {i} of this export" for i in range(40))
    with pytest.raises(ImportFormatError) as caught:
        parse_keyword_export((columns + "\nx\n").encode(), "f" * 200 + ".csv")
    assert len(str(caught.value)) <= MESSAGE_LIMIT

    data = HEADER + b"a,1,2\nb,1,2,3,4\nc,1,2,3,4\nd,1,2,3,4\n"
    with pytest.raises(ImportFormatError, match="first at line 3") as caught:
        parse_keyword_export(data)
    assert len(str(caught.value)) <= MESSAGE_LIMIT


def test_summary_fits_the_page_and_lists_skips_with_lines():
    _, report = parse_keyword_export(HEADER + b"shoes,10,5\n,3,3\nboots,3000000000,5\n")

    text = report.summary()
    assert len(text) <= MESSAGE_LIMIT
    assert "empty keyword: 1 (first at line 3)" in text
    assert "clamped to 2,147,483,647: 1 (first at line 4)" in text


@pytest.mark.parametrize("path", [SEMRUSH_WP, SEMRUSH_ATW, GKP_ES], ids=["wp", "atw", "gkp-es"])
def test_real_exports_look_like_search_queries(path):
    _, report = parse_keyword_export(path.read_bytes(), path.name)

    assert report.non_query_share <= 0.01


def _random_keywords(alphabet: str, n: int = 2_000, seed: int = 7) -> pd.Series:
    rng = random.Random(seed)
    return pd.Series(
        ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 30))).lower() for _ in range(n)]
    )


@pytest.mark.parametrize(
    "alphabet",
    [string.printable[:94], string.ascii_letters + string.digits, string.ascii_lowercase + " "],
    ids=["printable", "alphanumeric", "letters-and-spaces"],
)
def test_random_strings_do_not_look_like_search_queries(alphabet):
    assert looks_like_query(_random_keywords(alphabet)).mean() <= 0.3


def test_a_file_of_mostly_gibberish_needs_a_confirmation():
    rows = "\n".join(f"{k},10,5" for k in _random_keywords(string.ascii_letters + string.digits))
    data = HEADER + rows.encode()

    with pytest.raises(ImportConfirmationRequired, match="% of rows do not look like") as caught:
        parse_keyword_export(data, "random.csv")
    assert caught.value.share > 0.5
    assert len(str(caught.value)) <= MESSAGE_LIMIT

    frame, report = parse_keyword_export(data, "random.csv", allow_non_queries=True)
    assert len(frame) > 1_500 and report.non_query_share > 0.5
