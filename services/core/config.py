"""Settings in one place.

Precedence (highest first): environment variables, then ``.streamlit/secrets.toml``
(read with ``tomllib`` so the service layer never imports streamlit), then defaults.
Every key is listed in ``.streamlit/secrets.toml.example``.

Keys:
    DATABASE_URL: SQLAlchemy URL; default ``sqlite:///<repo>/.local/cluster_planner.db``.
    CLUSTER_PLANNER_DATA_DIR: folder for the SQLite file, uploads and job storage;
        default ``<repo>/.local``.
    CLUSTER_PLANNER_SECRET_KEY: Fernet key (urlsafe base64, 32 bytes) encrypting
        secrets at rest. Required when ``CLUSTER_PLANNER_ENV=production``; otherwise, when
        unset, a key is generated once into :attr:`Settings.secret_key_file`, OUTSIDE the
        data dir (a copied data folder then holds no key to its secrets). A key left in
        ``<data dir>/fernet.key`` by an older version is moved there at start-up.
    CLUSTER_PLANNER_KEY_FILE: path of that key file; default
        ``<user config dir>/cluster-planner/fernet.key`` (``platformdirs``: e.g.
        ``~/.config/cluster-planner/fernet.key`` on Linux).
    CLUSTER_PLANNER_ENV: ``production`` makes CLUSTER_PLANNER_SECRET_KEY mandatory.
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

import platformdirs

from services.core.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parents[2]  # services/core/config.py → the repository
#: Folder name under the user's config dir (platformdirs) that holds the Fernet key file.
APP_DIR_NAME = "cluster-planner"
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

    @property
    def is_production(self) -> bool:
        """True when ``CLUSTER_PLANNER_ENV`` is ``production``."""
        return (self.get("CLUSTER_PLANNER_ENV") or "").strip().lower() == "production"

    @property
    def secret_key(self) -> str | None:
        """``CLUSTER_PLANNER_SECRET_KEY``, or None to use :attr:`secret_key_file`.

        Raises
        ------
        ConfigurationError
            In production (:attr:`is_production`) without the key: a generated key file
            would be lost with the container, and with it every saved secret.
        """
        key = self.get("CLUSTER_PLANNER_SECRET_KEY")
        if not key and self.is_production:
            raise ConfigurationError(
                "CLUSTER_PLANNER_SECRET_KEY is required when CLUSTER_PLANNER_ENV=production "
                '(a Fernet key: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())").'
            )
        return key

    @property
    def secret_key_file(self) -> Path:
        """Where the generated Fernet key lives: ``CLUSTER_PLANNER_KEY_FILE``, else
        ``<user config dir>/cluster-planner/fernet.key`` — never the data dir by default."""
        configured = self.get("CLUSTER_PLANNER_KEY_FILE")
        if configured:
            return Path(configured).expanduser()
        return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)) / "fernet.key"

    @property
    def legacy_key_file(self) -> Path:
        """Where versions before issue 11 kept the key: next to the database."""
        return self.data_dir / "fernet.key"

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
