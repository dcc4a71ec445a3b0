"""CSV export of a project's keyword-list clusters, safe to open in a spreadsheet.

One row per keyword: hub, cluster, whether the keyword is the cluster's name, metrics, what
merged it into its cluster ("same Parent Keyword", "word order"…, when evidence was used) and
for the Unclustered bucket the reason. Cells starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return are prefixed with an apostrophe so Excel, LibreOffice and Google Sheets
show them as text instead of running them as formulas (OWASP "CSV Injection"), with the
same :func:`services.seed_clusters.export.neutralise_cell` as the seed-cluster export.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from services.keyword_lists.store import list_view
from services.seed_clusters.export import neutralise_cell, neutralise_frame

LIST_EXPORT_COLUMNS = [
    "hub",
    "cluster",
    "is_cluster_name",
    "keyword",
    "search_volume",
    "keyword_difficulty",
    "cpc",
    "intent",
    "similarity",
    "unclustered_reason",
    "merged_by",
    "approved",
]
#: Columns of the CLI's ``cluster-list --out`` file (one row per keyword).
KEYWORD_COLUMNS = ["keyword", "search_volume", "cluster", "cluster_id", "hub", "intent", "reason"]


def clusters_frame(
    engine: Any, project_id: Any, columns: list[str] = LIST_EXPORT_COLUMNS
) -> pd.DataFrame:
    """The export rows (before neutralisation), clusters by hub and volume, Unclustered last.

    ``columns`` picks the output (default :data:`LIST_EXPORT_COLUMNS`; the CLI uses
    :data:`KEYWORD_COLUMNS`, where an unclustered keyword's cluster is ``Unclustered``).
    """
    view = list_view(engine, project_id)
    members = view.members.merge(
        view.keywords[["keyword", "keyword_difficulty", "cpc", "intent"]], on="keyword", how="left"
    )
    clusters = view.clusters.set_index("id")
    members["hub"] = members["cluster_id"].map(clusters["hub"]).fillna("")
    hub_volume = view.hubs.set_index("id")["total_volume"]
    members["hub_volume"] = members["cluster_id"].map(clusters["hub_id"]).map(hub_volume).fillna(-1)
    members["cluster"] = members["cluster_id"].map(clusters["name"]).fillna("Unclustered")
    members["approved"] = (
        members["cluster_id"].map(clusters["is_approved"]).fillna(False).astype(bool)
    )
    members["cluster_volume"] = members["cluster_id"].map(clusters["total_volume"]).fillna(-1)
    members["is_cluster_name"] = members["keyword"] == members["cluster"]
    members["unclustered_reason"] = members["reason"] = members["reason"].fillna("")
    members["merged_by"] = members["evidence"].fillna("")
    members["_unc"] = members["cluster_id"].isna()
    members = members.sort_values(
        [
            "_unc",
            "hub_volume",
            "hub",
            "cluster_volume",
            "cluster",
            "is_cluster_name",
            "search_volume",
        ],
        ascending=[True, False, True, False, True, False, False],
        na_position="last",
    )
    return members[columns].reset_index(drop=True)


def clusters_csv(engine: Any, project_id: Any) -> bytes:
    """UTF-8 CSV (with BOM, so Excel detects the encoding) of :func:`clusters_frame`."""
    frame = clusters_frame(engine, project_id)
    return frame_to_csv(frame)


def frame_to_csv(frame: pd.DataFrame) -> bytes:
    """Neutralise every text cell and header, then write CSV bytes (UTF-8 with BOM)."""
    safe = neutralise_frame(frame)
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8-sig")
