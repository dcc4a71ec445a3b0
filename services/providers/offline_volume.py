"""Offline Stage 2: search metrics from the project's imported keyword exports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.core.errors import ProviderError
from services.core.text import normalize_keyword
from services.providers.base import KeywordMetricsStore, Usage, VolumeResult, metrics_store


class ImportedVolumeProvider:
    """``VolumeProvider`` backed by ``KeywordMetric`` rows (Semrush/Ahrefs/GKP/GSC imports).

    One indexed ``IN`` query per batch. Logs a zero-cost ``Usage`` so the cost page has one
    story. Raises ``ProviderError`` when the project has no keyword data at all (the
    funnel then continues with the "volume data unavailable" warning).
    """

    name = "offline"

    def __init__(self, metrics: KeywordMetricsStore | Any) -> None:
        """``metrics``: the project's stored metrics (an engine is wrapped, for one release)."""
        self.metrics = metrics_store(metrics)

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
        if not self.metrics.has_keywords(project_id):
            raise ProviderError(
                "no keyword export imported for this project (import one on the Projects page)",
                provider=self.name,
            )
        data = self.metrics.lookup(project_id, wanted)
        usage = Usage(
            provider=self.name,
            endpoint="keyword_metrics.lookup",
            metadata={"keywords": len(wanted), "found": len(data)},
        )
        return VolumeResult(data=data, usage=[usage])
