"""Projects: create, edit, list; the brand profile; the WordPress password stays encrypted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from db.models import KeywordCluster, KeywordMetric, Project
from db.models.core import utcnow
from db.session import session_scope
from services.core.app_settings import PROJECT_EVIDENCE_KEY, project_uses_evidence
from services.core.errors import InvalidInputError, NotFoundError
from services.core.ids import as_uuid
from services.core.scoring import DEFAULT_WEIGHTS, normalize_weights
from services.core.slugs import SITE_TYPES, check_custom_pattern
from services.providers.base import BrandProfile

KEEP_SECRET = object()  # pass as wordpress_app_password to leave the stored one unchanged


@dataclass
class ProjectView:
    """A project as pages see it: the WordPress password only as "set"/"not set"."""

    id: uuid.UUID
    name: str
    domain: str
    wordpress_url: str
    wordpress_username: str
    wordpress_password_set: bool
    brand: BrandProfile
    location_name: str
    language_name: str
    keyword_count: int = 0
    cluster_count: int = 0
    brand_config: dict[str, Any] = field(default_factory=dict)
    site_type: str = "shopify"
    url_pattern: str = ""
    score_weights: tuple[float, float, float] = DEFAULT_WEIGHTS
    archived: bool = False

    @property
    def use_evidence(self) -> bool:
        """Whether keywords are grouped by the data's evidence (issue 16; absent = on)."""
        return project_uses_evidence(self.brand_config)


def _view(p: Project, keyword_count: int = 0, cluster_count: int = 0) -> ProjectView:
    return ProjectView(
        id=p.id,
        name=p.name,
        domain=p.domain or "",
        wordpress_url=p.wordpress_url or "",
        wordpress_username=p.wordpress_username or "",
        wordpress_password_set=bool(p.wordpress_app_password),
        brand=BrandProfile.from_dict(p.brand_config),
        location_name=p.location_name,
        language_name=p.language_name,
        keyword_count=keyword_count,
        cluster_count=cluster_count,
        brand_config=dict(p.brand_config or {}),
        site_type=p.site_type or "shopify",
        url_pattern=p.url_pattern or "",
        score_weights=normalize_weights(p.score_weights),
        archived=p.archived_at is not None,
    )


def list_projects(engine: Engine, *, archived: bool = False) -> list[ProjectView]:
    """Live projects (``archived`` True: the archived ones), by name, with keyword and
    cluster counts."""
    with session_scope(engine) as s:
        kw = dict(
            s.execute(
                select(KeywordMetric.project_id, func.count()).group_by(KeywordMetric.project_id)
            )
            .tuples()
            .all()
        )
        cl = dict(
            s.execute(
                select(KeywordCluster.project_id, func.count()).group_by(KeywordCluster.project_id)
            )
            .tuples()
            .all()
        )
        return [
            _view(p, kw.get(p.id, 0), cl.get(p.id, 0))
            for p in s.scalars(
                select(Project)
                .where(
                    Project.archived_at.is_not(None) if archived else Project.archived_at.is_(None)
                )
                .order_by(Project.name)
            )
        ]


def get_project(engine: Engine, project_id: Any) -> ProjectView:
    """One project. Raises ``NotFoundError``."""
    with session_scope(engine) as s:
        p = s.get(Project, as_uuid(project_id))
        if p is None:
            raise NotFoundError("Project not found.")
        return _view(p)


def _checked_pattern(site_type: str | None, url_pattern: str | None) -> str | None:
    """The URL pattern to store (custom site types only), checked.

    Raises:
        InvalidInputError: unknown site type, or a custom one without a valid pattern.
    """
    if site_type is not None and site_type not in SITE_TYPES:
        raise InvalidInputError(
            f"Unknown site type '{site_type}'; choose one of {', '.join(SITE_TYPES)}."
        )
    pattern = (url_pattern or "").strip() or None
    if site_type == "custom":
        try:
            pattern = check_custom_pattern(pattern or "")
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
    return pattern


def _checked_weights(score_weights: Any) -> dict[str, float] | None:
    """Score weights scaled to sum 1 (volume, relevance, competition), or None to keep.

    Raises:
        InvalidInputError: negative or all-zero weights.
    """
    if score_weights is None:
        return None
    try:
        wv, wr, wc = normalize_weights(score_weights)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    return {"volume": round(wv, 4), "relevance": round(wr, 4), "competition": round(wc, 4)}


