"""The Fernet key lives outside the data dir; an old key next to the database is moved,
never lost; production requires CLUSTER_PLANNER_SECRET_KEY (issue 11, item 6)."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from db.session import load_or_create_key
from services.core.config import REPO_ROOT, SECRETS_FILE, load_settings
from services.core.errors import ConfigurationError


def _settings(tmp_path, **env):
    base = {"CLUSTER_PLANNER_DATA_DIR": str(tmp_path / "data")}
    return load_settings(env={**base, **env}, secrets_file=tmp_path / "none.toml")


def test_default_key_file_is_outside_the_data_dir(tmp_path):
    settings = _settings(tmp_path)

    assert settings.data_dir not in settings.secret_key_file.parents
    assert settings.secret_key_file.name == "fernet.key"
    assert settings.legacy_key_file == settings.data_dir / "fernet.key"


def test_a_new_key_is_created_once_with_private_permissions(tmp_path):
    key_file = tmp_path / "config" / "fernet.key"

    first = load_or_create_key(None, key_file)
    second = load_or_create_key(None, key_file)

    assert first == second and Fernet(first)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_an_old_key_in_the_data_dir_is_moved_and_still_decrypts(tmp_path):
    legacy = tmp_path / "data" / "fernet.key"
    legacy.parent.mkdir()
    old_key = Fernet.generate_key()
    legacy.write_bytes(old_key + b"\n")
    token = Fernet(old_key).encrypt(b"wordpress application password")
    key_file = tmp_path / "config" / "fernet.key"

    key = load_or_create_key(None, key_file, [legacy])

    assert Fernet(key).decrypt(token) == b"wordpress application password"
    assert key_file.read_bytes().strip() == old_key
    assert not legacy.exists()
    assert load_or_create_key(None, key_file, [legacy]) == old_key  # next start-up


def test_an_invalid_old_key_is_not_moved(tmp_path):
    legacy = tmp_path / "fernet.key"
    legacy.write_bytes(b"not a key")

    with pytest.raises(ValueError):
        load_or_create_key(None, tmp_path / "config" / "fernet.key", [legacy])
    assert legacy.exists() and not (tmp_path / "config" / "fernet.key").exists()


def test_production_requires_the_secret_key(tmp_path):
    with pytest.raises(ConfigurationError, match="CLUSTER_PLANNER_SECRET_KEY is required"):
        _ = _settings(tmp_path, CLUSTER_PLANNER_ENV="production").secret_key

    key = Fernet.generate_key().decode()
    settings = _settings(tmp_path, CLUSTER_PLANNER_ENV="production", CLUSTER_PLANNER_SECRET_KEY=key)
    assert settings.secret_key == key
    assert _settings(tmp_path).secret_key is None  # development: the key file is used


def test_key_file_and_repo_paths_can_be_configured(tmp_path):
    settings = _settings(tmp_path, CLUSTER_PLANNER_KEY_FILE=str(tmp_path / "k" / "key"))

    assert settings.secret_key_file == tmp_path / "k" / "key"
    assert (REPO_ROOT / "services" / "core" / "config.py").is_file()  # the repository root
    assert SECRETS_FILE == REPO_ROOT / ".streamlit" / "secrets.toml"
