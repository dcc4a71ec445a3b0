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
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from services.clustering import knn as ck
from services.clustering import page_steps as steps
from services.clustering.lexical import lexical_groups, lexical_keys  # noqa: F401  (re-exported)
from services.clustering.options import (  # noqa: F401  (re-exported)
    ATTACH_MARGIN,
    DEFAULT_K,
    EMBED_BLOCK,
    HUB_CENTRED_THRESHOLDS,
    HUB_THRESHOLDS,
    PAGE_THRESHOLDS,
    REASON_LOW_VOLUME,
    REASON_MOVED,
    REASON_NO_CLOSE_VARIANT,
    REASON_NO_NEIGHBOUR,
    REASON_OFF_TOPIC,
    SINGLETON_MIN_VOLUME,
    STRICTNESS_LEVELS,
    ClusterOptions,
    ClusterResult,
    Progress,
    embed_blocks,
    hub_threshold,
    is_lone_reason,
    lone_reason,
    page_threshold,
    probability_threshold,
    tier_of,
)
from services.clustering.page_steps import (  # noqa: F401  (re-exported)
    attach_lone,
    cluster_centroids,
    summarise_hubs,
)
from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.providers.base import Embedder


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
    if options.grouping not in ("pairwise", "cosine"):
        raise InvalidInputError(f"Unknown grouping {options.grouping!r}.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    keywords = [normalize_keyword(str(k)) for k in frame["keyword"].tolist()]
    vol = _volumes(frame)
    reason = np.full(len(keywords), None, dtype=object)
    if options.min_volume is not None:
        reason[np.isnan(vol) | (vol < options.min_volume)] = REASON_LOW_VOLUME
    notify(2, "Grouping lexical variants")
    g = steps.lexical_step(
        frame,
        keywords,
        np.nan_to_num(vol, nan=0.0),
        np.flatnonzero(reason == None),  # noqa: E711 - elementwise on object array
        pairwise_mode=options.grouping == "pairwise",
        use_grouping_hint=options.use_grouping_hint,
    )
    timings["lexical"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    rep_text = [keywords[i] for i in g.rep]
    notify(5, f"Embedding {len(rep_text):,} keyword groups")
    if embeddings is not None and len(embeddings) == len(keywords):
        rep_emb = np.ascontiguousarray(embeddings[g.rep], dtype=np.float32)
    else:
        rep_emb = embed_blocks(
            embedder, rep_text, progress=lambda f: notify(5 + 45 * f, "Embedding keywords")
        )
    timings["embed"] = time.perf_counter() - t1
    active = _active_groups(g, rep_text, rep_emb, reason, embedder, options)
    placed = _communities(g, active, rep_text, rep_emb, embedder, options, notify, timings)
    return _assemble(
        frame, keywords, vol, reason, g, rep_emb, placed, embedder, options, notify, timings, t0
    )


def _active_groups(
    g: steps.Groups,
    rep_text: list[str],
    rep_emb: np.ndarray,
    reason: np.ndarray,
    embedder: Embedder,
    options: ClusterOptions,
) -> np.ndarray:
    """Step 1b: groups that pass the off-topic filter (the others get its reason)."""
    active = np.ones(g.n_groups, bool)
    if options.topic_terms and g.n_groups:
        topic_t = (
            options.topic_threshold
            if options.topic_threshold is not None
            else hub_threshold(embedder, options)
        )
        off = _off_topic(rep_text, rep_emb, options.topic_terms, embedder, topic_t)
        active &= ~off
        for grp in np.flatnonzero(off):
            reason[(g.groups == grp)] = REASON_OFF_TOPIC
    return active


def _communities(
    g: steps.Groups,
    active: np.ndarray,
    rep_text: list[str],
    rep_emb: np.ndarray,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
    timings: dict[str, float],
) -> steps.Communities:
    """Steps 4-5: kNN, then pairwise model or greedy communities, lone groups placed."""
    t2 = time.perf_counter()
    act = np.flatnonzero(active)
    # No copy when every group is active (the usual case): at 1,000,000 keywords the copy
    # was another (groups, dim) float32 array alive through kNN and pair scoring.
    emb_act = rep_emb if len(act) == len(rep_emb) else rep_emb[act]
    notify(50, "Finding nearest neighbours")
    n_pairs = 0
    threshold = page_threshold(embedder, options)
    pairwise_mode = options.grouping == "pairwise"
    if pairwise_mode:
        labels_act, centres_act, n_pairs = steps.pairwise_labels(
            emb_act,
            [rep_text[grp] for grp in act],
            g,
            act,
            k=options.k,
            tier=tier_of(embedder, options),
            probability=float(probability_threshold(options) or 0.5),
            notify=notify,
            timings=timings,
            t_start=t2,
        )
    else:
        labels_act, centres_act = steps.cosine_labels(
            emb_act,
            g,
            act,
            k=options.k,
            threshold=threshold,
            notify=notify,
            timings=timings,
            t_start=t2,
        )
    timings["_t3"] = time.perf_counter()
    attach = (
        threshold - options.attach_margin
        if options.attach_margin is not None and not pairwise_mode
        else None
    )
    group_label, centre_group, attached, singles = steps.place_groups(
        g,
        active,
        rep_emb,
        act,
        labels_act,
        centres_act,
        attach_threshold=attach,
        singleton_min_volume=options.singleton_min_volume,
    )
    return steps.Communities(group_label, centre_group, n_pairs, attached, singles)


def _assemble(
    frame: pd.DataFrame,
    keywords: list[str],
    vol: np.ndarray,
    reason: np.ndarray,
    g: steps.Groups,
    rep_emb: np.ndarray,
    c: steps.Communities,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
    timings: dict[str, float],
    t0: float,
) -> ClusterResult:
    """Steps 5-7: per-keyword cluster and reason, names and centroids, hubs, statistics."""
    t3 = timings.pop("_t3")
    n_clusters = len(c.centre_group)
    group_sim = steps.group_similarity(c.group_label, c.centre_group, rep_emb, g.n_groups)
    cluster = np.full(len(keywords), -1, np.int64)
    sim_kw = np.full(len(keywords), np.nan, np.float32)
    has_group = g.groups >= 0
    cluster[has_group] = c.group_label[g.groups[has_group]]
    sim_kw[has_group] = group_sim[g.groups[has_group]]
    lone = has_group & (cluster < 0) & (reason == None)  # noqa: E711
    reason[lone] = lone_reason(options.singleton_min_volume)
    if options.singleton_min_volume is not None:
        reason[lone & np.isnan(vol)] = lone_reason(
            options.singleton_min_volume, unknown_volume=True
        )
    timings["communities"] = time.perf_counter() - t3
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
    clusters_df, centroids = steps.describe_clusters(
        kw_df,
        np.nan_to_num(vol, nan=0.0),
        g.groups,
        g.gsize,
        rep_emb,
        c.group_label,
        n_clusters,
        c.centre_group,
        keywords,
        g.rep,
    )
    if n_clusters:
        kw_df.loc[clusters_df["name_row"].to_numpy(), "is_name"] = True
    timings["name"] = time.perf_counter() - t4
    t5 = time.perf_counter()
    hubs_df = _hubs(clusters_df, centroids, embedder, options, notify)
    timings["hubs"] = time.perf_counter() - t5
    clusters_df = clusters_df.drop(columns=["name_row"])
    timings["total"] = time.perf_counter() - t0
    stats = _stats(keywords, reason, cluster, g, c, hubs_df, embedder, options, timings)
    notify(95, f"{n_clusters:,} clusters, {stats['unclustered']:,} unclustered")
    return ClusterResult(
        kw_df, clusters_df, hubs_df, centroids, stats, group_of=g.groups, group_embeddings=rep_emb
    )


def _hubs(
    clusters_df: pd.DataFrame,
    centroids: np.ndarray,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
) -> pd.DataFrame:
    """Step 7: hub and pillar columns on ``clusters_df`` (-1 / False without hubs), hubs table."""
    clusters_df["hub"] = -1
    clusters_df["is_pillar"] = False
    if not (options.hubs and len(clusters_df)):
        return pd.DataFrame(columns=["hub", "name", "pillar", "clusters", "total_volume"])
    notify(90, "Grouping clusters into hubs")
    return steps.hub_step(
        clusters_df,
        centroids,
        threshold=hub_threshold(embedder, options),
        centred_threshold=(
            HUB_CENTRED_THRESHOLDS[tier_of(embedder, options)]
            if options.hub_threshold is None
            else None
        ),
    )


def _stats(
    keywords: list[str],
    reason: np.ndarray,
    cluster: np.ndarray,
    g: steps.Groups,
    c: steps.Communities,
    hubs_df: pd.DataFrame,
    embedder: Embedder,
    options: ClusterOptions,
    timings: dict[str, float],
) -> dict[str, Any]:
    """The run's statistics (counts, shares, thresholds, seconds per step)."""
    n = len(keywords)
    unclustered = int((cluster < 0).sum())
    pairwise_mode = options.grouping == "pairwise"
    return {
        "keywords": n,
        "lexical_groups": g.n_groups,
        "clusters": len(c.centre_group),
        "hubs": int(len(hubs_df)),
        "unclustered": unclustered,
        "attached": c.attached,
        "singleton_clusters": int(len(c.singles)),
        "singleton_min_volume": options.singleton_min_volume,
        "unclustered_share": round(unclustered / n, 4) if n else 0.0,
        "unclustered_reasons": {
            str(k): int(v) for k, v in pd.Series(reason).value_counts().items()
        },
        "threshold": page_threshold(embedder, options),
        "grouping": options.grouping,
        "probability_threshold": probability_threshold(options) if pairwise_mode else None,
        "grouping_hint": bool(options.use_grouping_hint),
        "pairs_scored": c.n_pairs,
        "hub_threshold": hub_threshold(embedder, options) if options.hubs else None,
        "embedder": getattr(embedder, "name", ""),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
