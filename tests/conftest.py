"""Shared fixtures: a real database (SQLite by default, PostgreSQL when DATABASE_URL is set),
paths to the team's shared data, and a clean slate per test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
sys.path.insert(0, str(REPO))

from db.models import Base  # noqa: E402
from db.session import get_engine, migrate  # noqa: E402
from db.types import configure_encryption  # noqa: E402

SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
CONTRACTS = SHARED / "contracts"
SEMRUSH_WP = DATA / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv"
SEMRUSH_ATW = (
    DATA / "semrush-add-to-website-clustered" / "add-to-website_broad-match_us_2026-04-22.csv"
)
SEMRUSH_ATW_CLUSTERED = (
    DATA / "semrush-add-to-website-clustered" / "add-to-website_clustered_full_us_2026-04-22.csv"
)
GKP_ES = DATA / "gkp-auto-repair-es" / "keyword-stats.csv"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """DATABASE_URL when it points at a database, else a fresh SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str):
    """Engine with the schema built by the real Alembic migrations."""
    configure_encryption(Fernet.generate_key())
    engine = get_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    # As the app, the CLI and a worker do at start: the queue learns the job handlers.
    from services.app.bootstrap import wire_process

    wire_process()
    return engine


@pytest.fixture()
def engine(migrated_engine):
    """A migrated engine whose tables are emptied after each test."""
    yield migrated_engine
    with migrated_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture()
def project_id(engine):
    """A fresh project with a brand profile; returns its id."""
    from db.models import Project
    from db.session import session_scope

    with session_scope(engine) as s:
        p = Project(
            name="Test Store",
            domain="example.com",
            brand_config={
                "company_name": "Acme Themes",
                "products": ["WordPress themes", "page builder templates"],
                "price_point": "premium",
                "primary_persona": "small business owners building their own site",
                "competitors": ["ThemeForest", "Elegant Themes"],
            },
        )
        s.add(p)
        s.flush()
        return p.id


DB_FIXTURES = {"engine", "migrated_engine", "project_id", "database_url"}


#: Test folders whose every test needs the database (tests/pages: AppTests on the app context).
DB_FOLDERS = frozenset(["db", "pages"])


def _top_folder(path: Path) -> str:
    """The first folder below tests/ of ``path`` ("" outside it)."""
    try:
        return path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return ""


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing folders whose every test the ``-m`` expression deselects anyway
    (``not db``: tests/db and tests/pages; ``not browser``: tests/browser), so the unit
    suite does not pay for importing streamlit.testing, playwright and the db fixtures."""
    expr = str(config.getoption("markexpr") or "")
    top = _top_folder(collection_path)
    if "not db" in expr and top in DB_FOLDERS and collection_path.resolve() != TESTS / top:
        return True
    if "not browser" in expr and top == "browser" and collection_path.resolve() != TESTS / top:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that touches the database ``db`` (by the fixtures it uses, or by living
    under ``tests/db``: some open their own SQLite file) and every test under
    ``tests/browser`` ``browser``, so ``-m "not db and not slow and not browser"`` is the unit
    suite (no database, no server)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & DB_FIXTURES or _top_folder(Path(str(item.fspath))) in DB_FOLDERS:
            item.add_marker(pytest.mark.db)
        if "browser" in Path(str(item.fspath)).parts or item.fspath.basename == "test_browser.py":
            item.add_marker(pytest.mark.browser)
