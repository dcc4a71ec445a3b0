"""Commands ``projects create|list`` and ``import`` (see :mod:`services.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from services.core.cli_result import CommandResult
from services.core.errors import InvalidInputError

SITE_TYPES = ("shopify", "woocommerce", "wordpress", "publisher", "custom")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the project commands to ``sub`` (an argparse subparsers action)."""
    projects = sub.add_parser("projects", help="create or list projects", parents=[common])
    psub = projects.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = psub.add_parser("create", help="create a project", parents=[common])
    create.add_argument("name")
    create.add_argument("--domain", default="")
    create.add_argument("--site-type", choices=SITE_TYPES, default="shopify")
    create.add_argument(
        "--url-pattern",
        default="",
        help="a custom site's page paths, e.g. /guides/{parent}/{slug}/ (site type custom)",
    )
    create.set_defaults(handler=_create)
    lst = psub.add_parser("list", help="list projects", parents=[common])
    lst.set_defaults(handler=_list)

    imp = sub.add_parser("import", help="import keyword or rankings exports", parents=[common])
    imp.add_argument("project", help="project name or id")
    imp.add_argument("files", nargs="+", type=Path)
    imp.set_defaults(handler=_import)


def _create(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import save_project

    pid = save_project(
        app.engine,
        name=args.name,
        domain=args.domain,
        site_type=args.site_type,
        url_pattern=args.url_pattern or None,
    )
    return CommandResult(
        [f"Created project '{args.name}' ({pid})."],
        {
            "id": pid,
            "name": args.name,
            "domain": args.domain,
            "site_type": args.site_type,
            "url_pattern": args.url_pattern,
        },
    )


def _list(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import list_projects

    rows = [
        {"id": p.id, "name": p.name, "domain": p.domain, "keywords": p.keyword_count}
        for p in list_projects(app.engine)
    ]
    lines = [f"{r['name']}  {r['domain']}  {r['keywords']:,} keywords  {r['id']}" for r in rows]
    return CommandResult(lines or ["No projects."], rows)


def _import(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.projects.imports import import_keywords
    from services.site.cli import import_rankings_file
    from services.site.rankings import is_rankings_export

    project = resolve_project(app.engine, args.project)
    reports = []
    for path in args.files:
        if not path.is_file():
            raise InvalidInputError(f"File not found: {path}")
        data = path.read_bytes()
        if is_rankings_export(data, path.name):  # query/keyword + page URL columns
            reports.append(
                {"file": str(path), **import_rankings_file(app, project.id, data, path.name)}
            )
            continue
        report = import_keywords(app.engine, project.id, data, path.name)
        reports.append({"file": str(path), **vars(report)})
    lines = [
        r["summary"]
        if "summary" in r
        else f"{r['file']}: {r['tool']}, {r['rows_imported']:,} keywords imported "
        f"({r['inserted']:,} new, {r['updated']:,} updated), {r['skipped']:,} rows skipped"
        for r in reports
    ]
    return CommandResult(lines, reports)
