"""Topical hubs (:mod:`services.clustering.hubs`): bounded size, pillar coherence, determinism.

The synthetic inputs mimic a single-domain keyword list: every cluster centroid shares one
strong common direction (the domain word), so all clusters are linked at the hub threshold
and plain modularity on the kNN graph used to return hubs of 40-100+ clusters.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from services.clustering import hubs

#: Hub threshold of the static tier (``services.clustering.pages.HUB_THRESHOLDS``).
THRESHOLD = 0.80


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def single_domain(n: int = 300, dim: int = 32, noise: float = 0.06, seed: int = 0):
    """``n`` centroids around one direction (pairwise cosine ≈ 0.9), volumes and sizes."""
    rng = np.random.default_rng(seed)
    base = np.zeros(dim, np.float32)
    base[0] = 1.0
    cent = _unit(base + rng.normal(0, noise, (n, dim)))
    volume = rng.integers(10, 10_000, n).astype(np.float64)
    size = rng.integers(2, 30, n)
    return cent, volume, size


def _hub_sizes(hub: np.ndarray) -> np.ndarray:
    return np.bincount(hub)


def _child_cosines(cent, hub, volume, size) -> np.ndarray:
    """Cosine of every non-pillar cluster to its hub's pillar."""
    pillar = hubs.pick_pillars(hub, volume, size)
    pillar_of = np.empty(hub.max() + 1, np.int64)
    pillar_of[hub[pillar]] = np.flatnonzero(pillar)
    child = np.flatnonzero(~pillar)
    return np.einsum("ij,ij->i", cent[child], cent[pillar_of[hub[child]]])


def test_single_domain_hubs_are_bounded_and_coherent():
    cent, volume, size = single_domain()
    hub = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    sizes = _hub_sizes(hub)
    assert sizes.max() <= hubs.MAX_HUB_PAGES
    # Still grouped: most clusters are in hubs with a pillar and supporting pages.
    assert sizes[sizes >= 2].sum() >= 0.5 * len(hub)
    assert (_child_cosines(cent, hub, volume, size) >= THRESHOLD + hubs.PILLAR_MARGIN).all()
    # Numbered by descending hub volume.
    hub_volume = np.bincount(hub, weights=volume)
    assert (np.diff(hub_volume) <= 0).all()


def test_max_pages_is_respected_when_set_lower():
    cent, volume, size = single_domain(n=120, seed=3)
    hub = hubs.detect_hubs(cent, volume, size, THRESHOLD, max_pages=5)
    assert _hub_sizes(hub).max() <= 5


def test_child_far_from_pillar_leaves_the_hub():
    # A chain pillar → b → c: each step cosine 0.90 (linked), but c is only cos 0.62 from
    # the pillar, so c is not about the pillar's topic and must not be its child.
    angles = np.radians([0.0, 25.84, 51.68])
    cent = _unit(np.stack([np.cos(angles), np.sin(angles), np.zeros(3)], axis=1))
    volume = np.array([1000.0, 100.0, 50.0])
    size = np.array([5, 3, 2])
    hub = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    assert hub[0] == hub[1]
    assert hub[2] != hub[0]
    assert (hub == hub[2]).sum() == 1  # its own hub (a standalone page)


def test_detached_clusters_regroup_under_a_pillar_that_fits():
    # One chain of links from pillar P1 (0°) to P2 (50°): plain modularity keeps all eight
    # in P1's hub, but x (34°, cosine 0.83 to P1) and P2 (cosine 0.64) are not about P1's
    # topic; x is 0.96 from P2, so the two form a hub of their own under P2.
    angles = np.radians([0.0, 6.0, 12.0, 18.0, 24.0, 28.0, 34.0, 50.0])
    cent = _unit(np.stack([np.cos(angles), np.sin(angles), np.zeros(8)], axis=1))
    volume = np.array([1000.0, 500.0, 400.0, 300.0, 200.0, 100.0, 50.0, 900.0])
    size = np.full(8, 3)
    hub = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    assert len(set(hub[:6].tolist())) == 1
    assert hub[6] == hub[7] != hub[0]
    assert (_child_cosines(cent, hub, volume, size) >= THRESHOLD + hubs.PILLAR_MARGIN).all()


