"""Options, results and thresholds of keyword-list clustering
(:func:`services.clustering.pages.cluster_keywords`), with the reasons a keyword stays
Unclustered. Re-exported by :mod:`services.clustering.pages`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from services.core.errors import InvalidInputError
from services.providers.base import Embedder

if TYPE_CHECKING:
    import pandas as pd

#: Strictness settings offered to the user, loosest first.
STRICTNESS_LEVELS = ("loose", "balanced", "strict")
#: Page-level cosine thresholds per embedder tier and strictness, precision-first. Tuned on
#: half of the Ahrefs "socks" export (real Keywords Explorer export, gb, 1,229 top keywords,
#: Parent Keyword = Ahrefs' SERP-based page as truth; the truth groups split at random with
#: seed 20260424, tuned on one half, checked on the other and on the whole file), scored
#: with B-cubed F1 over all keywords. There, every semantic merge beyond the lexical groups
#: costs more precision than it gains recall (F1 rises monotonically towards the lexical
#: groups' 0.81 on the tuning half as the threshold goes up), so each level is the lowest
#: threshold whose tuning-half B-cubed precision stays within a fixed distance of the lexical
#: groups' own precision (0.950): loose ≤ 3 points below, balanced ≤ 1 point, strict ≤ 0.25
#: point. Results, tuning half / held-out half / whole file: MiniLM 0.93 → F1 0.807 / 0.822 /
#: 0.798, 0.95 → 0.809 / 0.818 / 0.800, 0.97 → 0.809 / 0.819 / 0.801; static 0.965 →
#: 0.805 / 0.816 / 0.790, 0.98 → 0.808 / 0.821 / 0.800, 0.985 → 0.809 / 0.821 / 0.801.
#: The former values (MiniLM 0.75 / 0.80 / 0.85, static 0.86 / 0.90 / 0.93) scored 0.30 -
#: 0.71 on the whole file. The static (model2vec) model's cosines sit higher (median random
#: pair 0.51 vs 0.22 for MiniLM), hence its higher thresholds.
PAGE_THRESHOLDS: dict[str, dict[str, float]] = {
    "minilm": {"loose": 0.93, "balanced": 0.95, "strict": 0.97},
    "static": {"loose": 0.965, "balanced": 0.98, "strict": 0.985},
}
#: Cluster-centroid cosine that links two clusters into one hub (same source; roughly the
#: 99th percentile of random keyword pairs, i.e. clearly the same topic).
HUB_THRESHOLDS: dict[str, float] = {"minilm": 0.55, "static": 0.80}
#: Hub link threshold on *centred* cluster centroids (:func:`services.clustering.hubs.centre`, list mean
#: removed), used instead of :data:`HUB_THRESHOLDS` for the hub graph and pillar test when the
#: tier has one (None: raw centroids). The static tier's cosines are inflated by the list's
#: shared direction (mean centroid norm 0.71 / 0.78 on the shared wordpress /
#: add-to-website exports). Measured there (each list clustered with the tier forced; child→
#: pillar coherence = MiniLM cosine of the child's and pillar's keyword-mean vectors), static:
#: raw 0.80 (+0.05 margin) grouped 62 / 82 % of clusters in hubs of ≥ 2 at MiniLM mean 0.78 /
#: 0.80, 4.4 / 2.1 % of children below 0.5; centred 0.65 (+0) 75 / 83 % at 0.78 / 0.84,
#: 2.5 / 1.2 %. Centred 0.60 / 0.62 / 0.64 / 0.66 / 0.70 (+0) gave wordpress MiniLM mean
#: 0.75 / 0.76 / 0.77 / 0.78 / 0.81 and add-to-website grouping 88 / 87 / 84 / 82 / 78 %:
#: 0.65 is the one value at least as good as raw on all six figures. MiniLM is its own
#: judge and is not centred: centred 0.45 / 0.50 (+0) grouped 90 / 86 % (wordpress) at MiniLM
#: mean 0.74 / 0.76 and 93 / 92 % (add-to-website) at 0.81 / 0.82, against raw 0.55 (+0.05)
#: 85 % at 0.75 and 95 % at 0.79: neither is at least as good on both lists.
HUB_CENTRED_THRESHOLDS: dict[str, float | None] = {"minilm": None, "static": 0.65}
#: Cosine margin below the page threshold at which a lone keyword may join the nearest
#: cluster centroid, when asked for (:attr:`ClusterOptions.attach_margin`; off by default).
#: On the shared wordpress export 0.05 on MiniLM turned 13.2 % unclustered into 10.5 %, but
#: on the Ahrefs "socks" truth it lowered B-cubed F1 at every threshold tried (MiniLM
#: 0.80-0.97, static 0.88-0.99), also when restricted to keywords sharing all words with the
#: cluster centre: it is a recall knob, not a default.
ATTACH_MARGIN = 0.05
#: Searches/month at or above which a keyword with no close variant is a page-level cluster
#: of its own; below, it goes to Unclustered ("no close variant and below 50
#: searches/month"). 50 is where a keyword alone starts to justify a page for most sites
#: (Semrush and Keyword Planner report 10-50 as their lowest buckets) and keeps the long
#: tail of one-off queries in the bucket the user reviews. Every keyword of the Ahrefs truth
#: export is ≥ 400/month, so there all its single-keyword pages are clusters.
SINGLETON_MIN_VOLUME = 50
#: Neighbours per keyword in the kNN graph (issue measurement: k = 50, ARI 0.998 vs exact).
DEFAULT_K = 50
#: Representatives embedded per call (progress and cancellation between blocks).
EMBED_BLOCK = 8_192

#: Reason of a lone keyword when no singleton floor is set (``singleton_min_volume=None``),
#: and of the SERP-overlap mode's lone keywords.
REASON_NO_NEIGHBOUR = "no neighbour above threshold"
#: Prefix of the reason of a lone keyword below the singleton floor (see :func:`lone_reason`).
REASON_NO_CLOSE_VARIANT = "no close variant"
REASON_OFF_TOPIC = "off-topic for the brand"
REASON_LOW_VOLUME = "below volume floor"
REASON_MOVED = "moved by user"

#: Progress callback: ``progress(percent 0-100, message)``; it may raise to cancel.
Progress = Callable[[float, str], None]


def lone_reason(singleton_min_volume: int | None, *, unknown_volume: bool = False) -> str:
    """Unclustered reason of a lone keyword under the given singleton floor.

    >>> lone_reason(50)
    'no close variant and below 50 searches/month'
    >>> lone_reason(50, unknown_volume=True)
    'no close variant and unknown search volume'
    >>> lone_reason(None)
    'no neighbour above threshold'
    """
    if singleton_min_volume is None:
        return REASON_NO_NEIGHBOUR
    if unknown_volume:
        return f"{REASON_NO_CLOSE_VARIANT} and unknown search volume"
    return f"{REASON_NO_CLOSE_VARIANT} and below {int(singleton_min_volume):,} searches/month"


def is_lone_reason(reason: str | None) -> bool:
    """True for the reasons of lone keywords (a later run with more keywords may place them)."""
    return bool(reason) and (
        reason == REASON_NO_NEIGHBOUR or str(reason).startswith(REASON_NO_CLOSE_VARIANT)
    )


@dataclass(frozen=True)
class ClusterOptions:
    """Settings of one clustering run.

    Attributes
    ----------
    strictness : str
        One of :data:`STRICTNESS_LEVELS`; maps to a cosine threshold per tier.
    threshold : float, optional
        Explicit page-level cosine threshold (overrides ``strictness``).
    k : int
        Neighbours per keyword in the kNN graph.
    min_volume : int, optional
        Volume floor (searches/month); keywords below it (or with unknown volume) go to
        Unclustered as "below volume floor". None = no floor.
    topic_terms : tuple of str
        Brand topics (products, seeds); when given, keywords that share no word with them
        and whose cosine to every term is below ``topic_threshold`` are "off-topic for the
        brand".
    topic_threshold : float, optional
        Cosine to the nearest topic term below which a keyword is off-topic (default: the
        tier's hub threshold).
    hubs : bool
        Group the page-level clusters into hubs.
    hub_threshold : float, optional
        Explicit cluster-centroid cosine for hub links.
    tier : str, optional
        Embedder tier name used for the thresholds (default: the embedder's ``name``).
    attach_margin : float, optional
        A keyword with no neighbour above the threshold joins the cluster whose centroid is
        nearest when that cosine is ≥ threshold − margin (None = never, the default; see
        :data:`ATTACH_MARGIN`).
    singleton_min_volume : int, optional
        Searches/month at or above which a lone keyword (no lexical variant, no cluster
        centre above the threshold) becomes a page-level cluster of its own; below it, or
        with unknown volume (unless the floor is 0), it goes to Unclustered with
        :func:`lone_reason`. Default
        :data:`SINGLETON_MIN_VOLUME`; None = every lone keyword goes to Unclustered
        ("no neighbour above threshold"); 0 = every lone keyword is a page.
    grouping : str
        "pairwise" (default): same-search variants (:mod:`services.clustering.variants`),
        then the pairwise same-page model (:mod:`services.clustering.pairwise`) on the kNN
        graph, strictness = probability threshold. "cosine": the former pipeline (lexical
        keys, then the cosine threshold of :data:`PAGE_THRESHOLDS`), kept for comparison.
    probability : float, optional
        Explicit same-page probability threshold (0-1) of the pairwise grouping
        (overrides ``strictness``).
    use_grouping_hint : bool
        Keywords sharing a non-empty ``grouping_hint`` (an imported "Parent Keyword",
        "Parent Topic" or a tool's cluster column) start in one cluster. Off by default.
    """

    strictness: str = "balanced"
    threshold: float | None = None
    k: int = DEFAULT_K
    min_volume: int | None = None
    topic_terms: tuple[str, ...] = ()
    topic_threshold: float | None = None
    hubs: bool = True
    hub_threshold: float | None = None
    tier: str | None = None
    attach_margin: float | None = None
    singleton_min_volume: int | None = SINGLETON_MIN_VOLUME
    grouping: str = "pairwise"
    probability: float | None = None
    use_grouping_hint: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (job params)."""
        return {
            "strictness": self.strictness,
            "threshold": self.threshold,
            "k": self.k,
            "min_volume": self.min_volume,
            "topic_terms": list(self.topic_terms),
            "topic_threshold": self.topic_threshold,
            "hubs": self.hubs,
            "hub_threshold": self.hub_threshold,
            "tier": self.tier,
            "attach_margin": self.attach_margin,
            "singleton_min_volume": self.singleton_min_volume,
            "grouping": self.grouping,
            "probability": self.probability,
            "use_grouping_hint": self.use_grouping_hint,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ClusterOptions:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        data = dict(data or {})
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
        if "topic_terms" in data:
            data["topic_terms"] = tuple(data["topic_terms"] or ())
        return cls(**data)


@dataclass
class ClusterResult:
    """Output of :func:`cluster_keywords`.

    Attributes
    ----------
    keywords : pandas.DataFrame
        One row per input keyword, input order: ``keyword``, ``search_volume``,
        ``cluster`` (int, -1 = Unclustered), ``similarity`` (cosine to the cluster centre,
        NaN when unclustered), ``reason`` (None when clustered), ``is_name``.
    clusters : pandas.DataFrame
        One row per cluster: ``cluster``, ``name``, ``centre``, ``size``, ``total_volume``,
        ``hub`` (-1 when hubs are off), ``is_pillar``.
    hubs : pandas.DataFrame
        One row per hub: ``hub``, ``name``, ``pillar`` (cluster number), ``clusters``,
        ``total_volume``.
    centroids : np.ndarray
        (clusters, d) unit centroid per cluster, for hubs and reconciliation.
    stats : dict
        Timings (s), tier, thresholds, counts and the unclustered share.
    group_of : np.ndarray
        (keywords,) int64 lexical/variant group of each keyword (-1 = filtered before
        grouping, e.g. below the volume floor).
    group_embeddings : np.ndarray
        (groups, d) unit embedding of each group's representative, so later steps
        (intent vote, reconciliation) reuse the run's embeddings instead of embedding again.
    """

    keywords: pd.DataFrame
    clusters: pd.DataFrame
    hubs: pd.DataFrame
    centroids: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)
    group_of: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    group_embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    def keyword_embeddings(self) -> np.ndarray:
        """(keywords, d) float32: each keyword's group vector (zeros when not grouped)."""
        dim = self.group_embeddings.shape[1] if self.group_embeddings.ndim == 2 else 0
        out = np.zeros((len(self.group_of), dim), np.float32)
        ok = self.group_of >= 0
        if ok.any() and dim:
            out[ok] = self.group_embeddings[self.group_of[ok]]
        return out

    @property
    def unclustered_share(self) -> float:
        """Share of keywords in the Unclustered bucket (0-1)."""
        n = len(self.keywords)
        return float((self.keywords["cluster"] < 0).sum() / n) if n else 0.0


# --------------------------------------------------------------------------- thresholds
def tier_of(embedder: Embedder, options: ClusterOptions) -> str:
    """Tier name used to look up thresholds ("minilm" unless the embedder says static)."""
    name = (options.tier or getattr(embedder, "name", "") or "").lower()
    return "static" if "static" in name else "minilm"


def page_threshold(embedder: Embedder, options: ClusterOptions) -> float:
    """Cosine threshold of the run (explicit, else per tier and strictness).

    Raises
    ------
    InvalidInputError
        Unknown strictness or a threshold outside (0, 1].
    """
    if options.threshold is not None:
        if not 0.0 < options.threshold <= 1.0:
            raise InvalidInputError("The similarity threshold must be between 0 and 1.")
        return float(options.threshold)
    if options.strictness not in STRICTNESS_LEVELS:
        raise InvalidInputError(
            f"Strictness must be one of {', '.join(STRICTNESS_LEVELS)}; got {options.strictness!r}."
        )
    return PAGE_THRESHOLDS[tier_of(embedder, options)][options.strictness]


def probability_threshold(options: ClusterOptions) -> float:
    """Same-page probability threshold of a pairwise run (explicit, else per strictness).

    Raises
    ------
    InvalidInputError
        Unknown strictness or a probability outside (0, 1).
    """
    if options.probability is not None:
        if not 0.0 < options.probability < 1.0:
            raise InvalidInputError("The same-page probability must be between 0 and 1.")
        return float(options.probability)
    if options.strictness not in STRICTNESS_LEVELS:
        raise InvalidInputError(
            f"Strictness must be one of {', '.join(STRICTNESS_LEVELS)}; got {options.strictness!r}."
        )
    from services.clustering import pairwise as pw

    return pw.PROBABILITY_THRESHOLDS[options.strictness]


def hub_threshold(embedder: Embedder, options: ClusterOptions) -> float:
    """Cluster-centroid cosine that links clusters into a hub."""
    if options.hub_threshold is not None:
        return float(options.hub_threshold)
    return HUB_THRESHOLDS[tier_of(embedder, options)]


# --------------------------------------------------------------------------- helpers
def embed_blocks(
    embedder: Embedder,
    texts: Sequence[str],
    *,
    progress: Callable[[float], None] | None = None,
    block: int = EMBED_BLOCK,
) -> np.ndarray:
    """Embed ``texts`` in blocks of ``block`` (float32 unit rows), reporting progress 0-1."""
    dim = int(getattr(embedder, "dim", 0) or 0)
    if not texts:
        return np.zeros((0, dim), np.float32)
    parts = []
    for start in range(0, len(texts), block):
        vec = np.asarray(embedder.embed(list(texts[start : start + block])), np.float32)
        parts.append(vec)
        if progress:
            progress(min(1.0, (start + block) / len(texts)))
    out = np.concatenate(parts) if len(parts) > 1 else parts[0]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (out / norms).astype(np.float32, copy=False)
