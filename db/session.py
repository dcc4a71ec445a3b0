"""Engine, session factory and start-up (key file + Alembic upgrade).

One engine per URL, cached; sessions are never cached — open one per user action:
``with session_scope(engine) as s: ...`` commits on success and rolls back on error.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from db.types import configure_encryption

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Seconds a SQLite connection waits for another connection's write lock before "database is
#: locked". Writers keep their transactions short (imports commit every few thousand rows),
#: so a wait this long means something is stuck.
SQLITE_BUSY_TIMEOUT_S = 30
log = logging.getLogger(__name__)
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """Foreign keys; WAL (readers never block the writer nor it them); the busy timeout;
    ``synchronous=NORMAL``, which is durable across application crashes in WAL mode
    (https://www.sqlite.org/wal.html#performance_considerations)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def get_engine(url: str) -> Engine:
    """Cached engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout.

    Args:
        url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://…``).
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(
                    url,
                    connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
                )
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine`` (objects stay readable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with session_factory(engine).begin() as session:
        yield session


def load_or_create_key(key: str | None, key_file: Path, legacy_files: Iterable[Path] = ()) -> bytes:
    """The Fernet key: ``key`` from settings, else the key file (moved there from an older
    location, or created once with mode 0600).

    A key found in one of ``legacy_files`` (versions before issue 11 kept it next to the
    database) is copied to ``key_file`` first and removed from the old place only once the
    copy reads back identical, so saved secrets stay readable whatever happens in between.

    Args:
        key: the key from settings (``CLUSTER_PLANNER_SECRET_KEY``), or None.
        key_file: where the key is kept (outside the data dir by default).
        legacy_files: older key locations to move the key from.

    Returns:
        The key (urlsafe base64 bytes).
    """
    if key:
        return key.encode()
    if key_file.is_file():
        return key_file.read_bytes().strip()
    for legacy in legacy_files:
        try:
            old_key = legacy.read_bytes().strip()
        except FileNotFoundError:
            continue  # absent, or moved by another process a moment ago
        Fernet(old_key)  # a valid key, or ValueError before anything is moved
        _write_key(key_file, old_key)
        if key_file.read_bytes().strip() == old_key:
            legacy.unlink(missing_ok=True)
            log.warning("Moved the Fernet key from %s to %s", legacy, key_file)
        return old_key
    if key_file.is_file():  # another process created it while we looked
        return key_file.read_bytes().strip()
    new_key = Fernet.generate_key()
    _write_key(key_file, new_key)
    return key_file.read_bytes().strip()


def _write_key(key_file: Path, value: bytes) -> None:
    """Write ``value`` to ``key_file`` (mode 0600, parents 0700) unless it exists already.

    The file is created exclusively from a temporary file, so two processes starting at
    once end with one key, never a mix.
    """
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = key_file.with_name(f".{key_file.name}.{os.getpid()}.tmp")
    tmp.write_bytes(value)
    tmp.chmod(0o600)
    try:
        os.link(tmp, key_file)  # fails if the key file appeared meanwhile: keep that one
    except FileExistsError:
        pass
    except OSError:  # a filesystem without hard links: exclusive create instead
        try:
            with key_file.open("xb") as fh:
                fh.write(value)
            key_file.chmod(0o600)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def migrate(engine: Engine) -> None:
    """Apply Alembic migrations up to head on ``engine`` (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def init_db(
    url: str,
    *,
    secret_key: str | None,
    key_file: Path,
    legacy_key_files: Iterable[Path] = (),
) -> Engine:
    """Start-up: configure encryption, get the engine, migrate to head.

    Args:
        url: database URL.
        secret_key: Fernet key from settings, or None to use/create ``key_file``.
        key_file: local key file outside the data dir.
        legacy_key_files: older key locations to move the key from (see
            :func:`load_or_create_key`).

    Returns:
        The migrated engine.
    """
    configure_encryption(load_or_create_key(secret_key, key_file, legacy_key_files))
    engine = get_engine(url)
    migrate(engine)
    return engine
