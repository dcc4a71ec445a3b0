"""Content drafts: what pages, jobs and the CLI call (each function is one unit of work).

Flow per approved cluster: :func:`generate_briefs` (offline, from data;
:mod:`services.content.brief_actions`) and :func:`analyse_competitors` (the SERP pages'
headings and lengths; :mod:`services.content.competitor_actions`) → :func:`drafts_preview`
+ :func:`start_drafts` or :func:`run_drafts` (:mod:`services.content.draft_actions`) →
edits (:func:`save_draft`, :func:`set_status`; :mod:`services.content.views`) → outputs
(:func:`workbook_xlsx`, :func:`workbook_csvs`, :func:`matrixify_csv`;
:mod:`services.content.exports`) and :func:`publish_wordpress`.
Statuses: brief → drafted → edited → approved → published; failed carries its message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from db.models.content import CONTENT_STATUSES
from db.session import session_scope
from services.content import matrixify, store
from services.content.brief_actions import BriefsReport, generate_briefs
from services.content.competitor_actions import (
    CompetitorsReport,
    analyse_competitors,
    serp_client_of,
)
from services.content.draft_actions import (
    DraftsPreview,
    DraftsReport,
    drafts_preview,
    regenerate_draft,
    run_drafts,
    start_drafts,
)
from services.content.exports import matrixify_csv, workbook_csvs, workbook_xlsx
from services.content.views import (
    EDITABLE_BRIEF_FIELDS,
    EDITABLE_DRAFT_FIELDS,
    MANUAL_STATUSES,
    SITE_LABEL,
    SITE_PREFIX,
    SOCIAL_FIELDS,
    ContentView,
    Progress,
    approved_clusters,
    brief_tables,
    content_table,
    get_content,
    list_content,
    require_cluster,
    save_brief,
    save_draft,
    set_status,
    site_scope,
)
from services.content.views import resolve as _resolve
from services.content.views import view as _view
from services.core.errors import InvalidInputError, ProviderError
from services.core.ids import as_uuid


# --------------------------------------------------------------------------- WordPress
@dataclass
class PublishReport:
    """What a WordPress publish did: page keyword → post URL or error message."""

    published: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def rows(self) -> list[dict[str, str]]:
        """One ``{"keyword", "result", "detail"}`` row per page (post URL or the error)."""
        return [
            {"keyword": k, "result": "sent as draft", "detail": v}
            for k, v in self.published.items()
        ] + [{"keyword": k, "result": "failed", "detail": v} for k, v in self.failed.items()]


@dataclass
class WordPressStatus:
    """The project's WordPress connection as the page shows it (never the password)."""

    url: str
    username: str
    password_set: bool
    user: str = ""  # the display name WordPress returned for the credentials
    roles: str = ""


def wordpress_status(engine: Engine, project_id: Any) -> WordPressStatus:
    """The project's WordPress URL, username and whether a password is stored."""
    with session_scope(engine) as s:
        p = store.get_project(s, project_id)
        return WordPressStatus(
            p.wordpress_url or "", p.wordpress_username or "", bool(p.wordpress_app_password)
        )


def connect_wordpress(
    engine: Engine, project_id: Any, *, url: str, username: str, password: str | None = None
) -> WordPressStatus:
    """Save the project's WordPress URL and credentials, then check them (``users/me``).

    Parameters
    ----------
    password : str, optional
        A new Application Password; None or "" keeps the stored one (encrypted at rest).

    Raises
    ------
    InvalidInputError
        Not an https URL (http only for localhost), or missing username/password.
    WordPressError
        The check failed; the message says what to fix (the settings are saved anyway, so
        the user can correct one field).
    """
    from services.providers.wordpress import WordPressClient, validate_site_url

    site = validate_site_url(url)
    with session_scope(engine) as s:
        p = store.get_project(s, project_id)
        p.wordpress_url, p.wordpress_username = site, (username or "").strip() or None
        if password:
            p.wordpress_app_password = password.strip()
        secret = p.wordpress_app_password or ""
    client = WordPressClient(site, (username or "").strip(), secret)
    user = client.check_auth()
    status = wordpress_status(engine, project_id)
    status.user = str(user.get("name") or "")
    status.roles = ", ".join(user.get("roles") or [])
    return status


