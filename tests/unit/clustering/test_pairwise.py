"""Pairwise same-page model: features, shipped weights, candidate pairs, clustering."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.clustering import knn as ck
from services.clustering import pairwise as pw
from services.core.errors import InvalidInputError


def features_of(a, b, cos=0.9, va=100.0, vb=100.0):
    x = pw.pair_features([a, b], np.array([va, vb]), np.array([0]), np.array([1]), np.array([cos]))
    return dict(zip(pw.FEATURES, x[0].tolist(), strict=True))


def test_word_classes_of_the_differing_tokens():
    f = features_of("black socks", "socks")
    assert f["diff_colour"] == 1 and f["diff_other"] == 0 and f["subset"] == 1
    f = features_of("car accident lawyer houston", "car accident lawyer")
    assert f["diff_location"] == 1 and f["head_match"] == 0
    f = features_of("how to wash wool socks", "wool socks")
    assert f["diff_question"] == 1 and f["question_xor"] == 1
    f = features_of("nike socks", "adidas socks")
    assert f["diff_other"] == 1 and f["head_match"] == 1 and f["jaccard"] == pytest.approx(1 / 3)
    assert features_of("socks 2024", "socks")["diff_year"] == 1


def test_shipped_weights_load_for_both_tiers_and_rank_sensibly():
    for tier in ("minilm", "static"):
        model = pw.load_model(tier)
        texts = ["wool socks", "wool sock", "merino wool socks", "football boots"]
        left, right = np.array([0, 0]), np.array([1, 3])
        cos = np.array([0.99, 0.4 if tier == "minilm" else 0.6], np.float32)
        p = model.predict(pw.pair_features(texts, np.full(4, 100.0), left, right, cos))
        assert p.min() >= 0 and p.max() <= 1
        assert p[0] > 0.5 > p[1]


def test_weights_trained_on_other_features_are_refused(tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"features": ["cos"], "tiers": {}}))
    with pytest.raises(InvalidInputError, match="other features"):
        pw.load_model("minilm", str(path))
    with pytest.raises(InvalidInputError, match="not found"):
        pw.load_model("minilm", str(tmp_path / "missing.json"))


def test_candidate_pairs_are_unique_with_best_rank_and_mutual_flag():
    nb = ck.Neighbours(
        np.array([[1, 2], [0, 2], [1, 0]]),
        np.array([[0.9, 0.5], [0.9, 0.8], [0.8, 0.5]], np.float32),
    )
    left, right, cos, ranks = pw.candidate_pairs(nb, 0.6)
    pairs = {
        (int(a), int(b)): (float(c), tuple(r))
        for a, b, c, r in zip(left, right, cos, ranks, strict=True)
    }
    assert set(pairs) == {(0, 1), (1, 2)}
    assert pairs[(0, 1)] == (pytest.approx(0.9), (0.0, 1.0))
    assert pairs[(1, 2)][1] == (0.0, 1.0)


def test_clusters_need_the_centre_above_the_probability_threshold():
    # 0 is the centre; 1 and 2 are likely with 0; 3 is likely only with 2.
    left, right = np.array([0, 0, 2, 0]), np.array([1, 2, 3, 3])
    prob = np.array([0.9, 0.8, 0.9, 0.1], np.float32)
    size, vol = np.ones(5, np.int64), np.array([100, 50, 40, 30, 10.0])
    labels, centres = pw.cluster_by_probability(5, left, right, prob, 0.5, size=size, volume=vol)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] != labels[0]
    assert labels[4] == -1
    strict, _ = pw.cluster_by_probability(5, left, right, prob, 0.85, size=size, volume=vol)
    assert strict[0] == strict[1] != strict[2]


def test_scoring_in_blocks_equals_one_pass():
    texts = [f"kw {i} socks" for i in range(50)]
    rng = np.random.default_rng(0)
    left = rng.integers(0, 25, 300)
    right = rng.integers(25, 50, 300)
    cos = rng.uniform(0.5, 1.0, 300).astype(np.float32)
    model = pw.load_model("minilm")
    one = model.predict(pw.pair_features(texts, np.full(50, 10.0), left, right, cos))
    blocks = pw.score_pairs(model, texts, np.full(50, 10.0), left, right, cos, block=64)
    np.testing.assert_allclose(one, blocks, rtol=1e-6)


def test_other_token_frequency_and_non_ascii_trigrams():
    import math

    texts = ["nike socks", "adidas socks", "nike shoes", "zażółć gęślą", "zażółć", "the", "a"]
    left, right = np.array([0, 3, 5, 0]), np.array([1, 4, 6, 5])
    x = pw.pair_features(texts, np.full(7, 10.0), left, right, np.full(4, 0.8, np.float32))
    f = [dict(zip(pw.FEATURES, row.tolist(), strict=True)) for row in x]
    # "nike" is in two keywords of the list, "adidas" in one: mean 1.5 over log1p(7).
    assert f[0]["other_df"] == pytest.approx(math.log1p(1.5) / math.log1p(7), rel=1e-5)

    def grams(s):
        glued = f" {s} "
        return {glued[i : i + 3] for i in range(len(glued) - 2)}

    a, b = grams("zażółć gęślą"), grams("zażółć")
    assert f[1]["char_jaccard"] == pytest.approx(len(a & b) / len(a | b), rel=1e-5)
    # Keywords of function words only have no head: two such match, one against a word does not.
    assert f[2]["head_match"] == 1 and f[3]["head_match"] == 0
    assert f[2]["diff_other"] == 0 and f[3]["diff_other"] == 1


def test_stem_overlap_joins_word_forms_the_token_overlap_misses():
    f = features_of("how to consolidate payday loans", "payday loan consolidation")
    assert f["jaccard"] < 1 and f["stem_subset"] == 1
    assert f["stem_jaccard"] > f["jaccard"]
    assert f["cos_x_stem"] == pytest.approx(0.9 * f["stem_jaccard"], rel=1e-5)
    assert features_of("nike socks", "adidas socks")["stem_subset"] == 0


def test_modifier_columns_name_the_class_that_differs():
    swap = features_of("best chatgpt prompts", "top chatgpt prompts")
    assert swap["modifier_swap"] == 1 and swap["audience_xor"] == 0
    assert features_of("best chatgpt prompts", "best prompts for chatgpt")["modifier_swap"] == 0
    assert features_of("kids socks", "socks")["audience_xor"] == 1
    assert features_of("ladies socks", "womens socks")["audience_xor"] == 0
    # "for X" names an audience or use the other keyword must name too.
    assert features_of("chatgpt prompts for students", "chatgpt prompts")["for_tail_missing"] == 1
    same = features_of("chatgpt prompts for marketing", "chatgpt marketing prompts")
    assert same["for_tail_missing"] == 0


def test_page_changing_modifier_on_one_side_scores_zero():
    texts = ["wool socks", "best wool socks", "top wool socks", "wool socks near me", "wool sock"]
    left, right = np.array([0, 1, 0, 0]), np.array([1, 2, 3, 4])
    cos = np.full(4, 0.99, np.float32)
    for tier in ("minilm", "static"):
        model = pw.load_model(tier)
        p = pw.score_pairs(model, texts, np.full(5, 100.0), left, right, cos)
        raw = model.predict(pw.pair_features(texts, np.full(5, 100.0), left, right, cos))
        # best / plain and near me / plain: never by text, whatever the model says.
        assert p[0] == 0 and p[2] == 0 and raw[0] > 0
        # Both commercial (best / top) and a plural stay the model's call.
        assert p[1] == raw[1] and p[3] == raw[3] > 0.5


def test_trigram_csr_in_chunks_is_the_matrix_of_every_trigram(monkeypatch):
    from services.clustering import sparse_text as st

    glued = [f" {s} " for s in ["nike socks", "zażółć", "", "a", "ab", "nike socks", "x y"]]
    glued += ["", "z"]
    rows, grams = [], []
    for row, g in enumerate(glued):
        for i in range(len(g) - 2):
            rows.append(row)
            grams.append(g[i : i + 3])
    # Columns number the distinct trigrams in the order of their packed code points.
    vocab = sorted(set(grams), key=lambda t: [ord(c) for c in t])
    col = {t: i for i, t in enumerate(vocab)}
    want = st.binary_csr(
        np.array(rows), np.array([col[t] for t in grams]), (len(glued), len(vocab))
    ).toarray()
    for chunk in (2, 3, 1000):
        monkeypatch.setattr(st, "TRIGRAM_CHUNK", chunk)
        got = st.trigram_csr(glued)
        assert got.shape == want.shape and got.has_sorted_indices
        np.testing.assert_array_equal(got.toarray(), want)
    assert st.trigram_csr([]).shape == (0, 0)
