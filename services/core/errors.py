"""Typed errors of the service layer.

Pages catch only these (``ClusterPlannerError`` and subclasses) and show ``str(exc)``
with ``st.error``; anything else is a bug and propagates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class ClusterPlannerError(Exception):
    """Base class of every error a user may be shown."""


class ProviderError(ClusterPlannerError):
    """An outside service (LLM, DataForSEO, WordPress, embedder) failed or answered badly.

    Modelled on the anthropic SDK's ``_exceptions.py``: one base carrying the HTTP status
    and the provider's request id, and a shallow set of subclasses callers can tell apart
    (:class:`RateLimitedError`, :class:`ProviderUnavailableError`, :class:`BadResponseError`).

    Attributes
    ----------
    provider : str
        Short provider name, e.g. ``"anthropic"``, ``"openai"``, ``"dataforseo"``.
    status_code : int or None
        HTTP status, or the provider's own status code (DataForSEO 40202…), when known.
    request_id : str or None
        The provider's request id (``request-id`` / ``x-request-id`` header, DataForSEO
        task id) for support tickets.
    transient : bool
        True when the same request may succeed later (timeouts, 5xx, rate limits); these
        count towards circuit breakers.
    usage : list
        Billed calls made before the failure (``services.providers.base.Usage``), so a
        failed run's spend is still logged and settled against the budget.
    retryable : bool or None
        Overrides the retry layer's choice by class (None): False for a read timeout that
        may have been billed, an open circuit breaker, or a retry allowance used up.
    """

    #: Default of :attr:`transient` for the class.
    transient_default = False

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        request_id: str | None = None,
        transient: bool | None = None,
        usage: list | None = None,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        from services.core.redact import redact  # one redaction step for outside texts

        super().__init__(redact(message))
        self.provider = provider
        self.status_code = status_code if status_code is not None else status
        self.request_id = request_id
        self.transient = self.transient_default if transient is None else transient
        self.usage = list(usage or [])
        self.retryable = retryable

    @property
    def status(self) -> int | None:
        """Alias of :attr:`status_code` (older callers)."""
        return self.status_code

    @status.setter
    def status(self, value: int | None) -> None:
        self.status_code = value


class RateLimitedError(ProviderError):
    """The provider asked us to slow down (HTTP 429, DataForSEO 40202) beyond what we wait.

    Attributes
    ----------
    retry_after_s : float or None
        Seconds the provider asked us to wait (``Retry-After``), when it said.
    retry_at : datetime.datetime or None
        When to try again (UTC), shown to the user as "try again at HH:MM".
    """

    transient_default = True

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: float | None = None,
        retry_at: datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s
        self.retry_at = retry_at


class ProviderUnavailableError(ProviderError):
    """The provider did not answer in time, could not be reached, or failed (5xx, 529)."""

    transient_default = True


class BadResponseError(ProviderError):
    """The provider answered HTTP 200 with something we cannot use (not JSON, missing fields,
    values out of range), or a model's structured output stayed invalid after the repair."""

    transient_default = True


