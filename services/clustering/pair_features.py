"""Features of keyword pairs for the pairwise "same page?" model
(:mod:`services.clustering.pairwise`): word classes, token data per keyword list
(:func:`prepare_tokens`) and the feature matrix of candidate pairs (:func:`pair_features`,
columns :data:`FEATURES`). Pure numpy / scipy.sparse."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from services.clustering.lexical import _key_token
from services.clustering.page_modifiers import (
    AUDIENCE,
    AUDIENCE_WORDS,
    PAGE_WORDS,
    for_tail,
    modifier_mask,
)
from services.clustering.sparse_text import binary_csr, row_dot, trigram_csr
from services.clustering.topic import stem
from services.core.text import ENGLISH_STOP_WORDS, tokens

_COLOURS = (
    "black white red blue green pink yellow grey gray purple orange brown navy beige cream "
    "gold silver teal maroon burgundy khaki tan ivory turquoise lilac coral mint olive "
    "charcoal neon rainbow striped stripy patterned colour color colourful colorful"
)
_SIZES = (
    "small large big little tall short long xl xxl xs mini size plus petite wide slim thin "
    "thick knee high ankle low cut crew no show length heavy light lightweight oversized"
)
_AUDIENCE = " ".join(sorted(AUDIENCE_WORDS))
_LOCATION = (
    "uk usa us america american united states canada australia london england scotland "
    "ireland wale near nearby nearest closest me local online city county state california "
    "texas florida "
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
    "buy price cost cheap cheapest affordable discount deal sale shop store review rated "
    "best top near free online order coupon service company hire"
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
    "stem_jaccard",
    "stem_subset",
    "modifier_swap",
    "audience_xor",
    "for_tail_missing",
    "cos_x_stem",
)


_COL = {name: i for i, name in enumerate(FEATURES)}

#: English function words (the model was trained on English data).
_STOP = ENGLISH_STOP_WORDS
#: Bits of a token's word class: the classes of :data:`WORD_CLASSES`, then year, number and
#: "other" (no class and not a function word).
_N_CLS = len(_CLASS_NAMES) + 2
_OTHER_BIT = _N_CLS


def _class_mask(token: str) -> int:
    mask = 0
    for bit, name in enumerate(_CLASS_NAMES):
        if token in WORD_CLASSES[name]:
            mask |= 1 << bit
    if _YEAR.match(token):
        mask |= 1 << len(_CLASS_NAMES)
    elif _NUMBER.match(token):
        mask |= 1 << (len(_CLASS_NAMES) + 1)
    if mask == 0 and token not in _STOP:
        mask = 1 << _OTHER_BIT
    return mask


@dataclass(frozen=True)
class PairTokens:
    """Token data of a list's keywords as sparse rows, so pair features are matrix products.

    Attributes
    ----------
    raw : scipy.sparse.csr_matrix
        (n, V) 1 where a keyword has the (key-mapped) token, function words included.
    key : scipy.sparse.csr_matrix
        (n, V) the same without function words.
    grams : scipy.sparse.csr_matrix
        (n, G) character trigrams of the key tokens joined by spaces.
    token_class : scipy.sparse.csr_matrix
        (V, 11) word-class bits per token (:func:`_class_mask`).
    other_df : np.ndarray
        (V,) keywords of the list holding an "other" token (0 for classed tokens).
    head, first : np.ndarray
        (n,) vocabulary id of the last and first key token (-1 = none).
    question : np.ndarray
        (n,) bool, the keyword opens with a question word.
    stems : scipy.sparse.csr_matrix
        (n, S) Snowball stems of the key tokens (:func:`services.clustering.topic.stem`:
        "consolidate" = "consolidation").
    modifiers : np.ndarray
        (n,) page-changing modifier classes
        (:func:`services.clustering.page_modifiers.modifier_mask`).
    tail : scipy.sparse.csr_matrix
        (n, V) content tokens after "for" (:func:`~services.clustering.page_modifiers.for_tail`).
    page_word : np.ndarray
        (V,) 1.0 for the words of the guarded modifier classes (best, top, near, vs …).
    """

    raw: Any
    key: Any
    grams: Any
    token_class: Any
    other_df: np.ndarray
    head: np.ndarray
    first: np.ndarray
    question: np.ndarray
    stems: Any
    modifiers: np.ndarray
    tail: Any
    page_word: np.ndarray

    @property
    def n_key(self) -> np.ndarray:
        """(n,) distinct key tokens per keyword."""
        return np.diff(self.key.indptr)

    @property
    def n_grams(self) -> np.ndarray:
        """(n,) distinct trigrams per keyword."""
        return np.diff(self.grams.indptr)

    @property
    def n_stems(self) -> np.ndarray:
        """(n,) distinct stems per keyword."""
        return np.diff(self.stems.indptr)


def prepare_tokens(texts: Sequence[str]) -> PairTokens:
    """Token data of ``texts`` (normalised keywords) for :func:`pair_features`."""
    from scipy import sparse

    mapped: dict[str, str] = {}
    question_words = WORD_CLASSES["question"]
    flat: list[str] = []
    # Tokens per keyword (row numbers are np.repeat of these: a list of one Python int per
    # token held ≈ 300 MB more at 800,000 keywords).
    n_flat = np.zeros(len(texts), np.int64)
    glued: list[str] = []
    head_tok: list[str | None] = []
    first_tok: list[str | None] = []
    question = np.zeros(len(texts), bool)
    modifiers = np.zeros(len(texts), np.int64)
    stem_flat: list[str] = []
    n_stem = np.zeros(len(texts), np.int64)
    tail_flat: list[str] = []
    n_tail = np.zeros(len(texts), np.int64)
    for row, text in enumerate(texts):
        raw_toks = []
        plain = tokens(text)
        for tok in plain:
            m = mapped.get(tok)
            if m is None:
                m = mapped[tok] = _key_token(tok) or tok
            raw_toks.append(m)
        key = [t for t in raw_toks if t not in _STOP]
        modifiers[row] = modifier_mask(plain, raw_toks)
        stem_flat.extend(stem(t) for t in key)
        n_stem[row] = len(key)
        tail = for_tail(raw_toks, _STOP)
        tail_flat.extend(tail)
        n_tail[row] = len(tail)
        flat.extend(raw_toks)
        n_flat[row] = len(raw_toks)
        glued.append(" " + " ".join(key) + " ")
        head_tok.append(key[-1] if key else None)
        first_tok.append(key[0] if key else None)
        question[row] = bool(raw_toks) and raw_toks[0] in question_words
    grams = trigram_csr(glued)
    del glued
    codes, words = pd.factorize(pd.Series(flat, dtype=object))
    del flat
    vocab = {w: i for i, w in enumerate(words)}
    all_rows = np.arange(len(texts), dtype=np.int64)
    rows = np.repeat(all_rows, n_flat)
    shape = (len(texts), len(words))
    is_stop = np.fromiter((w in _STOP for w in words), bool, len(words))
    raw_m = binary_csr(rows, codes, shape)
    key_sel = ~is_stop[codes]
    key_m = binary_csr(rows[key_sel], codes[key_sel], shape)
    masks = np.fromiter((_class_mask(t) for t in words), np.int64, len(words))
    bits = ((masks[:, None] >> np.arange(_N_CLS + 1)) & 1).astype(np.float32)
    df = np.asarray(key_m.sum(axis=0), np.float64).ravel()
    stem_codes, stem_words = pd.factorize(pd.Series(stem_flat, dtype=object))
    tail_codes = np.fromiter((vocab[t] for t in tail_flat), np.int64, len(tail_flat))
    return PairTokens(
        raw=raw_m,
        key=key_m,
        grams=grams,
        token_class=sparse.csr_matrix(bits),
        other_df=np.where(bits[:, _OTHER_BIT] > 0, df, 0.0),
        head=np.array([vocab[t] if t is not None else -1 for t in head_tok], np.int64),
        first=np.array([vocab[t] if t is not None else -1 for t in first_tok], np.int64),
        question=question,
        stems=binary_csr(np.repeat(all_rows, n_stem), stem_codes, (len(texts), len(stem_words))),
        modifiers=modifiers,
        tail=binary_csr(np.repeat(all_rows, n_tail), tail_codes, shape),
        page_word=np.fromiter((w in PAGE_WORDS for w in words), np.float32, len(words)),
    )


def pair_features(
    texts: Sequence[str],
    volumes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    cos: np.ndarray,
    ranks: np.ndarray | None = None,
    *,
    prepared: PairTokens | None = None,
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
    prepared : PairTokens, optional
        Token data of ``texts`` from :func:`prepare_tokens`, reused across blocks.

    Returns
    -------
    np.ndarray
        (m, len(FEATURES)) float32.
    """
    m = len(left)
    tok = prepared if prepared is not None else prepare_tokens(texts)
    left = np.asarray(left, np.int64)
    right = np.asarray(right, np.int64)
    out = np.zeros((m, len(FEATURES)), np.float32)
    if m:
        _token_features(out, tok, left, right, len(texts))
    vol = np.log1p(np.nan_to_num(np.asarray(volumes, np.float64), nan=0.0))
    cos = np.asarray(cos, np.float32)
    out[:, 0] = cos
    out[:, 1] = cos * cos
    base = 2 + 8 + _N_CLS + 1 + 2
    out[:, base] = np.abs(vol[left] - vol[right])
    out[:, base + 1] = cos * out[:, 2 + 5]
    out[:, base + 2] = cos * out[:, 2 + 6]
    out[:, base + 3] = cos * out[:, 2 + 8 + _N_CLS]
    if ranks is not None and len(ranks):
        out[:, base + 4] = np.log1p(ranks[:, 0])
        out[:, base + 5] = ranks[:, 1]
    out[:, base + 6] = np.maximum(vol[left], vol[right])
    out[:, base + 7] = np.minimum(vol[left], vol[right])
    n_tok = tok.n_key.astype(np.float32)
    out[:, base + 8] = np.minimum(n_tok[left], n_tok[right])
    out[:, base + 9] = np.maximum(n_tok[left], n_tok[right])
    out[:, _COL["cos_x_stem"]] = cos * out[:, _COL["stem_jaccard"]]
    return out


