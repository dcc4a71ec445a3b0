"""Which adapter serves each port, from settings and the user's choice on the Settings page.

Choices (stored in ``app_settings`` under ``providers``):
    llm: "offline" (default) | "anthropic" | "openai" (any OpenAI-compatible server)
    volume: "offline" (imported keyword data, default) | "dataforseo"
A live choice whose keys are missing falls back to offline with a warning.

Keys (environment, then ``.streamlit/secrets.toml``; see ``services.core.config``):
    ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL, ANTHROPIC_MODEL (default
    claude-haiku-4-5), ANTHROPIC_FALLBACK_MODEL (default claude-sonnet-4-5);
    OPENAI_API_KEY and/or OPENAI_BASE_URL (one required; a local server needs no key),
    OPENAI_MODEL (default gpt-4o-mini);
    DATAFORSEO_LOGIN + DATAFORSEO_PASSWORD (required), DATAFORSEO_BASE_URL.
Secrets are only handed to the SDK clients; nothing here logs, stores or returns them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from services.core.app_settings import (
    get_setting,
)
from services.core.config import Settings
from services.providers.base import (
    Embedder,
    KeywordMetricsStore,
    LLMProvider,
    StructuredGenerator,
    VolumeProvider,
    metrics_store,
)

LLM_CHOICES = ("offline", "anthropic", "openai")
VOLUME_CHOICES = ("offline", "dataforseo")
LLM_LABELS = {
    "offline": "Offline (no key, no network)",
    "anthropic": "Anthropic Claude",
    "openai": "OpenAI-compatible server",
}
VOLUME_LABELS = {"offline": "Imported keyword data (offline)", "dataforseo": "DataForSEO"}
#: app_settings key of LLM options: {"use_fallback_model": bool}.
LLM_OPTIONS_KEY = "llm_options"

#: Every settings key the live providers read (shown as set / not set, never the value).
PROVIDER_KEYS: dict[str, tuple[str, ...]] = {
    "anthropic": (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_MODEL",
        "ANTHROPIC_FALLBACK_MODEL",
    ),
    "openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"),
    "dataforseo": ("DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD", "DATAFORSEO_BASE_URL"),
}


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


def missing_keys(settings: Settings, choice: str) -> list[str]:
    """Required keys of ``choice`` that are not set ([] for offline or when complete)."""
    if choice == "anthropic":
        return [] if settings.has("ANTHROPIC_API_KEY") else ["ANTHROPIC_API_KEY"]
    if choice == "openai":
        has = settings.has("OPENAI_API_KEY") or settings.has("OPENAI_BASE_URL")
        return [] if has else ["OPENAI_API_KEY or OPENAI_BASE_URL"]
    if choice == "dataforseo":
        return [k for k in ("DATAFORSEO_LOGIN", "DATAFORSEO_PASSWORD") if not settings.has(k)]
    return []


def use_fallback_model(engine: Engine) -> bool:
    """The owner's switch: run the LLM stages on the fallback model (Sonnet)."""
    return bool(get_setting(engine, LLM_OPTIONS_KEY, {}).get("use_fallback_model", False))


def build_providers(
    settings: Settings,
    engine: Engine,
    embedder_factory: Callable[[], Embedder],
    *,
    llm_choice: str = "offline",
    volume_choice: str = "offline",
    metrics: KeywordMetricsStore | None = None,
) -> ProviderSet:
    """Build the adapters for the chosen providers.

    Args:
        settings: resolved settings (API keys).
        engine: database (stored provider options).
        embedder_factory: returns the shared offline embedder.
        llm_choice: one of :data:`LLM_CHOICES`.
        volume_choice: one of :data:`VOLUME_CHOICES`.
        metrics: the project's stored keywords, read by the offline adapters and the
            DataForSEO cache (default: the store of ``engine`` from the composition root).
    """
    from services.providers.llm.offline import OfflineLLMProvider
    from services.providers.offline_volume import ImportedVolumeProvider

    store = metrics if metrics is not None else metrics_store(engine)
    offline = OfflineLLMProvider(store, embedder_factory)
    warnings: list[str] = []
    llm: LLMProvider = offline
    volume: VolumeProvider | None = ImportedVolumeProvider(store)
    live_llm = _build_live_llm(settings, engine, llm_choice, warnings)
    if live_llm is not None:
        llm = live_llm
    live_volume = _build_live_volume(settings, store, volume_choice, warnings)
    if live_volume is not None:
        volume = live_volume
    return ProviderSet(llm=llm, volume=volume, offline_llm=offline, warnings=warnings)


