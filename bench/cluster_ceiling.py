"""How far text can agree with Ahrefs' Parent Keyword (``bench/cluster_quality.py --devdata
--ceiling``): word-order / plural twin pairs that share a parent, and oracle bounds."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.cluster_quality import bcubed, dev_sets, fmt, singletons  # noqa: E402
from services.clustering.pages import lexical_groups  # noqa: E402


def twin_key(keyword: str) -> str:
    """Word-order and plural-insensitive key (:func:`services.core.text.singularize`):
    "accident lawyers near me" and "near me accident lawyer" share it."""
    from services.core.text import singularize, tokens

    return " ".join(sorted(map(singularize, tokens(keyword))))


def pair_agreement(keys: np.ndarray, truth: np.ndarray) -> tuple[int, float]:
    """Keyword pairs sharing a key, and the share of them that share a truth group."""
    frame = pd.DataFrame({"k": keys, "t": truth})
    n_key = frame.groupby("k").size()
    n_joint = frame.groupby(["k", "t"]).size()
    pairs = float((n_key * (n_key - 1) / 2).sum())
    same = float((n_joint * (n_joint - 1) / 2).sum())
    return int(pairs), (same / pairs if pairs else float("nan"))


def ceiling_report(names: list[str] | None) -> dict:
    """How far text can agree with Ahrefs' Parent Keyword, on each held-out half.

    * ``twin_pairs`` / ``twin_same_parent``: keyword pairs that differ only in word order or
      plural (:func:`twin_key`) and the share of them Ahrefs gives one Parent Keyword — the
      agreement any text-only grouping that merges same-search variants (issue item 1)
      starts from.
    * ``oracle``: B-cubed when every same-search variant group
      (:func:`services.clustering.variants.variant_groups`) joins the truth group most of its
      keywords belong to, with perfect knowledge of every other decision.
    * ``oracle_unanimous``: the same, but variant groups whose keywords Ahrefs gives more
      than one Parent Keyword stay pages of their own: what perfect merge decisions reach
      while keeping precision near that of the variant groups themselves.
    """
    from services.clustering.variants import variant_groups

    out: dict = {}
    for name, frame in dev_sets(names).items():
        part = frame[~frame["tune"]].reset_index(drop=True)
        truth = part["truth"].to_numpy()
        pairs, same = pair_agreement(part["keyword"].map(twin_key).to_numpy(), truth)
        whole_pairs, whole_same = pair_agreement(
            frame["keyword"].map(twin_key).to_numpy(), frame["truth"].to_numpy()
        )
        groups = variant_groups(part["keyword"].tolist())
        majority = (
            pd.DataFrame({"g": groups, "t": truth})
            .groupby("g")["t"]
            .agg(lambda t: t.value_counts().index[0])
        )
        p, r, f = bcubed(majority.reindex(groups).to_numpy(), truth)
        unanimous = (
            pd.DataFrame({"g": groups, "t": truth}).groupby("g")["t"].nunique().reindex(groups) == 1
        ).to_numpy()
        up, ur, uf = bcubed(
            np.where(
                unanimous,
                majority.reindex(groups).to_numpy(),
                "variant group " + pd.Series(groups).astype(str).to_numpy(),
            ),
            truth,
        )
        lp, lr, lf = bcubed(singletons(lexical_groups(part["keyword"].tolist())), truth)
        print(
            f"{name} held_out: {pairs:,} word-order/plural twin pairs, {same:.1%} share a "
            f"Parent Keyword ({whole_same:.1%} of {whole_pairs:,} in the whole file); lexical {fmt(lp, lr, lf)}; oracle merge of variant groups "
            f"{fmt(p, r, f)}; merging only variant groups with one Parent Keyword "
            f"{fmt(up, ur, uf)}",
            flush=True,
        )
        out[f"{name}_held_out_ceiling"] = {
            "twin_pairs": pairs,
            "twin_same_parent": round(same, 4),
            "twin_pairs_whole_file": whole_pairs,
            "twin_same_parent_whole_file": round(whole_same, 4),
            "oracle_precision": round(p, 4),
            "oracle_recall": round(r, 4),
            "oracle_f1": round(f, 4),
            "oracle_unanimous_precision": round(up, 4),
            "oracle_unanimous_recall": round(ur, 4),
            "oracle_unanimous_f1": round(uf, 4),
        }
    return out