def save_project(
    engine: Engine,
    *,
    name: str,
    domain: str = "",
    brand: BrandProfile | None = None,
    wordpress_url: str = "",
    wordpress_username: str = "",
    wordpress_app_password: Any = KEEP_SECRET,
    location_name: str = "United States",
    language_name: str = "English",
    project_id: Any = None,
    site_type: str | None = None,
    url_pattern: str | None = None,
    score_weights: Any = None,
    use_evidence: bool | None = None,
) -> uuid.UUID:
    """Create (``project_id`` None) or update a project.

    Args:
        wordpress_app_password: new password, "" to clear, or :data:`KEEP_SECRET` to keep.
        site_type: shopify | woocommerce | wordpress | publisher | custom (None: keep; a new
            project gets shopify). Decides the URL pattern of suggested pages.
        url_pattern: the custom site type's pattern, e.g. ``/guides/{parent}/{slug}/``.
        score_weights: (volume, relevance, competition) or a dict with those keys; scaled
            to sum 1; None keeps the stored weights (a new project: 0.50 / 0.35 / 0.15).
        use_evidence: group keywords by the data's evidence (Parent Keyword, ranking URL,
            SERP overlap) on top of the text rules; None keeps the stored switch (absent =
            on). Saving the brand profile never resets it.

    Returns:
        The project id.

    Raises:
        InvalidInputError: empty or duplicate name, unknown site type, a custom site type
            without a valid pattern, negative weights.
        NotFoundError: unknown ``project_id``.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidInputError("A project needs a name.")
    pattern = _checked_pattern(site_type, url_pattern)
    weights = _checked_weights(score_weights)
    domain = (domain or "").strip().removeprefix("https://").removeprefix("http://").strip("/")
    try:
        with session_scope(engine) as s:
            if project_id is None:
                p = Project(name=name)
                s.add(p)
            else:
                found = s.get(Project, as_uuid(project_id))
                if found is None:
                    raise NotFoundError("Project not found.")
                p = found
            p.name = name
            p.domain = domain or None
            config = (brand or BrandProfile()).to_dict()
            stored = (p.brand_config or {}).get(PROJECT_EVIDENCE_KEY)
            switch = stored if use_evidence is None else bool(use_evidence)
            if switch is not None:
                config[PROJECT_EVIDENCE_KEY] = switch
            p.brand_config = config
            p.wordpress_url = wordpress_url.strip() or None
            p.wordpress_username = wordpress_username.strip() or None
            if wordpress_app_password is not KEEP_SECRET:
                p.wordpress_app_password = str(wordpress_app_password).strip() or None
            p.location_name = location_name or "United States"
            p.language_name = language_name or "English"
            if site_type is not None:
                p.site_type = site_type
                p.url_pattern = pattern if site_type == "custom" else None
            elif p.site_type is None:
                p.site_type = "shopify"
            if weights is not None:
                p.score_weights = weights
            s.flush()
            return p.id
    except IntegrityError as exc:
        raise InvalidInputError(f"A project named '{name}' already exists.") from exc


def resolve_project(engine: Engine, name_or_id: str) -> ProjectView:
    """A project by id or by exact name (the CLI's PROJECT argument).

    Raises
    ------
    NotFoundError
        No project has that id or name.
    """
    text = (name_or_id or "").strip()
    try:
        return get_project(engine, uuid.UUID(text))
    except (ValueError, NotFoundError):
        pass
    with session_scope(engine) as s:
        p = s.scalars(select(Project).where(Project.name == text)).first()
        if p is None:
            raise NotFoundError(f"No project named or numbered '{text}'.")
        return _view(p)


def set_project_archived(engine: Engine, project_id: Any, archived: bool) -> None:
    """Archive (hide from the project picker and lists) or restore a project; nothing is
    deleted.

    Raises
    ------
    NotFoundError
        Unknown project.
    """
    with session_scope(engine) as s:
        p = s.get(Project, as_uuid(project_id))
        if p is None:
            raise NotFoundError("Project not found.")
        p.archived_at = utcnow() if archived else None
