"""Evidence the user's data holds that two keywords of a list are one page (issue 16 §1).

Pure: evidence columns in, grouping hints and the rule of every merge out. The rules are the
shared same-search rules of :mod:`services.clustering.evidence` (the seed funnel uses the
same ones), applied in its order: the text rules (plural, spelling, word order, same words,
compounds, comparison order, short forms, implied words, typos), then the evidence:

1. "same Parent Keyword" — an imported Ahrefs Parent Keyword / Parent Topic (or a tool's
   cluster column);
2. "same ranking URL" — the same page of the site ranks for both (the project's rankings:
   Search Console query + page, Ahrefs Organic keywords, Semrush Organic Positions);
3. "SERP overlap k/10" — cached top-10 results sharing at least ``min_serp_overlap`` URLs
   (default 4 of 10; only SERPs already in the cache, nothing is paid for).

The groups go to list clustering as grouping hints, which the same-search grouping
(``services.clustering.variants.variant_groups``) can only JOIN: evidence merges, it never
splits what the same-search text rules join (Ahrefs gives word-order twins different
parents in 31-55 % of cases, ``bench/cluster_quality.py --devdata --ceiling``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from services.clustering.evidence import (
    DEFAULT_MIN_SERP_OVERLAP,
    SearchGroups,
    same_search_groups,
)

#: Rules that are evidence of the data (the others are the text rules).
EVIDENCE_RULES = ("same Parent Keyword", "same ranking URL", "SERP overlap")


@dataclass
class Evidence:
    """Evidence columns of a keyword list, aligned with its keywords.

    Attributes
    ----------
    parent : list of str or None
        Imported Parent Keyword / topic per keyword (None = none).
    url : list of str or None
        The site's ranking URL per keyword (normalised; None = the site does not rank).
    serp : list of list of str
        Cached top-10 URLs per keyword ([] = not cached).
    """

    parent: list[str | None] = field(default_factory=list)
    url: list[str | None] = field(default_factory=list)
    serp: list[list[str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Keywords carrying each kind of evidence."""
        return {
            "parent": sum(1 for p in self.parent if p),
            "url": sum(1 for u in self.url if u),
            "serp": sum(1 for s in self.serp if s),
        }

    def any(self) -> bool:
        """True when at least two keywords carry some evidence (something could merge)."""
        return any(v >= 2 for v in self.counts().values())


def search_groups(
    keywords: Sequence[str],
    volumes: Sequence[float] | np.ndarray,
    evidence: Evidence | None,
    *,
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP,
) -> SearchGroups:
    """Same-search groups of a list, with the evidence columns when ``evidence`` is given
    (None = the text rules only: evidence switched off)."""
    ev = evidence if evidence is not None else Evidence()
    return same_search_groups(
        keywords,
        volumes=np.asarray(volumes, np.float64),
        parent_keywords=ev.parent or None,
        ranking_urls=ev.url or None,
        serp_urls=ev.serp if any(ev.serp) else None,
        min_serp_overlap=min_serp_overlap,
    )


def hints_of(groups: SearchGroups) -> list[str | None]:
    """One grouping hint per keyword: the keywords of one search group share it (None for
    keywords alone in their group)."""
    labels = groups.labels
    sizes = np.bincount(labels) if len(labels) else np.zeros(0, np.int64)
    return [f"search {g}" if sizes[g] > 1 else None for g in labels.tolist()]


def is_evidence(rule: str | None) -> bool:
    """True for the rules that read the data's evidence (not the words)."""
    return bool(rule) and str(rule).startswith(EVIDENCE_RULES)


def merged_by(groups: SearchGroups, cluster: Sequence[object]) -> list[str | None]:
    """Per keyword, the rule that put it with a cluster mate ("same Parent Keyword", "word
    order"…), or None when the same-page model placed it, or it is Unclustered.

    The rule is :attr:`SearchGroups.reasons` (the first rule that attached the keyword),
    kept when another keyword of its search group sits in the same final cluster.
    """
    frame = pd.DataFrame({"g": groups.labels, "rule": groups.reasons})
    frame["c"] = [
        None if c is None or (isinstance(c, float) and np.isnan(c)) else str(c) for c in cluster
    ]
    placed = frame[frame["c"].notna() & (frame["rule"] != "")]
    out = pd.Series([None] * len(frame), dtype=object)
    if placed.empty:
        return out.tolist()
    size = frame[frame["c"].notna()].groupby(["c", "g"])["g"].transform("size")
    together = size.reindex(placed.index).to_numpy() > 1
    out.loc[placed.index[together]] = placed["rule"].to_numpy()[together]
    return out.tolist()
