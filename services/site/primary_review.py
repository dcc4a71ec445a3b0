"""The primary-keyword approval table: view, edits, approvals (one unit of work each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import CrawledPage, PagePrimaryKeyword
from db.session import session_scope
from services.core.errors import InvalidInputError, NotFoundError, PrimaryKeywordTaken
from services.core.ids import as_uuid
from services.site import store
from services.site.moves import keyword_earners, move_notice
from services.site.primary import PrimaryDecision
from services.site.rankings import aggregate_rankings

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
    "moves_from",
    "note",
]
#: The table's note on a title/H1 label (no keyword data for the page).
LABEL_NOTE = "label to verify"
#: What turns labels into keywords (shown once above the table).
LABEL_HELP = (
    "“Label to verify” rows have no keyword data: the label is the page's section and H1, not "
    "a keyword people search. Import a Search Console query + page export or a Semrush / "
    "Ahrefs organic export (Primary Keywords → Import rankings), or turn on a volume provider "
    "(DataForSEO) in Settings, then suggest again to turn them into keywords."
)


def primary_keywords_table(engine: Engine, project_id: Any) -> pd.DataFrame:
    """The approval table: one row per page with a suggestion.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`: ``primary`` (str or None), ``pick`` ("" — the editor's
        alternative choice "1".."5"), ``alternatives`` (stored list of dicts), ``options``
        (the alternatives as "1. keyword (score, volume/mo)" text), ``score`` (0-85),
        ``search_volume`` (searches/month), ``source``, flags, ``moves_from`` ("moves from
        <url> (N visits)" when another page earns the primary's traffic, else ""), ``note``
        (:data:`LABEL_NOTE` for a title/H1 label).
    """
    pid = as_uuid(project_id)
    with session_scope(engine) as s:
        frame = store.primary_rows(s, pid)
        if frame.empty:
            return pd.DataFrame(columns=TABLE_COLUMNS)
        rankings = store.load_rankings(s, pid)
    # Earners of the primaries only: aggregation and earners work per keyword (issue 22).
    rankings = rankings[rankings["keyword"].isin(frame["primary"].dropna())]
    earners = keyword_earners(aggregate_rankings(rankings))
    frame["moves_from"] = [
        move_notice(k if isinstance(k, str) else None, u, earners)
        for k, u in zip(frame["primary"], frame["normalized_url"], strict=True)
    ]
    frame["note"] = [LABEL_NOTE if bool(f) else "" for f in frame["is_fallback"].fillna(False)]
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
    """What saving the approval table did (counts of pages; confirmed moves as text)."""

    updated: int = 0
    approved: int = 0
    page_keywords_created: int = 0
    page_keywords_updated: int = 0
    moves: list[str] = field(default_factory=list)


def _keep_swapped(row: PagePrimaryKeyword, new_keyword: str | None) -> None:
    """Put the replaced primary first among the alternatives (it stays one click away)."""
    old = row.keyword
    alternatives = [a for a in row.alternatives or [] if a.get("keyword") != new_keyword]
    if old and old != new_keyword and all(a.get("keyword") != old for a in alternatives):
        swapped = {
            "keyword": old,
            "score": round(row.composite_score or 0.0, 2),
            "relevance": row.relevance_score,
            "search_volume": row.search_volume,
            "source": row.source,
            "taken_by": None,
        }
        alternatives = [swapped, *alternatives]
    row.alternatives = alternatives


def _edit(row: PagePrimaryKeyword, d: PrimaryDecision) -> None:
    if d.typed:
        _keep_swapped(row, d.keyword)
        row.keyword = d.keyword
        row.source = "manual"
        row.is_fallback = False
        row.is_approved = False
    row.is_priority = d.is_priority


def _moves(s: Session, pid: Any, rows: dict[Any, PagePrimaryKeyword], ids: list[Any]) -> list[str]:
    """ "“keyword” moves from <url> (N visits) to <url>" for rows about to be approved."""
    if not ids:
        return []
    earners = keyword_earners(aggregate_rankings(store.load_rankings(s, pid)))
    pages = {p.id: p for p in s.scalars(select(CrawledPage).where(CrawledPage.id.in_(ids)))}
    out = []
    for page_id in ids:
        row, page = rows[page_id], pages.get(page_id)
        notice = move_notice(row.keyword, page.normalized_url, earners) if page else ""
        if notice:
            out.append(f"“{row.keyword}” {notice} to {page.url if page else page_id}")
    return out


def _apply(
    s: Session, pid: Any, decisions: Sequence[PrimaryDecision], confirm_moves: bool
) -> ApprovalResult:
    result = ApprovalResult()
    rows = store.primary_by_page(s, pid, [as_uuid(d.page_id) for d in decisions])
    for d in decisions:
        row = rows.get(as_uuid(d.page_id))
        if row is None:
            raise NotFoundError(f"No primary keyword row for page {d.page_id}.")
        _edit(row, d)
        result.updated += 1
    s.flush()
    approving = [as_uuid(d.page_id) for d in decisions if d.approve]
    approving = [i for i in approving if not rows[i].is_approved]
    result.moves = _moves(s, pid, rows, approving)
    if result.moves and not confirm_moves:
        raise InvalidInputError(
            "Approving these primary keywords moves them away from the pages earning their "
            "traffic: " + "; ".join(result.moves) + ". Confirm the moves to approve them."
        )
    for d in decisions:
        row = rows[as_uuid(d.page_id)]
        if d.approve or row.is_approved:
            if not row.keyword:
                raise InvalidInputError("A page without a primary keyword cannot be approved.")
            if d.approve and not row.is_approved:
                result.approved += 1
            row.is_approved = True
            outcome = store.bridge_to_page_keywords(s, row)
            if outcome == "created":
                result.page_keywords_created += 1
            else:
                result.page_keywords_updated += 1
    return result


_TAKEN = "That primary keyword is already used by another page of the project; choose another."


def save_primary_decisions(
    engine: Engine,
    project_id: Any,
    decisions: Sequence[PrimaryDecision],
    *,
    confirm_moves: bool = False,
) -> ApprovalResult:
    """Apply the table's edits and approvals in ONE unit of work.

    A typed or picked primary becomes ``source='manual'`` (kept by later runs); the replaced
    primary stays first among the alternatives. Approved primaries are bridged into
    ``PageKeywords`` (is_approved, is_priority, score, alternatives) like approved cluster
    pages. Approving a primary that another page earns the traffic of (a move,
    :mod:`services.site.moves`) needs ``confirm_moves``.

    Raises
    ------
    PrimaryKeywordTaken
        A chosen keyword is another page's primary (nothing saved).
    InvalidInputError
        Approving a page without a primary keyword, or unconfirmed moves (nothing saved;
        the message lists them).
    """
    try:
        with session_scope(engine) as s:
            return _apply(s, as_uuid(project_id), decisions, confirm_moves)
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(_TAKEN) from exc


def bulk_approve_primaries(
    engine: Engine,
    project_id: Any,
    page_ids: Sequence[Any] | None = None,
    *,
    confirm_moves: bool = False,
) -> ApprovalResult:
    """Approve every suggested primary (or those of ``page_ids``) in one unit of work.

    Moves need ``confirm_moves`` as in :func:`save_primary_decisions`.
    """
    pid = as_uuid(project_id)
    wanted = None if page_ids is None else {str(as_uuid(p)) for p in page_ids}
    try:
        with session_scope(engine) as s:
            ids = s.execute(
                select(PagePrimaryKeyword.crawled_page_id, PagePrimaryKeyword.is_priority).where(
                    PagePrimaryKeyword.project_id == pid,
                    PagePrimaryKeyword.keyword.is_not(None),
                    PagePrimaryKeyword.is_approved.is_(False),
                )
            ).all()
            decisions = [
                PrimaryDecision(str(r.crawled_page_id), None, bool(r.is_priority), True, False)
                for r in ids
                if wanted is None or str(r.crawled_page_id) in wanted
            ]
            return _apply(s, pid, decisions, confirm_moves)
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(_TAKEN) from exc


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
            "moves_from": table["moves_from"],
            "note": table["note"],
        }
    )
