"""The Settings screen: which provider serves each role, the Sonnet switch, the budget, and
the SERP-overlap threshold of the evidence rules.

What ``pages/settings.py`` calls. It reads the provider choices
(:mod:`services.providers.registry`) and the monthly budget (:mod:`services.spend.budget`),
so it sits above both: the providers do not import the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from db.session import session_scope
from services.clustering.serp_settings import (
    DEFAULT_MIN_SERP_OVERLAP,
    EVIDENCE_SETTINGS_KEY,
    FUNNEL_SERP_KEYWORDS,
    checked_min_overlap,
    checked_serp_keywords,
    min_overlap_of,
    serp_keywords_of,
)
from services.core.app_settings import (
    PROVIDERS_KEY,
    default_provider_choices,
    get_provider_choices,
    get_setting,
    put_setting,
)
from services.core.config import Settings
from services.core.errors import InvalidInputError
from services.providers.registry import (
    LLM_CHOICES,
    LLM_LABELS,
    LLM_OPTIONS_KEY,
    PROVIDER_KEYS,
    VOLUME_CHOICES,
    VOLUME_LABELS,
    missing_keys,
    use_fallback_model,
)
from services.spend.budget import BUDGET_KEY, checked_budget, get_monthly_budget


def min_serp_overlap(engine: Engine) -> int:
    """The stored "SERP overlap" setting (shared top-10 URLs, 2-7; default 4)."""
    return min_overlap_of(get_setting(engine, EVIDENCE_SETTINGS_KEY))


def serp_keywords_per_cluster(engine: Engine) -> int:
    """The stored "SERPs per new cluster" setting (0-50, 0 = off; default 30)."""
    return serp_keywords_of(get_setting(engine, EVIDENCE_SETTINGS_KEY))


@dataclass(frozen=True)
class RoleStatus:
    """One row of the Settings page's provider table."""

    role: str
    chosen: str
    active: str
    detail: str


@dataclass(frozen=True)
class SettingsView:
    """Everything the Settings page shows; holds no secret (keys appear as set / not set).

    Attributes
    ----------
    llm_choice, volume_choice : str
        The stored choices.
    roles : list[RoleStatus]
        Chosen versus active adapter per role (LLM, volume).
    keys : dict[str, bool]
        Settings key → whether it is set.
    use_fallback_model : bool
        The Sonnet switch.
    anthropic_model, fallback_model, openai_model : str
        Model names in force (not secrets).
    monthly_budget_usd : float
        The workspace budget (USD).
    min_serp_overlap : int
        Shared top-10 URLs that make two keywords one page as SERP evidence (2-7, default
        4; used with DataForSEO on).
    serp_keywords : int
        SERPs a new cluster may buy for that evidence (0-50, 0 = off, default 30; $0.002
        each, paid once per keyword and market).
    warnings : list[str]
        Choices that cannot be honoured (missing keys).
    """

    llm_choice: str
    volume_choice: str
    roles: list[RoleStatus]
    keys: dict[str, bool]
    use_fallback_model: bool
    anthropic_model: str
    fallback_model: str
    openai_model: str
    monthly_budget_usd: float
    warnings: list[str]
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP
    serp_keywords: int = FUNNEL_SERP_KEYWORDS


def _not_honoured(label: str, missing: list[str], instead: str) -> str:
    reason = f"{', '.join(missing)} is not set" if missing else "it is unknown"
    return f"{label} is selected but {reason}; {instead}."


def _active(
    settings: Settings,
    choice: str,
    choices: tuple[str, ...],
    labels: dict[str, str],
    instead: str,
    warnings: list[str],
) -> str:
    """The adapter in force for a role: the choice when known and its keys are set, else
    "offline" (and a warning saying why)."""
    missing = missing_keys(settings, choice)
    if choice in choices and not missing:
        return choice
    warnings.append(_not_honoured(labels.get(choice, choice), missing, instead))
    return "offline"


