"""Topical hubs: page-level clusters grouped under one pillar cluster.

A hub goes to review as one pillar page with its supporting pages, so it must be *topical*
(every child about the pillar's topic) and *buildable* (a pillar plus at most
:data:`MAX_HUB_PAGES` - 1 supporting pages). Steps:

1. **Cluster graph**: one node per page-level cluster (its centroid) and an edge to each of
   its :data:`HUB_K` nearest clusters whose cosine is at least the hub threshold, weighted
   by that cosine (:func:`services.clustering.knn.knn`, no m×m matrix).
2. **Communities**: Leiden (igraph's C implementation, modularity, seeded), which keeps
   communities connected and does not collapse a kNN graph into one giant component like
   thresholded connected components. Without ``igraph`` a greedy pass on the cluster graph
   is used instead (same idea as the page level, at the hub threshold).
3. **Bounded size**: a community larger than :data:`MAX_HUB_PAGES` is split again by Leiden
   on its own subgraph, the resolution doubling while it does not split, recursively.
4. **Pillar coherence**: the pillar is the member with the highest total volume
   (:func:`pick_pillars`); a child whose centroid is below the pillar threshold
   (hub threshold + :data:`PILLAR_MARGIN`) of the pillar's centroid leaves the hub, as do
   the children beyond the size cap (least similar first).
5. **Regrouping**: the clusters that left are grouped again among themselves (steps 2-4, at
   most :data:`MAX_ROUNDS` rounds); a cluster still alone then joins the most similar hub
   whose pillar is within the pillar threshold, outranks it and has room, else it stays a
   hub of its own (a standalone page).

**Centring** (static tier): a single-domain list's centroids share one strong direction
(the domain word, plus the static model's own anisotropy): the mean centroid's norm is 0.71 on
the shared wordpress export and 0.78 on add-to-website, so every raw cosine is inflated and
weak children passed ("wordpress get_terms" under "wordpress news": MiniLM 0.26, static
≥ 0.85). With ``centred_threshold`` and at least :data:`CENTRE_MIN_CLUSTERS` clusters, the
centroids are first centred (:func:`centre`: minus the list's mean centroid, renormalised), so
cosines measure what two clusters share *beyond* the list's common direction, and the graph
and pillar test use ``centred_threshold`` (+ :data:`CENTRED_PILLAR_MARGIN`) instead of the
raw ``threshold``. The MiniLM tier is not centred (see
``services.clustering.pages.HUB_CENTRED_THRESHOLDS``).

Measured on the shared Semrush exports, each clustered with the page-level rules of
``services.clustering.pages`` (tier forced; figures of the bounded/coherent version before and
after centring). "grouped" = share of clusters in hubs of ≥ 2 clusters; coherence = cosine of
each child's MiniLM centroid to its pillar's:

=================================  ======  =======  ============  =============  ==============
export (page clusters), tier       centred grouped  MiniLM mean   MiniLM < 0.5   max/p90/median
=================================  ======  =======  ============  =============  ==============
wordpress (5,674), static          no      62.4 %   0.777         4.4 %          30 / 10 / 3
wordpress (5,674), static          yes     74.9 %   0.779         2.5 %          30 / 9 / 3
add-to-website (3,526), static     no      82.0 %   0.802         2.1 %          30 / 15 / 5
add-to-website (3,526), static     yes     83.4 %   0.836         1.2 %          29 / 12 / 4
wordpress (5,399), MiniLM          no      84.7 %   0.746         0.0 %          28 / 15 / 5
=================================  ======  =======  ============  =============  ==============

Before the size cap and pillar test (unbounded Leiden on the older page clusters) the largest
hubs held 228 (wordpress) and 535 (add-to-website) clusters with child→pillar MiniLM means of
0.53 / 0.56. 20,000 centroids (static, 2 cores): 1.7 s, of which ≈ 1.2 s is the kNN search.

The hub is named after its pillar.
"""

from __future__ import annotations

import random
import threading

import numpy as np

from services.clustering import knn as ck

