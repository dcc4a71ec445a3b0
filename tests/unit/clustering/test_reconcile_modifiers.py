"""Reconciliation keeps page-changing modifiers off existing clusters (issue 16)."""

from __future__ import annotations

import pandas as pd

from services.clustering.pages import ClusterOptions
from services.clustering.reconcile import Existing, plan_run
from tests.fakes.keyword_lists import TrigramEmbedder


def test_best_x_does_not_join_the_existing_x_cluster_by_similarity():
    existing = Existing(
        pd.DataFrame(
            {"id": [7], "name": ["wool socks"], "centre_keyword": ["wool socks"], "hub_id": [None]}
        ),
        pd.DataFrame({"keyword": ["wool socks"], "cluster_id": [7]}),
    )
    pending = pd.DataFrame(
        {"keyword": ["best wool socks", "wooll socks"], "search_volume": [500.0, 400.0]}
    )
    emb = TrigramEmbedder()
    vec = emb.embed(["wool socks", "best wool socks"])
    assert float(vec[0] @ vec[1]) >= 0.7  # close enough to join without the guard
    plan = plan_run(existing, pending, emb, ClusterOptions(threshold=0.7, hub_threshold=0.2))
    how = dict(zip(plan.keywords["keyword"], plan.keywords["how"], strict=True))
    cid = dict(zip(plan.keywords["keyword"], plan.keywords["cluster_id"], strict=True))
    assert how["wooll socks"] == "semantic" and cid["wooll socks"] == 7
    assert cid["best wool socks"] is None and how["best wool socks"] != "semantic"
