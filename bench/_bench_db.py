"""Database for the issue-11 benches: a temporary SQLite file, or a private PostgreSQL database.

``--pg`` creates (and drops afterwards) a database of its own on the server of
``PG_ADMIN_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``), so the bench never
touches the shared test database. ``--schema models`` builds the schema from the models
instead of the Alembic chain (only for a working tree whose chain is mid-change).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, text

from db.models import Base
from db.session import get_engine, migrate
from db.types import configure_encryption


@contextlib.contextmanager
def bench_engine(pg: bool, schema: str = "migrations") -> Iterator[tuple[Engine, str]]:
    """Yield (engine, url) of a fresh database; dropped afterwards."""
    configure_encryption(Fernet.generate_key())
    if pg:
        admin_url = os.environ.get(
            "PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        tmp = tempfile.mkdtemp(prefix="bench-db-")
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
    engine = get_engine(url)
    try:
        if schema == "models":
            Base.metadata.create_all(engine)
        else:
            migrate(engine)
        yield engine, url
    finally:
        engine.dispose()
        if pg:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
