"""Identifier coercion: pages hold ids as strings (session state), the DB wants UUIDs."""

from __future__ import annotations

import uuid
from typing import Any

from services.core.errors import NotFoundError


def as_uuid(value: Any) -> uuid.UUID:
    """``value`` as a UUID. Raises ``NotFoundError`` for a malformed id."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFoundError(f"Unknown id '{value}'.") from exc
