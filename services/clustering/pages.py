"""Keyword lists → page-level clusters and hubs, offline and memory-bounded.

Pipeline of :func:`cluster_keywords` (pure: a DataFrame in, DataFrames out):

1. **Filters** — keywords below the volume floor, or off-topic for the brand (no topic word
   and cosine to every topic term below the topic threshold), go to Unclustered with that
   reason. Nothing is dropped silently.
2. **Lexical groups** — keywords sharing a key are one group before any embedding: the
   order-, plural-, possessive-, stop-word-, filler-, year- and accent-insensitive key
   (:func:`services.core.text.canonical_key` plus accent folding) or the compound key (content
   words glued together, hyphens removed), so "trinkwassertest" = "Trinkwasser-Tests" =
   "trinkwasser test" (:mod:`services.clustering.lexical`). In the default "pairwise"
   grouping also the same-search variants of :mod:`services.clustering.variants`
   (comparisons in any order, implied head nouns, short forms the list spells out) and,
   when asked, a shared grouping hint (imported Parent Keyword). A group is represented by
   its highest-volume keyword.
3. **Embeddings** of the group representatives with the shared embedder (tier by list size,
   :func:`services.providers.embeddings.pick_tier`), in blocks — or the caller's vectors
   (``embeddings=``), so a run embeds each keyword once.
4. **kNN** (faiss, :mod:`services.clustering.knn`), then, by default, the **pairwise
   same-page model** (:mod:`services.clustering.pairwise`) scores each group's nearest
   neighbours and clusters form around dense centres on the pairs at or above the
   strictness's probability; the former "cosine" grouping instead runs **greedy community
   detection** on the neighbour lists above the cosine threshold of the chosen strictness.
   No n×n matrix either way. Precision-first admission: a group joins a cluster only when
   it is above the threshold to the cluster's centre, never through some other member, and
   (cosine grouping) nothing is attached below the threshold unless
   :attr:`ClusterOptions.attach_margin` asks for it.
5. **Lone keywords** (no lexical variant, no centre above the threshold): at or above
   :attr:`ClusterOptions.singleton_min_volume` (default :data:`SINGLETON_MIN_VOLUME`
   searches/month) a lone keyword is a page-level cluster of its own — Ahrefs' Parent
   Keyword truth has 724 groups for 1,229 "socks" keywords, most of them single keywords;
   below it, Unclustered with the reason "no close variant and below N searches/month".
6. **Names**: the highest-volume keyword of each cluster (ties: the most central one).
7. **Hubs**: clusters grouped by Leiden on the cluster-centroid graph (:mod:`services.clustering.hubs`).

Persistence, reconciliation with existing clusters and job wiring live in
:mod:`services.keyword_lists.store`, :mod:`services.clustering.reconcile` and :mod:`services.app.jobs`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from services.clustering import hubs as hubs_mod
from services.clustering import knn as ck
from services.clustering import pairwise as pw
from services.clustering.lexical import lexical_groups, lexical_keys
from services.clustering.variants import variant_groups
from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.providers.base import Embedder

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


def _volumes(frame: pd.DataFrame) -> np.ndarray:
    if "search_volume" not in frame:
        return np.zeros(len(frame))
    return pd.to_numeric(frame["search_volume"], errors="coerce").to_numpy(
        np.float64, na_value=np.nan
    )


def _off_topic(
    reps_text: list[str],
    rep_emb: np.ndarray,
    terms: Sequence[str],
    embedder: Embedder,
    threshold: float,
) -> np.ndarray:
    """True for representatives sharing no word with ``terms`` and not close to any term."""
    term_tokens = {t for term in terms for t in lexical_keys(term)[0].split()}
    shares = np.fromiter(
        (bool(term_tokens & set(lexical_keys(r)[0].split())) for r in reps_text),
        bool,
        len(reps_text),
    )
    term_emb = embed_blocks(embedder, [normalize_keyword(t) for t in terms])
    _, best = ck.knn_against(rep_emb, term_emb, 1)
    return ~shares & (best[:, 0] < threshold)


# --------------------------------------------------------------------------- main entry
def cluster_keywords(
    frame: pd.DataFrame,
    embedder: Embedder,
    options: ClusterOptions | None = None,
    *,
    progress: Progress | None = None,
    embeddings: np.ndarray | None = None,
) -> ClusterResult:
    """Group a keyword list into page-level clusters and hubs.

    Parameters
    ----------
    frame : pandas.DataFrame
        Column ``keyword`` (normalised or not; duplicates after normalisation are kept as
        separate rows but grouped together) and optional ``search_volume``
        (searches/month, NaN = unknown).
    embedder : Embedder
        The shared embedder (unit float32 rows).
    options : ClusterOptions, optional
        Strictness, filters, hubs.
    progress : callable, optional
        ``progress(percent, message)``; an exception raised by it (e.g. a cancelled job)
        stops the run between blocks.
    embeddings : np.ndarray, optional
        (len(frame), d) unit vectors of the keywords, already computed by the caller
        (e.g. reconciliation); the group representatives' rows are used instead of
        embedding them again.

    Returns
    -------
    ClusterResult
        Keywords with their cluster or Unclustered reason, clusters, hubs, statistics.

    Raises
    ------
    InvalidInputError
        No ``keyword`` column, or bad strictness/threshold.
    """
    options = options or ClusterOptions()
    notify: Progress = progress or (lambda _p, _m: None)
    if "keyword" not in frame:
        raise InvalidInputError("The keyword list has no 'keyword' column.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    threshold = page_threshold(embedder, options)
    pairwise_mode = options.grouping == "pairwise"
    if options.grouping not in ("pairwise", "cosine"):
        raise InvalidInputError(f"Unknown grouping {options.grouping!r}.")
    probability = probability_threshold(options) if pairwise_mode else None
    keywords = [normalize_keyword(str(k)) for k in frame["keyword"].tolist()]
    n = len(keywords)
    vol = _volumes(frame)
    vol0 = np.nan_to_num(vol, nan=0.0)
    reason = np.full(n, None, dtype=object)
    if options.min_volume is not None:
        reason[np.isnan(vol) | (vol < options.min_volume)] = REASON_LOW_VOLUME

    # 2. Lexical groups among eligible keywords.
    notify(2, "Grouping lexical variants")
    eligible = np.flatnonzero(reason == None)  # noqa: E711 - elementwise on object array
    groups = np.full(n, -1, np.int64)
    if len(eligible):
        eligible_words = [keywords[i] for i in eligible]
        if pairwise_mode:
            hints = None
            if options.use_grouping_hint and "grouping_hint" in frame:
                hint_col = frame["grouping_hint"].to_numpy(object)
                hints = [hint_col[i] if isinstance(hint_col[i], str) else None for i in eligible]
            groups[eligible] = variant_groups(eligible_words, hints=hints)
        else:
            groups[eligible] = lexical_groups(eligible_words)
    n_groups = int(groups.max()) + 1 if len(eligible) else 0
    # Representative = highest volume, then shortest, then alphabetical.
    order = sorted(
        eligible.tolist(), key=lambda i: (groups[i], -vol0[i], len(keywords[i]), keywords[i])
    )
    rep = np.full(n_groups, -1, np.int64)
    for i in order:
        if rep[groups[i]] < 0:
            rep[groups[i]] = i
    gsize = np.bincount(groups[eligible], minlength=n_groups) if n_groups else np.zeros(0, np.int64)
    gvol = (
        np.bincount(groups[eligible], weights=vol0[eligible], minlength=n_groups)
        if n_groups
        else np.zeros(0)
    )
    timings["lexical"] = time.perf_counter() - t0

    # 3. Embed representatives.
    t1 = time.perf_counter()
    rep_text = [keywords[i] for i in rep]
    notify(5, f"Embedding {len(rep_text):,} keyword groups")
    if embeddings is not None and len(embeddings) == n:
        rep_emb = np.ascontiguousarray(embeddings[rep], dtype=np.float32)
    else:
        rep_emb = embed_blocks(
            embedder, rep_text, progress=lambda f: notify(5 + 45 * f, "Embedding keywords")
        )
    timings["embed"] = time.perf_counter() - t1

    # 1b. Off-topic filter (needs embeddings).
    active = np.ones(n_groups, bool)
    if options.topic_terms and n_groups:
        topic_t = (
            options.topic_threshold
            if options.topic_threshold is not None
            else hub_threshold(embedder, options)
        )
        off = _off_topic(rep_text, rep_emb, options.topic_terms, embedder, topic_t)
        active &= ~off
        for g in np.flatnonzero(off):
            reason[(groups == g)] = REASON_OFF_TOPIC

    # 4. kNN + greedy communities on the active groups.
    t2 = time.perf_counter()
    n_pairs = 0
    act = np.flatnonzero(active)
    emb_act = rep_emb[act]
    notify(50, "Finding nearest neighbours")
    if pairwise_mode:
        tier = tier_of(embedder, options)
        nb = ck.knn(
            emb_act,
            min(options.k, pw.pair_k(len(act))),
            progress=lambda f: notify(50 + 25 * f, "Finding nearest neighbours"),
        )
        left, right, cos, ranks = pw.candidate_pairs(nb, pw.PAIR_MIN_COSINE[tier])
        del nb
        timings["knn"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        notify(78, "Scoring keyword pairs")
        model = pw.load_model(tier)
        prob = pw.score_pairs(model, [rep_text[g] for g in act], gvol[act], left, right, cos, ranks)
        notify(82, "Forming page-level clusters")
        labels_act, centres_act = pw.cluster_by_probability(
            len(act),
            left,
            right,
            prob,
            float(probability or 0.5),
            size=gsize[act],
            volume=gvol[act],
        )
        n_pairs = len(left)
    else:
        nb = ck.knn(
            emb_act, options.k, progress=lambda f: notify(50 + 25 * f, "Finding nearest neighbours")
        )
        indptr, indices, sims = ck.neighbour_lists(emb_act, nb, threshold)
        del nb
        timings["knn"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        notify(78, "Forming page-level clusters")
        labels_act, centres_act = ck.greedy_communities(
            indptr,
            indices,
            sims,
            size=gsize[act],
            volume=gvol[act],
            min_size=2,
            emb=emb_act,
            threshold=threshold,
        )
        del indptr, indices, sims
    group_label = np.full(n_groups, -1, np.int64)
    group_label[act] = labels_act
    centre_group = act[centres_act] if len(centres_act) else np.zeros(0, np.int64)
    n_clusters = len(centre_group)
    attached = 0
    if options.attach_margin is not None and n_clusters and not pairwise_mode:
        attached = _attach_lone(
            group_label, active, rep_emb, gsize, n_clusters, threshold - options.attach_margin
        )
    # 5. Lone groups at or above the singleton floor are pages of their own.
    singles = np.zeros(0, np.int64)
    if options.singleton_min_volume is not None:
        singles = np.flatnonzero(
            (group_label < 0) & active & (gvol >= options.singleton_min_volume)
        )
        group_label[singles] = n_clusters + np.arange(len(singles))
        centre_group = np.concatenate([centre_group, singles]).astype(np.int64)
        n_clusters = len(centre_group)

    # Similarity of each group's representative to its cluster centre.
    group_sim = np.full(n_groups, np.nan, np.float32)
    placed = np.flatnonzero(group_label >= 0)
    if len(placed):
        centre_of = centre_group[group_label[placed]]
        group_sim[placed] = np.einsum("ij,ij->i", rep_emb[placed], rep_emb[centre_of])
        group_sim[centre_group] = 1.0

    # 5. Per keyword: cluster, similarity, reason.
    cluster = np.full(n, -1, np.int64)
    sim_kw = np.full(n, np.nan, np.float32)
    has_group = groups >= 0
    cluster[has_group] = group_label[groups[has_group]]
    sim_kw[has_group] = group_sim[groups[has_group]]
    lone = has_group & (cluster < 0) & (reason == None)  # noqa: E711
    reason[lone] = lone_reason(options.singleton_min_volume)
    if options.singleton_min_volume is not None:
        reason[lone & np.isnan(vol)] = lone_reason(
            options.singleton_min_volume, unknown_volume=True
        )
    timings["communities"] = time.perf_counter() - t3

    # 6. Names and centroids.
    t4 = time.perf_counter()
    notify(85, "Naming clusters")
    kw_df = pd.DataFrame(
        {
            "keyword": keywords,
            "search_volume": frame["search_volume"].to_numpy()
            if "search_volume" in frame
            else np.nan,
            "cluster": cluster,
            "similarity": sim_kw,
            "reason": reason,
        }
    )
    kw_df["is_name"] = False
    clusters_df, centroids = _describe_clusters(
        kw_df, vol0, groups, gsize, rep_emb, group_label, n_clusters, centre_group, keywords, rep
    )
    if n_clusters:
        kw_df.loc[clusters_df["name_row"].to_numpy(), "is_name"] = True
    timings["name"] = time.perf_counter() - t4

    # 7. Hubs.
    t5 = time.perf_counter()
    hubs_df = pd.DataFrame(columns=["hub", "name", "pillar", "clusters", "total_volume"])
    clusters_df["hub"] = -1
    clusters_df["is_pillar"] = False
    if options.hubs and n_clusters:
        notify(90, "Grouping clusters into hubs")
        hub = hubs_mod.detect_hubs(
            centroids,
            clusters_df["total_volume"].to_numpy(np.float64),
            clusters_df["size"].to_numpy(),
            hub_threshold(embedder, options),
            centred_threshold=(
                HUB_CENTRED_THRESHOLDS[tier_of(embedder, options)]
                if options.hub_threshold is None
                else None
            ),
        )
        clusters_df["hub"] = hub
        clusters_df["is_pillar"] = hubs_mod.pick_pillars(
            hub, clusters_df["total_volume"].to_numpy(np.float64), clusters_df["size"].to_numpy()
        )
        hubs_df = summarise_hubs(clusters_df)
    timings["hubs"] = time.perf_counter() - t5
    clusters_df = clusters_df.drop(columns=["name_row"])

    timings["total"] = time.perf_counter() - t0
    unclustered = int((cluster < 0).sum())
    stats = {
        "keywords": n,
        "lexical_groups": n_groups,
        "clusters": n_clusters,
        "hubs": int(len(hubs_df)),
        "unclustered": unclustered,
        "attached": attached,
        "singleton_clusters": int(len(singles)),
        "singleton_min_volume": options.singleton_min_volume,
        "unclustered_share": round(unclustered / n, 4) if n else 0.0,
        "unclustered_reasons": {
            str(k): int(v) for k, v in pd.Series(reason).value_counts().items()
        },
        "threshold": threshold,
        "grouping": options.grouping,
        "probability_threshold": probability,
        "grouping_hint": bool(options.use_grouping_hint),
        "pairs_scored": n_pairs,
        "hub_threshold": hub_threshold(embedder, options) if options.hubs else None,
        "embedder": getattr(embedder, "name", ""),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    notify(95, f"{n_clusters:,} clusters, {unclustered:,} unclustered")
    return ClusterResult(
        kw_df, clusters_df, hubs_df, centroids, stats, group_of=groups, group_embeddings=rep_emb
    )


def _describe_clusters(
    kw_df: pd.DataFrame,
    vol0: np.ndarray,
    groups: np.ndarray,
    gsize: np.ndarray,
    rep_emb: np.ndarray,
    group_label: np.ndarray,
    n_clusters: int,
    centre_group: np.ndarray,
    keywords: list[str],
    rep: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Cluster table (name = highest volume, ties most central) and unit centroids."""
    dim = rep_emb.shape[1] if rep_emb.ndim == 2 else 0
    if n_clusters == 0:
        empty = pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in [
                    ("cluster", "int64"),
                    ("name", "object"),
                    ("centre", "object"),
                    ("size", "int64"),
                    ("total_volume", "int64"),
                    ("name_row", "int64"),
                ]
            }
        )
        return empty, np.zeros((0, dim), np.float32)
    members = kw_df.index[kw_df["cluster"] >= 0].to_numpy()
    c = kw_df["cluster"].to_numpy()[members]
    sim = np.nan_to_num(kw_df["similarity"].to_numpy(np.float64)[members], nan=-1.0)
    lengths = np.fromiter((len(keywords[i]) for i in members), np.int64, len(members))
    order = np.lexsort((members, lengths, -sim, -vol0[members], c))
    first = np.ones(len(order), bool)
    first[1:] = c[order][1:] != c[order][:-1]
    name_row = np.empty(n_clusters, np.int64)
    name_row[c[order][first]] = members[order][first]
    size = np.bincount(c, minlength=n_clusters)
    total = np.bincount(c, weights=vol0[members], minlength=n_clusters)
    centroids = cluster_centroids(group_label, rep_emb, gsize, n_clusters)
    frame = pd.DataFrame(
        {
            "cluster": np.arange(n_clusters),
            "name": [keywords[i] for i in name_row],
            "centre": [keywords[rep[g]] for g in centre_group],
            "size": size,
            "total_volume": total.round().astype(np.int64),
            "name_row": name_row,
        }
    )
    return frame, centroids


