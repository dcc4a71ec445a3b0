"""The SERP-evidence settings and their checks (no numpy or pandas: the Settings page and
the seed funnel's SERP step read them; the grouping itself is :mod:`.serp_overlap`).

Workspace setting ``app_settings["evidence"]``: ``min_serp_overlap`` (shared top-10 URLs
that make two keywords one page, 2-7, default 4 — issue 16's "≥ 4 of the top 10") and
``serp_keywords`` (SERPs one new cluster may buy, 0-50, 0 = off, default
:data:`~services.providers.dataforseo.serp.FUNNEL_SERP_KEYWORDS`).
"""

from __future__ import annotations

from collections.abc import Callable

from services.core.errors import InvalidInputError
from services.providers.dataforseo.serp import FUNNEL_SERP_KEYWORDS

#: Shared top-10 URLs that make two keywords one page as evidence (issue 16: ≥ 4 of 10).
DEFAULT_MIN_SERP_OVERLAP = 4
#: Shared top-10 URLs that make two keywords one page in the SERP clustering mode
#: (≥ 3, the usual "hard" SERP clustering setting; configurable 2-7).
DEFAULT_MIN_SHARED = 3
MIN_SHARED_RANGE = (2, 7)
#: The evidence threshold (≥ 4 of 10 by default, :data:`DEFAULT_MIN_SERP_OVERLAP`) is the
#: Settings page's "SERP overlap" setting, within :data:`MIN_SHARED_RANGE`.
#: Key of the workspace setting (``app_settings``) holding ``{"min_serp_overlap": k,
#: "serp_keywords": n}``.
EVIDENCE_SETTINGS_KEY = "evidence"
#: Allowed "SERPs per new cluster" (0 = no SERP evidence in the seed funnel; the default is
#: :data:`~services.providers.dataforseo.serp.FUNNEL_SERP_KEYWORDS`, $0.002 each, paid once).
SERP_KEYWORDS_RANGE = (0, 50)


def checked_min_overlap(value: object) -> int:
    """``value`` as a shared-URL threshold within :data:`MIN_SHARED_RANGE`.

    Raises
    ------
    InvalidInputError
        Not an integer from 2 to 7.
    """
    lo, hi = MIN_SHARED_RANGE
    try:
        k = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInputError(f"Shared URLs must be a whole number from {lo} to {hi}.") from None
    if not lo <= k <= hi:
        raise InvalidInputError(f"Shared URLs must be between {lo} and {hi}.")
    return k


def min_overlap_of(stored: dict[str, object]) -> int:
    """The "SERP overlap" threshold in a stored ``EVIDENCE_SETTINGS_KEY`` value: its
    ``min_serp_overlap`` when set and within 2-7, else :data:`DEFAULT_MIN_SERP_OVERLAP`."""
    return _stored(stored, "min_serp_overlap", checked_min_overlap, DEFAULT_MIN_SERP_OVERLAP)


def _stored(
    stored: dict[str, object], key: str, check: Callable[[object], int], default: int
) -> int:
    """``stored[key]`` through ``check``, or ``default`` when absent or invalid (a value
    stored by an older release never breaks a run)."""
    value = stored.get(key)
    if value is None:
        return default
    try:
        return check(value)
    except InvalidInputError:
        return default


def checked_serp_keywords(value: object) -> int:
    """``value`` as a number of SERPs per new cluster within :data:`SERP_KEYWORDS_RANGE`.

    Raises
    ------
    InvalidInputError
        Not an integer from 0 to 50.
    """
    low, high = SERP_KEYWORDS_RANGE
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if not low <= number <= high:
        raise InvalidInputError(
            f"SERPs per new cluster must be a whole number from {low} to {high} (0 = off)."
        )
    return number


def serp_keywords_of(stored: dict[str, object]) -> int:
    """The "SERPs per new cluster" setting in a stored ``EVIDENCE_SETTINGS_KEY`` value: its
    ``serp_keywords`` when set and within 0-50, else :data:`FUNNEL_SERP_KEYWORDS`."""
    return _stored(stored, "serp_keywords", checked_serp_keywords, FUNNEL_SERP_KEYWORDS)
