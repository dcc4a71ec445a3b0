"""Which adapter serves each port, from settings and the user's choice on the Settings page.

Choices (stored in ``app_settings`` under ``providers``):
    llm: "offline" (default) | "anthropic" | "openai"
    volume: "offline" (imported keyword data, default) | "dataforseo"
A live choice whose keys are missing falls back to offline with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from services.config import Settings
from services.providers.base import Embedder, LLMProvider, VolumeProvider

LLM_CHOICES = ("offline", "anthropic", "openai")
VOLUME_CHOICES = ("offline", "dataforseo")


@dataclass
class ProviderSet:
    """The adapters in force for one run, plus why any choice was not honoured."""

    llm: LLMProvider
    volume: VolumeProvider | None
    offline_llm: LLMProvider
    warnings: list[str] = field(default_factory=list)

    @property
    def is_paid(self) -> bool:
        """True when any adapter bills per call (budget check needed)."""
        return self.llm.name != "offline" or (
            self.volume is not None and self.volume.name == "dataforseo"
        )


def build_providers(
    settings: Settings,
    engine: Engine,
    embedder_factory: Callable[[], Embedder],
    *,
    llm_choice: str = "offline",
    volume_choice: str = "offline",
) -> ProviderSet:
    """Build the adapters for the chosen providers.

    Args:
        settings: resolved settings (API keys).
        engine: database (offline adapters read the imported keyword universe).
        embedder_factory: returns the shared offline embedder.
        llm_choice: one of :data:`LLM_CHOICES`.
        volume_choice: one of :data:`VOLUME_CHOICES`.
    """
    from services.providers.offline_llm import OfflineLLMProvider
    from services.providers.offline_volume import ImportedVolumeProvider

    offline = OfflineLLMProvider(engine, embedder_factory)
    warnings: list[str] = []
    llm: LLMProvider = offline
    volume: VolumeProvider | None = ImportedVolumeProvider(engine)
    live_llm = _build_live_llm(settings, engine, llm_choice, warnings)
    if live_llm is not None:
        llm = live_llm
    live_volume = _build_live_volume(settings, engine, volume_choice, warnings)
    if live_volume is not None:
        volume = live_volume
    return ProviderSet(llm=llm, volume=volume, offline_llm=offline, warnings=warnings)


def _build_live_llm(
    settings: Settings, engine: Engine, choice: str, warnings: list[str]
) -> LLMProvider | None:
    """Live LLM adapter for ``choice`` or None (offline). Extended by the live-providers work."""
    if choice == "offline":
        return None
    warnings.append(f"LLM provider '{choice}' is not available; using the offline provider.")
    return None


def _build_live_volume(
    settings: Settings, engine: Engine, choice: str, warnings: list[str]
) -> VolumeProvider | None:
    """Live volume adapter for ``choice`` or None (imported data)."""
    if choice == "offline":
        return None
    warnings.append(f"Volume provider '{choice}' is not available; using imported keyword data.")
    return None
