"""Keyword import into the real database (SQLite, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from sqlalchemy import func, select

from db.models import KeywordMetric, Project
from db.session import session_scope
from services.core.errors import ImportFormatError, NotFoundError
from services.projects.imports import (
    UNIVERSE_COLUMNS,
    import_keywords,
    load_keyword_universe,
    store,
)
from tests.conftest import GKP_ES, SEMRUSH_WP
from tests.unit.projects.export_samples import (
    LONG_KEYWORD,
    ahrefs_export,
    ahrefs_row,
    by_keyword,
    gkp_export,
)


def keyword_count(engine, project_id) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(KeywordMetric.project_id == project_id)
        ).scalar_one()


def test_import_writes_keyword_metrics(engine, project_id):
    fractions: list[float] = []

    report = import_keywords(
        engine, project_id, SEMRUSH_WP.read_bytes(), SEMRUSH_WP.name,
        progress=lambda fraction, _message: fractions.append(fraction),
    )  # fmt: skip

    assert (report.tool, report.rows_read) == ("semrush", 12_680)
    assert (report.inserted, report.updated, report.rows_imported) == (12_679, 0, 12_679)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and len(fractions) >= 3
    assert fractions == sorted(fractions)
    universe = load_keyword_universe(engine, project_id)
    assert list(universe.columns) == UNIVERSE_COLUMNS
    assert len(universe) == 12_679
    assert universe["search_volume"].iloc[0] == universe["search_volume"].max()  # sorted
    news = by_keyword(universe)["wordpress news"]
    assert (news["search_volume"], news["keyword_difficulty"], news["source"]) == (
        40_500,
        40,
        "semrush",
    )
    with session_scope(engine) as s:
        row = s.scalars(
            select(KeywordMetric).where(KeywordMetric.keyword == "wordpress news")
        ).one()
        assert row.status == "qualified"
        assert row.serp_features == "Top stories, Related searches"
        assert row.intent == "informational"
        assert row.fetched_at is not None


def test_reimporting_the_same_file_updates_instead_of_duplicating(engine, project_id):
    data = GKP_ES.read_bytes()
    first = import_keywords(engine, project_id, data)
    before = load_keyword_universe(engine, project_id)

    second = import_keywords(engine, project_id, data)

    assert (first.inserted, first.updated) == (2_214, 0)
    assert (second.inserted, second.updated, second.rows_imported) == (0, 2_214, 2_214)
    assert keyword_count(engine, project_id) == 2_214
    pd.testing.assert_frame_equal(load_keyword_universe(engine, project_id), before)


def test_conflicts_keep_the_higher_volume_and_fill_missing_metrics(engine, project_id):
    header = ["Keyword", "Volume", "Difficulty", "CPC", "Parent Keyword"]
    import_keywords(engine, project_id, ahrefs_export([["trail shoes", 100, "", 1.0, "x"]], header))
    import_keywords(engine, project_id, ahrefs_export([["Trail Shoes", 50, 30, 2.0, "x"]], header))

    row = by_keyword(load_keyword_universe(engine, project_id))["trail shoes"]
    assert row["search_volume"] == 100  # the lower volume did not overwrite
    assert row["cpc"] == pytest.approx(1.0)  # the winner's metric is kept
    assert row["keyword_difficulty"] == 30  # the missing metric was filled

    gsc = (
        b"Top queries,Clicks,Impressions,CTR,Position\ntrail shoes,10,500,2%,4\nnew one,1,5,1%,9\n"
    )
    report = import_keywords(engine, project_id, gsc, "Queries.csv")

    assert (report.inserted, report.updated) == (1, 1)
    row = by_keyword(load_keyword_universe(engine, project_id))["trail shoes"]
    assert (row["search_volume"], row["source"]) == (500, "gsc")  # higher volume wins
    assert row["cpc"] == pytest.approx(1.0) and row["keyword_difficulty"] == 30  # kept


def test_long_and_emoji_keywords_round_trip(engine, project_id):
    data = ahrefs_export([ahrefs_row(LONG_KEYWORD, 10), ahrefs_row("Café ☕ near me", 20)])

    report = import_keywords(engine, project_id, data)

    assert report.inserted == 2
    assert set(load_keyword_universe(engine, project_id)["keyword"]) == {
        LONG_KEYWORD,
        "café ☕ near me",
    }


def test_bad_file_leaves_saved_keywords_untouched(engine, project_id):
    import_keywords(engine, project_id, GKP_ES.read_bytes())
    before = load_keyword_universe(engine, project_id)

    with pytest.raises(ImportFormatError, match="no keyword column"):
        import_keywords(engine, project_id, b"Foo,Bar\ntaller,1\n", "bad.csv")

    pd.testing.assert_frame_equal(load_keyword_universe(engine, project_id), before)


def test_failure_during_the_write_rolls_back_every_chunk(engine, project_id, monkeypatch):
    import_keywords(
        engine, project_id, gkp_export([{"Keyword": "taller", "Avg. monthly searches": "10"}])
    )
    before = load_keyword_universe(engine, project_id)
    monkeypatch.setattr(store, "CHUNK_SIZE", 100)
    saved: list[str] = []

    def progress(_fraction: float, message: str) -> None:
        if message.startswith("Saved"):
            saved.append(message)
            if len(saved) == 2:
                raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        import_keywords(engine, project_id, SEMRUSH_WP.read_bytes(), progress=progress)

    assert len(saved) == 2  # the first 200 rows had been sent before the failure
    pd.testing.assert_frame_equal(load_keyword_universe(engine, project_id), before)


def test_universe_is_per_project_and_unknown_projects_are_refused(engine, project_id):
    with session_scope(engine) as s:
        other = Project(name="Other Store")
        s.add(other)
        s.flush()
        other_id = other.id
    import_keywords(engine, project_id, b"Top queries,Clicks,Impressions\nmine,1,10\n")
    import_keywords(engine, other_id, b"Top queries,Clicks,Impressions\ntheirs,1,10\n")

    assert load_keyword_universe(engine, project_id)["keyword"].tolist() == ["mine"]
    assert load_keyword_universe(engine, str(other_id))["keyword"].tolist() == ["theirs"]
    with pytest.raises(NotFoundError):
        import_keywords(engine, uuid.uuid4(), b"Top queries,Clicks,Impressions\nx,1,10\n")
    empty = load_keyword_universe(engine, uuid.uuid4())
    assert empty.empty and list(empty.columns) == UNIVERSE_COLUMNS
