"""Train the pairwise "same page?" model on the development sets' tuning halves.

For each development set with Ahrefs' Parent Keyword (``bench/cluster_quality.py``
:func:`dev_sets`: socks, law, chatgpt-prompts; fetched into the git-ignored
``.local/devdata/``), the tuning half of the fixed split by truth group is grouped as the
pipeline does (:func:`services.clustering.variants.variant_groups`), the group
representatives are embedded with each embedder tier, and the candidate pairs the pipeline
would score (kNN, :data:`services.clustering.pairwise.PAIR_K` neighbours at or above
:data:`~services.clustering.pairwise.PAIR_MIN_COSINE`) are labelled 1 when both
representatives have the same Parent Keyword. Pairs the pipeline never joins by text (a
page-changing modifier on one side only, :func:`services.clustering.page_modifiers.allowed`;
:func:`services.clustering.pairwise.score_pairs` gives them 0) are left out. A scikit-learn logistic regression
(standardised features, L2, each set weighted equally) is fitted per tier; its weights, the
data, the date and pair-level metrics on both halves go to ``models/pairwise/weights.json``
(read by :func:`services.clustering.pairwise.load_model`, numpy only).

Run: ``python scripts/train_pairwise.py [--tiers minilm,static]`` (about a minute).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from cluster_quality import DEV_SPLIT_SEED, dev_sets  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score  # noqa: E402

from services.clustering import knn as ck  # noqa: E402
from services.clustering import pairwise as pw  # noqa: E402
from services.clustering.page_modifiers import allowed  # noqa: E402
from services.clustering.pages import embed_blocks  # noqa: E402
from services.clustering.variants import variant_groups  # noqa: E402
from services.providers.embeddings import get_embedder  # noqa: E402

#: L2 strength of the logistic regression (scikit-learn's C; 1.0 = its default).
C = 1.0


def labelled_pairs(frame: pd.DataFrame, tier: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and same-Parent-Keyword labels of the pipeline's candidate pairs in ``frame``."""
    words = frame["keyword"].tolist()
    vol = pd.to_numeric(frame["search_volume"], errors="coerce").fillna(0).to_numpy()
    groups = variant_groups(words)
    n_groups = int(groups.max()) + 1
    order = sorted(range(len(words)), key=lambda i: (groups[i], -vol[i], len(words[i]), words[i]))
    rep = np.full(n_groups, -1, np.int64)
    for i in order:
        if rep[groups[i]] < 0:
            rep[groups[i]] = i
    gvol = np.bincount(groups, weights=vol, minlength=n_groups)
    texts = [words[i] for i in rep]
    emb = embed_blocks(get_embedder(tier), texts)
    nb = ck.knn(emb, pw.PAIR_K)
    left, right, cos, ranks = pw.candidate_pairs(nb, pw.PAIR_MIN_COSINE[tier])
    keep = allowed(pw.prepare_tokens(texts).modifiers, left, right)
    left, right, cos, ranks = left[keep], right[keep], cos[keep], ranks[keep]
    x = pw.pair_features(texts, gvol, left, right, cos, ranks)
    truth = frame["truth"].to_numpy()[rep]
    y = (truth[left] == truth[right]).astype(np.int64)
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="minilm,static")
    parser.add_argument("--out", type=Path, default=pw.MODEL_PATH)
    args = parser.parse_args()
    sets = dev_sets()
    if not sets:
        raise SystemExit("No development sets in .local/devdata/.")
    result: dict = {
        "features": list(pw.FEATURES),
        "trained": datetime.now(UTC).strftime("%Y-%m-%d"),
        "library": f"scikit-learn LogisticRegression (lbfgs, L2, C={C:.2g})",
        "data": {
            name: {"rows": int(len(f)), "tune_rows": int(f["tune"].sum())}
            for name, f in sets.items()
        },
        "split_seed": DEV_SPLIT_SEED,
        "pair_k": pw.PAIR_K,
        "pair_min_cosine": pw.PAIR_MIN_COSINE,
        "tiers": {},
        "metrics": {},
    }
    for tier in args.tiers.split(","):
        xs, ys, ws, held = [], [], [], {}
        for name, frame in sets.items():
            x, y = labelled_pairs(frame[frame["tune"]].reset_index(drop=True), tier)
            xs.append(x)
            ys.append(y)
            ws.append(np.full(len(y), 1.0 / max(1, len(y))))
            held[name] = labelled_pairs(frame[~frame["tune"]].reset_index(drop=True), tier)
            print(f"{tier} {name}: {len(y):,} tune pairs ({y.mean():.1%} same page)", flush=True)
        x_all, y_all = np.concatenate(xs), np.concatenate(ys)
        w_all = np.concatenate(ws) * len(y_all) / len(xs)
        mean = x_all.mean(axis=0)
        scale = x_all.std(axis=0)
        scale[scale == 0] = 1.0
        clf = LogisticRegression(C=C, max_iter=5000)
        clf.fit((x_all - mean) / scale, y_all, sample_weight=w_all)
        model = pw.PairwiseModel(
            mean.astype(np.float32),
            scale.astype(np.float32),
            clf.coef_[0].astype(np.float32),
            float(clf.intercept_[0]),
        )
        result["tiers"][tier] = model.to_dict()
        metrics = {}
        for name, (x, y) in held.items():
            p = model.predict(x)
            metrics[f"{name}_held_out"] = {
                "pairs": int(len(y)),
                "positive_share": round(float(y.mean()), 4),
                "roc_auc": round(float(roc_auc_score(y, p)), 4) if 0 < y.mean() < 1 else None,
                "average_precision": round(float(average_precision_score(y, p)), 4),
                "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 4),
                "cosine_roc_auc": round(float(roc_auc_score(y, x[:, 0])), 4)
                if 0 < y.mean() < 1
                else None,
            }
            print(f"{tier} {name} held-out pairs: {metrics[f'{name}_held_out']}", flush=True)
        result["metrics"][tier] = metrics
        top = sorted(zip(pw.FEATURES, clf.coef_[0], strict=True), key=lambda t: -abs(t[1]))[:8]
        print(f"{tier} largest weights: " + ", ".join(f"{f} {w:+.2f}" for f, w in top))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