class StructuredOutputError(BadResponseError):
    """A model's structured output was invalid twice (first answer and the one repair).

    Attributes
    ----------
    raw : str
        The start of the last invalid answer (≤ 500 characters).
    """

    def __init__(self, message: str, *, raw: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.raw = raw


class InvalidOutput(ValueError):
    """A model answer that does not match the schema or the stage's rules (internal: the
    adapters turn it into a repair turn, then :class:`StructuredOutputError`)."""


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


class BudgetTopUpRefused(BudgetExceeded, ProviderError):
    """A paid run stopped before an extra call (a repair, a retry) whose worst-case cost no
    longer fits the monthly budget.

    Also a :class:`ProviderError`, so the funnel treats it like a failed call: the calls
    already billed (``usage``) are logged, and Stage 3 falls back to the offline filter.
    """

    def __init__(
        self,
        estimate_usd: float,
        remaining_usd: float,
        budget_usd: float,
        *,
        usage: list | None = None,
    ) -> None:
        BudgetExceeded.__init__(self, estimate_usd, remaining_usd, budget_usd)
        self.provider = "budget"
        self.status_code = None
        self.request_id = None
        self.transient = False
        self.usage = list(usage or [])
        self.retryable = False
        self.args = (
            f"The next call may cost up to ${estimate_usd:.4f}, more than the ${remaining_usd:.4f} "
            f"left of this month's ${budget_usd:.2f} budget; the run stopped before it.",
        )


class PriceUnknownError(ClusterPlannerError):
    """A paid model has no known price: the run is refused until a price is entered on the
    Settings page ($0 is allowed for a local OpenAI-compatible server)."""


class ImportFormatError(ClusterPlannerError):
    """An uploaded keyword export cannot be read at all; nothing was written."""


class NotFoundError(ClusterPlannerError):
    """A requested record (project, cluster, job) does not exist."""


class InvalidInputError(ClusterPlannerError):
    """User input was rejected before any work was done (empty seed, too many seeds, …)."""


class JobCancelled(ClusterPlannerError):
    """A background job stopped because its cancel was requested (raised between blocks)."""


class JobAlreadyActive(InvalidInputError):
    """The same kind of job is already queued or running for this project (double submit)."""


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


# --- site (rankings import, primary keywords, cannibalization)


class PrimaryKeywordTaken(InvalidInputError):
    """A primary keyword is already held by another page of the project (unique per project)."""


# --------------------------------------------------------------------------- projects.imports
class ImportConfirmationRequired(ImportFormatError):
    """Most rows of an upload do not look like search queries; nothing was written.

    Import again with the user's confirmation (``allow_non_queries=True``) to keep them.

    Attributes
    ----------
    share : float
        Share of rows (0-1) that do not look like search queries.
    """

    def __init__(self, message: str, share: float) -> None:
        super().__init__(message)
        self.share = share


class ConfigurationError(ClusterPlannerError):
    """A required setting is missing or invalid (e.g. the Fernet key in production)."""


# --------------------------------------------------------------------------- site crawl (services/site/crawl)
class CrawlBlocked(ClusterPlannerError):
    """The site may not be crawled at all: robots.txt is unreachable (5xx or no answer, which
    RFC 9309 §2.3.1.4 treats as "disallow everything"); the run is recorded as failed."""


# --- layers ---
class BudgetHeldByRuns(BudgetExceeded):
    """A paid run refused while runs in progress hold part of the monthly budget.

    The message separates money spent from money held: a hold is each running job's worst
    case and is released down to what it actually spent when that job finishes, so the same
    run may fit a moment later.

    Attributes:
        spent_usd: settled spend of the month (USD).
        held_usd: worst-case holds of runs in progress (USD).
    """

    def __init__(
        self,
        estimate_usd: float,
        remaining_usd: float,
        budget_usd: float,
        *,
        spent_usd: float,
        held_usd: float,
    ) -> None:
        super().__init__(estimate_usd, remaining_usd, budget_usd)
        self.spent_usd = spent_usd
        self.held_usd = held_usd
        self.args = (
            f"Estimated cost ${estimate_usd:.4f} exceeds the ${remaining_usd:.4f} left of this "
            f"month's ${budget_usd:.2f} budget: ${spent_usd:.4f} spent and ${held_usd:.4f} held "
            "by runs in progress (released down to their actual cost when they finish); "
            "the run was not started.",
        )


# --- hostile ---
class WordPressBadResponse(WordPressError):
    """WordPress answered with a body that holds no JSON (an HTML error page, a PHP fatal
    error); ``status_code`` is the HTTP status it came with."""


class CrawlFailed(ClusterPlannerError):
    """A crawl ran to its end but no page succeeded (every page raised, timed out or answered
    an error); the run is stored as ``failed`` with its top reasons, and its job fails with
    this message."""
