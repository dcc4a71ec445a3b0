"""Funnel Stage 3, first step: the candidates' distinct searches (intents) and their evidence.

One intent = one page. Candidates are grouped by the shared rules of
:func:`services.clustering.evidence.same_search_groups` (text rules, then the data's
evidence: same Parent Keyword, same ranking URL) together with the funnel's wording tests
(:func:`services.seed_clusters.select.find_same_search`: embedding cosine between wordings
that differ by no page-changing word, brand short forms, "how do I …" questions). Each
merge keeps the rule that decided it, so review can show "merged: same Parent Keyword".

Pure: candidates and evidence maps in, groups out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.clustering.evidence import (
    DEFAULT_MIN_SERP_OVERLAP,
    SearchGroups,
    same_search_groups,
)
from services.core.scoring import competition_used
from services.core.text import normalize_keyword
from services.providers.base import Candidate

#: Reason recorded for merges made by the funnel's wording tests only.
WORDING = "same search (another wording)"


@dataclass
class FunnelEvidence:
    """What the project's data says about the candidates (all maps keyed by normalised keyword).

    Attributes
    ----------
    parent_keywords : dict
        Imported Ahrefs Parent Keyword / Parent Topic (``KeywordMetric.grouping_hint``).
    ranking_urls : dict
        URL of the page of the site that ranks for (or targets) the keyword.
    difficulty : dict
        Keyword Difficulty 0-100 (Ahrefs KD / Semrush Keyword Difficulty).
    intents : dict
        The data's comma-joined intent labels.
    universe : list of str
        The project's imported keywords (IDF of the topic rule); [] = the candidates only.
    serp_urls : dict
        Normalised top-10 organic URLs (DataForSEO, :mod:`services.seed_clusters.serps`);
        {} = no SERP evidence.
    min_serp_overlap : int
        Shared top-10 URLs that make two candidates one page (the "SERP overlap" setting).
    enabled : bool
        False = the project switched evidence off (text rules only).
    """

    parent_keywords: dict[str, str] = field(default_factory=dict)
    ranking_urls: dict[str, str] = field(default_factory=dict)
    difficulty: dict[str, float] = field(default_factory=dict)
    intents: dict[str, str] = field(default_factory=dict)
    universe: list[str] = field(default_factory=list)
    serp_urls: dict[str, list[str]] = field(default_factory=dict)
    min_serp_overlap: int = DEFAULT_MIN_SERP_OVERLAP
    enabled: bool = True

    @property
    def columns(self) -> list[str]:
        """Evidence columns the data holds ("Parent Keyword", "ranking URL")."""
        out = []
        if self.parent_keywords:
            out.append("Parent Keyword")
        if self.ranking_urls:
            out.append("ranking URL")
        if self.serp_urls:
            out.append("SERP overlap")
        return out


@dataclass
class Intent:
    """One distinct search: the indices of its candidates and why each joined."""

    members: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    groups: SearchGroups | None = None

    def why(self, member: int, primary: int) -> str:
        """The rule that makes ``member`` a wording of ``primary``'s search: the evidence
        on their merge path when there is one, else its text rules, else the wording test."""
        if self.groups is not None and self.groups.labels[member] == self.groups.labels[primary]:
            return serp_label(self.groups.explain(member, primary)) or WORDING
        return WORDING


def serp_label(rule: str) -> str:
    """The review's wording of a SERP merge: "SERP overlap 5/10" → "same SERP (5 of 10
    shared)"; other rules unchanged."""
    if rule.startswith("SERP overlap "):
        shared = rule.removeprefix("SERP overlap ").split("/")[0]
        return f"same SERP ({shared} of 10 shared)"
    return rule


def group_intents(
    keywords: Sequence[str],
    volumes: Sequence[int | None],
    evidence: FunnelEvidence | None,
    wording_groups: Callable[[list[str]], list[list[int]]] | None = None,
) -> list[Intent]:
    """Group candidate keywords into intents (one page each).

    Parameters
    ----------
    keywords : sequence of str
        (n,) normalised candidate keywords.
    volumes : sequence of int or None
        (n,) search volume (searches/month).
    evidence : FunnelEvidence or None
        None or ``enabled=False`` = text rules only.
    wording_groups : callable, optional
        Extra same-search groups (index lists) from the funnel's wording tests.

    Returns
    -------
    list of Intent
        Every keyword in exactly one intent, in order of first member.
    """
    kws = [normalize_keyword(k) for k in keywords]
    use = evidence is not None and evidence.enabled
    groups = same_search_groups(
        kws,
        volumes=[v or 0 for v in volumes],
        parent_keywords=[evidence.parent_keywords.get(k) for k in kws] if use else None,  # type: ignore[union-attr]
        ranking_urls=[evidence.ranking_urls.get(k) for k in kws] if use else None,  # type: ignore[union-attr]
        serp_urls=[evidence.serp_urls.get(k, []) for k in kws]  # type: ignore[union-attr]
        if use and evidence.serp_urls  # type: ignore[union-attr]
        else None,
        min_serp_overlap=evidence.min_serp_overlap if evidence else DEFAULT_MIN_SERP_OVERLAP,
    )
    labels = groups.labels.tolist()
    reasons = {i: serp_label(r) for i, r in enumerate(groups.reasons) if r}
    # Join the wording groups on top (union of the two partitions).
    parent = list(range(max(labels, default=-1) + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in wording_groups(kws) if wording_groups else []:
        for i in group[1:]:
            a, b = find(labels[group[0]]), find(labels[i])
            if a != b:
                parent[max(a, b)] = min(a, b)
                reasons.setdefault(i, WORDING)
                reasons.setdefault(group[0], WORDING)
    out: dict[int, Intent] = {}
    for i, g in enumerate(labels):
        intent = out.setdefault(find(g), Intent([], groups=groups))
        intent.members.append(i)
        if i in reasons:
            intent.reasons[i] = reasons[i]
    return list(out.values())


def competition_of(
    candidate: Candidate, evidence: FunnelEvidence | None
) -> tuple[float | None, str]:
    """Competition 0-1 used in the score and where it came from.

    Returns
    -------
    tuple
        (Google Ads competition, "Ads competition") when present, else (Keyword
        Difficulty / 100, "Keyword Difficulty"), else (None, "unknown").
    """
    kd = evidence.difficulty.get(candidate.keyword) if evidence else None
    return competition_used(candidate.competition, kd)
