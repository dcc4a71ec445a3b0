"""ListView reads only what a tab shows (issue 22), with the same rows as the full list."""

from __future__ import annotations

import uuid

import pandas as pd
from pandas import testing as pd_testing

from services.clustering.pages import ClusterOptions
from services.keyword_lists import store as list_store
from services.keyword_lists.run import run_list_clustering
from tests.fakes.keyword_lists import TrigramEmbedder, add_keywords

ROWS = [
    {"keyword": "wordpress themes", "search_volume": 1000},
    {"keyword": "wordpress theme", "search_volume": 400},
    {"keyword": "wordpress theme builder", "search_volume": 300},
    {"keyword": "wordpress theme builders", "search_volume": 90},
    {"keyword": "garden hose reel", "search_volume": 50},
    {"keyword": "zebra crossing rules", "search_volume": 0},
]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values only: pandas infers a column's dtype from the rows read (an all-NULL "reason"
    is object None in a subset, str NaN in the whole list)."""
    out = frame.reset_index(drop=True).astype(object)
    return out.where(out.notna(), None)


def test_members_of_and_unclustered_match_the_full_member_list(engine, project_id):
    add_keywords(engine, project_id, ROWS)
    emb = TrigramEmbedder()
    run_list_clustering(engine, project_id, lambda n: emb, ClusterOptions(threshold=0.8))
    full = list_store.list_view(engine, project_id)
    ids = list(full.clusters["id"])
    assert ids and all(isinstance(i, uuid.UUID) for i in ids)
    assert all(isinstance(i, uuid.UUID) for i in full.members["cluster_id"].dropna())
    assert set(full.clusters["hub_id"].dropna()) <= set(full.hubs["id"])

    lazy = list_store.list_view(engine, project_id)
    some = ids[:1]
    got = lazy.members_of(some)
    assert "members" not in lazy.__dict__  # read on its own, not the whole list
    want = full.members[full.members["cluster_id"].isin(some)]
    pd_testing.assert_frame_equal(_plain(got), _plain(want))
    pd_testing.assert_frame_equal(_plain(lazy.unclustered), _plain(full.unclustered))
    assert len(full.unclustered) >= 1 and full.unclustered["cluster_id"].isna().all()
