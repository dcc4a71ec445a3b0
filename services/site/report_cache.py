"""Reports computed once per data state of a project (issue 22: "fast where the analyst waits").

A screen reruns its script on every click; the Cannibalization report (2,300 pages: the
rankings aggregated, same-search keys, MiniLM vectors of every primary keyword) costs
seconds, while the data it reads changes only on an import, a crawl or a primary-keyword
run. :func:`data_version` reads a cheap fingerprint of those tables (row counts and the
latest write time of each), and :class:`VersionedCache` keeps the last few results keyed by
project + fingerprint + the caller's arguments: any new import, crawl or run changes the
fingerprint, so the next read recomputes.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from db.models import CrawledPage, CrawlLink, CrawlRun, KeywordMetric, PageRanking
from db.models import PagePrimaryKeyword as Primary

T = TypeVar("T")


def data_version(conn: Connection | Session, project_id: uuid.UUID) -> tuple[Any, ...]:
    """Fingerprint of the project's site data, one round trip.

    Per table read by the site reports: rankings (rows, latest import), pages (rows, latest
    update), primary keywords (rows, latest update), crawl runs (rows, latest update), crawl
    links (rows), keyword metrics (rows, latest fetch: the Ahrefs Parent Keywords).

    Returns
    -------
    tuple
        Hashable; equal tuples mean no import, crawl or primary-keyword run since.
    """

    def stats(model: Any, stamp: Any | None) -> list[Any]:
        where = model.project_id == project_id
        out = [select(func.count()).select_from(model).where(where).scalar_subquery()]
        if stamp is not None:
            out.append(select(func.max(stamp)).where(where).scalar_subquery())
        return out

    row = conn.execute(
        select(
            *stats(PageRanking, PageRanking.imported_at),
            *stats(CrawledPage, CrawledPage.updated_at),
            *stats(Primary, Primary.updated_at),
            *stats(CrawlRun, CrawlRun.updated_at),
            *stats(CrawlLink, None),
            *stats(KeywordMetric, KeywordMetric.fetched_at),
        )
    ).one()
    return tuple(str(v) if v is not None and not isinstance(v, int) else v for v in row)


class VersionedCache(Generic[T]):
    """A small thread-safe LRU of results keyed by (project, data version, arguments).

    Streamlit runs each session in its own thread; two sessions missing at once both
    compute (no lock is held while computing) and the later result is kept.

    Parameters
    ----------
    max_entries : int
        Results kept (least recently used out first).
    """

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._rows: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key``, else ``compute()`` stored under it."""
        with self._lock:
            if key in self._rows:
                self._rows.move_to_end(key)
                return self._rows[key]
        value = compute()
        with self._lock:
            self._rows[key] = value
            self._rows.move_to_end(key)
            while len(self._rows) > self.max_entries:
                self._rows.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every result (tests; a changed model)."""
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)
