"""DataForSEO SERP replies built from the contract sample ``dataforseo/serp_google_organic_live_regular.json``.

The sample's featured snippet and paid items are kept (the client must skip them); its
organic items are replaced by the scripted URLs, out of rank order on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

from tests.fakes.contracts import dataforseo_envelope, load
from tests.fakes.http_server import Recorded, Reply

SERP_PATH = "/v3/serp/google/organic/live/advanced"
SAMPLE = "dataforseo/serp_google_organic_live_regular.json"


def serp_task(keyword: str, urls: list[str], *, cost: float = 0.002) -> dict[str, Any]:
    """One ``live/advanced`` task whose organic results are ``urls`` (rank 1 first)."""
    task = load(SAMPLE)["tasks"][0]
    task["cost"] = cost
    task["path"] = SERP_PATH.strip("/").split("/")
    task["data"] = {**task.get("data", {}), "keyword": keyword, "depth": 10}
    block = task["result"][0]
    template = next(i for i in block["items"] if i["type"] == "organic")
    extra = [i for i in block["items"] if i["type"] != "organic"]
    organic = []
    for rank, url in enumerate(urls, start=1):
        item = deepcopy(template)
        item.update(url=url, rank_group=rank, rank_absolute=rank + len(extra))
        organic.append(item)
    block.update(keyword=keyword, items=extra + organic[::-1], items_count=len(extra) + len(urls))
    return task


def serp_handler(
    table: dict[str, list[str]], *, cost: float = 0.002
) -> Callable[[Recorded], Reply]:
    """Answer each SERP request from ``table`` (keyword → URLs); other keywords get ten URLs
    of their own (``https://www.<keyword>.example/<i>``), so they overlap with nothing."""

    def handle(rec: Recorded) -> Reply:
        keyword = rec.json[0]["keyword"]
        urls = table.get(keyword) or [
            f"https://www.{keyword.replace(' ', '-')}.example/{i}/" for i in range(10)
        ]
        return Reply(body=dataforseo_envelope([serp_task(keyword, urls, cost=cost)]))

    return handle
