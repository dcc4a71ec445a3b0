"""Workspace settings stored in ``app_settings`` (provider choices, monthly budget)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.models import AppSetting
from db.session import session_scope

PROVIDERS_KEY = "providers"
#: The project's evidence switch (issue 16), a key of ``projects.brand_config``: whether its
#: keywords are grouped by the data's evidence (Parent Keyword, ranking URL, SERP overlap) on
#: top of the same-search text rules. Absent = on.
PROJECT_EVIDENCE_KEY = "use_evidence"


def project_uses_evidence(brand_config: dict[str, Any] | None) -> bool:
    """The evidence switch of a project's ``brand_config`` (absent = on)."""
    return bool((brand_config or {}).get(PROJECT_EVIDENCE_KEY, True))


def get_setting(engine: Engine, key: str, default: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON value stored under ``key`` (``default`` or {} when unset)."""
    with session_scope(engine) as s:
        row = s.get(AppSetting, key)
        return dict(row.value) if row else dict(default or {})


def set_setting(engine: Engine, key: str, value: dict[str, Any]) -> None:
    """Create or replace the JSON value under ``key`` (a transaction of its own)."""
    with session_scope(engine) as s:
        put_setting(s, key, value)


def put_setting(session: Session, key: str, value: dict[str, Any]) -> None:
    """Create or replace the JSON value under ``key`` in the caller's unit of work."""
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value=value))
    else:
        row.value = value


def get_provider_choices(engine: Engine, defaults: dict[str, str] | None = None) -> dict[str, str]:
    """{"llm": …, "volume": …}: the user's choice on the Settings page, else ``defaults``
    (the ``LLM_PROVIDER`` / ``VOLUME_PROVIDER`` settings), else offline for both."""
    base = {"llm": "offline", "volume": "offline"} | {
        k: v for k, v in (defaults or {}).items() if v
    }
    value = get_setting(engine, PROVIDERS_KEY, base)
    return {"llm": value.get("llm", base["llm"]), "volume": value.get("volume", base["volume"])}


def default_provider_choices(settings: Any) -> dict[str, str]:
    """Defaults from settings: ``LLM_PROVIDER`` and ``VOLUME_PROVIDER`` (env or secrets.toml)."""
    return {
        "llm": settings.get("LLM_PROVIDER") or "offline",
        "volume": settings.get("VOLUME_PROVIDER") or "offline",
    }


def set_provider_choices(engine: Engine, llm: str, volume: str) -> None:
    """Store the user's provider choices (validated by the caller against the registry)."""
    set_setting(engine, PROVIDERS_KEY, {"llm": llm, "volume": volume})
