"""Commands ``briefs``, ``competitors``, ``drafts``, ``export-drafts`` and ``publish`` (see
:mod:`services.cli`).

Each takes ``PROJECT CLUSTER_ID`` (project name or id, the approved seed cluster's id, or
``site`` for the onboarded site's pages with approved primary keywords).
``drafts`` runs in the foreground with the LLM chosen in Settings (outline skeletons when
none is connected), after the same budget check as the page's job.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from services.core.cli_result import CommandResult
from services.core.errors import InvalidInputError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the content commands to ``sub`` (an argparse subparsers action)."""
    briefs = sub.add_parser(
        "briefs", help="build the briefs of an approved cluster", parents=[common]
    )
    _target(briefs)
    briefs.set_defaults(handler=_briefs)

    comp = sub.add_parser(
        "competitors",
        help="read the ranking pages of each brief's cached SERP (headings, lengths, gaps)",
        parents=[common],
    )
    _target(comp)
    comp.set_defaults(handler=_competitors)

    drafts = sub.add_parser("drafts", help="draft the pages of a cluster", parents=[common])
    _target(drafts)
    drafts.add_argument("--retry-failed", action="store_true", help="only pages that failed")
    drafts.set_defaults(handler=_drafts)

    export = sub.add_parser("export-drafts", help="write the drafts spreadsheet", parents=[common])
    _target(export)
    export.add_argument("--xlsx", type=Path, help="XLSX file to write")
    export.add_argument("--csv-dir", type=Path, help="folder for one CSV per sheet")
    export.add_argument("--matrixify", type=Path, help="Matrixify Custom Collections CSV")
    export.set_defaults(handler=_export)

    publish = sub.add_parser("publish", help="send drafts to WordPress", parents=[common])
    _target(publish)
    publish.add_argument("--wordpress", action="store_true", required=True)
    publish.add_argument("--as", dest="post_type", choices=("posts", "pages"), default="posts")
    publish.add_argument("--category", default=None, help="category name for posts")
    publish.set_defaults(handler=_publish)


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="project name or id")
    parser.add_argument(
        "cluster_id", help="id of an approved seed cluster, or 'site' for the onboarded pages"
    )


def _resolve(app: Any, args: argparse.Namespace) -> str:
    """Check the project and the cluster; ``site`` becomes the project's site scope."""
    from services.content.api import require_cluster, site_scope
    from services.projects.api import resolve_project

    project = resolve_project(app.engine, args.project)
    if args.cluster_id == "site":
        args.cluster_id = site_scope(project.id)
    require_cluster(app.engine, project.id, args.cluster_id)
    return str(project.id)


def _briefs(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.content.api import generate_briefs

    _resolve(app, args)
    report = generate_briefs(app.engine, args.cluster_id)
    return CommandResult(
        [f"{report.created} brief(s) created, {report.regenerated} rebuilt."],
        {"created": report.created, "regenerated": report.regenerated},
    )


def _competitors(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.content.api import analyse_competitors, serp_client_of

    _resolve(app, args)
    serp = serp_client_of(app.providers())
    report = analyse_competitors(app.engine, args.cluster_id, serp_client=serp)
    lines = [report.message]
    lines += [f"  {reason}: {n}" for reason, n in report.outcome.top_reasons()]
    data = {
        "outcome": report.outcome.as_dict(),
        "keywords": report.keywords,
        "without_serp": report.without_serp,
        "seconds": round(report.seconds, 3),
        "politeness": report.politeness,
    }
    return CommandResult(lines, data)


def _drafts(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.content.api import drafts_preview, run_drafts
    from services.core.errors import BudgetExceeded
    from services.providers.registry import structured_generator
    from services.spend.budget import BudgetGuard

    _resolve(app, args)
    llm = structured_generator(app.providers())
    preview = drafts_preview(app.engine, args.cluster_id, llm, only_failed=args.retry_failed)
    if preview.pages == 0:
        raise InvalidInputError("No page to draft: run `briefs` first, or all are drafted.")
    if not preview.fits and preview.budget is not None:
        raise BudgetExceeded(
            preview.estimate.total_usd, preview.budget.remaining_usd, preview.budget.budget_usd
        )
    report = run_drafts(
        app.engine,
        args.cluster_id,
        llm,
        only_failed=args.retry_failed,
        budget=BudgetGuard(app.engine) if llm is not None else None,
    )
    data = report.to_dict()
    lines = [preview.message, data["message"]]
    lines += [f"  failed: {kw}: {why}" for kw, why in report.failures.items()]
    lines.append(report.outcome.summary())
    return CommandResult(lines, data, exit_code=report.outcome.exit_code)


def _export(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.content.api import matrixify_csv, workbook_csvs, workbook_xlsx

    _resolve(app, args)
    if not (args.xlsx or args.csv_dir or args.matrixify):
        raise InvalidInputError("Give --xlsx FILE, --csv-dir DIR and/or --matrixify FILE.")
    written = []
    if args.xlsx:
        args.xlsx.write_bytes(workbook_xlsx(app.engine, args.cluster_id))
        written.append(str(args.xlsx))
    if args.csv_dir:
        args.csv_dir.mkdir(parents=True, exist_ok=True)
        for name, data in workbook_csvs(app.engine, args.cluster_id).items():
            (args.csv_dir / name).write_bytes(data)
            written.append(str(args.csv_dir / name))
    if args.matrixify:
        if "Custom Collection" not in args.matrixify.name:
            raise InvalidInputError(
                'Matrixify needs "Custom Collection" in the file name, e.g. '
                '"Custom Collections.csv".'
            )
        args.matrixify.write_bytes(matrixify_csv(app.engine, args.cluster_id))
        written.append(str(args.matrixify))
    return CommandResult([f"Wrote {w}" for w in written], {"files": written})


def _publish(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.content.publish import publish_wordpress

    _resolve(app, args)
    report = publish_wordpress(
        app.engine, args.cluster_id, post_type=args.post_type, category=args.category
    )
    lines = [f"{kw}: {url}" for kw, url in report.published.items()]
    lines += [f"failed: {kw}: {why}" for kw, why in report.failed.items()]
    lines.append(report.outcome.summary())
    return CommandResult(lines, report.to_dict(), exit_code=report.exit_code)