#: Neighbouring clusters considered per cluster when building the cluster graph.
HUB_K = 15
#: Leiden seed: the same input always gives the same hubs.
LEIDEN_SEED = 42
#: Leiden refinement passes (igraph default 2; the result is stable after two here).
LEIDEN_ITERATIONS = 2
#: Modularity resolution (1.0 = standard modularity; higher → smaller hubs).
LEIDEN_RESOLUTION = 1.0
#: Most page clusters in one hub (pillar included): a pillar plus up to 29 supporting pages,
#: the upper end of what a strategist can build as one topical hub (issue: 3-30 supporting
#: pages). Only the largest hubs hit it (p90 6 / 11 on the shared exports).
MAX_HUB_PAGES = 30
#: Pillar threshold = hub threshold + this margin (cosine of a child's centroid to its
#: pillar's centroid): 0.85 on the static tier, 0.60 on MiniLM. On the shared wordpress
#: export, children at static cosine 0.80-0.83 to their pillar had MiniLM cosine 0.61 on
#: average and read as loosely related ("add quote of the day to website" under "how to add
#: keywords to website"); margins 0 / 0.03 / 0.05 / 0.08 left 12 / 8 / 6 / 3 % of children
#: below MiniLM 0.5 while keeping 78 / 65 / 53 / 28 % of clusters in hubs of ≥ 2.
PILLAR_MARGIN = 0.05
#: Rounds of community detection (the first, then regrouping the clusters that left a hub;
#: each round only sees those clusters). On the shared exports the third round still put
#: 3-4 % of the clusters into hubs, a fourth only 1-2 %.
MAX_ROUNDS = 3
#: Resolution doublings tried on a community that does not split (2^12 × the base).
MAX_DOUBLINGS = 12
#: Pillar threshold in the centred space = centred threshold + this margin. Centring already
#: removes the inflation the raw margin compensated for: on the shared exports (static tier,
#: centred threshold 0.65) margins 0 / 0.01 / 0.02 kept 75 / 72 / 69 % (wordpress) and
#: 83 / 82 / 78 % (add-to-website) of clusters in hubs of ≥ 2 at child→pillar MiniLM mean
#: 0.78 / 0.79 / 0.79 and 0.84 / 0.84 / 0.84; 0 is the largest grouping that stays at least
#: as coherent as the raw rule (see ``services.clustering.pages.HUB_CENTRED_THRESHOLDS``).
CENTRED_PILLAR_MARGIN = 0.0
#: Fewest clusters for centring: the mean of fewer centroids is mostly the centroids
#: themselves (two centred centroids are always opposite). On random subsets of the shared
#: static exports centring was as coherent as the raw rule from 50 clusters on, but grouped
#: far fewer clusters below 25; smaller inputs (e.g. a small reconciliation batch) use the
#: raw threshold.
CENTRE_MIN_CLUSTERS = 50

_RNG_LOCK = threading.Lock()


def detect_hubs(
    centroids: np.ndarray,
    total_volume: np.ndarray,
    size: np.ndarray,
    threshold: float,
    *,
    k: int = HUB_K,
    resolution: float = LEIDEN_RESOLUTION,
    max_pages: int = MAX_HUB_PAGES,
    pillar_threshold: float | None = None,
    centred_threshold: float | None = None,
) -> np.ndarray:
    """Hub number of every cluster.

    Parameters
    ----------
    centroids : np.ndarray
        (m, d) float32 unit centroids of the page-level clusters.
    total_volume : np.ndarray
        (m,) total search volume per cluster (searches/month).
    size : np.ndarray
        (m,) keywords per cluster.
    threshold : float
        Smallest cosine between two cluster centroids that links them (raw centroids).
    k : int
        Nearest clusters per cluster in the graph.
    resolution : float
        Leiden modularity resolution of the first pass.
    max_pages : int
        Most clusters per hub, pillar included (:data:`MAX_HUB_PAGES`).
    pillar_threshold : float, optional
        Smallest cosine of a child's centroid to its pillar's centroid, in the space used
        (centred when centring applies); default ``threshold + PILLAR_MARGIN``, or
        ``centred_threshold + CENTRED_PILLAR_MARGIN`` when centring applies.
    centred_threshold : float, optional
        When given and there are at least :data:`CENTRE_MIN_CLUSTERS` clusters, the
        centroids are centred (:func:`centre`) and this is the link threshold instead of
        ``threshold``. None (default): raw centroids.

    Returns
    -------
    np.ndarray
        (m,) int hub number per cluster, numbered by descending hub volume; a cluster with
        no link is a hub of its own. Every hub has at most ``max_pages`` clusters and every
        non-pillar member (see :func:`pick_pillars`) is within ``pillar_threshold`` of the
        pillar (in the space used).
    """
    m = len(centroids)
    if m == 0:
        return np.zeros(0, np.int64)
    max_pages = max(1, int(max_pages))
    cent = np.ascontiguousarray(centroids, dtype=np.float32)
    margin = PILLAR_MARGIN
    if centred_threshold is not None and m >= CENTRE_MIN_CLUSTERS:
        cent = centre(cent)
        threshold, margin = float(centred_threshold), CENTRED_PILLAR_MARGIN
    p_min = threshold + margin if pillar_threshold is None else float(pillar_threshold)
    volume = np.asarray(total_volume, np.float64)
    size = np.asarray(size, np.int64)
    rank = _pillar_rank(volume, size)
    a, b, w = _cluster_graph(cent, threshold, k)
    labels, next_label = _leiden_rounds(
        (a, b, w), cent, rank, size, volume, resolution, max_pages, p_min
    )
    _join_best_hub(labels, cent, rank, p_min, max_pages)
    alone = np.flatnonzero(labels < 0)
    labels[alone] = next_label + np.arange(len(alone))
    return _renumber_by_volume(labels, volume)


