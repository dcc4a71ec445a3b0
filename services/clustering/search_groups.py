"""Union-find with the rule of every merge: the result type of the same-search groups.

Split out of :mod:`services.clustering.evidence` (module size): :class:`Merge` (one union
and its rule), :class:`SearchGroups` (labels, reasons, merges, :meth:`SearchGroups.explain`)
and :class:`UnionFind` (evidence never joins two searches the data names separately).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Merge:
    """One union: keywords ``a`` and ``b`` (indices) joined by ``rule``."""

    a: int
    b: int
    rule: str


@dataclass
class SearchGroups:
    """Result of :func:`same_search_groups`.

    Attributes
    ----------
    labels : np.ndarray
        (n,) int64 group number per keyword, numbered by first appearance.
    reasons : list of str
        (n,) the rule that first attached each keyword to another ("" when alone).
    merges : list of Merge
        Every union made, in order.
    """

    labels: np.ndarray
    reasons: list[str]
    merges: list[Merge] = field(default_factory=list)
    _uf: UnionFind | None = field(default=None, repr=False)

    def explain(self, a: int, b: int) -> str:
        """Why keywords ``a`` and ``b`` (one group) are one search: the evidence rule on the
        merge path between them when there is one ("same Parent Keyword"), else its text
        rules ("word order + singular/plural"); "" when they are not one group."""
        if self._uf is None or self.labels[a] != self.labels[b] or a == b:
            return ""
        return self._uf.explain(a, b)

    def groups(self) -> list[list[int]]:
        """Groups of two or more keywords (index lists, ascending)."""
        out: dict[int, list[int]] = defaultdict(list)
        for i, g in enumerate(self.labels.tolist()):
            out[g].append(i)
        return [g for g in out.values() if len(g) > 1]

    def rules_used(self) -> Counter[str]:
        """Merges per rule (SERP overlaps counted under "SERP overlap")."""
        return Counter(
            m.rule.split(" ")[0] if m.rule.startswith("SERP") else m.rule for m in self.merges
        )


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.merges: list[Merge] = []
        self.reasons = [""] * n
        # Root → the Parent Keywords its members ARE (a keyword whose Parent Keyword is
        # itself anchors that search); evidence never joins two different anchors.
        self.anchors: dict[int, frozenset[str]] = {}
        self._graph: dict[int, list[tuple[int, str]]] | None = None
        self._graph_size = 0

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int, rule: str, *, evidence: bool = False) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        anchors_a = self.anchors.get(ra, frozenset())
        anchors_b = self.anchors.get(rb, frozenset())
        if evidence and anchors_a and anchors_b and not anchors_a & anchors_b:
            return  # two searches the data names separately stay two pages
        root, child = min(ra, rb), max(ra, rb)
        self.parent[child] = root
        if anchors_a or anchors_b:
            self.anchors[root] = anchors_a | anchors_b
        self.merges.append(Merge(a, b, rule))
        for i in (a, b):
            if not self.reasons[i]:
                self.reasons[i] = rule

    def union_by_key(
        self, keys: Sequence[str | None], rule: str, *, evidence: bool = False
    ) -> None:
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if not key:
                continue
            j = first.setdefault(key, i)
            if j != i:
                self.union(j, i, rule, evidence=evidence)

    def explain(self, a: int, b: int) -> str:
        """The rule that joins ``a`` and ``b``: the evidence on the merge path between them
        when there is one, else the text rules on it ("word order + singular/plural")."""
        if self._graph is None or self._graph_size != len(self.merges):
            self._graph = defaultdict(list)
            for m in self.merges:
                self._graph[m.a].append((m.b, m.rule))
                self._graph[m.b].append((m.a, m.rule))
            self._graph_size = len(self.merges)
        graph = self._graph
        seen: dict[int, list[str]] = {a: []}  # node → rules on the path from a
        queue = [a]
        while queue:
            node = queue.pop(0)
            if node == b:
                break
            for nxt, rule in graph[node]:
                if nxt not in seen:
                    seen[nxt] = [*seen[node], rule]
                    queue.append(nxt)
        rules = seen.get(b, [])
        strong = [r for r in rules if r.startswith(("same Parent", "same ranking", "SERP"))]
        return strong[0] if strong else " + ".join(dict.fromkeys(rules))

    def labels(self) -> np.ndarray:
        n = len(self.parent)
        roots = np.fromiter((self.find(i) for i in range(n)), np.int64, n)
        _, labels = np.unique(roots, return_inverse=True)
        return labels.astype(np.int64)
