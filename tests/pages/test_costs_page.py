"""AppTest of pages/costs.py: spend by provider and day, per-cluster cost, budget left."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from db.models import APIUsage, KeywordCluster
from db.session import session_scope
from services.spend.budget import BudgetGuard, set_monthly_budget

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "costs.py")


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["_frame"] = True  # as if app.py (the router) ran first
    return at


def test_empty_month_says_so(app_context):
    at = page().run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["$0.00", "$50.00", "$50.00", "—"]
    assert any("No provider calls" in i.value for i in at.info)
    assert any("No clusters generated" in i.value for i in at.info)


def test_spend_charts_and_per_cluster_cost(app_context, engine, project_id):
    set_monthly_budget(engine, 10)
    guard = BudgetGuard(engine)
    guard.settle(guard.reserve(0.0859, "cluster: trail shoes"), 0.0859)
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        cluster = KeywordCluster(
            project_id=project_id,
            seed_keyword="trail shoes",
            name="trail shoes",
            generation_metadata={
                "providers": {"llm": "anthropic", "volume": "dataforseo"},
                "stages": {
                    "expand": {"cost_usd": 0.006},
                    "enrich": {"cost_usd": 0.075},
                    "filter": {"cost_usd": 0.0049},
                },
                "total_cost_usd": 0.0859,
            },
        )
        s.add(cluster)
        s.flush()
        for provider, cost in [("anthropic", 0.006), ("dataforseo", 0.075), ("anthropic", 0.0049)]:
            s.add(
                APIUsage(
                    project_id=project_id,
                    cluster_id=cluster.id,
                    provider=provider,
                    endpoint="x",
                    cost_usd=cost,
                    metadata_={"requests": 1},
                    created_at=now,
                )
            )
    at = page().run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["$0.09", "$9.91", "$10.00", "$0.0859"]
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    by_provider = at.dataframe[0].value.set_index("provider")
    assert round(by_provider.loc["anthropic", "cost_usd"], 4) == 0.0109
    clusters = at.dataframe[1].value
    assert (
        clusters.iloc[0]["cluster"] == "trail shoes"
        and round(clusters.iloc[0]["cost_usd"], 4) == 0.0859
    )
    assert clusters.iloc[0]["enrich_usd"] == 0.075
