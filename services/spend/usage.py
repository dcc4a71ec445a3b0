"""Writing ``APIUsage`` rows: every provider call, zero-cost offline calls included."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from db.models import APIUsage
from services.providers.base import Usage


def record_usage(
    session: Session, usages: Iterable[Usage], *, project_id: Any = None, cluster_id: Any = None
) -> float:
    """Add one ``APIUsage`` row per call to ``session`` (caller commits).

    Returns:
        Total cost of the rows in USD.
    """
    total = 0.0
    for u in usages:
        session.add(
            APIUsage(
                project_id=project_id,
                cluster_id=cluster_id,
                provider=u.provider,
                endpoint=u.endpoint,
                cost_usd=u.cost_usd,
                tokens=u.input_tokens
                + u.output_tokens
                + u.cache_read_tokens
                + u.cache_write_tokens,
                metadata_={
                    "model": u.model,
                    "input_tokens": u.input_tokens,
                    "output_tokens": u.output_tokens,
                    "cache_read_tokens": u.cache_read_tokens,
                    "cache_write_tokens": u.cache_write_tokens,
                    "requests": u.requests,
                    **u.metadata,
                },
            )
        )
        total += u.cost_usd
    return total
