"""Internal-link plan of a cluster: parent ↔ children and child → siblings (pure).

Rules (issue 10, "internal links"): every child links to its parent and the parent links to
every child; each child links to 2-3 siblings — the ones sharing most content words with
it, then the highest search volume; the anchor text is the *target's* primary keyword.
Links from existing pages of an onboarded site that rank for related keywords need ranking
data and are not planned here.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from services.core.text import content_tokens

#: Siblings each child links to (issue 10: "2-3 siblings").
MAX_SIBLING_LINKS = 3


@dataclass(frozen=True)
class LinkNode:
    """One approved page as the link planner sees it.

    Attributes:
        page_id: the page's id (string form).
        keyword: its primary keyword (the anchor text of links *to* it).
        url: its URL (absolute when the project has a domain, else the path).
        role: "parent" or "child" ("child" for pages outside a cluster hierarchy).
        search_volume: searches/month of the primary keyword, None when unknown.
    """

    page_id: str
    keyword: str
    url: str
    role: str
    search_volume: int | None = None


@dataclass(frozen=True)
class InternalLink:
    """One planned link: put ``anchor`` on ``source_url`` pointing at ``target_url``.

    Attributes:
        relation: "to parent", "to child" or "to sibling" (seen from the source page).
    """

    source_id: str
    source_url: str
    target_id: str
    target_url: str
    anchor: str
    relation: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _sibling_order(
    child: LinkNode, others: Sequence[LinkNode], words: dict[str, frozenset[str]], k: int
) -> list[LinkNode]:
    """The ``k`` siblings sharing most content words with ``child``, then by volume."""
    mine = words[child.page_id]
    return heapq.nsmallest(
        k,
        others,
        key=lambda o: (-len(mine & words[o.page_id]), -(o.search_volume or 0), o.keyword),
    )


def plan_links(
    nodes: Sequence[LinkNode], *, max_siblings: int = MAX_SIBLING_LINKS
) -> list[InternalLink]:
    """Plan the internal links between the approved pages of one cluster.

    Parameters
    ----------
    nodes : sequence of LinkNode
        The cluster's approved pages; at most one should be the parent (the first is used).
    max_siblings : int
        Sibling links per child (default 3; fewer when the cluster is small).

    Returns
    -------
    list[InternalLink]
        Deterministic order: parent → children, then per child → parent and → siblings.
    """
    parents = [n for n in nodes if n.role == "parent"]
    parent = parents[0] if parents else None
    children = [n for n in nodes if n is not parent]
    words = {n.page_id: frozenset(content_tokens(n.keyword)) for n in nodes}
    links: list[InternalLink] = []
    if parent is not None:
        for child in children:
            links.append(
                InternalLink(
                    parent.page_id, parent.url, child.page_id, child.url, child.keyword, "to child"
                )
            )
    for child in children:
        if parent is not None:
            links.append(
                InternalLink(
                    child.page_id,
                    child.url,
                    parent.page_id,
                    parent.url,
                    parent.keyword,
                    "to parent",
                )
            )
        others = [o for o in children if o is not child]
        for sib in _sibling_order(child, others, words, max_siblings):
            links.append(
                InternalLink(
                    child.page_id, child.url, sib.page_id, sib.url, sib.keyword, "to sibling"
                )
            )
    return links


def links_by_page(links: Sequence[InternalLink]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per page id: ``{"outgoing": [...], "incoming": [...]}`` link dicts."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for link in links:
        out.setdefault(link.source_id, {"outgoing": [], "incoming": []})["outgoing"].append(
            link.to_dict()
        )
        out.setdefault(link.target_id, {"outgoing": [], "incoming": []})["incoming"].append(
            link.to_dict()
        )
    return out
