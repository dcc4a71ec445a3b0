"""AppTest of pages/settings.py: provider choices, the Sonnet switch, the budget, no secrets shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.app.bootstrap import AppContext
from services.app.context import set_app
from services.core.app_settings import get_provider_choices
from services.core.config import Settings
from services.providers.registry import use_fallback_model
from services.spend.budget import get_monthly_budget

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "settings.py")
SECRETS = {
    "ANTHROPIC_API_KEY": "sk-ant-SECRET-abc123",
    "DATAFORSEO_LOGIN": "owner@shop.example",
    "DATAFORSEO_PASSWORD": "dfs-SECRET-pw",
    "OPENAI_API_KEY": "sk-openai-SECRET",
}


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["_frame"] = True  # as if app.py (the router) ran first
    return at


def use(engine, values: dict[str, str]) -> None:
    set_app(AppContext(settings=Settings(values=values), engine=engine))


@pytest.fixture(autouse=True)
def _reset_app():
    yield
    set_app(None)


def rendered(at: AppTest) -> str:
    """All the page's element protos as text (labels, values, dataframe bytes)."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def roles(at: AppTest) -> dict[str, str]:
    table = at.dataframe[0].value
    return dict(zip(table["Role"], table["Active"], strict=True))


def test_defaults_are_offline_with_a_50_dollar_budget(engine):
    use(engine, {})
    at = page().run()
    assert not at.exception
    assert roles(at) == {
        "LLM (Stages 1 and 3)": "Offline (no key, no network)",
        "Search volume (Stage 2)": "Imported keyword data (offline)",
    }
    assert at.radio[0].value == "offline" and at.radio[1].value == "offline"
    assert at.number_input[0].value == 50.0
    keys = at.dataframe[1].value
    assert set(keys["Status"]) == {"not set"} and "DATAFORSEO_PASSWORD" in set(keys["Key"])


def test_choosing_a_provider_without_its_key_warns_and_stays_offline(engine):
    use(engine, {})
    at = page().run()
    at.radio[0].set_value("anthropic")
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Settings saved."
    assert any("ANTHROPIC_API_KEY is not set" in w.value for w in at.warning)
    assert roles(at)["LLM (Stages 1 and 3)"] == "Offline (no key, no network)"
    assert get_provider_choices(engine)["llm"] == "anthropic"


def test_live_providers_fallback_and_budget_are_saved_without_showing_secrets(engine):
    use(engine, SECRETS)
    at = page().run()
    at.radio[0].set_value("anthropic")
    at.radio[1].set_value("dataforseo")
    at.toggle[0].set_value(True)
    at.number_input[0].set_value(20.0)
    at.button[0].click().run()
    assert not at.exception and not at.warning
    assert roles(at) == {
        "LLM (Stages 1 and 3)": "Anthropic Claude",
        "Search volume (Stage 2)": "DataForSEO",
    }
    assert "claude-sonnet-4-5" in at.dataframe[0].value.iloc[0]["Details"]
    assert get_provider_choices(engine) == {"llm": "anthropic", "volume": "dataforseo"}
    assert use_fallback_model(engine) is True and get_monthly_budget(engine) == 20.0
    keys = dict(zip(at.dataframe[1].value["Key"], at.dataframe[1].value["Status"], strict=True))
    assert keys["ANTHROPIC_API_KEY"] == "set" and keys["OPENAI_BASE_URL"] == "not set"
    text = rendered(at)
    for secret in SECRETS.values():
        assert secret not in text


def test_a_model_price_is_entered_and_removed(engine):
    from services.spend.budget import get_model_prices

    use(engine, {})
    at = page().run()
    model_input = next(t for t in at.text_input if t.label.startswith("Model id"))
    model_input.set_value("llama3.1")
    next(b for b in at.button if b.label == "Save price").click().run()
    assert not at.exception
    assert get_model_prices(engine) == {"llama3.1": {"input": 0.0, "output": 0.0}}
    at.selectbox[-1].set_value("llama3.1").run()
    next(b for b in at.button if b.label == "Remove price").click().run()
    assert get_model_prices(engine) == {}


def test_reload_keys_reads_secrets_toml_and_says_what_needs_a_restart(
    engine, tmp_path, monkeypatch
):
    from services.core import config

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('DATABASE_URL = "sqlite:///elsewhere.db"\n', encoding="utf-8")
    monkeypatch.setattr(config, "SECRETS_FILE", secrets)
    for key in (*SECRETS, "DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    use(engine, {"DATABASE_URL": "sqlite:///here.db"})
    at = page().run()
    keys = next(d.value for d in at.dataframe if "Key" in d.value.columns)
    assert dict(zip(keys["Key"], keys["Status"], strict=True))["ANTHROPIC_API_KEY"] == "not set"

    secrets.write_text(
        'DATABASE_URL = "sqlite:///elsewhere.db"\nANTHROPIC_API_KEY = "sk-ant-NEW"\n',
        encoding="utf-8",
    )
    next(b for b in at.button if b.label == "Reload keys").click().run()
    assert not at.exception
    assert any("now in use: ANTHROPIC_API_KEY" in s.value for s in at.success)
    assert any("DATABASE_URL" in w.value and "Restart" in w.value for w in at.warning)
    keys = next(d.value for d in at.dataframe if "Key" in d.value.columns)
    assert dict(zip(keys["Key"], keys["Status"], strict=True))["ANTHROPIC_API_KEY"] == "set"
    assert "sk-ant-NEW" not in str(at)  # values are never shown

    next(b for b in at.button if b.label == "Reload keys").click().run()  # nothing new
    assert not at.success and any("DATABASE_URL" in w.value for w in at.warning)
    secrets.write_text('DATABASE_URL = "sqlite:///here.db"\nANTHROPIC_API_KEY = "sk-ant-NEW"\n')
    next(b for b in at.button if b.label == "Reload keys").click().run()
    assert any("No key changed" in i.value for i in at.info)


def test_settings_lists_the_installed_stacks_and_the_install_command(engine, monkeypatch):
    from services.app import selfcheck

    real = selfcheck.run_selfcheck

    def without_xlsxwriter(name):
        if name == "xlsxwriter":
            raise ImportError("No module named 'xlsxwriter'")
        return __import__("importlib").import_module(name)

    monkeypatch.setattr(selfcheck, "run_selfcheck", lambda: real(without_xlsxwriter))
    use(engine, {})
    at = page().run()
    stacks = next(d.value for d in at.dataframe if "Stack" in d.value.columns)
    status = dict(zip(stacks["Stack"], stacks["Status"], strict=True))
    assert status["Crawl extraction"] == "ok"
    assert status["XLSX export"] == 'pip install "xlsxwriter>=3.2,<4"'
