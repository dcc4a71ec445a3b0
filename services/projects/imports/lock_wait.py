"""SQLite writers that queue: a transaction that finds the database locked waits and runs again.

SQLite has one writer at a time. The engine's busy timeout (``db.session``) makes a writer
wait 30 s for the lock; an import of a 50 MB file holds it for longer, so a second import
then failed with "database is locked" (issue 20 §9). :func:`wait_for_writer` retries such a
transaction (it was rolled back whole) until the lock is free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

_T = TypeVar("_T")

#: Longest wait for SQLite's write lock held by another import, seconds (a 50 MB import
#: holds it for about a minute); PostgreSQL locks rows, not the database, and never waits here.
SQLITE_WRITER_WAIT_S = 600.0


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc).lower()


def wait_for_writer(engine: Engine, work: Callable[[], _T]) -> _T:
    """Run ``work`` (one whole transaction); on SQLite, when another writer holds the
    database longer than the busy timeout ("database is locked"), wait and run it again
    (tenacity: exponential back-off 0.5 s … 5 s, at most :data:`SQLITE_WRITER_WAIT_S`),
    so concurrent imports queue instead of failing.

    Raises
    ------
    sqlalchemy.exc.OperationalError
        Still locked after :data:`SQLITE_WRITER_WAIT_S`, or any other database error.
    """
    if engine.dialect.name != "sqlite":
        return work()
    retrying = Retrying(
        retry=retry_if_exception(_locked),
        wait=wait_exponential(multiplier=0.5, max=5.0),
        stop=stop_after_delay(SQLITE_WRITER_WAIT_S),
        reraise=True,
    )
    return retrying(work)
