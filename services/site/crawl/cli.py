"""Commands ``crawl PROJECT URL`` (inline, progress on stderr) and ``pages PROJECT``
(see :mod:`services.cli`)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from services.core.cli_result import CommandResult
from services.site.crawl.model import DEFAULT_MAX_PAGES, DEFAULT_TIME_LIMIT_S, CrawlLimits


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
    crawl.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        help="seconds the whole crawl may take (default: 7200)",
    )
    crawl.set_defaults(handler=_crawl)

    pages = sub.add_parser("pages", help="list a project's pages", parents=[common])
    pages.add_argument("project", help="project name or id")
    pages.set_defaults(handler=_pages)


class Progress:
    """Crawl progress on ``stream`` (stderr): one line rewritten in place on a terminal, else
    (logs, pipes) one line per :attr:`every_s` seconds plus every change of stage.

    Parameters
    ----------
    stream : file, optional
        Default ``sys.stderr``.
    every_s : float
        Seconds between two lines when ``stream`` is not a terminal (5).
    """

    def __init__(self, stream: TextIO | None = None, every_s: float = 5.0) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s = every_s
        self._last = float("-inf")
        self._stage = ""
        self._width = 0

    def __call__(self, percent: float, message: str) -> None:
        line = f"[{percent:5.1f}%] {message}"
        if self.tty:
            pad = " " * max(0, self._width - len(line))
            self._width = len(line)
            end = "\n" if percent >= 100 else ""
            print(f"\r{line}{pad}", end=end, file=self.stream, flush=True)
            return
        stage = message.split(" ", 1)[0]
        now = time.monotonic()
        if stage != self._stage or now - self._last >= self.every_s or percent >= 100:
            self._stage, self._last = stage, now
            print(line, file=self.stream, flush=True)


def _crawl(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.site.crawl.api import run_crawl

    project = resolve_project(app.engine, args.project)
    limits = CrawlLimits(
        max_pages=args.max_pages,
        max_depth=args.max_depth,
        include=list(args.include),
        exclude=list(args.exclude),
        time_limit_s=args.time_limit,
    )
    # ``app.crawl_fetcher``: test seam (a fetcher with the rate limit lifted), never set by the app.
    report = run_crawl(
        app.engine,
        project.id,
        args.url,
        limits=limits,
        progress=Progress(),
        fetcher=getattr(app, "crawl_fetcher", None),
    )
    lines = [report.message]
    lines += [f"  skipped, {reason}: {n:,}" for reason, n in sorted(report.skip_counts.items())]
    if report.gone_note:
        lines.append(f"  gone pages {report.gone_note}")
    lines += [f"  hint: {hint}" for hint in report.hints]
    return CommandResult(lines, report.to_dict(), exit_code=report.exit_code)


def _pages(app: Any, args: argparse.Namespace) -> CommandResult:
    from services.projects.api import resolve_project
    from services.site.crawl.api import list_pages

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
    import pandas as pd

    return value is None or bool(pd.isna(value))
