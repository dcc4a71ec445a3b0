"""Import writes: the same cleaned values on SQLite and PostgreSQL, batch commits with
recorded progress, and exact new/updated counts under concurrency (issue 11, items 3 and 5)."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from sqlalchemy import func, select

from db.models import KeywordMetric
from services.projects.imports import (
    import_keywords,
    load_keyword_universe,
    parse_keyword_export,
    store,
    upsert_metrics,
    write_keywords,
)

HEADER = "Keyword,Volume,Keyword Difficulty\n"


def _export(keywords: list[str], volume: int = 10) -> bytes:
    return (HEADER + "".join(f"{k},{volume},5\n" for k in keywords)).encode()


def _count(engine, project_id) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(KeywordMetric.project_id == project_id)
        ).scalar_one()


def test_nul_keywords_and_huge_volumes_are_stored_cleaned_and_clamped(engine, project_id):
    padding = "".join(f"hat {i},1,1\n" for i in range(30))
    data = (HEADER + "sh\x00oes,10000000000000000000,5\nboots,3000000000,5\n" + padding).encode()

    report = import_keywords(engine, project_id, data)

    universe = load_keyword_universe(engine, project_id).set_index("keyword")
    assert report.rows_imported == 32
    assert universe.loc["shoes", "search_volume"] == 2**31 - 1
    assert universe.loc["boots", "search_volume"] == 2**31 - 1


def test_batch_commits_keep_what_was_saved_and_record_it_in_the_same_transaction(
    engine, project_id, monkeypatch
):
    monkeypatch.setattr(store, "CHUNK_SIZE", 10)
    frame, _ = parse_keyword_export(_export([f"kw {i:03d}" for i in range(35)]))
    recorded: list[tuple[int, int, int]] = []

    def on_batch(conn, saved, inserted, updated):
        in_transaction = conn.execute(
            select(func.count()).where(KeywordMetric.project_id == project_id)
        ).scalar_one()
        assert in_transaction == saved  # the batch's rows are visible inside its transaction
        recorded.append((saved, inserted, updated))

    def stop_after_two(saved, total):
        if saved >= 20:
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError, match="worker killed"):
        write_keywords(
            engine, project_id, frame, atomic=False, on_batch=on_batch, progress=stop_after_two
        )

    assert recorded == [(10, 10, 0), (20, 20, 0)]
    assert _count(engine, project_id) == 20  # two committed batches survive

    inserted, updated = write_keywords(engine, project_id, frame, atomic=False, skip=20)
    assert (inserted, updated) == (15, 0)
    assert sorted(load_keyword_universe(engine, project_id)["keyword"]) == sorted(frame["keyword"])


def test_keywords_are_written_in_sorted_order(engine, project_id, monkeypatch):
    monkeypatch.setattr(store, "CHUNK_SIZE", 2)
    frame, _ = parse_keyword_export(_export(["delta", "alpha", "charlie", "bravo", "echo"]))
    first_of_batch: list[str] = []

    def on_batch(conn, saved, inserted, updated):
        rows = conn.execute(
            select(KeywordMetric.keyword).where(KeywordMetric.project_id == project_id)
        ).scalars()
        first_of_batch.append(max(rows))

    write_keywords(engine, project_id, frame, atomic=False, on_batch=on_batch)

    assert first_of_batch == ["bravo", "delta", "echo"]


def test_two_overlapping_imports_in_opposite_orders_count_exactly(engine, project_id, monkeypatch):
    monkeypatch.setattr(store, "CHUNK_SIZE", 50)
    keywords = [f"running shoe model {i:04d}" for i in range(600)]
    first, second = keywords[:400], keywords[200:][::-1]  # 200 shared, opposite row order
    results: dict[str, object] = {}

    def run(name: str, rows: list[str]) -> None:
        try:
            results[name] = import_keywords(engine, project_id, _export(rows))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=run, args=(n, r)) for n, r in (("a", first), ("b", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    reports = [results["a"], results["b"]]
    assert all(not isinstance(r, Exception) for r in reports), reports
    assert sum(r.inserted for r in reports) == 600  # each keyword is new exactly once
    assert sum(r.updated for r in reports) == 200  # the shared ones, updated by the later
    assert all(r.inserted + r.updated == r.rows_imported == 400 for r in reports)
    assert _count(engine, project_id) == 600
    assert (load_keyword_universe(engine, project_id)["search_volume"] == 10).all()
    assert isinstance(reports[0].seconds, float) and not pd.isna(reports[0].seconds)


def test_upsert_metrics_counts_exactly_inside_the_callers_transaction(engine, project_id):
    import_keywords(engine, project_id, _export(["alpha", "bravo"]))
    frame = pd.DataFrame({"keyword": ["charlie", "alpha"], "search_volume": [5, 50]})
    frame["source"] = "gsc"

    with engine.begin() as conn:
        assert upsert_metrics(conn, project_id, frame) == (1, 1)

    universe = load_keyword_universe(engine, project_id).set_index("keyword")
    assert universe.loc["alpha", "search_volume"] == 50  # the higher volume won
    assert set(universe.index) == {"alpha", "bravo", "charlie"}
