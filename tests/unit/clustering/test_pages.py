"""Page-level clustering: lexical keys, communities, names, unclustered reasons, memory bounds."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from services.clustering import knn as ck
from services.clustering.pages import (
    REASON_LOW_VOLUME,
    REASON_NO_NEIGHBOUR,
    REASON_OFF_TOPIC,
    SINGLETON_MIN_VOLUME,
    ClusterOptions,
    cluster_keywords,
    is_lone_reason,
    lexical_groups,
    lexical_keys,
    page_threshold,
)
from services.core.errors import InvalidInputError
from tests.fakes.keyword_lists import FixedEmbedder, RandomEmbedder, TrigramEmbedder


def frame(rows):
    return pd.DataFrame(rows, columns=["keyword", "search_volume"])


def clusters_of(result):
    k = result.keywords
    return {
        name: set(k.loc[k["cluster"] == cid, "keyword"])
        for cid, name in zip(result.clusters["cluster"], result.clusters["name"], strict=True)
    }


# --------------------------------------------------------------------------- lexical
@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Women's Trail Running Shoes",
            "trail running shoes for women",
        ),  # case, possessive, order, stop words
        ("wordpress themes", "wordpress theme"),  # plural
        ("trinkwassertest", "Trinkwasser Test"),  # compound
        ("trinkwasser-tests", "trinkwassertest"),  # hyphenated compound + plural
        ("reparación de frenos", "reparacion frenos"),  # accents, Spanish stop word
    ],
)
def test_lexical_variants_share_a_key(a, b):
    ka, kb = lexical_keys(a), lexical_keys(b)
    assert ka[0] == kb[0] or ka[1] == kb[1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ladies walking socks", "walking socks womens"),  # audience synonym
        ("womans socks", "socks for women"),
        ("socks for men", "mens socks"),
        ("childrens socks", "kiddies socks"),
        ("kids socks", "socks for children"),
        ("heated socks uk", "heated socks"),  # market word
    ],
)
def test_audience_synonyms_and_market_words_share_a_key(a, b):
    assert lexical_keys(a)[0] == lexical_keys(b)[0]


def test_audience_folding_keeps_audiences_apart():
    assert lexical_keys("nike socks women")[0] != lexical_keys("nike socks men")[0]
    assert lexical_keys("ladies socks")[0] != lexical_keys("kids socks")[0]
    assert lexical_keys("uk")[0] == "uk"  # a keyword of market words only keeps them


def test_lexical_keys_keep_different_words_apart():
    assert set(lexical_keys("wordpress themes")) & set(lexical_keys("wordpress plugins")) == set()


def test_lexical_groups_chain_bag_and_compound_keys():
    groups = lexical_groups(
        ["test trinkwasser", "trinkwasser test", "trinkwassertest", "wasserfilter"]
    )
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0]


# --------------------------------------------------------------------------- clustering
KEYWORDS = [
    ("wordpress themes", 1000),
    ("wordpress theme", 400),
    ("best wordpress themes", 700),
    ("themes for wordpress", 90),
    ("wordpress plugin", 900),
    ("wordpress plugins", 800),
    ("plugin wordpress", 100),
    ("trinkwassertest", 50),
    ("trinkwasser test", 70),
    ("zzyzx quokka", 5),
]


def test_variants_form_page_clusters_named_by_highest_volume():
    result = cluster_keywords(frame(KEYWORDS), TrigramEmbedder(), ClusterOptions(threshold=0.7))
    got = clusters_of(result)
    # "best" changes the page (issue 16: a commercial list, not the definition page).
    assert got["wordpress themes"] == {
        "wordpress themes",
        "wordpress theme",
        "themes for wordpress",
    }
    assert got["best wordpress themes"] == {"best wordpress themes"}
    assert got["wordpress plugin"] == {"wordpress plugin", "wordpress plugins", "plugin wordpress"}
    assert got["trinkwasser test"] == {"trinkwassertest", "trinkwasser test"}  # 70 > 50
    names = result.keywords.loc[result.keywords["is_name"], "keyword"]
    assert set(names) == set(got)
    assert (result.clusters.set_index("name").loc["wordpress themes", "total_volume"]) == 1490


def test_name_tie_goes_to_the_most_central_keyword():
    rows = [("red shoe store", 100), ("red shoes store", 100), ("red shoes stores online", 100)]
    result = cluster_keywords(
        frame(rows), TrigramEmbedder(), ClusterOptions(threshold=0.3, hubs=False, grouping="cosine")
    )
    k = result.keywords
    assert k["cluster"].nunique() == 1
    central = k.loc[k["similarity"].idxmax(), "keyword"]
    assert result.clusters["name"].iloc[0] == central


LONE_BELOW_FLOOR = f"no close variant and below {SINGLETON_MIN_VOLUME} searches/month"


def test_lone_keyword_lands_in_unclustered_with_its_reason():
    result = cluster_keywords(frame(KEYWORDS), TrigramEmbedder(), ClusterOptions(threshold=0.7))
    row = result.keywords.set_index("keyword").loc["zzyzx quokka"]  # 5 searches/month
    assert row["cluster"] == -1 and row["reason"] == LONE_BELOW_FLOOR
    assert result.stats["unclustered_reasons"] == {LONE_BELOW_FLOOR: 1}
    assert result.unclustered_share == pytest.approx(1 / len(KEYWORDS))
    # Nothing dropped: every input keyword is in the output, clustered or with a reason.
    assert len(result.keywords) == len(KEYWORDS)
    assert result.keywords.loc[result.keywords["cluster"] < 0, "reason"].notna().all()


def test_lone_keyword_above_the_floor_is_a_page_of_its_own():
    rows = [*KEYWORDS, ("qwxv blorp", 500), ("mystery kw", None)]
    result = cluster_keywords(frame(rows), TrigramEmbedder(), ClusterOptions(threshold=0.7))
    k = result.keywords.set_index("keyword")
    got = clusters_of(result)
    assert got["qwxv blorp"] == {"qwxv blorp"}  # ≥ 50/month: a single-keyword cluster
    assert pd.isna(k.loc["qwxv blorp", "reason"]) and k.loc["qwxv blorp", "is_name"]
    assert k.loc["qwxv blorp", "similarity"] == pytest.approx(1.0)
    assert k.loc["zzyzx quokka", "reason"] == LONE_BELOW_FLOOR  # 5/month
    assert k.loc["mystery kw", "reason"] == "no close variant and unknown search volume"
    # "best wordpress themes" is a page of its own too (issue 16: "best" changes the page).
    assert result.stats["singleton_clusters"] == 2
    c = result.clusters.set_index("name").loc["qwxv blorp"]
    assert (c["size"], c["total_volume"], c["centre"]) == (1, 500, "qwxv blorp")
    assert (result.keywords["cluster"] >= 0).sum() + (
        result.keywords["reason"].notna()
    ).sum() == len(rows)  # nothing dropped
    # The floor is an option: 0 makes every lone keyword a page, None keeps the old bucket.
    none = cluster_keywords(
        frame(rows), TrigramEmbedder(), ClusterOptions(threshold=0.7, singleton_min_volume=None)
    )
    lone = none.keywords.set_index("keyword").loc[["qwxv blorp", "zzyzx quokka", "mystery kw"]]
    assert (lone["cluster"] == -1).all() and (lone["reason"] == REASON_NO_NEIGHBOUR).all()
    zero = cluster_keywords(
        frame(rows), TrigramEmbedder(), ClusterOptions(threshold=0.7, singleton_min_volume=0)
    )
    assert zero.unclustered_share == 0.0
    high = cluster_keywords(
        frame(rows), TrigramEmbedder(), ClusterOptions(threshold=0.7, singleton_min_volume=600)
    )
    assert high.keywords.set_index("keyword").loc["qwxv blorp", "reason"] == (
        "no close variant and below 600 searches/month"
    )
    assert is_lone_reason(LONE_BELOW_FLOOR) and is_lone_reason(REASON_NO_NEIGHBOUR)
    assert not is_lone_reason(REASON_LOW_VOLUME) and not is_lone_reason(None)


# A centre "c" with three members, one of them ("a") close to a keyword "x" that is far from
# "c": x must not join c's cluster through a (chaining), nor by the attach margin.
def _arc(deg, z=0.0):
    r = np.deg2rad(deg)
    return [np.cos(r), np.sin(r), z]


CHAIN = {
    "centre kw": _arc(0),
    "member a": _arc(25),
    "member b": _arc(-20),
    "member d": [np.cos(np.deg2rad(15)), 0.0, np.sin(np.deg2rad(15))],
    "far x": _arc(50),  # 25° from a (cos 0.906), 50° from the centre (cos 0.643)
}


def test_admission_needs_the_cluster_centre_not_just_a_member():
    rows = [("centre kw", 100), ("member a", 90), ("member b", 80), ("member d", 70)]
    rows.append(("far x", 60))
    result = cluster_keywords(
        frame(rows),
        FixedEmbedder(CHAIN),
        ClusterOptions(threshold=0.866, hubs=False, grouping="cosine"),
    )
    got = clusters_of(result)
    assert got["centre kw"] == {"centre kw", "member a", "member b", "member d"}
    assert got["far x"] == {"far x"}  # its own page (60 ≥ 50), not chained into "centre kw"
    k = result.keywords.set_index("keyword")
    assert (k.loc[list(got["centre kw"]), "similarity"] >= 0.866).all()
    # Opt-in attach margin still exists, but only within the margin of the centroid.
    attach = cluster_keywords(
        frame(rows),
        FixedEmbedder(CHAIN),
        ClusterOptions(threshold=0.866, hubs=False, attach_margin=0.05),
    )
    assert clusters_of(attach)["far x"] == {"far x"}


def test_volume_floor_and_off_topic_reasons():
    rows = KEYWORDS + [
        ("wordpress hosting", None),
        ("chocolate cake recipe", 5000),
        ("chocolate cake recipes", 900),
    ]
    opts = ClusterOptions(
        threshold=0.7, min_volume=60, topic_terms=("wordpress", "trinkwasser"), topic_threshold=0.3
    )
    result = cluster_keywords(frame(rows), TrigramEmbedder(), opts)
    reasons = result.keywords.set_index("keyword")["reason"]
    assert reasons["trinkwassertest"] == REASON_LOW_VOLUME  # 50 < 60
    assert reasons["wordpress hosting"] == REASON_LOW_VOLUME  # unknown volume
    assert reasons["chocolate cake recipe"] == REASON_OFF_TOPIC
    assert reasons["chocolate cake recipes"] == REASON_OFF_TOPIC
    assert pd.isna(reasons["wordpress plugin"])


def test_strictness_maps_to_tier_thresholds_and_rejects_unknown():
    minilm = type("E", (), {"name": "minilm-int8"})()
    static = type("E", (), {"name": "static"})()
    assert page_threshold(minilm, ClusterOptions(strictness="strict")) > page_threshold(
        minilm, ClusterOptions()
    )
    assert page_threshold(static, ClusterOptions()) > page_threshold(minilm, ClusterOptions())
    with pytest.raises(InvalidInputError):
        page_threshold(minilm, ClusterOptions(strictness="extreme"))
    with pytest.raises(InvalidInputError):
        page_threshold(minilm, ClusterOptions(threshold=1.5))


def test_stricter_setting_never_makes_bigger_clusters():
    words = [
        (f"{a} {b}", 10)
        for a in ("red", "blue", "green")
        for b in ("shoe", "shoes", "boots", "sandal")
    ]
    loose = cluster_keywords(
        frame(words), TrigramEmbedder(), ClusterOptions(threshold=0.4, hubs=False)
    )
    strict = cluster_keywords(
        frame(words), TrigramEmbedder(), ClusterOptions(threshold=0.8, hubs=False)
    )
    assert strict.clusters["size"].max() <= loose.clusters["size"].max()


def test_hubs_have_one_pillar_each_the_highest_volume_cluster():
    result = cluster_keywords(
        frame(KEYWORDS), TrigramEmbedder(), ClusterOptions(threshold=0.7, hub_threshold=0.2)
    )
    c = result.clusters
    assert (c.groupby("hub")["is_pillar"].sum() == 1).all()
    for _hub, grp in c.groupby("hub"):
        assert grp.loc[grp["is_pillar"], "total_volume"].iloc[0] == grp["total_volume"].max()
    assert set(result.hubs["name"]) == set(c.loc[c["is_pillar"], "name"])


def test_empty_and_missing_column():
    empty = cluster_keywords(frame([]), TrigramEmbedder(), ClusterOptions())
    assert empty.keywords.empty and empty.clusters.empty and empty.unclustered_share == 0.0
    with pytest.raises(InvalidInputError):
        cluster_keywords(pd.DataFrame({"kw": ["a"]}), TrigramEmbedder())


# --------------------------------------------------------------------------- kNN layer
def unit(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_knn_exact_matches_brute_force_without_self():
    x = unit(np.random.default_rng(1), 300, 8)
    nb = ck.knn(x, 5)
    brute = x @ x.T
    np.fill_diagonal(brute, -np.inf)
    assert (nb.idx != np.arange(300)[:, None]).all()
    np.testing.assert_allclose(nb.sim, -np.sort(-brute, axis=1)[:, :5], rtol=1e-5, atol=1e-5)


def test_ivf_path_finds_close_neighbours():
    rng = np.random.default_rng(2)
    centres = unit(rng, 200, 16)
    x = centres.repeat(20, axis=0) + 0.05 * rng.standard_normal((4000, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    nb = ck.knn(x, 10, exact_max_rows=1000)  # forces IVF
    same = (nb.idx // 20) == (np.arange(4000) // 20)[:, None]
    assert same.mean() > 0.95


def test_saturated_rows_get_an_exact_capped_extension():
    rng = np.random.default_rng(3)
    base = unit(rng, 1, 8)
    x = np.vstack([base + 0.01 * rng.standard_normal((30, 8)), unit(rng, 30, 8)]).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    nb = ck.knn(x, 5)
    assert len(ck.saturated_rows(nb, 0.9)) >= 30
    indptr, indices, sims = ck.neighbour_lists(x, nb, 0.9)
    # Row 0 sees all 29 other members of the tight group, not just its 5 kNN.
    row0 = set(indices[indptr[0] : indptr[1]].tolist())
    assert set(range(1, 30)) <= row0
    assert (sims >= 0.9).all()


def test_greedy_leftover_joins_only_when_above_threshold_to_the_centre():
    # Centre 0 takes 1, 2, 3; 4 is a neighbour of member 1 only.
    nbrs = {0: [1, 2, 3], 1: [0, 4], 2: [0], 3: [0], 4: [1]}
    indptr = np.cumsum([0] + [len(nbrs[i]) for i in range(5)])
    indices = np.array(sum((nbrs[i] for i in range(5)), []), np.int64)
    sims = np.full(len(indices), 0.9, np.float32)
    args = (indptr, indices, sims)
    kw = {"size": np.ones(5, int), "volume": np.zeros(5)}
    labels, centres = ck.greedy_communities(*args, **kw)
    assert centres.tolist() == [0] and labels.tolist() == [0, 0, 0, 0, -1]
    far = np.array([[1, 0], [1, 0], [1, 0], [1, 0], [0, 1]], np.float32)  # 4 ⟂ centre
    labels, _ = ck.greedy_communities(*args, **kw, emb=far, threshold=0.8)
    assert labels.tolist() == [0, 0, 0, 0, -1]
    near = np.array([[1, 0], [1, 0], [1, 0], [1, 0], [0.95, 0.312]], np.float32)
    near /= np.linalg.norm(near, axis=1, keepdims=True)  # 4 close to the centre (list cap)
    labels, _ = ck.greedy_communities(*args, **kw, emb=near, threshold=0.8)
    assert labels.tolist() == [0, 0, 0, 0, 0]


def test_greedy_communities_are_disjoint_densest_first():
    # 0-1-2 dense, 3 linked only to 2, 4 alone.
    nbrs = {0: [1, 2], 1: [0, 2], 2: [0, 1, 3], 3: [2], 4: []}
    indptr = np.cumsum([0] + [len(nbrs[i]) for i in range(5)])
    indices = np.array(sum((nbrs[i] for i in range(5)), []), np.int64)
    sims = np.full(len(indices), 0.9, np.float32)
    labels, centres = ck.greedy_communities(
        indptr, indices, sims, size=np.ones(5, int), volume=np.zeros(5)
    )
    assert centres.tolist() == [2]  # highest degree first
    assert labels.tolist() == [0, 0, 0, 0, -1]


@pytest.mark.slow
def test_100k_list_never_allocates_an_n_by_n_matrix(monkeypatch):
    monkeypatch.setattr(ck, "IVF_MAX_CELLS", 256)  # fewer k-means cells: same code path, faster
    n = 100_000
    words = [f"k{i}" for i in range(n)]
    data = pd.DataFrame({"keyword": words, "search_volume": np.arange(n) % 1000})
    tracemalloc.start()
    try:
        result = cluster_keywords(
            data, RandomEmbedder(dim=16), ClusterOptions(threshold=0.995, k=10, hubs=False)
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.keywords) == n
    # An n×n float32 matrix would be 40 GB; the whole run stays far below even 1 % of it.
    assert peak < 400 * 2**20, f"peak traced memory {peak / 2**20:.0f} MB"


# --------------------------------------------------------------------------- pairwise mode
def test_pairwise_mode_merges_same_search_variants_and_reports_its_threshold():
    rows = [
        ("fha vs conventional", 900),
        ("conventional vs fha loan", 300),
        ("compare fha and conventional loans", 100),
        ("wool socks", 800),
        ("football boots", 700),
    ]
    result = cluster_keywords(frame(rows), TrigramEmbedder(), ClusterOptions(hubs=False))
    k = result.keywords.set_index("keyword")
    assert k.loc["fha vs conventional", "cluster"] == k.loc["conventional vs fha loan", "cluster"]
    assert (
        k.loc["fha vs conventional", "cluster"]
        == k.loc["compare fha and conventional loans", "cluster"]
    )
    assert k.loc["wool socks", "cluster"] != k.loc["football boots", "cluster"]
    assert result.stats["grouping"] == "pairwise"
    assert result.stats["probability_threshold"] == 0.45
    with pytest.raises(InvalidInputError):
        cluster_keywords(frame(rows), TrigramEmbedder(), ClusterOptions(probability=1.5))


def test_grouping_hint_only_when_asked():
    rows = [("nike socks", 900), ("sports socks brand", 300), ("football boots", 700)]
    data = frame(rows).assign(grouping_hint=["nike socks", "nike socks", None])
    off = cluster_keywords(data, TrigramEmbedder(), ClusterOptions(hubs=False)).keywords
    on = cluster_keywords(
        data, TrigramEmbedder(), ClusterOptions(hubs=False, use_grouping_hint=True)
    ).keywords
    assert off["cluster"][0] != off["cluster"][1]
    assert on["cluster"][0] == on["cluster"][1] != on["cluster"][2]


def test_result_carries_each_keywords_vector_for_reuse():
    rows = [("wool socks", 800), ("wool sock", 10), ("football boots", 700)]
    emb = TrigramEmbedder()
    result = cluster_keywords(frame(rows), emb, ClusterOptions(hubs=False))
    vectors = result.keyword_embeddings()
    assert vectors.shape == (3, emb.dim)
    np.testing.assert_allclose(vectors[0], vectors[1])  # one lexical group, one vector
    np.testing.assert_allclose(vectors[2], emb.embed(["football boots"])[0], atol=1e-6)
