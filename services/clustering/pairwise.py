"""Pairwise "same page?" model: which differences between two keywords make a new page.

Ahrefs' Parent Keyword groups (the page that ranks for a keyword) show that some modifiers
keep a keyword on its parent's page (colour, size, "for women" on a product type page,
"best", "uk") and others make a page of their own (a brand, a city, a question). A small
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
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from services.clustering import knn as ck
from services.clustering.lexical import _key_token
from services.core.errors import InvalidInputError
from services.core.text import ENGLISH_STOP_WORDS, tokens

#: The shipped weights (``scripts/train_pairwise.py`` writes them).
MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "pairwise" / "weights.json"
#: Candidate neighbours scored per group representative (best first).
PAIR_K = 15
#: Above this many keyword groups only :data:`PAIR_K_LARGE` neighbours are scored, so a
#: 100,000-keyword list stays within its time budget (scoring costs ≈ 10-20 µs per pair in
#: Python; 74,000 groups × 15 neighbours ≈ 1M pairs took 22 s on the loaded 2-core machine).
PAIR_K_LARGE_FROM = 20_000
PAIR_K_LARGE = 8
#: Cosine below which a neighbour is not scored at all, per embedder tier (the model
#: gives such pairs p < 0.05 on the development data; see the provenance file).
PAIR_MIN_COSINE: dict[str, float] = {"minilm": 0.55, "static": 0.75}
#: Probability thresholds per strictness (tuned on the development tuning halves; see
#: ``models/pairwise/PROVENANCE.md``).
PROBABILITY_THRESHOLDS: dict[str, float] = {"loose": 0.35, "balanced": 0.45, "strict": 0.6}

_COLOURS = (
    "black white red blue green pink yellow grey gray purple orange brown navy beige cream "
    "gold silver teal maroon burgundy khaki tan ivory turquoise lilac coral mint olive "
    "charcoal neon rainbow striped stripy patterned colour color colourful colorful"
)
_SIZES = (
    "small large big little tall short long xl xxl xs mini size plus petite wide slim thin "
    "thick knee high ankle low cut crew no show length heavy light lightweight oversized"
)
_AUDIENCE = (
    "man woman kid boy girl baby toddler teen teenager adult senior elderly student beginner "
    "family infant newborn youth junior unisex ladies gent"
)
_LOCATION = (
    "uk usa us america american united states canada australia london england scotland "
    "ireland wale near nearby local online city county state california texas florida "
    "new york ny nyc la houston chicago dallas phoenix philadelphia san antonio diego "
    "austin jacksonville columbus charlotte indianapolis seattle denver boston nashville "
    "atlanta miami orlando tampa vegas las detroit portland memphis baltimore milwaukee "
    "albuquerque tucson fresno sacramento kansas mesa omaha raleigh oakland minneapolis "
    "tulsa cleveland pittsburgh cincinnati st louis riverside lexington stockton newark "
    "buffalo arlington georgia ohio michigan illinois pennsylvania arizona colorado virginia "
    "carolina north south washington oregon nevada utah tennessee alabama louisiana kentucky "
    "oklahoma missouri maryland massachusetts jersey connecticut iowa arkansas mississippi "
    "indiana wisconsin minnesota fl ca tx nj pa ga nc az"
)
_QUESTION = "how what why when where who which can does do is are should will could would"
_COMPARISON = "vs versus compare comparison alternative alternatives difference or"
_INFO = (
    "guide tutorial meaning definition define example idea tip learn course history "
    "explained work works statistic fact rule law"
)
_COMMERCIAL = (
    "buy price cost cheap discount deal sale shop store review rated near free online "
    "order coupon service company hire"
)
WORD_CLASSES: dict[str, frozenset[str]] = {
    name: frozenset(_key_token(t) or t for t in words.split())
    for name, words in (
        ("colour", _COLOURS),
        ("size", _SIZES),
        ("audience", _AUDIENCE),
        ("location", _LOCATION),
        ("question", _QUESTION),
        ("comparison", _COMPARISON),
        ("info", _INFO),
        ("commercial", _COMMERCIAL),
    )
}
_CLASS_NAMES = tuple(WORD_CLASSES)
_YEAR = re.compile(r"^(19|20)\d\d$")
_NUMBER = re.compile(r"^\d+([.,]\d+)?$")

#: Feature columns, in model order.
FEATURES: tuple[str, ...] = (
    "cos",
    "cos_sq",
    "jaccard",
    "char_jaccard",
    "n_diff",
    "min_only",
    "max_only",
    "subset",
    "head_match",
    "first_match",
    *(f"diff_{c}" for c in _CLASS_NAMES),
    "diff_year",
    "diff_number",
    "diff_other",
    "other_df",
    "question_xor",
    "log_volume_ratio",
    "cos_x_subset",
    "cos_x_head",
    "cos_x_other",
    "best_rank",
    "mutual",
    "log_volume_max",
    "log_volume_min",
    "tokens_min",
    "tokens_max",
)


@dataclass(frozen=True)
class _Text:
    """Per-representative token data used by the pair features."""

    raw: frozenset[str]
    key: frozenset[str]
    head: str
    first: str
    grams: frozenset[str]
    question: bool


def _text(keyword: str) -> _Text:
    raw_toks = [_key_token(t) or t for t in tokens(keyword)]
    key = [t for t in raw_toks if t not in _STOP]
    glued = " " + " ".join(key) + " "
    grams = frozenset(glued[i : i + 3] for i in range(max(0, len(glued) - 2)))
    return _Text(
        raw=frozenset(raw_toks),
        key=frozenset(key),
        head=key[-1] if key else "",
        first=key[0] if key else "",
        grams=grams,
        question=bool(raw_toks) and raw_toks[0] in WORD_CLASSES["question"],
    )


#: English function words (the model was trained on English data).
_STOP = ENGLISH_STOP_WORDS


def _class_mask(token: str) -> int:
    mask = 0
    for bit, name in enumerate(_CLASS_NAMES):
        if token in WORD_CLASSES[name]:
            mask |= 1 << bit
    if _YEAR.match(token):
        mask |= 1 << len(_CLASS_NAMES)
    elif _NUMBER.match(token):
        mask |= 1 << (len(_CLASS_NAMES) + 1)
    return mask


def _prepare(texts: Sequence[str]) -> tuple[list[_Text], Counter[str]]:
    """Token data per text and the list's document frequency of key tokens."""
    info = [_text(t) for t in texts]
    df: Counter[str] = Counter()
    for t in info:
        df.update(t.key)
    return info, df


