"""Topical hubs: page-level clusters grouped under one pillar cluster.

The cluster graph has one node per page-level cluster (its centroid) and an edge to each of
its k nearest clusters whose cosine is at least the hub threshold, weighted by that cosine.
Communities of this graph are found with Leiden (``leidenalg`` on ``igraph``, modularity,
fixed seed), which guarantees connected communities and, unlike thresholded connected
components, does not collapse a kNN graph into one giant component (issue measurement).
When ``leidenalg`` is not installed, a second greedy pass on the cluster graph is used
instead (same idea as the page level, at the looser hub threshold).

Pillar = the cluster with the highest total search volume in the hub (ties: more keywords,
then the lower cluster number); the hub is named after its pillar.
"""

from __future__ import annotations

import numpy as np

from services import clustering_knn as ck

#: Neighbouring clusters considered per cluster when building the cluster graph.
HUB_K = 15
#: Leiden seed: the same input always gives the same hubs.
LEIDEN_SEED = 42
#: Modularity resolution (1.0 = standard modularity; higher → smaller hubs).
LEIDEN_RESOLUTION = 1.0


def detect_hubs(
    centroids: np.ndarray,
    total_volume: np.ndarray,
    size: np.ndarray,
    threshold: float,
    *,
    k: int = HUB_K,
    resolution: float = LEIDEN_RESOLUTION,
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
        Smallest cosine between two cluster centroids that links them.
    k : int
        Nearest clusters per cluster in the graph.
    resolution : float
        Leiden modularity resolution.

    Returns
    -------
    np.ndarray
        (m,) int hub number per cluster, numbered by descending hub volume; a cluster with
        no link is a hub of its own.
    """
    m = len(centroids)
    if m == 0:
        return np.zeros(0, np.int64)
    nb = ck.knn(centroids, min(k, max(m - 1, 0)))
    rows = np.repeat(np.arange(m), nb.k)
    cols = nb.idx.ravel()
    sims = nb.sim.ravel()
    keep = (cols >= 0) & (sims >= threshold)
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    # Undirected, one edge per pair.
    a, b = np.minimum(rows, cols), np.maximum(rows, cols)
    if len(a):
        pairs = np.unique(np.stack([a, b], axis=1), axis=0, return_index=True)
        a, b = pairs[0][:, 0], pairs[0][:, 1]
        sims = sims[pairs[1]]
    labels = _leiden(m, a, b, sims, resolution)
    if labels is None:
        labels = _greedy(m, a, b, sims, size, total_volume)
    return _renumber_by_volume(labels, total_volume)


def _leiden(
    m: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, resolution: float
) -> np.ndarray | None:
    try:
        import igraph as ig
        import leidenalg
    except ImportError:  # pragma: no cover - exercised only without the optional package
        return None
    graph = ig.Graph(n=m, edges=np.stack([a, b], axis=1).tolist() if len(a) else [])
    graph.es["weight"] = w.astype(float).tolist()
    part = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight" if len(a) else None,
        resolution_parameter=resolution,
        seed=LEIDEN_SEED,
    )
    return np.asarray(part.membership, np.int64)


def _greedy(
    m: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, size: np.ndarray, volume: np.ndarray
) -> np.ndarray:
    """Greedy communities on the cluster graph (fallback without leidenalg)."""
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
