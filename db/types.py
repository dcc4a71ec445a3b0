"""Column types: portable JSON (JSONB on PostgreSQL) and Fernet-encrypted strings."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

#: JSON column: JSONB on PostgreSQL, JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")

_fernet: Fernet | None = None


def configure_encryption(key: bytes | str) -> None:
    """Install the process-wide Fernet key used by :class:`EncryptedString`.

    Args:
        key: a Fernet key (urlsafe base64 of 32 bytes), from settings or the local key file.
    """
    global _fernet
    _fernet = Fernet(key.encode() if isinstance(key, str) else key)


def _require_fernet() -> Fernet:
    if _fernet is None:
        raise RuntimeError("encryption key not configured; call db.session.init_db() first")
    return _fernet


class EncryptedString(TypeDecorator[str]):
    """A string stored as a Fernet token; plaintext never reaches the database."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        return _require_fernet().encrypt(str(value).encode()).decode()

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        try:
            return _require_fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            # Key changed or rotated: the secret is unrecoverable, not a crash.
            return None
