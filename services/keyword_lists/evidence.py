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

from services.clustering.evidence import (  # the key helpers are the shared module's
    DEFAULT_MIN_SERP_OVERLAP,
    SearchGroups,
    _hint_key,
    _url_key,
    same_search_groups,
)
from services.clustering.lexical import groups_by_shared_keys
from services.clustering.serp_overlap import serp_groups

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
    min_serp_overlap : int
        Shared top-10 URLs that make two SERPs one page: the workspace's "SERP overlap"
        setting (2-7, default 4; Settings page), shared with the seed funnel.
    """

    parent: list[str | None] = field(default_factory=list)
    url: list[str | None] = field(default_factory=list)
    serp: list[list[str]] = field(default_factory=list)
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP

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
    min_serp_overlap: int | None = None,
) -> SearchGroups:
    """Same-search groups of a list: the text rules, then the evidence between text groups.

    The text rules first (:func:`services.clustering.evidence.same_search_groups` without
    evidence). Then each text group takes ONE key per kind: the Parent Keyword and the
    ranking URL carrying most search volume among its keywords, and the SERP of its
    highest-volume keyword; text groups sharing a key are one group. Reading the evidence per
    keyword instead chains the list into a few giant groups: Ahrefs gives word-order twins
    different parents ("socks happy" → "socks", "happy socks" → "happy socks"), so one twin
    pulls every "socks" keyword into "happy socks" (socks export: a 289-keyword "socks"
    page holding "compression socks" and "mens socks"). ``evidence`` None = text only.
    ``min_serp_overlap`` None = the evidence's own threshold (the workspace setting).

    Returns
    -------
    SearchGroups
        Labels and, per keyword, its text rule, or the evidence rule when its group joined
        another by evidence and the keyword itself carries that key.
    """
    vol = np.nan_to_num(np.asarray(volumes, np.float64), nan=0.0)
    text = same_search_groups(list(keywords), volumes=vol)
    if evidence is None or not evidence.any():
        return text
    if min_serp_overlap is None:
        min_serp_overlap = evidence.min_serp_overlap
    tl = text.labels
    n_groups = int(tl.max()) + 1 if len(tl) else 0
    own = _keyword_keys(evidence, len(keywords))
    keyed = _group_keys(own, vol, tl, n_groups, evidence, min_serp_overlap)
    merged = groups_by_shared_keys(
        [[f"{k}\x00{v}" for k, v in keyed[g].items()] for g in range(n_groups)]
    )
    labels = merged[tl]
    sizes = np.bincount(merged, minlength=int(merged.max(initial=-1)) + 1)
    joined = sizes[merged] > 1  # text groups joined with another by evidence
    reasons = list(text.reasons)
    for i, g in enumerate(tl.tolist()):
        if not joined[g]:
            continue
        for kind in EVIDENCE_RULES:
            key = keyed[g].get(kind)
            if key is not None and own[kind][i] == key:
                reasons[i] = (
                    kind if kind != "SERP overlap" else f"SERP overlap ≥ {min_serp_overlap}/10"
                )
                break
    _, labels = np.unique(labels, return_inverse=True)
    return SearchGroups(labels.astype(np.int64), reasons, text.merges)


def _keyword_keys(evidence: Evidence, n: int) -> dict[str, list[str | None]]:
    """Comparable evidence keys per keyword and kind (SERP: filled by :func:`_group_keys`
    for each group's representative)."""
    none: list[str | None] = [None] * n
    parent = [_hint_key(p) for p in evidence.parent] if evidence.parent else list(none)
    url = [_url_key(u) for u in evidence.url] if evidence.url else list(none)
    return {"same Parent Keyword": parent, "same ranking URL": url, "SERP overlap": list(none)}


def _group_keys(
    own: dict[str, list[str | None]],
    vol: np.ndarray,
    tl: np.ndarray,
    n_groups: int,
    evidence: Evidence,
    min_serp_overlap: int,
) -> list[dict[str, str]]:
    """Per text group, its key per evidence kind (see :func:`search_groups`)."""
    out: list[dict[str, str]] = [{} for _ in range(n_groups)]
    weight = vol + 1.0  # unknown volume still counts once
    for kind in ("same Parent Keyword", "same ranking URL"):
        frame = pd.DataFrame({"g": tl, "k": own[kind], "w": weight}).dropna(subset=["k"])
        if frame.empty:
            continue
        best = frame.groupby(["g", "k"])["w"].sum().reset_index()
        best = best.sort_values(["g", "w", "k"], ascending=[True, False, True])
        for g, k in best.drop_duplicates("g")[["g", "k"]].itertuples(index=False):
            out[int(g)][kind] = str(k)
    if evidence.serp and any(evidence.serp):
        # The SERP of each group's highest-volume keyword that has one; overlaps among them.
        order = np.lexsort((-vol, tl))
        rep: dict[int, int] = {}
        for i in order.tolist():
            if evidence.serp[i] and int(tl[i]) not in rep:
                rep[int(tl[i])] = i
        groups = list(rep)
        if len(groups) >= 2:
            reps = [rep[g] for g in groups]
            # Centre-based (each centre takes the keywords sharing enough URLs with IT), not
            # transitive: chains of overlaps join unrelated SERPs.
            labels = serp_groups(
                [str(i) for i in reps],
                [evidence.serp[i] for i in reps],
                vol[reps],
                min_shared=min_serp_overlap,
            )
            for g, lab in zip(groups, labels.tolist(), strict=True):
                if lab >= 0:
                    out[g]["SERP overlap"] = own["SERP overlap"][rep[g]] = f"s{lab}"
    return out


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
