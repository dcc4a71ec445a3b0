"""Command ``cluster-list`` (see :mod:`services.cli`).

One clustering at a time per project, from the command line as from the page (issue 20 §5):
an inline run claims the project's ``cluster`` slot in the jobs table (the same unique
``active_key`` a queued job takes: :func:`services.jobs.claim_inline`), keeps it alive with
heartbeats and frees it when it ends. A second run, or a page job, meanwhile gets the clear
"already running" message (exit 2) instead of racing on the same rows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.clustering.options import SINGLETON_MIN_VOLUME, STRICTNESS_LEVELS
from services.core.cli_result import CommandResult


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``cluster-list`` to ``sub`` (an argparse subparsers action)."""
    cmd = sub.add_parser(
        "cluster-list",
        help="cluster the project's keyword list into pages and hubs",
        parents=[common],
    )
    cmd.add_argument("project", help="project name or id")
    cmd.add_argument("--strictness", choices=STRICTNESS_LEVELS, default="balanced")
    cmd.add_argument(
        "--min-volume",
        type=int,
        default=SINGLETON_MIN_VOLUME,
        help="a keyword without close variants is its own page from this volume (searches/month)",
    )
    cmd.add_argument("--out", type=Path, help="write one row per keyword to this CSV file")
    cmd.set_defaults(handler=_cluster_list)


def _stderr_bar(percent: float, message: str) -> None:
    filled = int(percent / 5)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (20 - filled)}] {percent:5.1f}% {message[:60]:60}")
    if percent >= 100:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _cluster_list(app: Any, args: argparse.Namespace) -> CommandResult:
    from services import jobs
    from services.keyword_lists import api
    from services.keyword_lists.export import KEYWORD_COLUMNS, clusters_frame, frame_to_csv
    from services.projects.api import resolve_project

    project = resolve_project(app.engine, args.project)
    with jobs.claim_inline(app.engine, project.id, "cluster"):
        result = api.cluster_inline(
            app,
            project.id,
            strictness=args.strictness,
            singleton_min_volume=args.min_volume,
            progress=_stderr_bar,
        )
    sys.stderr.write("\n")
    view = api.list_view(app.engine, project.id)
    summary = {
        "project": project.name,
        "keywords": int(result.get("keywords", 0)),
        "seconds": result.get("seconds"),
        "clusters": len(view.clusters),
        "hubs": len(view.hubs),
        "unclustered": len(view.unclustered),
        "diff": result.get("diff", {}),
    }
    lines = [
        f"Clustered {summary['keywords']:,} keywords of '{project.name}' in "
        f"{summary['seconds']} s: {summary['clusters']:,} clusters in {summary['hubs']:,} hubs, "
        f"{summary['unclustered']:,} unclustered."
    ]
    if args.out:
        frame = clusters_frame(app.engine, project.id, KEYWORD_COLUMNS)
        args.out.write_bytes(frame_to_csv(frame))
        summary["out"] = str(args.out)
        lines.append(f"Wrote {len(frame):,} rows to {args.out}.")
    return CommandResult(lines, summary)
