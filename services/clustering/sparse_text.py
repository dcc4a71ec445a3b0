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


#: Strings per chunk of :func:`trigram_csr` (≈ 1.5 M code points: a few tens of MB of
#: temporaries, whatever the list's size).
TRIGRAM_CHUNK = 50_000


def _chunk_trigrams(glued: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Row (int32, within ``glued``) and packed code of every character trigram of each string.

    Code points (< 2**21) of the concatenated strings are packed three to an int64; trigrams
    crossing a string boundary are dropped.
    """
    lengths = np.fromiter((len(g) for g in glued), np.int64, len(glued))
    points = np.frombuffer("".join(glued).encode("utf-32-le"), np.uint32).astype(np.int64)
    if len(points) < 3:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = (points[:-2] << 42) | (points[1:-1] << 21) | points[2:]
    del points
    # A string of length L starting at s has trigrams at s … s+L-3: the last two starting
    # positions of each string cross into the next one.
    valid = np.ones(len(codes) + 2, bool)
    ends = np.cumsum(lengths)
    valid[ends - 1] = False
    valid[ends[lengths >= 2] - 2] = False
    per_row = np.maximum(lengths - 2, 0)
    rows = np.repeat(np.arange(len(glued), dtype=np.int32), per_row)
    return rows, codes[valid[:-2]]


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: numpy's hashed ``np.unique`` took 0.6 s per 1.5 M
    packed trigram codes here, the sort 0.1 s)."""
    out = np.sort(values)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


def trigram_csr(glued: list[str]) -> Any:
    """(n, G) binary csr matrix of the character trigrams of each string.

    Columns number the distinct trigrams in order of their packed code (three code points,
    each < 2**21, in an int64): the matrix :func:`binary_csr` builds from every (row,
    trigram) pair. The strings are read in chunks of :data:`TRIGRAM_CHUNK`, and each chunk's
    pairs become csr columns at once, so memory holds the matrix and one chunk, never an array of row numbers and ids per trigram with its sort (≈ 2.5 GB more
    at 800,000 keywords, ``bench/cluster.py --sizes 1000000``).
    """
    from scipy import sparse

    n = len(glued)
    starts = range(0, n, TRIGRAM_CHUNK)
    # Two passes over the chunks (the trigrams are cheap to redo): the distinct codes, then
    # each chunk's columns.
    distinct = [_unique(_chunk_trigrams(glued[s : s + TRIGRAM_CHUNK])[1]) for s in starts]
    vocab = _unique(np.concatenate(distinct)) if distinct else np.zeros(0, np.int64)
    del distinct
    n_cols = len(vocab)
    indices: list[np.ndarray] = []
    counts = np.zeros(n, np.int64)
    for s in starts:
        rows, chunk_codes = _chunk_trigrams(glued[s : s + TRIGRAM_CHUNK])
        if not len(chunk_codes):
            continue
        key = _unique(rows * np.int64(n_cols) + np.searchsorted(vocab, chunk_codes))
        rows = key // n_cols
        indices.append((key - rows * n_cols).astype(np.int32))
        counts[s : s + TRIGRAM_CHUNK] = np.bincount(rows, minlength=min(TRIGRAM_CHUNK, n - s))
    cols = np.concatenate(indices) if indices else np.zeros(0, np.int32)
    indptr = np.zeros(n + 1, np.int32 if len(cols) < 2**31 else np.int64)
    np.cumsum(counts, out=indptr[1:])
    if indptr.dtype == np.int64:
        cols = cols.astype(np.int64)
    return sparse.csr_matrix(
        (np.ones(len(cols), np.float32), cols, indptr), shape=(n, n_cols), dtype=np.float32
    )


def row_dot(matrix: Any, left: np.ndarray, right: np.ndarray, other: Any = None) -> np.ndarray:
    """(m,) shared columns of each pair of binary rows (``left`` of ``matrix``, ``right``
    of ``other``, default the same matrix)."""
    other = matrix if other is None else other
    return np.asarray(matrix[left].multiply(other[right]).sum(axis=1), np.float64).ravel()