def _token_features(
    out: np.ndarray, tok: PairTokens, left: np.ndarray, right: np.ndarray, n_texts: int
) -> None:
    """The word-overlap, word-class and question columns of :func:`pair_features` (in place)."""
    inter = row_dot(tok.key, left, right)
    n_key = tok.n_key
    only_a = n_key[left] - inter
    only_b = n_key[right] - inter
    union = inter + only_a + only_b
    g_inter = row_dot(tok.grams, left, right)
    g_union = tok.n_grams[left] + tok.n_grams[right] - g_inter
    # Tokens in exactly one of the two keywords (function words included).
    xor = tok.raw[left] + tok.raw[right]
    xor.data = (xor.data == 1).astype(np.float32)
    xor.eliminate_zeros()
    # Differing tokens per word class (the last column counts the "other" tokens).
    class_counts = np.asarray((xor @ tok.token_class).todense())
    classes = class_counts > 0
    n_other = class_counts[:, _OTHER_BIT]
    other_df = xor @ tok.other_df
    log_n = math.log1p(max(1, n_texts))
    out[:, 2] = inter / np.where(union > 0, union, 1)
    out[:, 3] = g_inter / np.where(g_union > 0, g_union, 1)
    out[:, 4] = only_a + only_b
    out[:, 5] = np.minimum(only_a, only_b)
    out[:, 6] = np.maximum(only_a, only_b)
    out[:, 7] = (only_a == 0) | (only_b == 0)
    out[:, 8] = tok.head[left] == tok.head[right]
    out[:, 9] = tok.first[left] == tok.first[right]
    out[:, 10 : 10 + _N_CLS + 1] = classes
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, 11 + _N_CLS] = np.where(
            n_other > 0, np.log1p(other_df / np.maximum(n_other, 1)) / log_n, 0.0
        )
    out[:, 12 + _N_CLS] = tok.question[left] != tok.question[right]
    _modifier_features(out, tok, left, right, xor)


