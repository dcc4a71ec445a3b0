"""Google organic SERPs on DataForSEO: the request, the top-10 URLs, and the fetch function.

Endpoint ``serp/google/organic/live/advanced``: one task per request (the live SERP API
takes one task per POST), ``depth`` 10, $0.002 each (:mod:`services.providers.pricing`,
NOTES.md §3), sent through :class:`~services.providers.dataforseo.transport.DataForSEOClient`
(its retries, rate-limit back-off, circuit breaker, budget meter and error types).

The top 10 = items of ``type == "organic"`` ordered by ``rank_group`` (paid results,
featured snippets, AI overviews … are interleaved in the response and skipped). URLs are
normalised (scheme, ``www.``, trailing slash, fragment and tracking parameters removed) so
two SERPs can be compared. Caching is :mod:`services.providers.dataforseo.serp_cache`;
grouping is pure, in :mod:`services.clustering.serp_overlap` and
:func:`services.clustering.evidence.same_search_groups`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from services.providers.base import Usage
from services.providers.pricing import SERP_ORGANIC_LIVE_ADVANCED

#: Organic results compared per keyword.
TOP_N = 10
#: Default SERP device.
DEFAULT_DEVICE = "desktop"
#: Keywords (the seed included) whose SERP one seed-funnel run may buy: the Stage 3 evidence
#: step's limit (:mod:`services.seed_clusters.serps` explains the figure) and the run
#: estimate's worst case (:mod:`services.spend.estimates`).
FUNNEL_SERP_KEYWORDS = 30
_TRACKING = ("utm_", "gclid", "fbclid", "msclkid", "srsltid")

#: ``fetch(keyword) -> (top URLs, Usage)``; raises ``ProviderError``.
FetchOne = Callable[[str], tuple[list[str], Usage]]


def normalise_url(url: str) -> str:
    """Comparable form of a result URL ("https://www.X.com/a/?utm_source=y#f" → "x.com/a")."""
    parts = urlsplit((url or "").strip())
    host = parts.netloc.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    out = host + path
    if query:
        out += "?" + urlencode(query)
    return out


def top_urls(result: list[Any], top_n: int = TOP_N) -> list[str]:
    """Top organic URLs of a ``serp/google/organic/live/advanced`` task result, rank order.

    Parameters
    ----------
    result : list
        The task's ``result`` list (blocks with ``items``); tolerant of nulls and odd items.
    top_n : int
        How many distinct URLs to keep.

    Returns
    -------
    list of str
        Up to ``top_n`` normalised URLs (:func:`normalise_url`), best rank first.
    """
    items: list[dict[str, Any]] = []
    for block in result or []:
        if isinstance(block, dict):
            items += [i for i in block.get("items") or [] if isinstance(i, dict)]
    organic = [i for i in items if i.get("type") == "organic" and i.get("url")]
    organic.sort(key=lambda i: (i.get("rank_group") or 10**6, i.get("rank_absolute") or 10**6))
    seen: list[str] = []
    for item in organic:
        url = normalise_url(str(item["url"]))
        if url not in seen:
            seen.append(url)
        if len(seen) == top_n:
            break
    return seen


def serp_task(
    keyword: str, location: str, language: str, device: str = DEFAULT_DEVICE
) -> dict[str, Any]:
    """The ``live/advanced`` task body for one keyword (depth :data:`TOP_N`)."""
    return {
        "keyword": keyword,
        "location_name": location,
        "language_name": language,
        "device": device,
        "depth": TOP_N,
    }


def live_fetcher(
    client: Any, location: str, language: str, device: str = DEFAULT_DEVICE
) -> FetchOne:
    """A fetch function over the DataForSEO client (``DataForSEOClient.post``).

    Parameters
    ----------
    client : DataForSEOClient
        Or any object with the same ``post(endpoint, task, items=)`` method.
    location, language, device : str
        SERP market (DataForSEO ``location_name`` / ``language_name``).

    Returns
    -------
    FetchOne
        ``fetch(keyword) -> (top URLs, Usage)``; raises what ``client.post`` raises
        (``ProviderError`` and its subclasses, ``BudgetTopUpRefused``).
    """

    def fetch(keyword: str) -> tuple[list[str], Usage]:
        task = serp_task(keyword, location, language, device)
        response = client.post(SERP_ORGANIC_LIVE_ADVANCED, task, items=1)
        return top_urls(response.result), response.usage

    return fetch
