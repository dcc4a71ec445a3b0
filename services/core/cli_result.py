"""What a command of the command line returns (below the feature CLIs and ``services.cli``).

Each feature package's ``cli`` module builds a :class:`CommandResult`; :mod:`services.cli`
(the top of the program) prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CommandResult:
    """What a command returns.

    Attributes:
        summary: lines printed for a person.
        data: the JSON document printed with ``--json`` (dicts, lists, numbers, strings).
        exit_code: 0, or 1 for a batch that ended partial or failed
            (:attr:`services.core.outcome.BatchOutcome.exit_code`).
    """

    summary: list[str] = field(default_factory=list)
    data: Any = None
    exit_code: int = 0
