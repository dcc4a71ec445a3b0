"""Cluster exports: CSV (formula-injection safe) and Excel."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from db.models import KeywordCluster
from db.session import session_scope
from services.core.errors import NotFoundError
from services.core.ids import as_uuid
from services.core.slugs import title_case

if TYPE_CHECKING:
    import pandas as pd

EXPORT_COLUMNS = [
    "cluster",
    "seed",
    "role",
    "page_type",
    "keyword",
    "secondary_keywords",
    "url_slug",
    "title",
    "search_volume",
    "cpc",
    "competition",
    "composite_score",
    "volume_points",
    "relevance_points",
    "competition_points",
    "source",
    "covered_by",
    "expansion_strategy",
    "preselected",
    "approved",
]
_DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Defuse CSV/formula injection: a text cell starting with = + - @ tab or CR gets a ``'``.

    Numbers are left alone (a negative number is data, not a formula). Source: OWASP
    "CSV Injection".
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell passed through :func:`neutralise_cell`."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    return out


def cluster_export_frame(
    engine: Engine, cluster_id: Any, *, project_id: Any = None
) -> pd.DataFrame:
    """One row per page of the cluster with :data:`EXPORT_COLUMNS` (parent first).

    ``search_volume`` is an integer column (searches/month, empty when unknown: never
    ``55000.0``); ``url_slug`` is the page's path exactly as stored (typed paths as typed);
    ``secondary_keywords`` is "; "-joined; ``preselected`` is True for a page ticked for
    approval (by the funnel or the reviewer), ``approved`` only once
    :func:`services.seed_clusters.approval.bulk_approve` has put it into the content pipeline.

    Raises:
        NotFoundError: unknown cluster (or one of another project than ``project_id``).
    """
    import pandas as pd

    with session_scope(engine) as s:
        cluster = s.get(KeywordCluster, as_uuid(cluster_id))
        if cluster is None or (
            project_id is not None and cluster.project_id != as_uuid(project_id)
        ):
            raise NotFoundError("Cluster not found.")
        rows = [
            {
                "cluster": cluster.name,
                "seed": cluster.seed_keyword,
                "role": p.role,
                "page_type": p.page_type or "collection",
                "keyword": p.keyword,
                "secondary_keywords": "; ".join(p.secondary_keywords or []),
                "url_slug": p.url_slug,
                "title": title_case(p.keyword),
                "search_volume": p.search_volume,
                "cpc": p.cpc,
                "competition": p.competition,
                "composite_score": p.composite_score,
                "volume_points": (p.score_parts or {}).get("volume"),
                "relevance_points": (p.score_parts or {}).get("relevance"),
                "competition_points": (p.score_parts or {}).get("competition"),
                "source": p.source or "",
                "covered_by": p.covered_by or "",
                "expansion_strategy": p.expansion_strategy,
                # ticked for approval (by the funnel or the reviewer) vs through approval
                # into the content pipeline: a pre-selected page is not approved (issue 19)
                "preselected": bool(p.is_approved),
                "approved": bool(p.is_approved and p.crawled_page_id is not None),
            }
            for p in sorted(cluster.pages, key=lambda p: (p.role != "parent", p.sort_order))
        ]
    df = pd.DataFrame(rows, columns=EXPORT_COLUMNS)
    df["search_volume"] = df["search_volume"].astype("Int64")
    return df


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right) of a neutralised copy of ``df``."""
    return neutralise_frame(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Cluster") -> bytes:
    """Excel workbook (xlsxwriter) of a neutralised copy of ``df``."""
    import pandas as pd

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as writer:
        neutralise_frame(df).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()


def cluster_csv(engine: Engine, cluster_id: Any, *, project_id: Any = None) -> bytes:
    """The "Download CSV" file of a cluster."""
    return to_csv_bytes(cluster_export_frame(engine, cluster_id, project_id=project_id))
