"""build_providers honours the settings keys and the Settings page's choices."""

from __future__ import annotations

import pytest

from services.app.bootstrap import AppContext
from services.core.app_settings import set_provider_choices, set_setting
from services.core.config import Settings, load_settings
from services.providers.dataforseo.client import DataForSEOVolumeProvider
from services.providers.llm.claude import AnthropicProvider
from services.providers.llm.openai_compatible import OpenAICompatibleProvider
from services.providers.registry import LLM_OPTIONS_KEY, build_providers
from services.spend.budget import BudgetGuard
from tests.fakes.embedder import HashEmbedder

KEYS = {
    "ANTHROPIC_API_KEY": "sk-ant-SECRET",
    "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/anthropic",
    "DATAFORSEO_LOGIN": "me@example.com",
    "DATAFORSEO_PASSWORD": "pw-SECRET",
    "DATAFORSEO_BASE_URL": "http://127.0.0.1:9/dfs",
}


def build(engine, values, llm="anthropic", volume="dataforseo"):
    emb = HashEmbedder()
    return build_providers(
        Settings(values=values), engine, lambda: emb, llm_choice=llm, volume_choice=volume
    )


def test_missing_keys_fall_back_to_offline_with_warnings(engine):
    ps = build(engine, {})
    assert ps.llm.name == "offline" and ps.volume.name == "offline" and not ps.is_paid
    assert any("ANTHROPIC_API_KEY is not set" in w for w in ps.warnings)
    assert any("DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD is not set" in w for w in ps.warnings)
    half = build(engine, {"DATAFORSEO_LOGIN": "me"}, llm="offline")
    assert half.volume.name == "offline" and "DATAFORSEO_PASSWORD" in half.warnings[0]


def test_keys_build_the_live_adapters(engine):
    ps = build(engine, KEYS)
    assert isinstance(ps.llm, AnthropicProvider) and ps.llm.active_model == "claude-haiku-4-5"
    assert str(ps.llm._client.base_url).startswith("http://127.0.0.1:9/anthropic")
    assert isinstance(ps.volume, DataForSEOVolumeProvider)
    assert ps.volume.client.base_url == "http://127.0.0.1:9/dfs"
    assert ps.is_paid and ps.warnings == []
    for obj in (ps.llm, ps.volume, ps.volume.client):
        assert "SECRET" not in repr(obj)


def test_model_settings_and_the_fallback_switch(engine):
    values = {
        **KEYS,
        "ANTHROPIC_MODEL": "claude-haiku-4-5-20251001",
        "ANTHROPIC_FALLBACK_MODEL": "claude-sonnet-4-6",
    }
    assert build(engine, values).llm.active_model == "claude-haiku-4-5-20251001"
    set_setting(engine, LLM_OPTIONS_KEY, {"use_fallback_model": True})
    assert build(engine, values).llm.active_model == "claude-sonnet-4-6"


def test_openai_compatible_local_server_needs_no_key(engine):
    ps = build(
        engine,
        {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_MODEL": "llama3.1"},
        llm="openai",
        volume="offline",
    )
    assert isinstance(ps.llm, OpenAICompatibleProvider) and ps.llm.model == "llama3.1"
    assert ps.warnings == []


def test_unknown_choices_warn(engine):
    ps = build(engine, KEYS, llm="gemini", volume="semrush-api")
    assert ps.llm.name == "offline" and ps.volume.name == "offline" and len(ps.warnings) == 2


def test_secrets_file_is_read_and_environment_wins(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('ANTHROPIC_API_KEY = "from-file"\nDATAFORSEO_LOGIN = "file-login"\n')
    settings = load_settings(env={"ANTHROPIC_API_KEY": "from-env"}, secrets_file=secrets)
    assert (
        settings.get("ANTHROPIC_API_KEY") == "from-env"
        and settings.get("DATAFORSEO_LOGIN") == "file-login"
    )


def test_app_context_funnel_deps_get_the_budget_guard_and_estimate(engine):
    set_provider_choices(engine, "anthropic", "dataforseo")
    deps, warnings = AppContext(settings=Settings(values=KEYS), engine=engine).funnel_deps()
    assert warnings == [] and isinstance(deps.budget, BudgetGuard)
    # The worst case is held (issue 11): 4 Haiku calls at max_tokens + 1 DataForSEO volume
    # request + 1 Labs ideas request (issue 8), which the funnel then makes.
    assert deps.estimate_usd() == pytest.approx(0.1927, abs=0.001)
    assert deps.dataforseo_ideas
    assert deps.fallback_llm is not None and deps.fallback_llm.name == "offline"


def test_secrets_example_lists_every_provider_key():
    from pathlib import Path

    from services.providers.registry import PROVIDER_KEYS

    example = (
        Path(__file__).resolve().parents[3] / ".streamlit" / "secrets.toml.example"
    ).read_text()
    for keys in PROVIDER_KEYS.values():
        for key in keys:
            assert f"{key} =" in example or f"# {key} =" in example


def test_llm_and_volume_provider_settings_are_the_default_choices(engine):
    from services.core.app_settings import set_provider_choices

    settings = Settings(
        values={**KEYS, "LLM_PROVIDER": "anthropic", "VOLUME_PROVIDER": "dataforseo"}
    )
    ps = AppContext(settings=settings, engine=engine).providers()
    assert (ps.llm.name, ps.volume.name) == ("anthropic", "dataforseo")
    set_provider_choices(engine, "offline", "offline")  # the Settings page wins once used
    ps = AppContext(settings=settings, engine=engine).providers()
    assert (ps.llm.name, ps.volume.name) == ("offline", "offline")