def _modifier_features(
    out: np.ndarray, tok: PairTokens, left: np.ndarray, right: np.ndarray, xor: Any
) -> None:
    """Stem overlap and the page-changing modifier columns of :func:`pair_features`."""
    s_inter = row_dot(tok.stems, left, right)
    n_stems = tok.n_stems
    s_union = n_stems[left] + n_stems[right] - s_inter
    out[:, _COL["stem_jaccard"]] = s_inter / np.where(s_union > 0, s_union, 1)
    out[:, _COL["stem_subset"]] = s_inter == np.minimum(n_stems[left], n_stems[right])
    mod_l, mod_r = tok.modifiers[left], tok.modifiers[right]
    # Same modifier classes in other words ("best x" / "top x").
    page_diff = xor @ tok.page_word
    out[:, _COL["modifier_swap"]] = (mod_l == mod_r) & (mod_l != 0) & (page_diff > 0)
    out[:, _COL["audience_xor"]] = ((mod_l ^ mod_r) & AUDIENCE) != 0
    # An audience or use after "for" that the other keyword does not name.
    n_tail = np.diff(tok.tail.indptr)
    missing_l = n_tail[left] - row_dot(tok.tail, left, right, tok.key)
    missing_r = n_tail[right] - row_dot(tok.tail, right, left, tok.key)
    out[:, _COL["for_tail_missing"]] = (missing_l > 0) | (missing_r > 0)
