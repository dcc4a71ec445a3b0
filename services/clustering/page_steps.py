"""The steps of :func:`services.clustering.pages.cluster_keywords`, one function each.

Pure (arrays and DataFrames in and out); the orchestration, options and thresholds stay in
:mod:`services.clustering.pages`. Step numbers follow that module's docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from services.clustering import hubs as hubs_mod
from services.clustering import knn as ck
from services.clustering import pairwise as pw
from services.clustering.lexical import lexical_groups
from services.clustering.variants import variant_groups

Notify = Callable[[float, str], None]


@dataclass
class Groups:
    """Step 2: lexical (or same-search) groups of the eligible keywords.

    ``groups`` (n,) group per keyword (-1 = not eligible); ``rep`` (g,) representative row;
    ``gsize`` / ``gvol`` (g,) keywords and summed search volume per group.
    """

    groups: np.ndarray
    n_groups: int
    rep: np.ndarray
    gsize: np.ndarray
    gvol: np.ndarray


def lexical_step(
    frame: pd.DataFrame,
    keywords: list[str],
    vol0: np.ndarray,
    eligible: np.ndarray,
    *,
    pairwise_mode: bool,
    use_grouping_hint: bool,
) -> Groups:
    """Group the eligible keywords; representative = highest volume, then shortest, then
    alphabetical."""
    n = len(keywords)
    groups = np.full(n, -1, np.int64)
    if len(eligible):
        eligible_words = [keywords[i] for i in eligible]
        if pairwise_mode:
            hints = None
            if use_grouping_hint and "grouping_hint" in frame:
                hint_col = frame["grouping_hint"].to_numpy(object)
                hints = [hint_col[i] if isinstance(hint_col[i], str) else None for i in eligible]
            groups[eligible] = variant_groups(eligible_words, hints=hints)
        else:
            groups[eligible] = lexical_groups(eligible_words)
    n_groups = int(groups.max()) + 1 if len(eligible) else 0
    # Python lists, not numpy scalars, in the sort key (the same values: ≈ 3x faster).
    group_of, neg_vol = groups.tolist(), (-vol0).tolist()
    order = sorted(
        eligible.tolist(), key=lambda i: (group_of[i], neg_vol[i], len(keywords[i]), keywords[i])
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
    return Groups(groups, n_groups, rep, gsize, gvol)


@dataclass
class Communities:
    """Step 4-5: cluster label per group, the centre group of each cluster, counts."""

    group_label: np.ndarray
    centre_group: np.ndarray
    n_pairs: int
    attached: int
    singles: np.ndarray


def pairwise_labels(
    emb_act: np.ndarray,
    texts: list[str],
    g: Groups,
    act: np.ndarray,
    *,
    k: int,
    tier: str,
    probability: float,
    notify: Notify,
    timings: dict[str, float],
    t_start: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairwise same-page model on each group's nearest neighbours: (labels, centres, pairs)."""
    import time

    nb = ck.knn(
        emb_act,
        min(k, pw.pair_k(len(act))),
        progress=lambda f: notify(50 + 25 * f, "Finding nearest neighbours"),
    )
    left, right, cos, ranks = pw.candidate_pairs(nb, pw.PAIR_MIN_COSINE[tier])
    del nb
    timings["knn"] = time.perf_counter() - t_start
    notify(78, "Scoring keyword pairs")
    model = pw.load_model(tier)
    prob = pw.score_pairs(model, texts, g.gvol[act], left, right, cos, ranks)
    del cos, ranks  # scored: only the pairs and their probabilities form the clusters
    notify(82, "Forming page-level clusters")
    labels, centres = pw.cluster_by_probability(
        len(act), left, right, prob, probability, size=g.gsize[act], volume=g.gvol[act]
    )
    return labels, centres, len(left)


def cosine_labels(
    emb_act: np.ndarray,
    g: Groups,
    act: np.ndarray,
    *,
    k: int,
    threshold: float,
    notify: Notify,
    timings: dict[str, float],
    t_start: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy communities on the neighbour lists above the cosine threshold."""
    import time

    nb = ck.knn(emb_act, k, progress=lambda f: notify(50 + 25 * f, "Finding nearest neighbours"))
    indptr, indices, sims = ck.neighbour_lists(emb_act, nb, threshold)
    del nb
    timings["knn"] = time.perf_counter() - t_start
    notify(78, "Forming page-level clusters")
    return ck.greedy_communities(
        indptr,
        indices,
        sims,
        size=g.gsize[act],
        volume=g.gvol[act],
        min_size=2,
        emb=emb_act,
        threshold=threshold,
    )


def place_groups(
    g: Groups,
    active: np.ndarray,
    rep_emb: np.ndarray,
    act: np.ndarray,
    labels_act: np.ndarray,
    centres_act: np.ndarray,
    *,
    attach_threshold: float | None,
    singleton_min_volume: int | None,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Cluster label per group after lone attachment (cosine grouping) and single-group
    pages at or above the singleton floor: (group_label, centre_group, attached, singles)."""
    group_label = np.full(g.n_groups, -1, np.int64)
    group_label[act] = labels_act
    centre_group = act[centres_act] if len(centres_act) else np.zeros(0, np.int64)
    n_clusters = len(centre_group)
    attached = 0
    if attach_threshold is not None and n_clusters:
        attached = attach_lone(group_label, active, rep_emb, g.gsize, n_clusters, attach_threshold)
    singles = np.zeros(0, np.int64)
    if singleton_min_volume is not None:
        singles = np.flatnonzero((group_label < 0) & active & (g.gvol >= singleton_min_volume))
        group_label[singles] = n_clusters + np.arange(len(singles))
        centre_group = np.concatenate([centre_group, singles]).astype(np.int64)
    return group_label, centre_group, attached, singles


def group_similarity(
    group_label: np.ndarray, centre_group: np.ndarray, rep_emb: np.ndarray, n_groups: int
) -> np.ndarray:
    """Cosine of each placed group's representative to its cluster centre (NaN unplaced)."""
    group_sim = np.full(n_groups, np.nan, np.float32)
    placed = np.flatnonzero(group_label >= 0)
    if len(placed):
        centre_of = centre_group[group_label[placed]]
        group_sim[placed] = np.einsum("ij,ij->i", rep_emb[placed], rep_emb[centre_of])
        group_sim[centre_group] = 1.0
    return group_sim


def hub_step(
    clusters_df: pd.DataFrame,
    centroids: np.ndarray,
    *,
    threshold: float,
    centred_threshold: float | None,
) -> pd.DataFrame:
    """Step 7: hub and pillar columns set on ``clusters_df``; returns the hubs table."""
    hub = hubs_mod.detect_hubs(
        centroids,
        clusters_df["total_volume"].to_numpy(np.float64),
        clusters_df["size"].to_numpy(),
        threshold,
        centred_threshold=centred_threshold,
    )
    clusters_df["hub"] = hub
    clusters_df["is_pillar"] = hubs_mod.pick_pillars(
        hub, clusters_df["total_volume"].to_numpy(np.float64), clusters_df["size"].to_numpy()
    )
    return summarise_hubs(clusters_df)


def describe_clusters(
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


def attach_lone(
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
