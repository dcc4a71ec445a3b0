"""Page tests: the app context points at the test database."""

import pytest

from services.bootstrap import AppContext
from services.config import load_settings
from services.ui_context import set_app


@pytest.fixture()
def app_context(engine, tmp_path):
    ctx = AppContext(settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine)
    set_app(ctx)
    yield ctx
    set_app(None)
