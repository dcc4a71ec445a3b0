"""The primary-keyword approval table: view, edits, approvals (one unit of work each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.models import PagePrimaryKeyword
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError, PrimaryKeywordTaken
from services.core.ids import as_uuid
from services.site import store
from services.site.primary import PrimaryDecision

#: Columns of :func:`primary_keywords_table`.
TABLE_COLUMNS = [
    "page_id",
    "url",
    "title",
    "primary",
    "pick",
    "alternatives",
    "options",
    "score",
    "search_volume",
    "source",
    "is_fallback",
    "is_priority",
    "approve",
    "is_approved",
    "page_source",
]


def primary_keywords_table(engine: Engine, project_id: Any) -> pd.DataFrame:
    """The approval table: one row per page with a suggestion.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`: ``primary`` (str or None), ``pick`` ("" — the editor's
        alternative choice "1".."5"), ``alternatives`` (stored list of dicts), ``options``
        (the alternatives as "1. keyword (score, volume/mo)" text), ``score`` (0-85),
        ``search_volume`` (searches/month), ``source``, flags.
    """
    with engine.connect() as conn:
        frame = store.primary_rows(conn, as_uuid(project_id))
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    frame["page_id"] = frame["page_id"].astype(str)
    frame["pick"] = ""
    frame["approve"] = frame["is_approved"].astype(bool)
    frame["options"] = [
        "  ".join(
            f"{n}. {a['keyword']} ({a['score']:.0f}"
            + (f", {a['search_volume']:,}/mo" if a.get("search_volume") is not None else "")
            + (", taken" if a.get("taken_by") else "")
            + ")"
            for n, a in enumerate(alts or [], start=1)
        )
        for alts in frame["alternatives"]
    ]
    return frame[TABLE_COLUMNS]


@dataclass
class ApprovalResult:
    """What saving the approval table did (counts of pages)."""

    updated: int = 0
    approved: int = 0
    page_keywords_created: int = 0
    page_keywords_updated: int = 0


def save_primary_decisions(
    engine: Engine, project_id: Any, decisions: Sequence[PrimaryDecision]
) -> ApprovalResult:
    """Apply the table's edits and approvals in ONE unit of work.

    A typed or picked primary becomes ``source='manual'`` (kept by later runs). Approved
    primaries are bridged into ``PageKeywords`` (is_approved, is_priority, score,
    alternatives) like approved cluster pages.

    Raises
    ------
    PrimaryKeywordTaken
        A chosen keyword is another page's primary (nothing saved).
    InvalidInputError
        Approving a page without a primary keyword.
    """
    pid = as_uuid(project_id)
    result = ApprovalResult()
    try:
        with session_scope(engine) as s:
            rows = store.primary_by_page(s, pid, [as_uuid(d.page_id) for d in decisions])
            for d in decisions:
                row = rows.get(as_uuid(d.page_id))
                if row is None:
                    raise NotFoundError(f"No primary keyword row for page {d.page_id}.")
                if d.typed:
                    row.keyword = d.keyword
                    row.source = "manual"
                    row.is_fallback = False
                    row.is_approved = False
                row.is_priority = d.is_priority
                result.updated += 1
            s.flush()
            for d in decisions:
                row = rows[as_uuid(d.page_id)]
                if d.approve or row.is_approved:
                    if not row.keyword:
                        raise InvalidInputError(
                            "A page without a primary keyword cannot be approved."
                        )
                    if d.approve and not row.is_approved:
                        result.approved += 1
                    row.is_approved = True
                    outcome = store.bridge_to_page_keywords(s, row)
                    if outcome == "created":
                        result.page_keywords_created += 1
                    else:
                        result.page_keywords_updated += 1
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(
            "That primary keyword is already used by another page of the project; choose another."
        ) from exc
    return result


def bulk_approve_primaries(
    engine: Engine, project_id: Any, page_ids: Sequence[Any] | None = None
) -> ApprovalResult:
    """Approve every suggested primary (or those of ``page_ids``) in one unit of work."""
    pid = as_uuid(project_id)
    with engine.connect() as conn:
        ids = conn.execute(
            select(PagePrimaryKeyword.crawled_page_id, PagePrimaryKeyword.is_priority).where(
                PagePrimaryKeyword.project_id == pid,
                PagePrimaryKeyword.keyword.is_not(None),
                PagePrimaryKeyword.is_approved.is_(False),
            )
        ).all()
    wanted = None if page_ids is None else {str(as_uuid(p)) for p in page_ids}
    decisions = [
        PrimaryDecision(str(r.crawled_page_id), None, bool(r.is_priority), True, False)
        for r in ids
        if wanted is None or str(r.crawled_page_id) in wanted
    ]
    return save_primary_decisions(engine, pid, decisions)


def primary_keywords_frame(engine: Engine, project_id: Any) -> pd.DataFrame:
    """CLI view: url, primary, alternatives (keywords), score, source, fallback, approved."""
    table = primary_keywords_table(engine, project_id)
    return pd.DataFrame(
        {
            "url": table["url"],
            "primary": table["primary"],
            "alternatives": [[a["keyword"] for a in alts or []] for alts in table["alternatives"]],
            "score": table["score"],
            "source": table["source"],
            "is_fallback": table["is_fallback"],
            "is_priority": table["is_priority"],
            "is_approved": table["is_approved"],
        }
    )
