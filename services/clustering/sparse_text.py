"""Keyword text as sparse binary rows, so pair features are matrix products.

Helpers of :mod:`services.clustering.pair_features`: binary csr matrices from (row, column)
lists, character trigrams of many strings at once, and the shared columns of row pairs.
Pure numpy / scipy.sparse.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def binary_csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> Any:
    """(n, V) csr matrix with 1 at every (row, col) given (repeats count once)."""
    # scipy.sparse is imported where used: it costs ≈ 0.6 s, and pages import this module
    # (through services.clustering.pages) without clustering anything.
    from scipy import sparse

    matrix = sparse.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=shape, dtype=np.float32
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def trigrams(glued: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row and trigram id of every character trigram of each string, vectorized.

    Code points (< 2**21) of the concatenated strings are packed three to an int64; trigrams
    crossing a string boundary are dropped.
    """
    lengths = np.fromiter((len(g) for g in glued), np.int64, len(glued))
    points = np.frombuffer("".join(glued).encode("utf-32-le"), np.uint32).astype(np.int64)
    if len(points) < 3:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = (points[:-2] << 42) | (points[1:-1] << 21) | points[2:]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    per_row = np.maximum(lengths - 2, 0)
    rows = np.repeat(np.arange(len(glued)), per_row)
    offsets = np.arange(int(per_row.sum())) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    _, ids = np.unique(codes[np.repeat(starts, per_row) + offsets], return_inverse=True)
    return rows, ids.ravel()


def row_dot(matrix: Any, left: np.ndarray, right: np.ndarray, other: Any = None) -> np.ndarray:
    """(m,) shared columns of each pair of binary rows (``left`` of ``matrix``, ``right``
    of ``other``, default the same matrix)."""
    other = matrix if other is None else other
    return np.asarray(matrix[left].multiply(other[right]).sum(axis=1), np.float64).ravel()