def _leiden_rounds(
    graph: tuple[np.ndarray, np.ndarray, np.ndarray],
    cent: np.ndarray,
    rank: np.ndarray,
    size: np.ndarray,
    volume: np.ndarray,
    resolution: float,
    max_pages: int,
    p_min: float,
) -> tuple[np.ndarray, int]:
    """Leiden rounds on the clusters not yet in a hub (at most :data:`MAX_ROUNDS`): each
    round's hubs of two or more clusters are kept, the rest tried again.

    Returns (hub label per cluster, -1 = none yet; the next free label)."""
    a, b, w = graph
    m = len(cent)
    labels = np.full(m, -1, np.int64)
    next_label = 0
    todo = np.arange(m)
    for _ in range(MAX_ROUNDS):
        if len(todo) < 2:
            break
        sa, sb, sw = _induced(todo, a, b, w, m)
        if not len(sa):
            break
        lab = _communities(len(todo), sa, sb, sw, size[todo], volume[todo], resolution, max_pages)
        lab = _split_large(lab, sa, sb, sw, max_pages, resolution)
        lab = _prune(lab, cent[todo], rank[todo], p_min, max_pages)
        counts = np.bincount(np.maximum(lab, 0), weights=lab >= 0)
        done = (lab >= 0) & (counts[np.maximum(lab, 0)] >= 2)
        if not done.any():
            break
        _, inv = np.unique(lab[done], return_inverse=True)
        labels[todo[done]] = next_label + inv
        next_label += int(inv.max()) + 1
        todo = todo[~done]
    return labels, next_label


