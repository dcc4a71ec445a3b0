"""The outcome of a batch run: completed, partial or failed, with counts and top reasons.

One rule for every batch the user starts (crawl, primary keywords, briefs, drafts, publish):
each row that fails records its reason instead of aborting the run, and the run ends as

- ``completed`` when no row failed,
- ``partial`` when some rows failed and at least one succeeded,
- ``failed`` when rows were attempted and none succeeded (e.g. every page raised).

Screens colour these green / amber / red and show the top reasons; the CLI exits 0 for
``completed`` and 1 for ``partial`` or ``failed`` (2 stays "bad input", decided before the
run starts).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from services.core.wording import count_noun

OutcomeStatus = Literal["completed", "partial", "failed"]

#: CLI exit code per outcome (README "Command line").
EXIT_CODES: dict[str, int] = {"completed": 0, "partial": 1, "failed": 1}


@dataclass
class BatchOutcome:
    """Counts and failure reasons of one batch run.

    Attributes
    ----------
    noun : str
        What one row is, singular ("page", "brief", "post"), for the summary.
    succeeded : int
        Rows done (count).
    failed : int
        Rows that raised or were refused (count).
    skipped : int
        Rows deliberately not attempted (robots.txt, already done…), neither success nor
        failure (count).
    reasons : collections.Counter
        Failure reason (short plain text, e.g. ``"HTTP 404"``) → rows (count).
    """

    noun: str = "item"
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def ok(self, n: int = 1) -> None:
        """Count ``n`` rows that succeeded."""
        self.succeeded += n

    def fail(self, reason: str, n: int = 1) -> None:
        """Count ``n`` rows that failed for ``reason`` (plain text, first line kept)."""
        self.failed += n
        first_line = (str(reason).strip().splitlines() or ["unknown error"])[0]
        self.reasons[first_line[:200]] += n

    def skip(self, n: int = 1) -> None:
        """Count ``n`` rows deliberately not attempted."""
        self.skipped += n

    @property
    def attempted(self) -> int:
        """Rows attempted: succeeded + failed (count)."""
        return self.succeeded + self.failed

    @property
    def status(self) -> OutcomeStatus:
        """``failed`` when rows were attempted and none succeeded, ``partial`` when some
        failed, else ``completed``."""
        if self.failed and not self.succeeded:
            return "failed"
        if self.failed:
            return "partial"
        return "completed"

    @property
    def exit_code(self) -> int:
        """0 completed, 1 partial or failed."""
        return EXIT_CODES[self.status]

    def top_reasons(self, n: int = 3) -> list[tuple[str, int]]:
        """The ``n`` most frequent failure reasons as ``(reason, rows)``, most first."""
        return self.reasons.most_common(n)

    def summary(self) -> str:
        """One plain sentence, e.g. ``"Partial: 3 pages done, 2 failed (HTTP 404 ×2)."``."""
        head = {"completed": "Completed", "partial": "Partial", "failed": "Failed"}[self.status]
        text = f"{head}: {count_noun(self.succeeded, self.noun)} done"
        if self.failed:
            text += f", {self.failed:,} failed"
        if self.skipped:
            text += f", {self.skipped:,} skipped"
        top = self.top_reasons()
        if top:
            text += " (" + "; ".join(f"{r} ×{c:,}" for r, c in top) + ")"
        return text + "."

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for job results and ``--json`` output."""
        return {
            "status": self.status,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "skipped": self.skipped,
            "top_reasons": [{"reason": r, "count": c} for r, c in self.top_reasons(5)],
        }