def test_deterministic_and_leaves_global_random_untouched():
    cent, volume, size = single_domain(n=400, seed=7)
    state = random.getstate()
    first = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    assert random.getstate() == state
    random.seed(123)  # another user of the global generator must not change the result
    second = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    np.testing.assert_array_equal(first, second)
    assert _hub_sizes(first).max() <= hubs.MAX_HUB_PAGES


def test_single_cluster_and_empty_input():
    cent = _unit(np.ones((1, 4)))
    hub = hubs.detect_hubs(cent, np.array([10.0]), np.array([3]), THRESHOLD, max_pages=1)
    np.testing.assert_array_equal(hub, [0])
    assert hubs.pick_pillars(hub, np.array([10.0]), np.array([3])).tolist() == [True]
    empty = hubs.detect_hubs(np.zeros((0, 4), np.float32), np.zeros(0), np.zeros(0), THRESHOLD)
    assert empty.shape == (0,)


def test_no_links_every_cluster_is_its_own_hub():
    cent = np.eye(5, dtype=np.float32)
    volume = np.array([10.0, 50.0, 30.0, 20.0, 40.0])
    hub = hubs.detect_hubs(cent, volume, np.ones(5, np.int64), THRESHOLD, pillar_threshold=0.9)
    # One hub per cluster, numbered by descending volume.
    np.testing.assert_array_equal(hub, [4, 0, 2, 3, 1])
    assert hubs.pick_pillars(hub, volume, np.ones(5)).all()


def test_greedy_fallback_is_bounded_and_coherent(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hubs, "_leiden", lambda *args, **kwargs: None)
    cent, volume, size = single_domain(n=300, noise=0.05, seed=11)
    hub = hubs.detect_hubs(cent, volume, size, THRESHOLD, max_pages=10)
    assert _hub_sizes(hub).max() <= 10
    assert (_child_cosines(cent, hub, volume, size) >= THRESHOLD + hubs.PILLAR_MARGIN).all()


def test_centring_removes_the_shared_domain_direction():
    # 120 clusters of one list: a strong shared "domain" direction plus one of 40 random
    # topic directions (3 clusters each) plus noise. Raw cosines between *unrelated* topics
    # are ≈ 0.89 (above the raw threshold and pillar threshold), so raw hubs mix topics;
    # centred (≈ 0.8 within a topic, ≈ 0 across), only the clusters of one topic stay linked.
    rng = np.random.default_rng(5)
    n_topics, per, dim = 40, 3, 96
    topic = np.repeat(np.arange(n_topics), per)
    domain = np.zeros(dim, np.float32)
    domain[0] = 1.0
    topics = _unit(rng.normal(0, 1, (n_topics, dim)) * (np.arange(dim) > 0))
    cent = _unit(0.95 * domain + 0.30 * topics[topic] + rng.normal(0, 0.015, (len(topic), dim)))
    volume = rng.integers(10, 10_000, len(topic)).astype(np.float64)
    size = rng.integers(2, 30, len(topic))

    def mixed(hub: np.ndarray) -> int:
        return sum(len(set(topic[hub == h].tolist())) > 1 for h in np.unique(hub))

    raw = hubs.detect_hubs(cent, volume, size, THRESHOLD)
    assert mixed(raw) > 0  # the shared direction links unrelated topics
    centred = hubs.detect_hubs(cent, volume, size, THRESHOLD, centred_threshold=0.65)
    assert mixed(centred) == 0
    # ... while the clusters of each topic are still grouped under one pillar.
    assert (np.bincount(centred) >= 2).sum() >= 0.9 * n_topics
    # Too few clusters for a meaningful mean: the raw threshold applies.
    few = slice(0, hubs.CENTRE_MIN_CLUSTERS - 1)
    np.testing.assert_array_equal(
        hubs.detect_hubs(cent[few], volume[few], size[few], THRESHOLD, centred_threshold=0.65),
        hubs.detect_hubs(cent[few], volume[few], size[few], THRESHOLD),
    )


def test_centre_removes_the_mean_and_renormalises():
    x = _unit(np.array([[1.0, 0.2], [1.0, -0.2], [1.0, 0.0]]))
    c = hubs.centre(x)
    np.testing.assert_allclose(np.linalg.norm(c[:2], axis=1), 1.0, rtol=1e-5)
    assert float(c[0] @ c[1]) < -0.99  # the shared direction is gone: opposite
    assert np.isfinite(c).all()
