"""Issue 19: a page pre-selected by the funnel is not "approved" until approval — in the
export (``preselected`` / ``approved`` columns) and in the Clusters dashboard counts."""

import io

import pandas as pd

from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.export import cluster_csv, cluster_export_frame
from services.seed_clusters.queries import list_clusters, project_totals
from tests.pages.test_seed_cluster_pages import _seed_cluster


def test_export_and_dashboard_tell_preselected_from_approved(engine, project_id):
    result = _seed_cluster(engine, project_id)
    ticked = sum(s.preselected for s in result.suggestions)
    assert ticked > 0

    before = cluster_export_frame(engine, result.cluster_id)
    assert int(before["preselected"].sum()) == ticked
    assert not before["approved"].any()  # nobody approved anything yet
    totals = project_totals(engine, project_id)
    assert (totals["approved_pages"], totals["preselected_pages"]) == (0, ticked)
    row = list_clusters(engine, project_id).iloc[0]
    assert (row["approved_pages"], row["preselected_pages"]) == (0, ticked)

    bulk_approve(engine, result.cluster_id)
    after = pd.read_csv(io.BytesIO(cluster_csv(engine, result.cluster_id)), encoding="utf-8-sig")
    assert int(after["approved"].sum()) == ticked
    assert (after["approved"] == after["preselected"]).all()
    totals = project_totals(engine, project_id)
    assert (totals["approved_pages"], totals["preselected_pages"]) == (ticked, 0)
