"""Rankings imports under the one bad-row policy, on SQLite and PostgreSQL (issue 20 §2): a NUL
in a query or URL is stripped and a count over PostgreSQL's INTEGER maximum is clamped, with
notes, instead of a DataError / NumericValueOutOfRange."""

from __future__ import annotations

from sqlalchemy import select

from db.models import KeywordMetric
from db.models.rankings import PageRanking
from db.session import session_scope
from services.site.api import import_rankings

GSC = (
    b"Query,Page,Clicks,Impressions,CTR,Position\n"
    b"trail\x00shoes sale,https://example.com/b,1,10,10%,7.5\n"
    b"trail shoes,https://example.com/c,2147483648,2147483648,1%,3\n"
    b"trail shoes,https://example.com/c\x00,5,2147483647,1%,4\n"
)
SEMRUSH = (
    b"Keyword,Position,Search Volume,Keyword Difficulty,CPC,URL,Traffic\n"
    b"road\x00 shoes,3,99999999999,40,1.2,https://example.com/r,10\n"
)


def test_nul_bytes_and_huge_counts_are_cleaned_and_clamped_with_notes(engine, project_id):
    report = import_rankings(engine, project_id, GSC, "gsc.csv")
    assert report.rows_imported == 2 and report.skipped == 0
    assert report.notes == {
        "control characters removed": 2,
        # one cell each, then the sum of the two rows merged (same page after cleaning)
        "clicks clamped to 2,147,483,647": 2,
        "impressions clamped to 2,147,483,647": 2,
    }
    with session_scope(engine) as s:
        rows = {r.keyword: r for r in s.scalars(select(PageRanking))}
        assert set(rows) == {"trailshoes sale", "trail shoes"}
        assert rows["trail shoes"].clicks == 2_147_483_647
        assert rows["trail shoes"].impressions == 2_147_483_647
        assert all("\x00" not in r.page_url for r in rows.values())
    report = import_rankings(engine, project_id, SEMRUSH, "semrush.csv")
    assert report.notes == {
        "control characters removed": 1,
        "search volume clamped to 2,147,483,647": 1,
    }
    with session_scope(engine) as s:
        metric = s.scalars(select(KeywordMetric).where(KeywordMetric.keyword == "road shoes")).one()
        assert metric.search_volume == 2_147_483_647
