"""Which pages a hub of the keyword list becomes on Send to review (issue 16 §1, §6, §8).

Pure: cluster names, their intents and evidence in; page types, merges and left-out
reasons out.

* **One page per search.** Clusters whose names the data shows are one search — the shared
  same-search rules and evidence (:mod:`services.clustering.evidence`: same Parent Keyword,
  same ranking URL, cached SERP overlap) or the seed funnel's same-search test by meaning
  (:func:`services.seed_clusters.select.find_same_search`) — become ONE page; the others'
  keywords are its secondary keywords, and the reasoning says which rule merged them.
* **Stores sell from collections.** On a store (Shopify, WooCommerce) a product or category
  noun ("nike socks", "nike grip socks") is a collection even when the export labels it
  informational (Ahrefs labels most product nouns so); only questions and how-tos ("how to
  wash nike socks") and comparisons ("nike vs adidas socks", "best …") are supporting
  articles. The rules are :func:`services.seed_clusters.site_rules.page_type_of`'s (per
  site type: a service site's pages are service, location pages and articles).
* **No page for what the site cannot own.** The seed funnel's rules with their true reasons
  (:func:`services.clustering.keyword_filters.exclusion_reason`: unsafe, URL, navigational by the
  data's label, competitor brand, store-only cues on stores only) leave a cluster out of
  the review. On a store a brand the shop sells ("nike grip socks", Ahrefs "Branded") is a
  collection: there only a navigational label counts (:func:`.filters.navigational_by_label`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.clustering.evidence import same_search_groups
from services.clustering.keyword_filters import exclusion_reason
from services.keyword_lists.evidence import Evidence, is_evidence
from services.keyword_lists.filters import navigational_by_label
from services.seed_clusters.site_rules import STORE_SITE_TYPES, page_type_of


def review_page_type(keyword: str, intent: str | None, site_type: str) -> str:
    """The page type of a hub's page: :func:`services.seed_clusters.site_rules.page_type_of`,
    without the intent label on a store (Ahrefs labels product nouns "informational": the
    keyword's own cues decide there; see the module docstring).

    Returns
    -------
    str
        collection | article | comparison | landing.
    """
    return page_type_of(keyword, None if site_type in STORE_SITE_TYPES else intent, site_type)


def left_out_reason(
    keyword: str,
    intent: str | None,
    site_type: str,
    competitors: Sequence[str],
    brand: str = "",
) -> str | None:
    """Why a cluster of the hub is no page of this site (None when it is one)."""
    store = site_type in STORE_SITE_TYPES
    label = intent if not store or navigational_by_label(intent) else None
    return exclusion_reason(keyword, label, tuple(competitors), site_type=site_type, brand=brand)


@dataclass(frozen=True)
class Merge:
    """A cluster that joins another's page: ``into`` (index) and the rule that decided."""

    into: int
    rule: str


def page_merges(
    names: Sequence[str],
    volumes: Sequence[float],
    evidence: Evidence,
    meaning_groups: Sequence[Sequence[int]] = (),
) -> dict[int, Merge]:
    """Which clusters of a hub become another cluster's page, index → :class:`Merge`.

    Parameters
    ----------
    names : sequence of str
        (n,) cluster names, the pillar first.
    volumes : sequence of float
        (n,) total search volume per cluster (searches/month).
    evidence : Evidence
        (n,) evidence of each name keyword (Parent Keyword, ranking URL, cached SERP).
    meaning_groups : sequence of index lists
        Groups the seed funnel's same-search test found (word order, comparisons, brand
        short forms, near-identical meaning); recorded as "same search".

    Returns
    -------
    dict
        Merged index → Merge. The kept page of a group is the pillar (index 0) when it is
        in the group, else the cluster with the highest volume.
    """
    groups = same_search_groups(
        list(names),
        volumes=np.asarray(volumes, np.float64),
        parent_keywords=evidence.parent or None,
        ranking_urls=evidence.url or None,
        serp_urls=evidence.serp if any(evidence.serp) else None,
        min_serp_overlap=evidence.min_serp_overlap,
    )
    labels = groups.labels.copy()
    reasons = list(groups.reasons)
    for group in meaning_groups:  # join the meaning groups into the rule groups
        target = labels[group[0]]
        for i in group[1:]:
            if labels[i] != target:
                labels[labels == labels[i]] = target
                reasons[i] = reasons[i] or "same search"
    out: dict[int, Merge] = {}
    for g in np.unique(labels):
        members = np.flatnonzero(labels == g).tolist()
        if len(members) < 2:
            continue
        keep = 0 if 0 in members else max(members, key=lambda i: (volumes[i], -i))
        for i in members:
            if i != keep:
                rule = reasons[i] or reasons[keep] or "same search"
                out[i] = Merge(keep, rule)
    return out


def merge_note(merged: Sequence[tuple[str, str]]) -> str:
    """Reasoning sentence for clusters merged into a page: (name, rule) pairs."""
    if not merged:
        return ""
    parts = [f"'{name}' ({'merged: ' if is_evidence(rule) else ''}{rule})" for name, rule in merged]
    return f" Same search as {', '.join(parts)}: one page."
