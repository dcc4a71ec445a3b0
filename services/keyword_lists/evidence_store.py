"""Reading the evidence columns of a project's keywords (see :mod:`.evidence`); every
function takes the caller's connection or session.

Parent Keyword / topic: ``keyword_metrics.grouping_hint`` (already in the pending frame);
ranking URL: ``page_rankings`` (the URL with the most clicks, then the best position, per
keyword); SERPs: ``serp_cache`` rows of the project's locale (nothing is fetched or paid),
joined at the workspace's "SERP overlap" setting (Settings page, default 4 of 10).
The project switch: ``projects.brand_config["use_evidence"]`` (absent = on).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from db.models import AppSetting, PageRanking, Project
from services.clustering.serp_settings import EVIDENCE_SETTINGS_KEY, min_overlap_of
from services.core.app_settings import project_uses_evidence
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.keyword_lists.evidence import Evidence
from services.keyword_lists.serp_store import read_cached
from services.providers.base import BrandProfile


def read_settings(conn: Any, project_id: Any) -> dict[str, Any]:
    """The project's evidence switch, locale, site type, competitors and brand name, read on
    the caller's connection or session."""
    row = conn.execute(
        select(
            Project.brand_config,
            Project.location_name,
            Project.language_name,
            Project.site_type,
        ).where(Project.id == as_uuid(project_id))
    ).first()
    config = dict(row[0] or {}) if row else {}
    brand = BrandProfile.from_dict(config)
    return {
        "use_evidence": project_uses_evidence(config),
        "location": (row[1] if row else None) or "United States",
        "language": (row[2] if row else None) or "English",
        "site_type": (row[3] if row else None) or "shopify",
        "competitors": brand.competitors,
        "brand": brand.company_name,
    }


def ranking_urls(conn: Any, project_id: Any) -> dict[str, str]:
    """keyword → the site's URL for it (most clicks, then best position, then URL), read
    on an open connection or session."""
    t = PageRanking
    rows = conn.execute(
        select(t.keyword, t.normalized_url, t.clicks, t.position).where(
            t.project_id == as_uuid(project_id)
        )
    ).all()
    if not rows:
        return {}
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["k", "u", "clicks", "pos"])
    frame["k"] = frame["k"].map(normalize_keyword)
    frame["clicks"] = pd.to_numeric(frame["clicks"], errors="coerce").fillna(0)
    frame["pos"] = pd.to_numeric(frame["pos"], errors="coerce").fillna(101)
    best = frame.sort_values(["k", "clicks", "pos", "u"], ascending=[True, False, True, True])
    best = best.drop_duplicates("k")
    return dict(zip(best["k"], best["u"], strict=True))


def read_evidence(
    conn: Any,
    project_id: Any,
    words: list[str],
    hints: list[Any],
    settings: dict[str, Any],
) -> Evidence:
    """The evidence of ``words`` (with their imported Parent Keyword ``hints``), read on the
    caller's connection or session."""
    urls = ranking_urls(conn, project_id)
    serps = read_cached(conn, words, settings["location"], settings["language"])
    # Most lists have neither rankings nor cached SERPs: skip normalising every keyword.
    keys = [normalize_keyword(w) for w in words] if urls or serps else []
    stored = conn.execute(
        select(AppSetting.value).where(AppSetting.key == EVIDENCE_SETTINGS_KEY)
    ).scalar()
    return Evidence(
        min_serp_overlap=min_overlap_of(dict(stored or {})),
        parent=[h if isinstance(h, str) and h.strip() else None for h in hints],
        url=[urls.get(k) for k in keys] if urls else [None] * len(words),
        serp=[serps.get(k, []) for k in keys] if serps else [[] for _ in words],
    )
