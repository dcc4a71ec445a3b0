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

from services.clustering.evidence import SearchGroups, same_search_groups
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
    enabled : bool
        False = the project switched evidence off (text rules only).
    """

    parent_keywords: dict[str, str] = field(default_factory=dict)
    ranking_urls: dict[str, str] = field(default_factory=dict)
    difficulty: dict[str, float] = field(default_factory=dict)
    intents: dict[str, str] = field(default_factory=dict)
    universe: list[str] = field(default_factory=list)
    enabled: bool = True

    @property
    def columns(self) -> list[str]:
        """Evidence columns the data holds ("Parent Keyword", "ranking URL")."""
        out = []
        if self.parent_keywords:
            out.append("Parent Keyword")
        if self.ranking_urls:
            out.append("ranking URL")
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
            return self.groups.explain(member, primary) or WORDING
        return WORDING


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
    )
    labels = groups.labels.tolist()
    reasons = {i: r for i, r in enumerate(groups.reasons) if r}
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