def centre(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Unit vectors minus their mean (or ``mean``), renormalised (float32).

    Removes the direction every vector of a list shares, so cosines compare what is
    specific to each; a vector equal to the mean becomes zero (cosine 0 to everything).
    """
    x = np.asarray(vectors, np.float32)
    mu = x.mean(axis=0) if mean is None else np.asarray(mean, np.float32)
    x = x - mu
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def _pillar_rank(volume: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Rank of each cluster in the pillar order of :func:`pick_pillars` (0 = first)."""
    m = len(volume)
    order = np.lexsort((np.arange(m), -size, -volume))
    rank = np.empty(m, np.int64)
    rank[order] = np.arange(m)
    return rank


def _cluster_graph(
    cent: np.ndarray, threshold: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected kNN edges (a < b, one per pair) with cosine ≥ ``threshold``."""
    m = len(cent)
    nb = ck.knn(cent, min(k, max(m - 1, 0)))
    rows = np.repeat(np.arange(m), nb.k)
    cols = nb.idx.ravel()
    sims = nb.sim.ravel()
    keep = (cols >= 0) & (sims >= threshold)
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    a, b = np.minimum(rows, cols), np.maximum(rows, cols)
    if len(a):
        pairs, first = np.unique(np.stack([a, b], axis=1), axis=0, return_index=True)
        a, b, sims = pairs[:, 0], pairs[:, 1], sims[first]
    return a.astype(np.int64), b.astype(np.int64), sims.astype(np.float32)


def _induced(
    nodes: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges among ``nodes`` renumbered to positions in ``nodes`` (sorted ascending)."""
    local = np.full(m, -1, np.int64)
    local[nodes] = np.arange(len(nodes))
    keep = (local[a] >= 0) & (local[b] >= 0)
    return local[a[keep]], local[b[keep]], w[keep]


def _communities(
    n: int,
    a: np.ndarray,
    b: np.ndarray,
    w: np.ndarray,
    size: np.ndarray,
    volume: np.ndarray,
    resolution: float,
    max_pages: int,
) -> np.ndarray:
    labels = _leiden(n, a, b, w, resolution)
    if labels is None:
        labels = _greedy(n, a, b, w, size, volume)
    return labels


def _leiden(
    m: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, resolution: float
) -> np.ndarray | None:
    """Leiden communities (modularity, ``resolution``) of an m-node weighted graph.

    Uses igraph's C implementation (``Graph.community_leiden``): on a 20,000-cluster graph
    it took 0.09 s against 1.6 s for ``leidenalg`` (same objective, measured here), which
    matters because large communities are split by further Leiden runs. igraph draws from
    a process-wide random generator, so each run swaps in one seeded with
    :data:`LEIDEN_SEED` under a lock: the same input always gives the same communities.
    Returns None without ``igraph``.
    """
    try:
        import igraph as ig
    except ImportError:  # pragma: no cover - exercised only without the optional package
        return None
    if m == 0:
        return np.zeros(0, np.int64)
    graph = ig.Graph(n=m, edges=np.stack([a, b], axis=1).tolist() if len(a) else [])
    graph.es["weight"] = w.astype(float).tolist()
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(LEIDEN_SEED))
        try:
            part = graph.community_leiden(
                objective_function="modularity",
                weights="weight" if len(a) else None,
                resolution=resolution,
                n_iterations=LEIDEN_ITERATIONS,
            )
        finally:
            ig.set_random_number_generator(random)
    return np.asarray(part.membership, np.int64)


def _split_large(
    labels: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    w: np.ndarray,
    max_pages: int,
    resolution: float,
) -> np.ndarray:
    """Split every community above ``max_pages`` by Leiden on its subgraph, recursively.

    The resolution starts at ``resolution`` on each subgraph (modularity is then relative to
    that subgraph) and doubles while the community comes back whole, up to
    :data:`MAX_DOUBLINGS` times. Communities that still do not split are left to the size
    cap of :func:`_prune`. Without ``igraph`` nothing is split here.
    """
    labels = np.asarray(labels, np.int64).copy()
    n = len(labels)
    next_label = int(labels.max()) + 1 if n else 0
    stuck: set[int] = set()
    while True:
        counts = np.bincount(labels, minlength=next_label)
        big = [c for c in np.flatnonzero(counts > max_pages).tolist() if c not in stuck]
        if not big:
            return labels
        intra = labels[a] == labels[b]
        ia, ib, iw = a[intra], b[intra], w[intra]
        order = np.argsort(labels[ia], kind="stable")
        ia, ib, iw = ia[order], ib[order], iw[order]
        el = labels[ia]
        for c in big:
            members = np.flatnonzero(labels == c)
            lo, hi = np.searchsorted(el, [c, c + 1])
            sa, sb, sw = _induced(members, ia[lo:hi], ib[lo:hi], iw[lo:hi], n)
            parts = None
            r = resolution
            for _ in range(MAX_DOUBLINGS + 1):
                parts = _leiden(len(members), sa, sb, sw, r)
                if parts is None or parts.max() > 0:
                    break
                r *= 2.0
            if parts is None or parts.max() == 0:
                stuck.add(c)
                continue
            # Part 0 keeps the label c; the others get new labels.
            new = np.where(parts == 0, c, next_label + parts - 1)
            labels[members] = new
            next_label += int(parts.max())


def _prune(
    labels: np.ndarray, cent: np.ndarray, rank: np.ndarray, p_min: float, max_pages: int
) -> np.ndarray:
    """Labels with the children that do not fit their pillar set to -1.

    A child leaves when its centroid's cosine to the pillar's centroid is below ``p_min``
    or when it is beyond the ``max_pages - 1`` children closest to the pillar.
    """
    labels = np.asarray(labels, np.int64).copy()
    n = len(labels)
    order = np.lexsort((rank, labels))  # by community, pillar first
    first = np.ones(n, bool)
    first[1:] = labels[order][1:] != labels[order][:-1]
    pillar_of = np.empty(int(labels.max()) + 1, np.int64)
    pillar_of[labels[order[first]]] = order[first]
    p = pillar_of[labels]
    cos = np.einsum("ij,ij->i", cent, cent[p])
    cos[p == np.arange(n)] = np.inf  # the pillar itself always stays
    labels[cos < p_min] = -1
    # Size cap: keep the max_pages - 1 children closest to the pillar.
    keep = labels >= 0
    idx = np.flatnonzero(keep)
    by = idx[np.lexsort((idx, -cos[idx], labels[idx]))]
    lab = labels[by]
    start = np.r_[True, lab[1:] != lab[:-1]]
    pos = np.arange(len(by)) - np.maximum.accumulate(np.where(start, np.arange(len(by)), 0))
    labels[by[pos >= max_pages]] = -1
    return labels


def _join_best_hub(
    labels: np.ndarray, cent: np.ndarray, rank: np.ndarray, p_min: float, max_pages: int
) -> None:
    """Put each unplaced cluster (label -1) into the best hub that can take it, in place.

    A hub can take it when its pillar's centroid is within ``p_min``, its pillar outranks
    the cluster (so the pillar does not change) and it has fewer than ``max_pages`` members.
    Clusters are placed in pillar order, each into its most similar eligible pillar among
    its :data:`HUB_K` nearest.
    """
    lone = np.flatnonzero(labels < 0)
    placed = labels >= 0
    if not len(lone) or not placed.any():
        return
    hubs = labels[placed]
    counts = np.bincount(hubs)
    cand = np.flatnonzero(placed)
    order = cand[np.lexsort((rank[cand], hubs))]
    first = np.r_[True, labels[order][1:] != labels[order][:-1]]
    pillars = order[first]  # one per hub, in label order
    nn, sim = ck.knn_against(cent[lone], cent[pillars], HUB_K)
    lone_order = np.argsort(rank[lone], kind="stable")
    for j in lone_order.tolist():
        for h, s in zip(nn[j].tolist(), sim[j].tolist(), strict=True):
            if h < 0 or s < p_min:
                break
            if counts[h] < max_pages and rank[pillars[h]] < rank[lone[j]]:
                labels[lone[j]] = h
                counts[h] += 1
                break


def _greedy(
    m: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, size: np.ndarray, volume: np.ndarray
) -> np.ndarray:
    """Greedy communities on the cluster graph (fallback without igraph)."""
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    sims = np.concatenate([w, w]).astype(np.float32)
    order = np.lexsort((-sims, rows))
    rows, cols, sims = rows[order], cols[order], sims[order]
    indptr = np.zeros(m + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    np.cumsum(indptr, out=indptr)
    labels, _ = ck.greedy_communities(
        indptr, cols, sims, size=np.ones(m, np.int64), volume=volume, min_size=1
    )
    return labels


def _renumber_by_volume(labels: np.ndarray, total_volume: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(labels, return_inverse=True)
    hub_volume = np.bincount(inv, weights=np.asarray(total_volume, np.float64))
    order = np.lexsort((np.arange(len(uniq)), -hub_volume))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inv]


def pick_pillars(hub: np.ndarray, total_volume: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Boolean mask of pillar clusters: per hub the highest volume, then most keywords."""
    m = len(hub)
    order = np.lexsort(
        (np.arange(m), -np.asarray(size), -np.asarray(total_volume, np.float64), hub)
    )
    first = np.ones(m, bool)
    first[1:] = hub[order][1:] != hub[order][:-1]
    pillar = np.zeros(m, bool)
    pillar[order[first]] = True
    return pillar