def pair_features(
    texts: Sequence[str],
    volumes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    cos: np.ndarray,
    ranks: np.ndarray | None = None,
    *,
    prepared: tuple[list[_Text], Counter[str]] | None = None,
) -> np.ndarray:
    """Feature matrix of keyword pairs (see :data:`FEATURES`).

    Parameters
    ----------
    texts : sequence of str
        Keywords (group representatives), normalised.
    volumes : np.ndarray
        (n,) search volume per keyword (searches/month; group totals), NaN = unknown.
    left, right : np.ndarray
        (m,) row numbers of each pair.
    cos : np.ndarray
        (m,) embedding cosine of each pair.
    ranks : np.ndarray, optional
        (m, 2) best neighbour rank and mutual flag (:func:`candidate_pairs`); zeros
        when not given.
    prepared : tuple, optional
        Token data of ``texts`` from a previous call (:func:`_prepare`), reused across blocks.

    Returns
    -------
    np.ndarray
        (m, len(FEATURES)) float32.
    """
    m = len(left)
    info, df = prepared if prepared is not None else _prepare(texts)
    n_texts = max(1, len(texts))
    masks: dict[str, int] = {}
    n_cls = len(_CLASS_NAMES) + 2
    other_bit = 1 << n_cls
    # Plain Python per pair, numpy once per column: element writes into a numpy row cost
    # more than the set operations themselves.
    rows: list[tuple[float, float, int, int, int, bool, bool, bool, int, float, bool]] = []
    log_n = math.log1p(n_texts)
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ta, tb = info[a], info[b]
        inter = len(ta.key & tb.key)
        only_a = len(ta.key) - inter
        only_b = len(tb.key) - inter
        union = (inter + only_a + only_b) or 1
        g_inter = len(ta.grams & tb.grams)
        g_union = (len(ta.grams) + len(tb.grams) - g_inter) or 1
        mask = 0
        other_df = 0.0
        n_other = 0
        for tok in ta.raw ^ tb.raw:
            bits = masks.get(tok)
            if bits is None:
                bits = masks[tok] = _class_mask(tok)
            if bits == 0 and tok not in _STOP:
                bits = other_bit
                other_df += df.get(tok, 0)
                n_other += 1
            mask |= bits
        rows.append(
            (
                inter / union,
                g_inter / g_union,
                only_a,
                only_b,
                only_a + only_b,
                ta.head == tb.head,
                ta.first == tb.first,
                ta.question != tb.question,
                mask,
                math.log1p(other_df / n_other) / log_n if n_other else 0.0,
                n_other > 0,
            )
        )
    out = np.zeros((m, len(FEATURES)), np.float32)
    if m:
        (jac, gjac, oa, ob, ndiff, head, first, qxor, mask_arr, odf, _o) = (
            np.asarray(col) for col in zip(*rows, strict=True)
        )
        out[:, 2] = jac
        out[:, 3] = gjac
        out[:, 4] = ndiff
        out[:, 5] = np.minimum(oa, ob)
        out[:, 6] = np.maximum(oa, ob)
        out[:, 7] = (oa == 0) | (ob == 0)
        out[:, 8] = head
        out[:, 9] = first
        out[:, 10 : 10 + n_cls + 1] = (mask_arr[:, None] >> np.arange(n_cls + 1)) & 1
        out[:, 11 + n_cls] = odf
        out[:, 12 + n_cls] = qxor
    vol = np.log1p(np.nan_to_num(np.asarray(volumes, np.float64), nan=0.0))
    cos = np.asarray(cos, np.float32)
    out[:, 0] = cos
    out[:, 1] = cos * cos
    base = 2 + 8 + n_cls + 1 + 2
    out[:, base] = np.abs(vol[left] - vol[right])
    out[:, base + 1] = cos * out[:, 2 + 5]
    out[:, base + 2] = cos * out[:, 2 + 6]
    out[:, base + 3] = cos * out[:, 2 + 8 + n_cls]
    if ranks is not None and len(ranks):
        out[:, base + 4] = np.log1p(ranks[:, 0])
        out[:, base + 5] = ranks[:, 1]
    out[:, base + 6] = np.maximum(vol[left], vol[right])
    out[:, base + 7] = np.minimum(vol[left], vol[right])
    n_tok = np.fromiter((len(t.key) for t in info), np.float32, len(info))
    out[:, base + 8] = np.minimum(n_tok[left], n_tok[right])
    out[:, base + 9] = np.maximum(n_tok[left], n_tok[right])
    return out


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

    Parameters are those of :func:`pair_features`; returns (m,) float32.
    """
    prob = np.empty(len(left), np.float32)
    prepared = _prepare(texts)
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
