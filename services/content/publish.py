"""WordPress publishing of content drafts: connection, status and an idempotent publish.

What pages and the CLI call for WordPress (one unit of work per user action):
:func:`wordpress_status`, :func:`connect_wordpress` (save then check the credentials) and
:func:`publish_wordpress` (drafts sent as WordPress drafts).

Idempotence (issue 20 §3-4): every post carries the app's marker (the content id), and the
client looks a post up by slug and marker before creating one
(:meth:`services.providers.wordpress.WordPressClient.save_draft`); the remote id is stored as
soon as an answer proves the post exists. A publish retried after an odd answer (200 instead
of 201, a PHP warning before the JSON, a 500 after creating, an answer after the deadline)
therefore updates the post it created and never creates a second one.

The run ends by the batch rule of :mod:`services.core.outcome`: completed, partial or failed
with the top reasons; the CLI exits 1 when any page failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from sqlalchemy import Engine

from db.models.content import ContentPage
from db.session import session_scope
from services.content import matrixify, store
from services.content.views import SITE_PREFIX
from services.core.errors import InvalidInputError, ProviderError
from services.core.ids import as_uuid
from services.core.outcome import BatchOutcome
from services.core.redact import redact

#: Content statuses with a written draft (what may be sent).
SENDABLE = ("drafted", "edited", "approved", "published")


@dataclass
class PublishReport:
    """What a WordPress publish did: page keyword → post URL or error message.

    Attributes
    ----------
    published : dict
        Primary keyword → post link (sent or updated as a WordPress draft).
    failed : dict
        Primary keyword → why (redacted of credentials).
    """

    published: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def outcome(self) -> BatchOutcome:
        """The batch outcome (noun "post"): completed / partial / failed with top reasons."""
        outcome = BatchOutcome(noun="post", succeeded=len(self.published))
        for why in self.failed.values():
            outcome.fail(why)
        return outcome

    @property
    def exit_code(self) -> int:
        """CLI exit code: 0 when every page was sent, 1 when any failed."""
        return self.outcome.exit_code

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the outcome (``status``, counts, ``top_reasons``)."""
        return {**asdict(self), "outcome": self.outcome.as_dict()}

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


@dataclass
class _Page:
    """A detached copy of what one publish needs of a content row."""

    id: Any
    primary_keyword: str
    brief: dict[str, Any]
    draft: dict[str, Any]
    wp_post_id: int | None


def _wp_fields(page: _Page, categories: list[int]) -> dict[str, Any]:
    d = page.draft
    faq = d.get("faq") or []
    body = d.get("body_html", "")
    if faq:
        items = "".join(
            f"<h3>{escape(str(f.get('question', '')))}</h3><p>{escape(str(f.get('answer', '')))}</p>"
            for f in faq
        )
        body = f"{body}\n<h2>FAQ</h2>{items}"
    fields: dict[str, Any] = {
        "title": d.get("title") or page.brief.get("title", ""),
        "content": body,
        "excerpt": d.get("meta_description") or page.brief.get("meta_description", ""),
        "slug": matrixify.handle_from_url(str(page.brief.get("url", ""))),
    }
    if categories:
        fields["categories"] = categories
    return fields


def _eligible(row: ContentPage, wanted: set[Any] | None) -> bool:
    return (
        (row.draft or {}).get("kind") == "llm"
        and row.status in SENDABLE
        and (wanted is None or row.id in wanted)
    )


def _load(
    engine: Engine, cluster_id: Any, content_ids: Sequence[Any] | None
) -> tuple[list[_Page], tuple[str, str, str]]:
    """Pages to send and the project's (WordPress URL, username, password)."""
    wanted = {as_uuid(c) for c in content_ids} if content_ids is not None else None
    with session_scope(engine) as s:
        if isinstance(cluster_id, str) and cluster_id.startswith(SITE_PREFIX):
            cid, project = None, store.get_project(s, cluster_id[len(SITE_PREFIX) :])
        else:
            cluster = store.get_cluster(s, cluster_id)
            cid, project = cluster.id, store.get_project(s, cluster.project_id)
        pages = [
            _Page(r.id, r.primary_keyword, dict(r.brief or {}), dict(r.draft or {}), r.wp_post_id)
            for r in store.content_pages(s, cid, project.id)
            if _eligible(r, wanted)
        ]
        creds = (
            project.wordpress_url or "",
            project.wordpress_username or "",
            project.wordpress_app_password or "",
        )
    return pages, creds


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

    Only pages with a written draft (drafted, edited, approved, published) are sent. A page
    with a stored post id updates that post; one without is looked up by slug and the app's
    marker before a post is created, so a retry never duplicates (module docstring).

    Parameters
    ----------
    cluster_id : uuid.UUID or str
        A cluster id, or a site scope (``site:<project id>``).
    content_ids : sequence, optional
        Pages to send (default: every eligible page of the cluster).
    post_type : str
        "posts" or "pages".
    category : str, optional
        Category name for posts (looked up or created; sent by id).
    client : WordPressClient, optional
        A prepared client (tests); built from the project otherwise.

    Returns
    -------
    PublishReport
        Per page the post link or the (redacted) reason; ``outcome`` and ``exit_code``.

    Raises
    ------
    InvalidInputError
        The project has no WordPress URL/credentials, or nothing is eligible.
    WordPressError
        The authentication check failed (nothing was sent).
    """
    from services.providers.wordpress import WordPressClient

    pages, (url, username, password) = _load(engine, cluster_id, content_ids)
    if client is None:
        if not url:
            raise InvalidInputError("Set the project's WordPress URL and credentials first.")
        client = WordPressClient(url, username, password)
    if not pages:
        raise InvalidInputError("No written draft to publish: generate the drafts first.")
    client.check_auth()
    categories = (
        [client.term_id("categories", category)] if category and post_type == "posts" else []
    )
    report = PublishReport()
    for page in pages:
        try:
            post = client.save_draft(
                post_type,
                _wp_fields(page, categories),
                post_id=page.wp_post_id,
                content_id=page.id,
            )
        except ProviderError as exc:
            why = redact(exc)
            report.failed[page.primary_keyword] = why
            with session_scope(engine) as s:
                store.get_content(s, page.id).error = f"WordPress: {why}"[:2000]
            continue
        report.published[page.primary_keyword] = post.link
        with session_scope(engine) as s:
            row = store.get_content(s, page.id)
            row.wp_post_id, row.wp_type, row.wp_url = post.id, post.type, post.link
            row.status, row.error = "published", None
            row.published_at = datetime.now(UTC)
    return report
