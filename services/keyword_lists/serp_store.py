"""SERP data for keyword lists: the names list clustering uses, from the layer below.

The DataForSEO request and the ``serp_cache`` table moved below the features
(:mod:`services.providers.dataforseo.serp`, :mod:`services.providers.dataforseo.serp_cache`)
so the seed funnel uses the same cache without importing this feature; this module keeps
the keyword-list names (and the Unclustered reason of a failed fetch).
"""

from __future__ import annotations

from services.providers.dataforseo.serp import live_fetcher
from services.providers.dataforseo.serp_cache import (
    MAX_CONSECUTIVE_FAILURES,
    cached_urls,
    estimate_serp_cost,
    fetch_serps,
    read_cached,
)

#: Unclustered reason of a keyword whose SERP could not be fetched (the message follows).
REASON_SERP_FAILED = "SERP not fetched"

__all__ = [
    "MAX_CONSECUTIVE_FAILURES",
    "REASON_SERP_FAILED",
    "cached_urls",
    "estimate_serp_cost",
    "fetch_serps",
    "live_fetcher",
    "read_cached",
]
