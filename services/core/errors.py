"""Typed errors of the service layer.

Pages catch only these (``ClusterPlannerError`` and subclasses) and show ``str(exc)``
with ``st.error``; anything else is a bug and propagates.
"""

from __future__ import annotations


class ClusterPlannerError(Exception):
    """Base class of every error a user may be shown."""


class ProviderError(ClusterPlannerError):
    """An outside service (LLM, DataForSEO, WordPress, embedder) failed or answered badly.

    Attributes:
        provider: short provider name, e.g. ``"anthropic"``, ``"dataforseo"``.
        status: HTTP status or provider status code when known, else ``None``.
        usage: billed calls made before the failure (``services.providers.base.Usage``),
            so a failed run's spend is still logged and settled against the budget.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        usage: list | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.usage = list(usage or [])


class BudgetExceeded(ClusterPlannerError):
    """A paid run was refused because its estimate does not fit the monthly budget.

    Attributes:
        estimate_usd: estimated cost of the refused run (USD).
        remaining_usd: budget left this month (USD).
        budget_usd: the monthly budget (USD).
    """

    def __init__(self, estimate_usd: float, remaining_usd: float, budget_usd: float) -> None:
        super().__init__(
            f"Estimated cost ${estimate_usd:.4f} exceeds the ${remaining_usd:.4f} left of this "
            f"month's ${budget_usd:.2f} budget; the run was not started."
        )
        self.estimate_usd = estimate_usd
        self.remaining_usd = remaining_usd
        self.budget_usd = budget_usd


class ImportFormatError(ClusterPlannerError):
    """An uploaded keyword export cannot be read at all; nothing was written."""


class NotFoundError(ClusterPlannerError):
    """A requested record (project, cluster, job) does not exist."""


class InvalidInputError(ClusterPlannerError):
    """User input was rejected before any work was done (empty seed, too many seeds, …)."""


class JobCancelled(ClusterPlannerError):
    """A background job stopped because its cancel was requested (raised between blocks)."""


# --- site (rankings import, primary keywords, cannibalization)


class PrimaryKeywordTaken(InvalidInputError):
    """A primary keyword is already held by another page of the project (unique per project)."""


# --------------------------------------------------------------------------- site crawl (services/site/crawl)
class CrawlBlocked(ClusterPlannerError):
    """The site may not be crawled at all: robots.txt is unreachable (5xx or no answer, which
    RFC 9309 §2.3.1.4 treats as "disallow everything"); the run is recorded as failed."""


# --------------------------------------------------------------------------- content (services/content)
class WordPressError(ProviderError):
    """The WordPress REST API refused or failed a call; the message says what to fix.

    Attributes
    ----------
    code : str
        The ``WP_Error`` code of the answer (``rest_cannot_create``, ``incorrect_password``…)
        or "" when the body was not a WordPress error.
    """

    def __init__(self, message: str, *, status_code: int | None = None, code: str = "") -> None:
        super().__init__(message, provider="wordpress", status=status_code)
        self.code = code
