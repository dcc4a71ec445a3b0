"""The Settings screen's save is one unit of work: all three settings or none."""

from __future__ import annotations

import pytest

from services.core.app_settings import get_provider_choices
from services.core.config import load_settings
from services.core.errors import InvalidInputError
from services.settings.api import save_settings
from services.spend.budget import get_monthly_budget


def test_save_stores_choices_switch_and_budget_together(engine, tmp_path):
    settings = load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)})
    view = save_settings(
        settings,
        engine,
        llm="offline",
        volume="offline",
        use_fallback_model=True,
        monthly_budget_usd=12.345,
    )
    assert (view.monthly_budget_usd, view.use_fallback_model) == (12.35, True)
    assert get_monthly_budget(engine) == 12.35


def test_an_invalid_budget_stores_nothing(engine, tmp_path):
    settings = load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)})
    save_settings(
        settings,
        engine,
        llm="offline",
        volume="offline",
        use_fallback_model=False,
        monthly_budget_usd=20,
    )
    with pytest.raises(InvalidInputError, match="between"):
        save_settings(
            settings,
            engine,
            llm="anthropic",
            volume="dataforseo",
            use_fallback_model=True,
            monthly_budget_usd=-1,
        )
    assert get_provider_choices(engine) == {"llm": "offline", "volume": "offline"}
    assert get_monthly_budget(engine) == 20
