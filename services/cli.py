"""The command line: ``python -m services.cli [--json] COMMAND …``.

Pages and the CLI call the same ``api`` functions. Each feature package that offers commands
has a ``cli`` module with ``register(subparsers)``; every command's handler takes
``(app, args)`` and returns a :class:`CommandResult`. Output is a human summary, or one JSON
document with ``--json``. Exit codes: 0 success, 2 bad input (the same message the page shows),
1 any other typed error (provider down, budget exceeded…).

``DATABASE_URL`` and ``CLUSTER_PLANNER_DATA_DIR`` are read as for the app.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from services.core.cli_result import CommandResult
from services.core.errors import (
    ClusterPlannerError,
    ImportFormatError,
    InvalidInputError,
    NotFoundError,
)

#: Modules whose ``register(subparsers)`` adds commands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "services.projects.cli",
    "services.seed_clusters.cli",
    "services.keyword_lists.cli",
    "services.site.cli",
    "services.site.crawl.cli",
    "services.content.cli",
)

#: Errors caused by the user's input: exit code 2.
BAD_INPUT = (InvalidInputError, ImportFormatError, NotFoundError)


Handler = Callable[[Any, argparse.Namespace], CommandResult]


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def common_options() -> argparse.ArgumentParser:
    """Options every command accepts (so ``--json`` may follow the command name)."""
    parent = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's own copy must not reset a --json given before the command.
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    return parent


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    """The argument parser with every package's commands registered."""
    parser = argparse.ArgumentParser(
        prog="python -m services.cli",
        description="Cluster Planner on the command line.",
        parents=[common_options()],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                # package without commands yet
                continue
            raise
        module.register(sub, common_options())
    return parser


def main(argv: Sequence[str] | None = None, *, app: Any = None) -> int:
    """Run one command; returns the exit code (0 ok, 1 failed, 2 bad input).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).
    app : services.app.bootstrap.AppContext, optional
        The composition root; built from the environment when omitted (tests pass theirs).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return 0 if exc.code in (0, None) else 2
    if app is None:
        from services.app.bootstrap import build_app

        app = build_app()
    handler: Handler = args.handler
    try:
        result = handler(app, args)
    except BAD_INPUT as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ClusterPlannerError as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(_jsonable(result.data), ensure_ascii=False, indent=2))
    else:
        for line in result.summary:
            print(line)
    return result.exit_code


if __name__ == "__main__":  # pragma: no cover - exercised through main() in tests
    sys.exit(main())
