"""Batch outcomes and the wording helper."""

from services.core.outcome import BatchOutcome
from services.core.wording import count_noun, number_or_missing, plural, with_article


def test_every_row_failed_is_failed_with_reason_and_exit_1():
    out = BatchOutcome(noun="page")
    out.fail("ImportError: justext\ntraceback", n=3)
    assert out.status == "failed"
    assert out.exit_code == 1
    assert out.top_reasons() == [("ImportError: justext", 3)]
    assert out.summary() == "Failed: 0 pages done, 3 failed (ImportError: justext ×3)."


def test_some_failed_is_partial_none_failed_is_completed():
    out = BatchOutcome(noun="page")
    out.ok(1)
    assert (out.status, out.exit_code) == ("completed", 0)
    out.fail("HTTP 404", 16)
    assert out.status == "partial"
    assert out.exit_code == 1
    assert out.as_dict()["top_reasons"] == [{"reason": "HTTP 404", "count": 16}]


def test_skipped_only_is_completed():
    out = BatchOutcome(noun="URL")
    out.skip(2)
    assert out.status == "completed"
    assert "2 skipped" in out.summary()


def test_plurals_articles_and_missing_numbers():
    assert count_noun(1, "page") == "1 page"
    assert count_noun(1200, "keyword") == "1,200 keywords"
    assert plural("query", 2) == "queries"
    assert plural("brush", 2) == "brushes"
    assert with_article("Ahrefs export") == "an Ahrefs export"
    assert with_article("Semrush export") == "a Semrush export"
    assert number_or_missing(None) == "—"
    assert number_or_missing(float("nan")) == "—"
    assert number_or_missing(1234.4) == "1,234"


def test_missing_numbers_from_nullable_pandas_columns():
    import numpy as np
    import pandas as pd

    shown = pd.Series([1200, None], dtype="Int64").map(number_or_missing).tolist()
    assert shown == ["1,200", "—"]
    assert number_or_missing(np.float64("nan")) == "—"
    assert number_or_missing(np.int64(7)) == "7"
    assert number_or_missing(0) == "0"  # zero is a number, not missing


def test_exports_are_named_with_their_article():
    from services.core.wording import export_of

    assert export_of("ahrefs") == "an Ahrefs export"
    assert export_of("gsc") == "a Search Console export"
    assert export_of("keyword_planner") == "a Google Ads Keyword Planner export"