def cluster_centroids(
    group_label: np.ndarray, rep_emb: np.ndarray, gsize: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Unit centroid per cluster: size-weighted mean of its groups' representative vectors."""
    dim = rep_emb.shape[1] if rep_emb.ndim == 2 else 0
    placed = np.flatnonzero(group_label >= 0)
    centroids = np.zeros((n_clusters, dim), np.float32)
    if len(placed):
        # Sort by cluster and sum runs (np.add.reduceat): np.add.at on 2-D rows is ~20× slower.
        order = placed[np.argsort(group_label[placed], kind="stable")]
        lab = group_label[order]
        starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
        sums = np.add.reduceat(
            rep_emb[order] * gsize[order, None].astype(np.float32), starts, axis=0
        )
        centroids[lab[starts]] = sums
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return centroids / norms


def _attach_lone(
    group_label: np.ndarray,
    active: np.ndarray,
    rep_emb: np.ndarray,
    gsize: np.ndarray,
    n_clusters: int,
    attach_threshold: float,
) -> int:
    """Put lone active groups into the cluster whose centroid is closest, when ≥ threshold.

    Returns the number of groups attached (``group_label`` is updated in place).
    """
    lone = np.flatnonzero((group_label < 0) & active)
    if not len(lone):
        return 0
    centroids = cluster_centroids(group_label, rep_emb, gsize, n_clusters)
    best, sim = ck.knn_against(rep_emb[lone], centroids, 1)
    ok = sim[:, 0] >= attach_threshold
    group_label[lone[ok]] = best[ok, 0]
    return int(ok.sum())


def summarise_hubs(clusters_df: pd.DataFrame) -> pd.DataFrame:
    """One row per hub: name (= pillar's name), pillar cluster, cluster count, volume."""
    pillars = clusters_df[clusters_df["is_pillar"]].set_index("hub")
    agg = clusters_df.groupby("hub").agg(
        clusters=("cluster", "size"), total_volume=("total_volume", "sum")
    )
    out = agg.join(pillars[["cluster", "name"]].rename(columns={"cluster": "pillar"}))
    out = out.reset_index().sort_values("hub")
    return out[["hub", "name", "pillar", "clusters", "total_volume"]].reset_index(drop=True)
