"""Commands ``primary-keywords PROJECT`` and ``cannibalization PROJECT`` (see :mod:`services.cli`).

Rankings exports are imported by the ``import`` command (:mod:`services.projects.cli`),
which routes them here by detection (:func:`import_rankings_file`).
"""

from __future__ import annotations

import argparse
from typing import Any

from services.core.cli_result import CommandResult


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the site commands to ``sub`` (an argparse subparsers action)."""
    primary = sub.add_parser(
        "primary-keywords",
        help="choose one primary keyword per page of the site (offline unless an LLM is set)",
        parents=[common],
    )
    primary.add_argument("project", help="project name or id")
    primary.add_argument(
        "--no-run", action="store_true", help="only show the stored primary keywords"
    )
    primary.set_defaults(handler=_primary_keywords)

    cannibal = sub.add_parser(
        "cannibalization", help="keywords several pages of the site rank for", parents=[common]
    )
    cannibal.add_argument("project", help="project name or id")
    cannibal.add_argument(
        "--all", action="store_true", help="also list shared keywords without conflict"
    )
    cannibal.set_defaults(handler=_cannibalization)


def import_rankings_file(app: Any, project_id: Any, data: bytes, name: str) -> dict[str, Any]:
    """Import one rankings export; the report as a dict (for the ``import`` command)."""
    from services.site import api

    report = api.import_rankings(app.engine, project_id, data, name)
    summary = (
        f"{name}: {report.tool} rankings, {report.rows_imported:,} page-query rows imported, "
        f"{report.pages:,} pages ({report.pages_created:,} new), {report.keywords:,} keywords "
        f"({report.keywords_inserted:,} new), {report.skipped:,} rows skipped"
    )
    return {"kind": "rankings", "summary": summary, **vars(report)}


def _primary_keywords(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.site import api

    project = resolve_project(app.engine, args.project)
    lines: list[str] = []
    report = None
    if not args.no_run:
        providers = app.providers()
        budget = None
        if providers.llm is not None and providers.llm.name != "offline":
            from services.spend.budget import BudgetGuard

            budget = BudgetGuard(app.engine)
        report = api.run_primary_keywords(
            app.engine,
            project.id,
            embedder=app.embedder(),
            volume=providers.volume,
            llm=providers.llm,
            budget=budget,
        )
        lines.append(
            f"{report.pages:,} pages: {report.assigned:,} primary keywords from candidates, "
            f"{report.fallbacks:,} labels to verify (no keyword data), "
            f"{report.without_primary:,} without one; {len(report.skipped):,} pages own no "
            f"keyword (redirect stubs, noindex, errors, utility pages) ({report.seconds:.1f} s)."
        )
        lines.extend(f"warning: {w}" for w in report.warnings)
        if report.fallbacks:
            lines.append(api.LABEL_HELP)
    frame = api.primary_keywords_frame(app.engine, project.id)
    rows = frame.to_dict("records")
    for r in rows:
        flag = " (label to verify)" if r["is_fallback"] else ""
        score = "" if r["score"] is None or r["score"] != r["score"] else f"  {r['score']:.1f}"
        move = f"  [{r['moves_from']}]" if r["moves_from"] else ""
        lines.append(f"{r['url']}  ->  {r['primary'] or '-'}{flag}{score}{move}")
    data = {"report": vars(report) if report else None, "pages": rows}
    return CommandResult(lines or ["No pages with a primary keyword."], data)


def _cannibalization(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.site import api

    project = resolve_project(app.engine, args.project)
    result = api.cannibalization_report(app.engine, project.id, embedder=app.embedder())
    rows = result.rows if args.all else result.rows[result.rows["conflict"].astype(bool)]
    records = rows.to_dict("records")
    lines = [
        f"{result.conflicts:,} keywords in conflict "
        f"({result.rows['keyword'].nunique():,} keywords shared by 2+ pages)."
    ]
    for r in records:
        share = "" if r["click_share"] != r["click_share"] else f" {r['click_share']:.0%} of clicks"
        lines.append(
            f"{r['keyword']}: {r['url']} [{r['role']}: {r['action']}]{share}"
            f" position {r['position']:.1f}"
        )
    if result.notice:
        lines.append(result.notice)
    near = result.near_duplicates.to_dict("records")
    lines.extend(
        f"{n['Action']}: {n['Other page']} (“{n['Other keyword']}”) → owner {n['Owner page']} "
        f"(“{n['Owner keyword']}”). {n['Evidence']}"
        for n in near
    )
    data = {
        "settings": result.settings.to_dict(),
        "conflicts": result.conflicts,
        "rows": records,
        "competing_pages": near,
        "notice": result.notice,
    }
    return CommandResult(lines, data)
