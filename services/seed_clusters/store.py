"""SQL of the seed funnel (reads the caller's session; no commits here)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CrawledPage, KeywordCluster, KeywordMetric, PageKeywords, Project
from services.core.errors import NotFoundError
from services.core.text import normalize_keyword
from services.projects.keyword_data import lookup_metrics
from services.providers.base import KeywordData
from services.seed_clusters.site_rules import SiteSettings
from services.site.optimise import site_pages
from services.site.url_patterns import sections


def site_settings(s: Session, project_id: uuid.UUID) -> SiteSettings:
    """The project's site type, URL pattern and score weights.

    Raises:
        NotFoundError: unknown project.
    """
    project = s.get(Project, project_id)
    if project is None:
        raise NotFoundError("Project not found.")
    return SiteSettings.of(project.site_type, project.url_pattern, project.score_weights)


def project_locale(s: Session, project_id: uuid.UUID) -> tuple[str, str]:
    """(location_name, language_name) of the project: the market of its SERPs (United
    States / English when unset).

    Raises:
        NotFoundError: unknown project.
    """
    project = s.get(Project, project_id)
    if project is None:
        raise NotFoundError("Project not found.")
    return project.location_name or "United States", project.language_name or "English"


def with_site_sections(s: Session, project_id: uuid.UUID, site: SiteSettings) -> SiteSettings:
    """``site`` with the site's own URL sections: its crawled and ranking URLs grouped by
    pattern (:func:`services.site.url_patterns.sections`), read once per funnel run so
    Stage 3 suggests the paths approval keeps (issue 18 §2); None when it has none."""
    own = sections(site_pages(s, project_id))
    return replace(site, sections=own or None)


def imported_metrics(
    s: Session, project_id: uuid.UUID, keywords: Sequence[str]
) -> dict[str, KeywordData]:
    """Metrics of the keywords that exist in the project's imported data (not the
    DataForSEO cache), keyword → :class:`KeywordData`."""
    wanted = sorted({normalize_keyword(k) for k in keywords if k})
    found = lookup_metrics(s, project_id, wanted)
    return {k: v for k, v in found.items() if v.source != "dataforseo"}


def approved_coverage(s: Session, project_id: uuid.UUID) -> dict[str, str]:
    """Keyword → URL for every primary and secondary keyword of the project's approved pages."""
    rows = s.execute(
        select(PageKeywords.primary_keyword, PageKeywords.secondary_keywords, CrawledPage.url)
        .join(CrawledPage, CrawledPage.id == PageKeywords.crawled_page_id)
        .where(CrawledPage.project_id == project_id, PageKeywords.is_approved.is_(True))
    ).all()
    out: dict[str, str] = {}
    for primary, secondary, url in rows:
        for kw in [primary, *(secondary or [])]:
            out.setdefault(normalize_keyword(str(kw)), url)
    return out


def clusters_for_seed(s: Session, project_id: uuid.UUID, seed: str) -> list[dict[str, Any]]:
    """Live (not archived) clusters of the project made from ``seed``, newest first."""
    rows = s.scalars(
        select(KeywordCluster)
        .where(
            KeywordCluster.project_id == project_id,
            KeywordCluster.seed_keyword == seed,
            KeywordCluster.archived_at.is_(None),
        )
        .order_by(KeywordCluster.created_at.desc())
    ).all()
    return [
        {"id": c.id, "name": c.name, "status": c.status, "created_at": c.created_at} for c in rows
    ]


def next_version_name(s: Session, project_id: uuid.UUID, seed: str) -> str:
    """ "seed" for the first cluster of a seed, then "seed (v2)", "seed (v3)"…"""
    count = len(
        s.scalars(
            select(KeywordCluster.id).where(
                KeywordCluster.project_id == project_id, KeywordCluster.seed_keyword == seed
            )
        ).all()
    )
    return seed if count == 0 else f"{seed} (v{count + 1})"


#: Keywords per IN (...) list (SQLite's default variable limit is 999 on old builds).
_IN_CHUNK = 500


def evidence_rows(
    s: Session, project_id: uuid.UUID, keywords: Sequence[str]
) -> dict[str, tuple[str | None, float | None, str | None]]:
    """Imported evidence of the keywords: keyword → (Parent Keyword / Parent Topic,
    Keyword Difficulty 0-100, comma-joined intent labels); DataForSEO cache rows excluded."""
    wanted = sorted({normalize_keyword(k) for k in keywords if k})
    t = KeywordMetric
    out: dict[str, tuple[str | None, float | None, str | None]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = s.execute(
            select(t.keyword, t.grouping_hint, t.keyword_difficulty, t.intent).where(
                t.project_id == project_id,
                t.source != "dataforseo",
                t.keyword.in_(wanted[start : start + _IN_CHUNK]),
            )
        ).all()
        for kw, hint, kd, intent in rows:
            out[kw] = (hint, kd, intent)
    return out
