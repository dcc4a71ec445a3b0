"""Pairwise "same page?" model: which differences between two keywords make a new page.

Ahrefs' Parent Keyword groups (the page that ranks for a keyword) show that some modifiers
keep a keyword on its parent's page (colour, size, "uk") and others make a page of their own
(a brand, a city, a question). Local, comparison and commercial modifiers ("near me", "vs",
"best") always make another page unless evidence joined the keywords before this step
(issue 16; :mod:`services.clustering.page_modifiers`, applied in :func:`score_pairs`). A small
logistic regression, trained by ``scripts/train_pairwise.py`` on the tuning halves of the
development files (see ``models/pairwise/PROVENANCE.md``), scores candidate pairs — the
kNN neighbours of each keyword group's representative — from the features of
:data:`FEATURES`; inference is numpy only.

:func:`cluster_by_probability` then forms page-level clusters on the thresholded
probability graph: non-overlapping stars around dense centres, as
:func:`services.clustering.knn.greedy_communities`, where a group joins a centre only when
its own probability with the centre is at or above the threshold (precision first: being
likely with some member never admits it). The strictness setting is that threshold
(:data:`PROBABILITY_THRESHOLDS`). Memory is O(n·k): no n×n matrix.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from services.clustering import knn as ck
from services.clustering.page_modifiers import allowed
from services.clustering.pair_features import (  # noqa: F401  (re-exported)
    FEATURES,
    WORD_CLASSES,
    PairTokens,
    pair_features,
    prepare_tokens,
)
from services.core.errors import InvalidInputError

#: The shipped weights (``scripts/train_pairwise.py`` writes them).
MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "pairwise" / "weights.json"
#: Candidate neighbours scored per group representative (best first).
PAIR_K = 15
#: Above this many keyword groups only :data:`PAIR_K_LARGE` neighbours are scored, so a
#: 100,000-keyword list keeps a margin under its 60 s budget: with 15 neighbours its run took
#: 53.5 s instead of 49.6 s on this 2-core machine (``bench/cluster.py``, 2026-11-28; kNN
#: +1.1 s, scoring +0.9 s, the rest noise).
PAIR_K_LARGE_FROM = 20_000
PAIR_K_LARGE = 8
#: Cosine below which a neighbour is not scored at all, per embedder tier (the model
#: gives such pairs p < 0.05 on the development data; see the provenance file).
PAIR_MIN_COSINE: dict[str, float] = {"minilm": 0.55, "static": 0.75}
#: Probability thresholds per strictness (tuned on the development tuning halves; see
#: ``models/pairwise/PROVENANCE.md``).
PROBABILITY_THRESHOLDS: dict[str, float] = {"loose": 0.35, "balanced": 0.45, "strict": 0.6}


@dataclass(frozen=True)
class PairwiseModel:
    """Logistic regression weights of one embedder tier.

    Attributes
    ----------
    mean, scale : np.ndarray
        (F,) standardisation of the features.
    coef : np.ndarray
        (F,) weights on the standardised features.
    intercept : float
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Probability (0-1) that each pair is served by one page, (m,) float32."""
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready weights."""
        return {
            "mean": [float(x) for x in self.mean],
            "scale": [float(x) for x in self.scale],
            "coef": [float(x) for x in self.coef],
            "intercept": float(self.intercept),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairwiseModel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.asarray(data["mean"], np.float32),
            np.asarray(data["scale"], np.float32),
            np.asarray(data["coef"], np.float32),
            float(data["intercept"]),
        )


@lru_cache(maxsize=4)
def load_model(tier: str, path: str | None = None) -> PairwiseModel:
    """The shipped model of ``tier`` ("minilm" or "static").

    Raises
    ------
    InvalidInputError
        The weights file is missing, has other features than :data:`FEATURES`, or no
        weights for ``tier``.
    """
    file = Path(path) if path else MODEL_PATH
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInputError(
            f"Pairwise model weights not found at {file}; run scripts/train_pairwise.py."
        ) from exc
    if tuple(data.get("features", ())) != FEATURES:
        raise InvalidInputError(f"{file} was trained on other features; retrain it.")
    if tier not in data.get("tiers", {}):
        raise InvalidInputError(f"{file} has no weights for the {tier!r} embedder tier.")
    return PairwiseModel.from_dict(data["tiers"][tier])


def pair_k(n_groups: int) -> int:
    """Neighbours scored per group for a list of ``n_groups`` groups."""
    return PAIR_K if n_groups <= PAIR_K_LARGE_FROM else PAIR_K_LARGE


