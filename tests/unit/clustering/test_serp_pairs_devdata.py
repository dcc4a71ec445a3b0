"""SERP overlap on real SERP shapes (keyword-ninja, India vs US; never committed: skipped
without ``.local/devdata``). Figures are printed by ``python bench/serp_pairs.py``."""

from __future__ import annotations

import pytest

from bench.serp_pairs import DATA, THRESHOLDS, load, report


@pytest.mark.skipif(not DATA.exists(), reason="keyword-ninja-serp.json not in .local/devdata")
def test_fewer_pairs_join_as_the_threshold_rises_and_the_markets_only_partly_agree():
    markets = load()
    assert set(markets) == {"2356", "2840"}
    assert all(len(urls) <= 10 for m in markets.values() for urls in m.values())
    out = report(markets)
    for market in markets:
        pairs = [out[f"{market}_pairs_ge{k}"] for k in THRESHOLDS]
        merges = [out[f"{market}_serp_merges_ge{k}"] for k in THRESHOLDS]
        assert pairs[0] > pairs[1] > pairs[2] > 0 and merges[0] > merges[1] > merges[2] > 0
        assert all(m <= p for m, p in zip(merges, pairs, strict=True))
    assert all(0 < out[f"agreement_ge{k}"] < 0.8 for k in THRESHOLDS)  # type: ignore[operator]
