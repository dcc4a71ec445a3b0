"""Two imports at once on SQLite (issue 20 §9): a writer that finds the database locked past
the busy timeout waits and runs its transaction again instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import func, select

import db.session as db_session
from db.models import KeywordMetric, Project
from db.session import get_engine, migrate, session_scope
from services.projects.imports import import_keywords
from tests.conftest import SEMRUSH_WP


def test_an_import_waits_for_another_writer_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setattr(db_session, "SQLITE_BUSY_TIMEOUT_S", 0.2)  # lock outlasts it
    path = tmp_path / "locked.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as s:
        project = Project(name="Locked")
        s.add(project)
        s.flush()
        pid = project.id
    data = b"\n".join(SEMRUSH_WP.read_bytes().splitlines()[:2001]) + b"\n"
    holder = sqlite3.connect(path, timeout=0, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another import holding the write lock
    release = threading.Timer(1.5, holder.rollback)
    release.start()
    started = time.monotonic()
    try:
        report = import_keywords(engine, pid, data, "wp.csv")
    finally:
        release.join()
        holder.close()
    assert time.monotonic() - started >= 1.0  # it waited for the lock
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).where(KeywordMetric.project_id == pid)
        ).scalar_one()
    assert report.rows_imported == stored == 2000
    engine.dispose()
