"""Content records as pages show them: scopes, reading and edits (one unit of work each).

A *scope* is a seed cluster's id, or :func:`site_scope` for the project's onboarded pages
outside the clusters. Statuses: brief → drafted → edited → approved → published; failed
carries its message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from db.models import KeywordCluster, Project
from db.models.content import ContentPage
from db.session import session_scope
from services.content import store
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid

if TYPE_CHECKING:
    import pandas as pd

#: Draft fields a user may edit on the page (social posts under "social").
EDITABLE_DRAFT_FIELDS = ("title", "meta_description", "h1", "body_html")
EDITABLE_BRIEF_FIELDS = ("title", "meta_description", "h1", "cta")
SOCIAL_FIELDS = ("facebook", "linkedin", "x", "google_business_profile")
EDITABLE_BRIEF_FIELDS = ("title", "meta_description", "h1", "cta")
SOCIAL_FIELDS = ("facebook", "linkedin", "x", "google_business_profile")
#: Statuses a user may set by hand (the others follow from generation and publishing).
MANUAL_STATUSES = ("edited", "approved")
#: Progress callback: ``progress(done, total, message)``; may raise ``JobCancelled``.
Progress = Callable[[int, int, str], None]


#: Scope prefix of a project's own (onboarded) pages outside the seed clusters.
SITE_PREFIX = "site:"
SITE_LABEL = "Site pages (onboarded, approved primaries)"


def site_scope(project_id: Any) -> str:
    """The scope id of a project's onboarded pages, used wherever a cluster id is taken."""
    return f"{SITE_PREFIX}{as_uuid(project_id)}"


def resolve(s: Any, scope: Any) -> tuple[KeywordCluster | None, Project]:
    """(cluster or None for the site scope, project) of a scope id.

    Raises
    ------
    NotFoundError
        Unknown cluster or project.
    """
    if isinstance(scope, str) and scope.startswith(SITE_PREFIX):
        return None, store.get_project(s, scope[len(SITE_PREFIX) :])
    cluster = store.get_cluster(s, scope)
    return cluster, store.get_project(s, cluster.project_id)


def approved_clusters(engine: Engine, project_id: Any) -> list[tuple[str, str]]:
    """``(scope id, name)`` of the project's clusters with approved pages, newest first, then
    the site scope (:func:`site_scope`) when onboarded pages have approved primaries."""
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        out = [(str(cid), name) for cid, name in store.approved_clusters(s, pid)]
        if store.has_site_pages(s, pid):
            out.append((site_scope(pid), SITE_LABEL))
        return out


def require_cluster(engine: Engine, project_id: Any, cluster_id: Any) -> None:
    """Check that ``cluster_id`` (or a site scope) belongs to ``project_id``.

    Raises
    ------
    NotFoundError
        Unknown cluster, or one of another project.
    """
    with session_scope(engine) as s:
        _cluster, project = resolve(s, cluster_id)
        if project.id != as_uuid(project_id):
            raise NotFoundError("This cluster belongs to another project.")


# --------------------------------------------------------------------------- reading
@dataclass
class ContentView:
    """One page's brief and draft as the page shows them (a detached copy)."""

    id: uuid.UUID
    primary_keyword: str
    page_type: str
    status: str
    error: str | None
    brief: dict[str, Any]
    draft: dict[str, Any]
    model: str | None
    prompt_version: str | None
    cost_usd: float
    wp_post_id: int | None
    wp_url: str | None
    versions: int = 0

    def record(self) -> dict[str, Any]:
        """The mapping :mod:`spreadsheet` and :mod:`matrixify` read."""
        return asdict(self)


def view(row: ContentPage, versions: int = 0) -> ContentView:
    return ContentView(
        id=row.id,
        primary_keyword=row.primary_keyword,
        page_type=row.page_type,
        status=row.status,
        error=row.error,
        brief=dict(row.brief or {}),
        draft=dict(row.draft or {}),
        model=row.model,
        prompt_version=row.prompt_version,
        cost_usd=float(row.cost_usd or 0.0),
        wp_post_id=row.wp_post_id,
        wp_url=row.wp_url,
        versions=versions,
    )


def list_content(engine: Engine, cluster_id: Any) -> list[ContentView]:
    """Every content record of a cluster, parent first (empty before briefs exist)."""
    with session_scope(engine) as s:
        cluster, project = resolve(s, cluster_id)
        rows = store.content_pages(s, cluster.id if cluster else None, project.id)
        return [view(r) for r in rows]


