"""Keywords of a clustering run that is cut short go back to the status they had."""

from __future__ import annotations

from sqlalchemy import select

from db.models import KeywordMetric
from db.session import session_scope
from services.keyword_lists import store
from tests.fakes.keyword_lists import add_keywords


def statuses(engine) -> dict[str, str]:
    with session_scope(engine) as s:
        return {k: v for k, v in s.execute(select(KeywordMetric.keyword, KeywordMetric.status))}


def test_an_interrupted_run_releases_each_keyword_to_its_previous_status(engine, project_id):
    add_keywords(engine, project_id, [("red shoes", 10), ("blue shoes", 20)])
    add_keywords(engine, project_id, [("green shoes", 30)], status="failed")
    assert store.mark_clustering(engine, project_id) == 3
    assert set(statuses(engine).values()) == {"clustering"}
    assert store.reset_clustering(engine, project_id) == 3
    assert statuses(engine) == {
        "red shoes": "qualified",
        "blue shoes": "qualified",
        "green shoes": "failed",
    }


def test_a_failed_run_marks_its_keywords_failed(engine, project_id):
    add_keywords(engine, project_id, [("red shoes", 10)])
    store.mark_clustering(engine, project_id)
    assert store.mark_failed(engine, project_id) == 1
    assert statuses(engine) == {"red shoes": "failed"}
