"""New Cluster (issue 19): a failed live seed shows its reason without a click, with the
actions, and "Run offline on this project's data" works from there."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import KeywordMetric
from db.session import session_scope
from services.app.bootstrap import AppContext, FunnelPlan
from services.seed_clusters.api import FunnelDeps
from services.seed_clusters.queries import list_clusters
from tests.fakes.funnel import TRAIL_VOLUMES, ScriptedLLM

PAGES = Path(__file__).resolve().parents[2] / "pages"


class _Preflight:
    fits = True
    message = "estimate $0.01 of $50.00 left"


@pytest.fixture()
def failing_live_llm(app_context, engine, monkeypatch):
    """The Settings choice is a live LLM that cannot be reached; offline is the fallback."""
    offline = app_context.providers().llm

    def plan(self):
        llm = ScriptedLLM(expand_error="Could not reach the API (connection refused).")
        llm.name = "anthropic"
        deps = FunnelDeps(
            engine=engine,
            llm=llm,
            volume=None,
            embedder_factory=self.embedder,
            fallback_llm=offline,
        )
        return FunnelPlan(deps=deps, warnings=[], preflight=_Preflight())

    monkeypatch.setattr(AppContext, "funnel_plan", plan)


def _page(project_id):
    at = AppTest.from_file(str(PAGES / "new_cluster.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    return at.run()


def test_a_failed_live_seed_shows_the_reason_and_runs_offline_from_there(
    failing_live_llm, engine, project_id
):
    with session_scope(engine) as s:
        s.add_all(
            KeywordMetric(project_id=project_id, keyword=k, search_volume=v, source="semrush")
            for k, v in TRAIL_VOLUMES.items()
            if "'" not in k
        )
    at = _page(project_id)
    at.text_input[0].input("trail running shoes")
    at.button[0].click().run()
    assert not at.exception
    # the reason is an error on the page itself, not inside a collapsed box
    errors = [e.value.replace("\\", "") for e in at.main.error]
    assert any("Could not reach the API" in e for e in errors), errors
    assert any("check the provider's API key" in m.value for m in at.markdown)
    assert list_clusters(engine, project_id).empty

    next(b for b in at.button if b.label == "Run offline on this project's data").click().run()
    assert not at.exception
    assert not [e for e in at.main.error if "Could not reach" in e.value]
    table = at.dataframe[0].value
    assert table.iloc[0]["keyword"] == "trail running shoes"
    assert len(list_clusters(engine, project_id)) == 1


def test_retry_runs_the_same_seed_again(failing_live_llm, project_id):
    at = _page(project_id)
    at.text_input[0].input("trail running shoes")
    at.button[0].click().run()
    next(b for b in at.button if b.label == "Retry").click().run()
    assert not at.exception
    assert sum("Could not reach the API" in e.value for e in at.main.error) == 1


def test_a_seed_without_data_is_not_saved_unless_kept(app_context, engine, project_id, monkeypatch):
    """With the funnel's "not saved" answer (no cluster id, a suggested seed), the page says
    so and "Keep it anyway" runs the seed again with ``keep_empty=True``."""
    import ui.new_cluster as new_cluster
    from services.seed_clusters.api import ClusterResult, generate_cluster

    calls = []

    def funnel(seed, brand, pid, *, deps, progress=None, keep_empty=False):
        calls.append(keep_empty)
        if keep_empty:
            return generate_cluster(seed, brand, pid, deps=deps, progress=progress)
        empty = ClusterResult(success=True, generation_metadata={"total_seconds": 0.1})
        empty.message = f"No page of '{seed}' has search volume; nothing was saved."
        empty.suggested_seed = "trail running shoes"
        return empty

    monkeypatch.setattr(new_cluster, "generate_cluster", funnel)
    at = AppTest.from_file(str(PAGES / "new_cluster.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.run()
    at.text_input[0].input("zorblax boots")
    at.button[0].click().run()
    assert not at.exception
    assert any("nothing was saved" in w.value for w in at.warning)
    assert list_clusters(engine, project_id).empty
    assert any(b.label == "Try 'trail running shoes'" for b in at.button)
    next(b for b in at.button if b.label == "Keep it anyway").click().run()
    assert not at.exception
    assert calls == [False, True]
    assert len(list_clusters(engine, project_id)) == 1
