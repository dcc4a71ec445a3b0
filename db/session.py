"""Engine, session factory and start-up (key file + Alembic upgrade).

One engine per URL, cached; sessions are never cached — open one per user action:
``with session_scope(engine) as s: ...`` commits on success and rolls back on error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
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


def load_or_create_key(key: str | None, key_file: Path) -> bytes:
    """The Fernet key: ``key`` from settings, else the local key file (created once, 0600)."""
    if key:
        return key.encode()
    if key_file.is_file():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    new_key = Fernet.generate_key()
    key_file.write_bytes(new_key)
    key_file.chmod(0o600)
    return new_key


def migrate(engine: Engine) -> None:
    """Apply Alembic migrations up to head on ``engine`` (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def init_db(url: str, *, secret_key: str | None, key_file: Path) -> Engine:
    """Start-up: configure encryption, get the engine, migrate to head.

    Args:
        url: database URL.
        secret_key: Fernet key from settings, or None to use/create ``key_file``.
        key_file: local key file outside the database.

    Returns:
        The migrated engine.
    """
    configure_encryption(load_or_create_key(secret_key, key_file))
    engine = get_engine(url)
    migrate(engine)
    return engine