def settings_view(settings: Settings, engine: Engine) -> SettingsView:
    """The Settings page's data: chosen and active providers, key presence, budget.

    Parameters
    ----------
    settings : Settings
        Resolved settings.
    engine : sqlalchemy.Engine
        Where the choices and the budget are stored.
    """
    from services.providers.llm.claude import DEFAULT_FALLBACK_MODEL, DEFAULT_MODEL
    from services.providers.llm.openai_compatible import DEFAULT_MODEL as OPENAI_DEFAULT_MODEL

    choices = get_provider_choices(engine, default_provider_choices(settings))
    llm_choice = choices.get("llm", "offline")
    volume_choice = choices.get("volume", "offline")
    fallback_on = use_fallback_model(engine)
    anthropic_model = settings.get("ANTHROPIC_MODEL") or DEFAULT_MODEL
    fallback_model = settings.get("ANTHROPIC_FALLBACK_MODEL") or DEFAULT_FALLBACK_MODEL
    openai_model = settings.get("OPENAI_MODEL") or OPENAI_DEFAULT_MODEL
    warnings: list[str] = []

    llm_active = _active(
        settings, llm_choice, LLM_CHOICES, LLM_LABELS, "the offline provider is used", warnings
    )
    volume_active = _active(
        settings,
        volume_choice,
        VOLUME_CHOICES,
        VOLUME_LABELS,
        "imported keyword data is used",
        warnings,
    )
    llm_detail = {
        "offline": "keyword universe + lexicons, embedding relevance",
        "anthropic": f"model {fallback_model if fallback_on else anthropic_model}",
        "openai": f"model {openai_model}"
        + (" on a custom server" if settings.has("OPENAI_BASE_URL") else ""),
    }[llm_active]
    volume_detail = {
        "offline": "the project's imported keyword exports",
        "dataforseo": "Google Ads search volume (live), cached 30 days",
    }[volume_active]
    keys = {k: settings.has(k) for group in PROVIDER_KEYS.values() for k in group}

    return SettingsView(
        llm_choice=llm_choice,
        volume_choice=volume_choice,
        roles=[
            RoleStatus(
                "LLM (Stages 1 and 3)",
                LLM_LABELS.get(llm_choice, llm_choice),
                LLM_LABELS[llm_active],
                llm_detail,
            ),
            RoleStatus(
                "Search volume (Stage 2)",
                VOLUME_LABELS.get(volume_choice, volume_choice),
                VOLUME_LABELS[volume_active],
                volume_detail,
            ),
        ],
        keys=keys,
        use_fallback_model=fallback_on,
        anthropic_model=anthropic_model,
        fallback_model=fallback_model,
        openai_model=openai_model,
        monthly_budget_usd=get_monthly_budget(engine),
        warnings=warnings,
        min_serp_overlap=min_serp_overlap(engine),
        serp_keywords=serp_keywords_per_cluster(engine),
    )


def save_settings(
    settings: Settings,
    engine: Engine,
    *,
    llm: str,
    volume: str,
    use_fallback_model: bool,
    monthly_budget_usd: float,
    min_serp_overlap: int | None = None,
    serp_keywords: int | None = None,
) -> SettingsView:
    """Store the Settings page's choices and return the refreshed view.

    Parameters
    ----------
    settings : Settings
        Resolved settings (to report which choices are active).
    engine : sqlalchemy.Engine
    llm : str
        One of :data:`LLM_CHOICES`.
    volume : str
        One of :data:`VOLUME_CHOICES`.
    use_fallback_model : bool
        Run the LLM stages on the fallback model (Sonnet).
    monthly_budget_usd : float
        Workspace budget, USD.
    min_serp_overlap : int, optional
        The "SERP overlap" setting (shared top-10 URLs, 2-7); None leaves it as it is.
    serp_keywords : int, optional
        The "SERPs per new cluster" setting (0-50, 0 = off); None leaves it as it is.

    Raises
    ------
    InvalidInputError
        An unknown choice, an invalid budget, an overlap outside 2-7 or a SERP count
        outside 0-50 (nothing is stored).
    """
    if llm not in LLM_CHOICES:
        raise InvalidInputError(f"Unknown LLM provider '{llm}'.")
    if volume not in VOLUME_CHOICES:
        raise InvalidInputError(f"Unknown volume provider '{volume}'.")
    budget = checked_budget(monthly_budget_usd)  # validates before anything is written
    evidence = dict(get_setting(engine, EVIDENCE_SETTINGS_KEY) or {})
    if min_serp_overlap is not None:
        evidence["min_serp_overlap"] = checked_min_overlap(min_serp_overlap)
    if serp_keywords is not None:
        evidence["serp_keywords"] = checked_serp_keywords(serp_keywords)
    with session_scope(engine) as s:  # one unit of work: all the settings or none
        put_setting(s, BUDGET_KEY, {"usd": budget})
        if evidence:
            put_setting(s, EVIDENCE_SETTINGS_KEY, evidence)
        put_setting(s, PROVIDERS_KEY, {"llm": llm, "volume": volume})
        put_setting(s, LLM_OPTIONS_KEY, {"use_fallback_model": bool(use_fallback_model)})
    return settings_view(settings, engine)
