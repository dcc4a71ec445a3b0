"""Commands ``crawl PROJECT URL`` (inline, progress on stderr) and ``pages PROJECT``
(see :mod:`services.cli`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from services.core.cli_result import CommandResult
from services.projects.api import resolve_project
from services.site.crawl.api import list_pages, run_crawl
from services.site.crawl.crawler import DEFAULT_MAX_PAGES, CrawlLimits


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``crawl`` and ``pages`` to ``sub`` (an argparse subparsers action)."""
    crawl = sub.add_parser(
        "crawl", help="crawl a project's site politely and store its pages", parents=[common]
    )
    crawl.add_argument("project", help="project name or id")
    crawl.add_argument("url", help="the site's address, e.g. https://www.example.com/")
    crawl.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)
    crawl.add_argument("--max-depth", type=int, default=None, help="link hops (default: none)")
    crawl.add_argument(
        "--include", action="append", default=[], help="path pattern to crawl (repeatable)"
    )
    crawl.add_argument(
        "--exclude", action="append", default=[], help="path pattern to skip (repeatable)"
    )
    crawl.set_defaults(handler=_crawl)

    pages = sub.add_parser("pages", help="list a project's pages", parents=[common])
    pages.add_argument("project", help="project name or id")
    pages.set_defaults(handler=_pages)


def _stderr_progress(percent: float, message: str) -> None:
    print(f"[{percent:5.1f}%] {message}", file=sys.stderr, flush=True)


def _crawl(app: Any, args: argparse.Namespace) -> CommandResult:
    project = resolve_project(app.engine, args.project)
    limits = CrawlLimits(
        max_pages=args.max_pages,
        max_depth=args.max_depth,
        include=list(args.include),
        exclude=list(args.exclude),
    )
    # ``app.crawl_fetcher``: test seam (a fetcher with the rate limit lifted), never set by the app.
    report = run_crawl(
        app.engine,
        project.id,
        args.url,
        limits=limits,
        progress=_stderr_progress,
        fetcher=getattr(app, "crawl_fetcher", None),
    )
    lines = [report.message]
    lines += [f"  skipped, {reason}: {n:,}" for reason, n in sorted(report.skip_counts.items())]
    if report.gone_note:
        lines.append(f"  gone pages {report.gone_note}")
    return CommandResult(lines, report.to_dict())


def _pages(app: Any, args: argparse.Namespace) -> CommandResult:
    project = resolve_project(app.engine, args.project)
    frame = list_pages(app.engine, project.id)
    columns = [
        "url",
        "status",
        "title",
        "h1",
        "word_count",
        "page_type",
        "canonical",
        "noindex",
        "source",
    ]
    rows = [
        {k: (None if _missing(v) else v) for k, v in row.items()}
        for row in frame[columns].to_dict("records")
    ]
    lines = [
        f"{r['status'] or '-'}  {r['page_type'] or '-':10}  {r['url']}  {r['title'] or ''}"
        for r in rows
    ]
    return CommandResult(lines or ["No pages yet: run `crawl` first."], rows)


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))
