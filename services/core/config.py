"""Settings in one place.

Precedence (highest first): environment variables, then ``.streamlit/secrets.toml``
(read with ``tomllib`` so the service layer never imports streamlit), then defaults.
Every key is listed in ``.streamlit/secrets.toml.example``.

Keys:
    DATABASE_URL: SQLAlchemy URL; default ``sqlite:///<repo>/.local/cluster_planner.db``.
    CLUSTER_PLANNER_DATA_DIR: folder for the SQLite file, the Fernet key file and job
        storage; default ``<repo>/.local``.
    CLUSTER_PLANNER_SECRET_KEY: Fernet key (urlsafe base64, 32 bytes) encrypting
        secrets at rest; default: generated once into ``<data dir>/fernet.key``.
    ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_MODEL, ANTHROPIC_FALLBACK_MODEL.
    OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL.
    DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD, DATAFORSEO_BASE_URL.
    REDIS_URL: when set, background jobs use Redis instead of SQLite storage.
    LLM_PROVIDER: offline | anthropic | openai (default: offline).
    VOLUME_PROVIDER: offline | dataforseo (default: offline = imported data).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = REPO_ROOT / ".streamlit" / "secrets.toml"


def _read_secrets_file(path: Path) -> dict[str, str]:
    """Flat string view of ``secrets.toml`` (top-level scalar keys only); {} if absent."""
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {k: str(v) for k, v in data.items() if not isinstance(v, dict | list)}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with :func:`load_settings`; never log ``values``."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Value of ``key`` or ``default``; empty strings count as unset."""
        value = self.values.get(key)
        return value if value else default

    @property
    def data_dir(self) -> Path:
        """Folder for local state (SQLite DB, key file, job storage); created on demand."""
        path = Path(self.get("CLUSTER_PLANNER_DATA_DIR") or REPO_ROOT / ".local")
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL; SQLite in the data dir unless DATABASE_URL is set."""
        return self.get("DATABASE_URL") or f"sqlite:///{self.data_dir / 'cluster_planner.db'}"

    def has(self, *keys: str) -> bool:
        """True when every key is set (used to tell which live providers are configured)."""
        return all(self.get(k) for k in keys)


def load_settings(env: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE) -> Settings:
    """Merge defaults < secrets.toml < environment.

    Args:
        env: mapping to use instead of ``os.environ`` (tests pass their own).
        secrets_file: path of the TOML secrets file.

    Returns:
        A frozen :class:`Settings`.
    """
    merged = _read_secrets_file(secrets_file)
    source = os.environ if env is None else env
    merged.update({k: v for k, v in source.items() if v})
    return Settings(values=merged)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()
