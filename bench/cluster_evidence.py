"""List clustering with the data's evidence on and off (issue 16), and what the figures mean.

Run through ``python bench/cluster_quality.py --devdata --evidence`` (or this file directly).
Every figure is B-cubed P / R / F1 on the HELD-OUT half of each development set
(:func:`bench.cluster_quality.dev_sets`), balanced threshold (p ≥ 0.45), production
embedder tier by list size, the same path as a clustering run
(:func:`services.keyword_lists.run.with_evidence` → ``cluster_keywords``):

* ``text_only`` — evidence off: text rules and the pairwise model only (these must equal
  ``models/pairwise/PROVENANCE.md``: socks 0.737, law 0.629, chatgpt-prompts 0.741).
* ``parent_leaky`` — evidence = the Parent Keyword itself. Parent Keyword is ALSO the truth,
  so this is not a quality figure: it shows only that the evidence is applied, and how much
  the text rules' merges across Ahrefs parents cost (evidence never splits them).
* ``parent_half`` — the fair variant: the Parent Keyword of a random half of the keywords is
  kept (seed :data:`HALF_SEED`), the other half's is hidden, and only the hidden keywords are
  scored (``*_hidden``, beside text-only on the same keywords). It measures how evidence on
  part of a list helps the keywords that carry none.
* SERP sets (``serp_report``): keyword-ninja (DataForSEO top 10 for the same keywords in two
  markets): evidence = India SERP overlap (≥ 4 of 10), truth = the US SERP groups
  (``serp_groups`` ≥ 4) — a different evidence column than the truth, and a ceiling: the two
  markets agree only partly (``india_as_prediction``). asphalt: evidence = its top-10 URLs,
  truth = the published Jaccard ≥ 0.3 grouping made FROM those URLs (86 keywords): a sanity
  check, not an independent score.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.cluster_quality import DEVDATA, bcubed, dev_sets, fmt, singletons  # noqa: E402
from services.clustering.pages import ClusterOptions, cluster_keywords, lexical_groups  # noqa: E402
from services.keyword_lists.evidence import Evidence  # noqa: E402
from services.keyword_lists.run import list_embedder, with_evidence  # noqa: E402

#: Seed of the random half of keywords whose Parent Keyword is kept in ``parent_half``.
HALF_SEED = 16
PROBABILITY = 0.45


def cluster(frame: pd.DataFrame, evidence: Evidence | None) -> np.ndarray:
    """Cluster labels (unclustered as singletons) of ``frame`` with or without evidence."""
    n_texts = int(lexical_groups(frame["keyword"].tolist()).max(initial=-1)) + 1
    embedder = list_embedder(n_texts)
    options = ClusterOptions(probability=PROBABILITY)
    pending = frame[["keyword", "search_volume"]].reset_index(drop=True)
    use = evidence is not None and evidence.any()
    pending, options, _groups = with_evidence(pending, evidence if use else None, options, use)
    result = cluster_keywords(pending, embedder, options)
    return singletons(result.keywords["cluster"].to_numpy())


def _row(out: dict, key: str, label: str, pred: np.ndarray, truth: np.ndarray) -> None:
    p, r, f = bcubed(pred, truth)
    print(f"{label:<58} {fmt(p, r, f)}", flush=True)
    out[key] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def devdata_evidence(names: list[str] | None) -> dict:
    """Text-only, leaky and fair (half-hidden) Parent Keyword evidence on each held-out half."""
    out: dict = {}
    for name, frame in dev_sets(names).items():
        part = frame[~frame["tune"]].reset_index(drop=True)
        truth = part["truth"].to_numpy()
        n = len(part)
        t0 = time.perf_counter()
        text = cluster(part, None)
        _row(out, f"{name}_text_only", f"{name} held_out ({n:,} kw) text only", text, truth)
        leaky = cluster(part, Evidence(parent=part["truth"].tolist()))
        _row(out, f"{name}_parent_leaky", f"{name} evidence = Parent Keyword (leaky)", leaky, truth)
        keep = np.random.default_rng(HALF_SEED).random(n) < 0.5
        parent = [t if k else None for t, k in zip(part["truth"], keep, strict=True)]
        half = cluster(part, Evidence(parent=parent))
        hidden = ~keep
        _row(
            out,
            f"{name}_text_only_hidden",
            f"{name} text only, scored on the hidden half ({hidden.sum():,})",
            text[hidden],
            truth[hidden],
        )
        _row(
            out,
            f"{name}_parent_half_hidden",
            f"{name} evidence on the other half, scored on the hidden half",
            half[hidden],
            truth[hidden],
        )
        out[f"{name}_seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _ninja() -> dict[str, dict[str, list[str]]]:
    """keyword-ninja SERPs: market (location code) → keyword → top-10 URLs in rank order."""
    from services.clustering.serp_overlap import normalise_url
    from services.core.text import normalize_keyword

    rows = pd.DataFrame(json.loads((DEVDATA / "keyword-ninja-serp.json").read_text()))
    rows = rows.sort_values(["locationCode", "keyword", "rank"])
    out: dict[str, dict[str, list[str]]] = {}
    for (loc, kw), grp in rows.groupby(["locationCode", "keyword"]):
        urls = list(dict.fromkeys(normalise_url(u) for u in grp["url"]))[:10]
        out.setdefault(str(loc), {})[normalize_keyword(str(kw))] = urls
    return out


def serp_report() -> dict:
    """SERP overlap as evidence on keyword-ninja (other market as truth) and asphalt."""
    from services.clustering.serp_overlap import serp_groups

    out: dict = {}
    markets = _ninja()
    if len(markets) >= 2:
        (a, urls_a), (b, urls_b) = sorted(markets.items(), key=lambda kv: -len(kv[1]))[:2]
        words = sorted(set(urls_a) & set(urls_b))
        frame = pd.DataFrame({"keyword": words, "search_volume": np.nan})
        truth = singletons(
            serp_groups(words, [urls_b[w] for w in words], np.zeros(len(words)), min_shared=4)
        )
        india = singletons(
            serp_groups(words, [urls_a[w] for w in words], np.zeros(len(words)), min_shared=4)
        )
        print(f"keyword-ninja: {len(words)} keywords in markets {a} and {b}; truth = {b} SERPs")
        _row(out, "ninja_other_market_ceiling", f"  {a} SERP groups as prediction", india, truth)
        _row(out, "ninja_text_only", "  text only", cluster(frame, None), truth)
        ev = Evidence(serp=[urls_a[w] for w in words])
        _row(
            out,
            "ninja_serp_evidence",
            f"  text + {a} SERP overlap (>= 4/10)",
            cluster(frame, ev),
            truth,
        )
    path = DEVDATA / "asphalt-clusters.csv"
    if path.exists():
        from services.clustering.serp_overlap import normalise_url

        serps = json.loads((DEVDATA / "asphalt-serp.json").read_text())
        table = pd.read_csv(path)
        words = table["Keyword"].str.lower().str.strip().tolist()
        frame = pd.DataFrame({"keyword": words, "search_volume": np.nan})
        truth = table["Hub"].to_numpy()
        print(f"asphalt: {len(words)} keywords; truth = its Jaccard >= 0.3 hubs from the same URLs")
        _row(out, "asphalt_text_only", "  text only", cluster(frame, None), truth)
        ev = Evidence(serp=[[normalise_url(u) for u in serps.get(w, [])][:10] for w in words])
        _row(
            out,
            "asphalt_serp_evidence",
            "  text + SERP overlap (>= 4/10)",
            cluster(frame, ev),
            truth,
        )
    return out


def main() -> None:
    names = sys.argv[1].split(",") if len(sys.argv) > 1 else None
    out = {**devdata_evidence(names), **serp_report()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
