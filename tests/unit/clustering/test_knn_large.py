"""The reduced neighbour search of very large lists (services.clustering.knn._knn_reduced)."""

from __future__ import annotations

import numpy as np
import pytest

from services.clustering import knn as ck


def _clustered(n_centres: int, per: int, d: int, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_centres, d)).astype(np.float32)
    x = centres.repeat(per, axis=0) + 0.15 * rng.standard_normal((n_centres * per, d))
    x = x.astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def large_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ck, "LARGE_FROM_ROWS", 1_000)


@pytest.mark.usefixtures("large_from")
def test_reduced_search_finds_the_neighbours_with_exact_cosines() -> None:
    x = _clustered(200, 20, 160)  # 160 dims: reduced to LARGE_DIMS
    nb = ck.knn(x, 8)
    rows = np.arange(len(x))
    assert nb.idx.shape == (4_000, 8)
    assert (nb.idx != rows[:, None]).all()
    same = (nb.idx // 20) == (rows // 20)[:, None]
    assert same.mean() > 0.95
    # The cosines are the full vectors' (not the reduced ones'), best first.
    found = nb.idx >= 0
    exact = np.einsum("nd,nkd->nk", x, x[np.maximum(nb.idx, 0)])
    np.testing.assert_allclose(nb.sim[found], exact[found], rtol=1e-5, atol=1e-5)
    assert (np.diff(nb.sim, axis=1) <= 1e-6).all()


def test_up_to_the_switch_over_the_search_is_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    x = _clustered(100, 20, 32)
    before = ck.knn(x, 5, exact_max_rows=500)

    def fail(*_args: object) -> None:
        raise AssertionError("the reduced search ran below LARGE_FROM_ROWS")

    monkeypatch.setattr(ck, "_knn_reduced", fail)
    after = ck.knn(x, 5, exact_max_rows=500)  # 2,000 rows ≤ LARGE_FROM_ROWS
    np.testing.assert_array_equal(before.idx, after.idx)
