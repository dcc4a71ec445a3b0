"""Page tests: the app context points at the test database."""

import pytest

from services.app.bootstrap import AppContext
from services.app.context import set_app
from services.core.config import load_settings


@pytest.fixture()
def app_context(engine, tmp_path):
    ctx = AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )
    set_app(ctx)
    yield ctx
    set_app(None)
