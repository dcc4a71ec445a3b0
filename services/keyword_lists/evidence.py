"""Evidence the user's data holds that two keywords of a list are one page (issue 16 §1).

Pure: evidence columns in, one grouping hint and one evidence kind per keyword out.

Kinds, in the order a keyword's merge is explained:

1. ``parent`` — the same imported Ahrefs "Parent Keyword" / "Parent Topic" (or a tool's
   cluster column), :data:`LABELS` "same Parent Keyword";
2. ``url`` — the same ranking URL of the site (the project's rankings: Search Console
   query + page, Ahrefs Organic keywords, Semrush Organic Positions), "same ranking URL";
3. ``serp`` — cached top-10 results sharing at least ``min_shared`` URLs (default
   :data:`DEFAULT_SERP_MIN_SHARED`, the issue's "≥ 4 of the top 10"; only SERPs already in
   the cache, nothing is paid for), "SERP overlap".

Keywords linked by any kind share one hint (transitively); the list clustering passes the
hints to the same-search grouping (``services.clustering.variants.variant_groups``) whose
union-find can only JOIN groups: evidence merges, it never splits what the same-search text
rules join (Ahrefs gives word-order twins different parents in 31-55 % of cases,
``bench/cluster_quality.py --devdata --ceiling``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from services.clustering.lexical import groups_by_shared_keys
from services.clustering.serp_overlap import serp_groups
from services.core.text import normalize_keyword

KINDS = ("parent", "url", "serp")
LABELS = {"parent": "same Parent Keyword", "url": "same ranking URL", "serp": "SERP overlap"}
#: Shared top-10 URLs that make cached SERPs evidence (issue 16 §1: ≥ 4 of the top 10).
DEFAULT_SERP_MIN_SHARED = 4


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


def _clean(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = normalize_keyword(str(value))
    return text if text and text != "nan" else None


def evidence_keys(
    keywords: Sequence[str],
    evidence: Evidence,
    volumes: Sequence[float] | np.ndarray,
    *,
    serp_min_shared: int = DEFAULT_SERP_MIN_SHARED,
) -> pd.DataFrame:
    """One key column per kind: keywords sharing a non-null key are one page by that kind.

    Returns
    -------
    pandas.DataFrame
        (n, 3) columns ``parent``, ``url``, ``serp`` (str or None), keyword order.
    """
    n = len(keywords)
    parent = [_clean(p) for p in evidence.parent] if evidence.parent else [None] * n
    url = [u or None for u in evidence.url] if evidence.url else [None] * n
    serp: list[str | None] = [None] * n
    if evidence.serp and sum(1 for s in evidence.serp if s) >= 2:
        labels = serp_groups(keywords, evidence.serp, volumes, min_shared=serp_min_shared)
        serp = [f"{g}" if g >= 0 else None for g in labels]
    return pd.DataFrame({"parent": parent, "url": url, "serp": serp})


def evidence_hints(keys: pd.DataFrame) -> list[str | None]:
    """One grouping hint per keyword: keywords linked by any kind, transitively, share it.

    Keywords no evidence links to another keyword get None.
    """
    all_keys = [
        [f"{kind}\x00{v}" for kind, v in zip(KINDS, row, strict=True) if v is not None]
        for row in keys[list(KINDS)].itertuples(index=False)
    ]
    groups = groups_by_shared_keys(all_keys)
    sizes = np.bincount(groups) if len(groups) else np.zeros(0, np.int64)
    return [f"evidence {g}" if sizes[g] > 1 else None for g in groups]


def merged_by(keys: pd.DataFrame, cluster: Sequence[object]) -> list[str | None]:
    """Per keyword, the evidence that put it in its cluster ("same Parent Keyword"…).

    A keyword is "merged by" a kind when another keyword of the same final cluster shares
    that kind's key; the first kind in :data:`KINDS` order is reported. None when no
    evidence links it to a cluster mate (the text rules or the same-page model placed it),
    or when it is Unclustered (``cluster`` None / NaN / negative).
    """
    frame = keys[list(KINDS)].copy()
    frame["c"] = pd.Series(list(cluster), dtype=object).map(
        lambda c: None if c is None or (isinstance(c, float) and np.isnan(c)) else str(c)
    )
    out = pd.Series([None] * len(frame), dtype=object)
    for kind in reversed(KINDS):  # earlier kinds overwrite later ones
        sub = frame[frame[kind].notna() & frame["c"].notna()]
        if sub.empty:
            continue
        size = sub.groupby(["c", kind])[kind].transform("size")
        out.loc[size.index[size.to_numpy() > 1]] = LABELS[kind]
    return out.tolist()