def candidate_pairs(
    nb: ck.Neighbours, min_cosine: float, k: int = PAIR_K
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unique pairs (i < j) among each row's first ``k`` neighbours at or above ``min_cosine``.

    Returns
    -------
    tuple of np.ndarray
        ``left``, ``right`` (int64 row numbers), ``cos`` (float32) and ``ranks`` (m, 2)
        float32: the better neighbour rank of the pair (0 = nearest) and 1.0 when each is
        in the other's list (mutual), each (m,).
    """
    k = min(k, nb.k)
    if k == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32), np.zeros((0, 2), np.float32)
    idx, sim = nb.idx[:, :k], nb.sim[:, :k]
    rows = np.repeat(np.arange(len(idx)), k).reshape(idx.shape)
    rank = np.tile(np.arange(k), len(idx)).reshape(idx.shape)
    keep = (idx >= 0) & (sim >= min_cosine)
    a, b, s, r = rows[keep], idx[keep], sim[keep], rank[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * np.int64(len(idx)) + hi
    order = np.lexsort((r, key))
    key, lo, hi, s, r = key[order], lo[order], hi[order], s[order], r[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    count = np.diff(np.r_[np.flatnonzero(first), len(key)])
    ranks = np.stack([r[first], (count > 1)], axis=1).astype(np.float32)
    return lo[first], hi[first], s[first].astype(np.float32), ranks


#: Pairs scored per block (features are (block, len(FEATURES)) float32: ≈ 25 MB).
SCORE_BLOCK = 200_000


def score_pairs(
    model: PairwiseModel,
    texts: Sequence[str],
    volumes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    cos: np.ndarray,
    ranks: np.ndarray | None = None,
    *,
    block: int = SCORE_BLOCK,
) -> np.ndarray:
    """Same-page probability (0-1) of every pair, in blocks so memory stays bounded.

    Parameters are those of :func:`pair_features`; returns (m,) float32. A pair where one
    keyword carries a local, comparison or commercial modifier the other lacks ("best x" /
    "x", "x near me" / "x"; :mod:`services.clustering.page_modifiers`) scores 0: the words
    change the page (issue 16), only evidence applied before this step joins them.
    """
    prob = np.empty(len(left), np.float32)
    prepared = prepare_tokens(texts)
    keep = allowed(prepared.modifiers, np.asarray(left, np.int64), np.asarray(right, np.int64))
    for start in range(0, len(left), block):
        sl = slice(start, start + block)
        feats = pair_features(
            texts,
            volumes,
            left[sl],
            right[sl],
            cos[sl],
            None if ranks is None else ranks[sl],
            prepared=prepared,
        )
        prob[sl] = model.predict(feats)
    prob[~keep] = 0.0
    return prob


def cluster_by_probability(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    threshold: float,
    *,
    size: np.ndarray,
    volume: np.ndarray,
    centre_order: str = "degree",
) -> tuple[np.ndarray, np.ndarray]:
    """Page-level clusters on the pair graph kept at ``prob ≥ threshold``.

    Centres in order of weighted degree (own keywords plus the keywords of neighbours at
    or above the threshold), then volume; each still-free centre takes its still-free
    neighbours (each at or above the threshold *to that centre*). Lone nodes stay -1.

    Parameters
    ----------
    n : int
        Nodes (keyword groups).
    left, right, prob : np.ndarray
        (m,) pairs and their same-page probability (0-1).
    threshold : float
        Probability at which a pair is one page (the strictness).
    size : np.ndarray
        (n,) keywords per node.
    volume : np.ndarray
        (n,) searches/month per node (tie-breaker).

    Returns
    -------
    tuple of np.ndarray
        ``labels`` (n,) cluster per node (-1 = alone) and ``centre`` node per cluster.
    """
    keep = prob >= threshold
    a = np.concatenate([left[keep], right[keep]])
    b = np.concatenate([right[keep], left[keep]])
    p = np.concatenate([prob[keep], prob[keep]])
    order = np.lexsort((-p, a))
    a, b, p = a[order], b[order], p[order]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    if centre_order == "degree":
        return ck.greedy_communities(indptr, b, p, size=size, volume=volume, min_size=2)
    # "volume": the highest-volume free node is the next centre, as Ahrefs' Parent Keyword
    # is the page's highest-traffic keyword.
    order = np.lexsort((np.arange(n), -np.asarray(volume, np.float64)))
    ptr, nbr = indptr.tolist(), b.tolist()
    lab = [-1] * n
    centres: list[int] = []
    for node in order.tolist():
        if lab[node] >= 0:
            continue
        free = [j for j in nbr[ptr[node] : ptr[node + 1]] if lab[j] < 0]
        if not free and size[node] < 2:
            continue
        lab[node] = len(centres)
        for j in free:
            lab[j] = len(centres)
        centres.append(node)
    return np.asarray(lab, np.int64), np.asarray(centres, np.int64)
