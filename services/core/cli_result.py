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
    """

    summary: list[str] = field(default_factory=list)
    data: Any = None
