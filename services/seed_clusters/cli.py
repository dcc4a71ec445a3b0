"""Commands ``seed``, ``approve`` and ``export`` (see :mod:`services.cli`).

``python -m services.cli seed PROJECT "seed keyword" [--json]`` runs the funnel with the
providers chosen in Settings and prints the cluster id, every page (role, keyword, page
type, path, search volume, score, source) and the run's warnings;
``approve PROJECT CLUSTER_ID [--all | --keywords KW …]`` bulk-approves;
``export PROJECT CLUSTER_ID --out file.csv`` writes the cluster's CSV.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from services.core.cli_result import CommandResult


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the seed-cluster commands to ``sub`` (an argparse subparsers action)."""
    seed = sub.add_parser("seed", help="seed keyword → suggested cluster", parents=[common])
    seed.add_argument("project", help="project name or id")
    seed.add_argument("seed", help='the seed keyword, e.g. "payday loans"')
    seed.set_defaults(handler=_seed)

    approve = sub.add_parser("approve", help="bulk-approve a cluster's pages", parents=[common])
    approve.add_argument("project", help="project name or id")
    approve.add_argument("cluster_id")
    which = approve.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="approve every page")
    which.add_argument("--keywords", nargs="+", metavar="KEYWORD", help="approve these pages")
    approve.add_argument(
        "--new-page",
        nargs="+",
        metavar="KEYWORD",
        help="a new page even where an existing page covers the keyword (default: optimise it)",
    )
    approve.set_defaults(handler=_approve)

    export = sub.add_parser("export", help="write a cluster as CSV", parents=[common])
    export.add_argument("project", help="project name or id")
    export.add_argument("cluster_id")
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    export.set_defaults(handler=_export)


def _page_row(s: Any) -> dict[str, Any]:
    return {
        "role": s.role,
        "keyword": s.keyword,
        "page_type": s.page_type,
        "slug": s.url_slug,
        "search_volume": s.search_volume,
        "score": s.composite_score,
        "score_parts": s.score_parts,
        "source": s.source,
        "secondary_keywords": s.secondary_keywords,
        "preselected": s.preselected,
        "covered_by": s.covered_by,
    }


def _seed(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.core.errors import ProviderError
    from services.projects.api import resolve_project
    from services.seed_clusters.api import clusters_for_seed, generate_cluster

    project = resolve_project(app.engine, args.project)
    plan = app.funnel_plan()
    before = clusters_for_seed(app.engine, project.id, args.seed)
    result = generate_cluster(args.seed, project.brand_config, project.id, deps=plan.deps)
    if not result.success:
        raise ProviderError(result.error or "the funnel failed")
    pages = [_page_row(s) for s in result.suggestions]
    warnings = [*plan.warnings, *result.warnings]
    if before:
        warnings.append(
            f"'{args.seed}' already had {len(before)} cluster(s) in this project; this run is a "
            "new version (open the existing one with its id in Cluster Review)."
        )
    lines = [f"Cluster {result.cluster_id}: {len(pages)} pages for '{args.seed}'."]
    for p in pages:
        volume = f"{p['search_volume']:,}" if p["search_volume"] is not None else "no volume"
        lines.append(
            f"  {p['role']:6s} {p['page_type']:10s} {p['keyword']}  {p['slug']}  "
            f"{volume}  score {p['score']:.1f}  [{p['source']}]"
        )
    lines += [f"warning: {w}" for w in warnings]
    return CommandResult(
        lines, {"cluster_id": result.cluster_id, "pages": pages, "warnings": warnings}
    )


def _approve(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.seed_clusters.approval import approve_pages

    project = resolve_project(app.engine, args.project)
    report = approve_pages(
        app.engine,
        args.cluster_id,
        keywords=args.keywords,
        select_all=args.all,
        project_id=project.id,
        new_pages=args.new_page,
    )
    return CommandResult(report.message.splitlines(), report)


def _export(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.seed_clusters.export import cluster_csv, cluster_export_frame

    project = resolve_project(app.engine, args.project)
    frame = cluster_export_frame(app.engine, args.cluster_id, project_id=project.id)
    args.out.write_bytes(cluster_csv(app.engine, args.cluster_id, project_id=project.id))
    return CommandResult(
        [f"Wrote {len(frame)} pages to {args.out}."], {"file": str(args.out), "pages": len(frame)}
    )