def _honoured(
    settings: Settings,
    choice: str,
    choices: tuple[str, ...],
    labels: dict[str, str],
    fallback: str,
    warnings: list[str],
) -> bool:
    """True when ``choice`` is a live provider whose keys are set; else False, with a warning
    naming the ``fallback`` used instead (none for an explicit offline choice)."""
    if choice == "offline":
        return False
    if choice not in choices:
        warnings.append(f"Unknown provider '{choice}'; using {fallback}.")
        return False
    missing = missing_keys(settings, choice)
    if missing:
        warnings.append(
            f"{labels[choice]} is selected but {', '.join(missing)} is not set; using {fallback}."
        )
        return False
    return True


def _build_live_llm(
    settings: Settings, engine: Engine, choice: str, warnings: list[str]
) -> LLMProvider | None:
    """Live LLM adapter for ``choice`` or None (offline), with a warning when not honoured."""
    if not _honoured(settings, choice, LLM_CHOICES, LLM_LABELS, "the offline provider", warnings):
        return None
    if choice == "anthropic":
        from services.providers.llm.claude import (
            DEFAULT_FALLBACK_MODEL,
            DEFAULT_MODEL,
            AnthropicProvider,
        )

        return AnthropicProvider(
            api_key=settings.get("ANTHROPIC_API_KEY") or "",
            base_url=settings.get("ANTHROPIC_BASE_URL"),
            model=settings.get("ANTHROPIC_MODEL") or DEFAULT_MODEL,
            fallback_model=settings.get("ANTHROPIC_FALLBACK_MODEL") or DEFAULT_FALLBACK_MODEL,
            use_fallback_model=use_fallback_model(engine),
        )
    from services.providers.llm.openai_compatible import DEFAULT_MODEL as OPENAI_DEFAULT_MODEL
    from services.providers.llm.openai_compatible import OpenAICompatibleProvider

    return OpenAICompatibleProvider(
        api_key=settings.get("OPENAI_API_KEY"),
        base_url=settings.get("OPENAI_BASE_URL"),
        model=settings.get("OPENAI_MODEL") or OPENAI_DEFAULT_MODEL,
    )


def _build_live_volume(
    settings: Settings, metrics: KeywordMetricsStore, choice: str, warnings: list[str]
) -> VolumeProvider | None:
    """Live volume adapter for ``choice`` or None (imported data)."""
    if not _honoured(
        settings, choice, VOLUME_CHOICES, VOLUME_LABELS, "imported keyword data", warnings
    ):
        return None
    from services.providers.dataforseo.client import (
        DEFAULT_BASE_URL,
        DataForSEOClient,
        DataForSEOVolumeProvider,
    )

    client = DataForSEOClient(
        settings.get("DATAFORSEO_LOGIN") or "",
        settings.get("DATAFORSEO_PASSWORD") or "",
        base_url=settings.get("DATAFORSEO_BASE_URL") or DEFAULT_BASE_URL,
    )
    return DataForSEOVolumeProvider(client, metrics)


# --------------------------------------------------------------------------- structured generation (content)
def structured_generator(provider_set: ProviderSet) -> StructuredGenerator | None:
    """The live LLM of ``provider_set`` as a :class:`StructuredGenerator` (content drafts),
    or None when the LLM in force is the offline one (drafts are then outline skeletons)."""
    llm = provider_set.llm
    if llm.name == "offline" or not isinstance(llm, StructuredGenerator):
        return None
    return llm
