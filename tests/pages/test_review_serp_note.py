"""Cluster Review says when SERP evidence was not available (an offline run)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.seed_clusters.api import FunnelDeps, generate_cluster
from tests.fakes.funnel import BRAND, TRAIL_CANDIDATES, TRAIL_VOLUMES, DictVolume, ScriptedLLM

PAGE = Path(__file__).resolve().parents[2] / "pages" / "cluster_review.py"


def test_the_review_says_serp_evidence_was_not_available(app_context, engine, project_id):
    deps = FunnelDeps(
        engine=engine, llm=ScriptedLLM(TRAIL_CANDIDATES), volume=DictVolume(TRAIL_VOLUMES)
    )
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.session_state["cluster_id"] = str(result.cluster_id)
    at.run()
    assert not at.exception
    assert "SERP evidence was not available" in at.caption[0].value.replace("\\", "")
