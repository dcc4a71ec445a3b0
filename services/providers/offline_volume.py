"""Offline Stage 2: search metrics from the project's imported keyword exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, func, select

from db.models import KeywordMetric
from db.session import session_scope
from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.projects.keyword_data import lookup_metrics
from services.providers.base import Usage, VolumeResult


class ImportedVolumeProvider:
    """``VolumeProvider`` backed by ``KeywordMetric`` rows (Semrush/Ahrefs/GKP/GSC imports).

    One indexed ``IN`` query per batch. Logs a zero-cost ``Usage`` so the cost page has one
    story. Raises ``ProviderError`` when the project has no keyword data at all (the
    funnel then continues with the "volume data unavailable" warning).
    """

    name = "offline"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lookup(self, keywords: Sequence[str], *, project_id: Any = None) -> VolumeResult:
        """Metrics of ``keywords`` (normalised) for ``project_id``.

        Returns:
            :class:`VolumeResult` whose ``data`` holds the keywords found.

        Raises:
            ProviderError: no ``project_id`` or no imported keyword data in the project.
        """
        if project_id is None:
            raise ProviderError("no project selected", provider=self.name)
        wanted = sorted({normalize_keyword(k) for k in keywords if k})
        with session_scope(self.engine) as s:
            has_any = s.scalar(
                select(func.count()).select_from(
                    select(KeywordMetric.id)
                    .where(KeywordMetric.project_id == project_id)
                    .limit(1)
                    .subquery()
                )
            )
            if not has_any:
                raise ProviderError(
                    "no keyword export imported for this project (import one on the Projects page)",
                    provider=self.name,
                )
            data = lookup_metrics(s, project_id, wanted)
        usage = Usage(
            provider=self.name,
            endpoint="keyword_metrics.lookup",
            metadata={"keywords": len(wanted), "found": len(data)},
        )
        return VolumeResult(data=data, usage=[usage])