def _wp_fields(view: ContentView, categories: list[int]) -> dict[str, Any]:
    d = view.draft
    faq = d.get("faq") or []
    body = d.get("body_html", "")
    if faq:
        from html import escape

        items = "".join(
            f"<h3>{escape(str(f.get('question', '')))}</h3><p>{escape(str(f.get('answer', '')))}</p>"
            for f in faq
        )
        body = f"{body}\n<h2>FAQ</h2>{items}"
    fields: dict[str, Any] = {
        "title": d.get("title") or view.brief.get("title", ""),
        "content": body,
        "excerpt": d.get("meta_description") or view.brief.get("meta_description", ""),
        "slug": matrixify.handle_from_url(str(view.brief.get("url", ""))),
    }
    if categories:
        fields["categories"] = categories
    return fields


def publish_wordpress(
    engine: Engine,
    cluster_id: Any,
    *,
    content_ids: Sequence[Any] | None = None,
    post_type: str = "posts",
    category: str | None = None,
    client: Any = None,
) -> PublishReport:
    """Send drafted pages to WordPress as drafts (posts or pages); idempotent per page.

    Only pages with a written draft (drafted, edited, approved, published) are sent; the
    stored post id makes a second publish update the same post. The credentials come from
    the project (the application password is decrypted only to build the client).

    Parameters
    ----------
    content_ids : sequence, optional
        Pages to send (default: every eligible page of the cluster).
    post_type : str
        "posts" or "pages".
    category : str, optional
        Category name for posts (looked up or created; sent by id).
    client : WordPressClient, optional
        A prepared client (tests); built from the project otherwise.

    Raises
    ------
    InvalidInputError
        The project has no WordPress URL/credentials, or nothing is eligible.
    WordPressError
        The authentication check failed (nothing was sent).
    """
    from services.providers.wordpress import WordPressClient

    wanted = {as_uuid(c) for c in content_ids} if content_ids is not None else None
    with session_scope(engine) as s:
        cluster, project = _resolve(s, cluster_id)
        cid = cluster.id if cluster is not None else None
        if client is None:
            if not project.wordpress_url:
                raise InvalidInputError("Set the project's WordPress URL and credentials first.")
            client = WordPressClient(
                project.wordpress_url,
                project.wordpress_username or "",
                project.wordpress_app_password or "",
            )
        views = [
            _view(r)
            for r in store.content_pages(s, cid, project.id)
            if (r.draft or {}).get("kind") == "llm"
            and r.status in ("drafted", "edited", "approved", "published")
            and (wanted is None or r.id in wanted)
        ]
    if not views:
        raise InvalidInputError("No written draft to publish: generate the drafts first.")
    client.check_auth()
    categories = (
        [client.term_id("categories", category)] if category and post_type == "posts" else []
    )
    report = PublishReport()
    for view in views:
        try:
            post = client.save_draft(
                post_type, _wp_fields(view, categories), post_id=view.wp_post_id
            )
        except ProviderError as exc:
            report.failed[view.primary_keyword] = str(exc)
            with session_scope(engine) as s:
                row = store.get_content(s, view.id)
                row.error = f"WordPress: {exc}"[:2000]
            continue
        report.published[view.primary_keyword] = post.link
        with session_scope(engine) as s:
            row = store.get_content(s, view.id)
            row.wp_post_id, row.wp_type, row.wp_url = post.id, post.type, post.link
            row.status, row.error = "published", None
            row.published_at = datetime.now(UTC)
    return report


__all__ = [
    "CONTENT_STATUSES",
    "EDITABLE_BRIEF_FIELDS",
    "EDITABLE_DRAFT_FIELDS",
    "MANUAL_STATUSES",
    "SITE_LABEL",
    "SITE_PREFIX",
    "SOCIAL_FIELDS",
    "BriefsReport",
    "CompetitorsReport",
    "Progress",
    "analyse_competitors",
    "serp_client_of",
    "approved_clusters",
    "brief_tables",
    "require_cluster",
    "site_scope",
    "ContentView",
    "DraftsPreview",
    "DraftsReport",
    "PublishReport",
    "content_table",
    "drafts_preview",
    "generate_briefs",
    "get_content",
    "list_content",
    "matrixify_csv",
    "publish_wordpress",
    "regenerate_draft",
    "run_drafts",
    "save_brief",
    "save_draft",
    "set_status",
    "start_drafts",
    "workbook_csvs",
    "workbook_xlsx",
]