def content_table(views: Sequence[ContentView]) -> pd.DataFrame:
    """Overview table: keyword, type, status, title, URL, cost (USD), error."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "keyword": v.primary_keyword,
                "type": v.page_type,
                "status": v.status,
                "title": (v.draft or v.brief).get("title", ""),
                "url": v.brief.get("url", ""),
                "cost_usd": round(v.cost_usd, 4),
                "error": v.error or "",
            }
            for v in views
        ],
        columns=["keyword", "type", "status", "title", "url", "cost_usd", "error"],
    )


def get_content(engine: Engine, content_id: Any) -> ContentView:
    """One page's brief and draft (with the number of kept versions).

    Raises
    ------
    NotFoundError
        Unknown id.
    """
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        return view(row, len(store.versions(s, row.id)))


# --------------------------------------------------------------------------- edits
def save_brief(engine: Engine, content_id: Any, edits: dict[str, Any]) -> ContentView:
    """Save edits of the brief's title, meta description, H1 and CTA (others ignored)."""
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        brief = dict(row.brief or {})
        brief.update({k: str(v) for k, v in edits.items() if k in EDITABLE_BRIEF_FIELDS})
        row.brief = brief
        return view(row)


def save_draft(engine: Engine, content_id: Any, edits: dict[str, Any]) -> ContentView:
    """Save edits of the draft (title, meta, H1, body, social posts); status → edited.

    Raises
    ------
    InvalidInputError
        The page has no written draft yet (an outline skeleton is not editable copy).
    """
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        if (row.draft or {}).get("kind") != "llm":
            raise InvalidInputError("Generate the draft before editing it.")
        draft = dict(row.draft)
        draft.update({k: str(v) for k, v in edits.items() if k in EDITABLE_DRAFT_FIELDS})
        social = dict(draft.get("social") or {})
        social.update(
            {k: str(v) for k, v in (edits.get("social") or {}).items() if k in SOCIAL_FIELDS}
        )
        draft["social"] = social
        if draft != row.draft:
            row.draft = draft
            if row.status in ("drafted", "approved", "published"):
                row.status = "edited"
        return view(row)


def set_status(engine: Engine, content_id: Any, status: str) -> ContentView:
    """Mark a drafted page edited or approved.

    Raises
    ------
    InvalidInputError
        Status not settable by hand, or the page has no written draft.
    """
    if status not in MANUAL_STATUSES:
        raise InvalidInputError(f"Status must be one of {', '.join(MANUAL_STATUSES)}.")
    with session_scope(engine) as s:
        row = store.get_content(s, content_id)
        if (row.draft or {}).get("kind") != "llm":
            raise InvalidInputError("Only a written draft can be edited or approved.")
        row.status = status
        return view(row)


#: Columns of the brief's tables on the page, in order (the link table opens with from /
#: to / anchor).
BRIEF_TABLES = (
    ("Outline", "outline", ["level", "text", "source", "search_volume"]),
    ("Secondary keywords", "secondary_keywords", ["keyword", "search_volume"]),
    ("Internal links", "links", ["source_url", "target_url", "anchor", "relation"]),
    ("SERP top 10", "serp", ["rank", "url", "title"]),
)
COMPETITOR_COLUMNS = ["rank", "url", "word_count", "h1", "schema_types", "error"]


def brief_tables(brief: dict[str, Any]) -> list[tuple[str, pd.DataFrame]]:
    """(label, table) of a stored brief for the page, non-empty ones only: outline,
    secondary keywords, internal links (outgoing and from existing pages), SERP top 10, and
    the competitors read (a label carrying their common headings and gaps)."""
    import pandas as pd

    links = (brief.get("internal_links") or {}).get("outgoing", []) + (
        brief.get("internal_links") or {}
    ).get("incoming", [])
    rows = {**brief, "links": links}
    out = [
        (label, pd.DataFrame(rows.get(key) or []).reindex(columns=columns))
        for label, key, columns in BRIEF_TABLES
        if rows.get(key)
    ]
    comp = brief.get("competitors") or {}
    if comp.get("pages"):
        common = "; ".join(c["text"] for c in comp.get("common_headings") or []) or "none"
        gaps = "; ".join(comp.get("gaps") or []) or "none"
        label = (
            f"Competitors (median {comp.get('median_words') or 'unknown'} words) · common "
            f"headings: {common} · gaps (our sub-topics no ranking page covers): {gaps}"
        )
        out.append((label, pd.DataFrame(comp["pages"]).reindex(columns=COMPETITOR_COLUMNS)))
    return out
