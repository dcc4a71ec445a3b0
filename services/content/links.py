"""Internal-link plan of a cluster: parent ↔ children and child → siblings (pure).

Rules: every child links to its parent and the parent links to every child; each child
links to up to 3 siblings *by topic similarity* — cosine of the pages' content words
(primary and secondary keywords) weighted by inverse page frequency within the cluster, so
the head term every page shares counts for nothing and search volume not at all; a sibling
sharing no other word is not linked. Anchors vary per target (exact keyword, a secondary
keyword, a natural phrase), in turn. For onboarded sites, existing pages that rank for
keywords carrying the page's head terms (rankings import, :class:`RankingIndex`) are
proposed as extra link sources — never a page that ranks for the target's own keyword
(it competes with the new page: optimise it instead).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import sparse

from services.core.text import canonical_key, content_tokens
from services.core.urls import normalize_url

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
    secondary: tuple[str, ...] = ()


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


def similarity_matrix(nodes: Sequence[LinkNode]) -> sparse.csr_matrix:
    """(n, n) cosine similarity of the pages' topic words (sparse; diagonal included).

    Each page is a bag of the content words of its primary and secondary keywords, weighted
    by log(N / document frequency) over the cluster (tf-idf; a word every page holds weighs
    0) and scaled to unit length.
    """
    bags = [
        Counter(t for k in (n.keyword, *n.secondary) for t in set(content_tokens(k))) for n in nodes
    ]
    df: Counter[str] = Counter(t for bag in bags for t in bag)
    total = max(len(nodes), 1)
    vocab = {t: i for i, t in enumerate(sorted(t for t, c in df.items() if c < total))}
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        for t, c in bag.items():
            if t in vocab:
                rows.append(r)
                cols.append(vocab[t])
                vals.append(c * math.log(total / df[t]))
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(nodes), max(len(vocab), 1)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    x = sparse.diags(1.0 / norms) @ x
    return (x @ x.T).tocsr()


def _sibling_order(
    row: int, sims: sparse.csr_matrix, nodes: Sequence[LinkNode], skip: set[int], k: int
) -> list[LinkNode]:
    """The ``k`` pages most similar to page ``row`` (similarity > 0; ``skip`` excluded),
    by keyword on ties."""
    start, end = sims.indptr[row], sims.indptr[row + 1]
    scored = [
        (float(v), nodes[int(c)])
        for c, v in zip(sims.indices[start:end], sims.data[start:end], strict=True)
        if int(c) != row and int(c) not in skip and v > 1e-9
    ]
    scored.sort(key=lambda so: (-so[0], so[1].keyword))
    return [o for _sc, o in scored[:k]]


def _anchors(node: LinkNode) -> list[str]:
    """Anchor variants of links to ``node``: exact, partial (a secondary keyword), natural."""
    partial = next((k for k in node.secondary if k and k != node.keyword), node.keyword)
    return [node.keyword, partial, f"a closer look at {node.keyword}"]


def plan_links(
    nodes: Sequence[LinkNode], *, max_siblings: int = MAX_SIBLING_LINKS
) -> list[InternalLink]:
    """Plan the internal links between the approved pages of one cluster.

    Parameters
    ----------
    nodes : sequence of LinkNode
        The cluster's approved pages; at most one should be the parent (the first is used).
    max_siblings : int
        Sibling links per child (default 3; fewer when fewer siblings share a topic word).

    Returns
    -------
    list[InternalLink]
        Deterministic order: parent → children, then per child → parent and → siblings;
        the n-th link to a page uses its n-th anchor variant (exact, partial, natural…).
    """
    parents = [n for n in nodes if n.role == "parent"]
    parent = parents[0] if parents else None
    children = [n for n in nodes if n is not parent]
    sims = similarity_matrix(nodes)
    skip = {i for i, n in enumerate(nodes) if n is parent}
    row_of = {id(n): i for i, n in enumerate(nodes)}
    seen: Counter[str] = Counter()

    def link(src: LinkNode, dst: LinkNode, relation: str) -> InternalLink:
        anchors = _anchors(dst)
        anchor = anchors[seen[dst.page_id] % len(anchors)]
        seen[dst.page_id] += 1
        return InternalLink(src.page_id, src.url, dst.page_id, dst.url, anchor, relation)

    links: list[InternalLink] = []
    if parent is not None:
        links += [link(parent, child, "to child") for child in children]
    for child in children:
        if parent is not None:
            links.append(link(child, parent, "to parent"))
        for sib in _sibling_order(row_of[id(child)], sims, nodes, skip, max_siblings):
            links.append(link(child, sib, "to sibling"))
    return links


def links_by_page(links: Sequence[InternalLink]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per page id: ``{"outgoing": [...], "incoming": [...]}`` link dicts."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for link in links:
        if link.source_id:  # "" = an existing page of the site outside the plan
            out.setdefault(link.source_id, {"outgoing": [], "incoming": []})["outgoing"].append(
                link.to_dict()
            )
        out.setdefault(link.target_id, {"outgoing": [], "incoming": []})["incoming"].append(
            link.to_dict()
        )
    return out


# --------------------------------------------------------------------------- onboarded sites
#: Existing pages proposed as link sources per brief page.
MAX_RANKING_SOURCES = 3


@dataclass(frozen=True)
class RankingRow:
    """One keyword an existing page of the site ranks for (rankings import).

    Attributes:
        page_url: the ranking page.
        keyword: the query it ranks for.
        position: average position (1 = top), None when unknown.
        clicks: clicks in the export's period, None when unknown.
    """

    page_url: str
    keyword: str
    position: float | None = None
    clicks: int | None = None


class RankingIndex:
    """Existing pages by the content words of the keywords they rank for.

    A page is a *related* link source for a brief page when it ranks for a keyword that
    carries every content word of the brief page's primary keyword (plural-insensitive):
    it already gets search traffic on the topic, so a link from it passes relevant
    authority (issue 10, "from existing pages that rank for related keywords").
    """

    def __init__(self, rows: Sequence[RankingRow]) -> None:
        self._rows = list(rows)
        self._postings: dict[str, set[int]] = {}
        for i, row in enumerate(self._rows):
            for w in set(content_tokens(row.keyword)):
                self._postings.setdefault(w, set()).add(i)

    def ranks_for(self, url: str, keyword: str) -> bool:
        """True when the page at ``url`` ranks for ``keyword`` (same canonical key)."""
        own, where = canonical_key(keyword), normalize_url(url)
        postings = [self._postings.get(w, set()) for w in set(content_tokens(keyword))]
        hits = set.intersection(*postings) if postings else set()
        return any(
            normalize_url(self._rows[i].page_url) == where
            and canonical_key(self._rows[i].keyword) == own
            for i in hits
        )

    def sources(
        self, keyword: str, *, exclude_urls: set[str], limit: int = MAX_RANKING_SOURCES
    ) -> list[tuple[str, str]]:
        """``(page_url, keyword it ranks for)`` of up to ``limit`` related pages.

        Pages are ranked by their clicks on the related keywords, then by best position;
        ``exclude_urls`` (:func:`services.core.urls.normalize_url` form) removes the page
        itself and the pages of the cluster, which are linked already; a page ranking for
        ``keyword`` itself (same canonical key) competes with the new page and is skipped.
        """
        head = set(content_tokens(keyword))
        if not head:
            return []
        postings = sorted((self._postings.get(w, set()) for w in head), key=len)
        hits = set(postings[0]).intersection(*postings[1:])
        own = canonical_key(keyword)
        competing = {
            self._rows[i].page_url for i in hits if canonical_key(self._rows[i].keyword) == own
        }
        best: dict[str, tuple[int, float, str]] = {}
        for i in hits:
            row = self._rows[i]
            if normalize_url(row.page_url) in exclude_urls or row.page_url in competing:
                continue
            clicks, pos, kw = best.get(row.page_url, (0, float("inf"), row.keyword))
            position = row.position if row.position is not None else float("inf")
            if position < pos:
                kw = row.keyword
            best[row.page_url] = (clicks + (row.clicks or 0), min(pos, position), kw)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
        return [(url, kw) for url, (_c, _p, kw) in ranked[:limit]]


def ranking_links(
    nodes: Sequence[LinkNode], index: RankingIndex, *, limit: int = MAX_RANKING_SOURCES
) -> list[InternalLink]:
    """Links from existing ranking pages to the cluster's pages (anchor = target keyword)."""
    cluster_urls = {normalize_url(n.url) for n in nodes}
    out = []
    for node in nodes:
        for url, ranked_for in index.sources(node.keyword, exclude_urls=cluster_urls, limit=limit):
            out.append(
                InternalLink(
                    source_id="",
                    source_url=url,
                    target_id=node.page_id,
                    target_url=node.url,
                    anchor=node.keyword,
                    relation=f"from a page ranking for “{ranked_for}”",
                )
            )
    return out


def without_competing(
    links: Sequence[InternalLink], nodes: Sequence[LinkNode], index: RankingIndex
) -> list[InternalLink]:
    """``links`` minus those from a page that already targets the link's target keyword.

    A page that ranks for the target's primary keyword, or holds it as its own primary or
    secondary keyword (an existing page being optimised for it), competes with the target:
    a link from it would hand its authority to a duplicate (issue 18 §1), so none is planned.
    """
    by_id = {n.page_id: n for n in nodes}
    out = []
    for link in links:
        target, source = by_id.get(link.target_id), by_id.get(link.source_id)
        if target is not None:
            key = canonical_key(target.keyword)
            held = source is not None and any(
                canonical_key(k) == key for k in (source.keyword, *source.secondary)
            )
            if held or index.ranks_for(link.source_url, target.keyword):
                continue
        out.append(link)
    return out
