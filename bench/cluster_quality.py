"""Quality figures of keyword-list clustering and offline intent, on the shared exports.

* B-cubed precision / recall / F1 (Bagga & Baldwin 1998, averaged over all keywords;
  unclustered keywords count as singletons) of page-level clusters and of hubs against the
  ``CLUSTER`` column of ``semrush-add-to-website-clustered`` — a rule-made, topic-level,
  weak reference (12,586 of 27,640 rows are "Other"): a sanity check, not a target.
  Reported with "Other" as one class and with "Other" rows as singletons.
* Unclustered share (and reasons) on each shared export.
* Offline intent (:func:`services.clustering.intent.classify_intents`) against Semrush's ``Intent``
  column of the wordpress export: per-label precision and recall.
* ``--truth FILE --truth-column "Parent Keyword"``: B-cubed against any export with a
  grouping column, e.g. an Ahrefs Keywords Explorer export (Parent Keyword = Ahrefs' SERP
  based page groups), optionally for several strictness levels (``--strictness``) and
  embedder tiers (``--tier minilm,static``; default: by list size), plus the lexical groups
  alone. The file is read like the importer reads it (UTF-8 or UTF-16, comma or tab).
  ``--split SEED`` also scores the two halves of a random split of the truth groups
  (:func:`split_halves`; each half clustered as a list of its own): "tune" is the half the
  page thresholds were tuned on (seed 20260424 for the Ahrefs "socks" export, see
  :data:`services.clustering.pages.PAGE_THRESHOLDS`), "held-out" the other.
* ``--devdata --evidence``: list clustering with the data's evidence (Parent Keyword, SERP
  overlap) on and off, with a leaky and a fair variant (``bench/cluster_evidence.py``).

Embedders are the production ones, tier by list size
(:func:`services.keyword_lists.run.list_embedder`). Run: ``python bench/cluster_quality.py``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from services.clustering.intent import agreement, classify_intents, parse_labels  # noqa: E402
from services.clustering.pages import ClusterOptions, cluster_keywords, lexical_groups  # noqa: E402
from services.projects.imports import parse_keyword_export  # noqa: E402

DATA = REPO.parent / "shared" / "data"
WP = DATA / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv"
ATW = DATA / "semrush-add-to-website-clustered" / "add-to-website_broad-match_us_2026-04-22.csv"
ATW_CLUSTERED = (
    DATA / "semrush-add-to-website-clustered" / "add-to-website_clustered_full_us_2026-04-22.csv"
)
GKP = DATA / "gkp-auto-repair-es" / "keyword-stats.csv"
#: Development sets with Ahrefs' Parent Keyword (fetched per ../shared/data/README.md, kept
#: only in the git-ignored .local/devdata/): name → file.
DEVDATA = REPO / ".local" / "devdata"
DEV_SETS = {
    "socks": "socks.csv",
    "law": "output_grpr.csv",
    "chatgpt-prompts": "chatgpt-prompts.csv",
}
#: Seed of the fixed split of every development set by truth group (tune / held-out).
DEV_SPLIT_SEED = 20260424


def read_ahrefs(path: Path) -> pd.DataFrame:
    """An Ahrefs Keywords Explorer export (UTF-8 CSV or UTF-16 TSV) as ``keyword``,
    ``search_volume``, ``truth`` (normalised Parent Keyword, "" when empty) and ``intent``
    (the "Intents" cell, None when absent). Read directly with pandas so the quality
    figures do not move with importer changes."""
    from services.core.text import normalize_keyword

    raw = path.read_bytes()
    utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    table = pd.read_csv(
        io.StringIO(text), sep="\t" if utf16 else ",", dtype=str, keep_default_na=False
    )
    return pd.DataFrame(
        {
            "keyword": table["Keyword"].map(normalize_keyword),
            "search_volume": pd.to_numeric(table["Volume"], errors="coerce"),
            "truth": table["Parent Keyword"].map(normalize_keyword),
            "intent": table.get("Intents", None),
        }
    )


def dev_sets(names: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Development sets: ``keyword``, ``search_volume``, ``truth`` (Parent Keyword), ``tune``.

    Rows without a Parent Keyword (Ahrefs leaves it empty for low-volume keywords: 8,971
    of the law file's 28,734) carry no truth and are left out. ``tune`` marks the tuning
    half of the fixed split (:func:`split_halves`, :data:`DEV_SPLIT_SEED`).
    """
    out = {}
    for name, file in DEV_SETS.items():
        if names and name not in names:
            continue
        path = DEVDATA / file
        if not path.exists():
            print(f"{name}: {path} missing (fetch it, see ../shared/data/README.md)")
            continue
        frame = read_ahrefs(path)
        frame = frame[frame["truth"] != ""].drop_duplicates("keyword").reset_index(drop=True)
        frame["tune"] = split_halves(frame["truth"], DEV_SPLIT_SEED)
        out[name] = frame
    return out


def bcubed(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 of labelings ``pred`` vs ``truth`` (same length)."""
    df = pd.DataFrame({"p": pred, "t": truth})
    joint = df.groupby(["p", "t"]).size().rename("n").reset_index()
    p_size = df.groupby("p").size()
    t_size = df.groupby("t").size()
    n = len(df)
    precision = float((joint["n"] ** 2 / joint["p"].map(p_size)).sum() / n)
    recall = float((joint["n"] ** 2 / joint["t"].map(t_size)).sum() / n)
    return precision, recall, 2 * precision * recall / (precision + recall)


def singletons(labels: np.ndarray) -> np.ndarray:
    """Labels where every -1 becomes its own cluster."""
    out = np.asarray(labels, np.int64).copy()
    lone = out < 0
    out[lone] = out.max(initial=0) + 1 + np.arange(lone.sum())
    return out


def load(path: Path) -> pd.DataFrame:
    frame, _ = parse_keyword_export(path.read_bytes(), path.name)
    return frame


def read_truth(path: Path, column: str) -> dict[str, str]:
    """Normalised keyword → normalised value of ``column``, read like the importer reads.

    Ahrefs writes UTF-8 comma or UTF-16 tab files (and other tools add title lines above the
    header), so the table goes through the importer's decoding, header search and dialect
    sniffing; ``Keyword`` and ``column`` are matched case- and space-insensitively.
    """
    from services.core.text import normalize_keyword
    from services.projects.imports import decode_text, find_header, norm_header, read_table

    text = decode_text(path.read_bytes(), path.name)
    start, delimiter = find_header(text, path.name)
    raw, _, _ = read_table(text[start:], delimiter, path.name)
    by_name = {norm_header(c): c for c in raw.columns}
    missing = [c for c in ("keyword", norm_header(column)) if c not in by_name]
    if missing:
        raise SystemExit(f"{path.name}: no column {missing} (columns: {list(raw.columns)})")
    keys = raw[by_name["keyword"]].map(normalize_keyword)
    values = raw[by_name[norm_header(column)]].map(normalize_keyword)
    return dict(zip(keys, values, strict=True))


def split_halves(truth: pd.Series, seed: int) -> np.ndarray:
    """True for rows whose truth group falls in the "tune" half of a random group split.

    The distinct truth values are sorted, permuted with ``numpy.random.default_rng(seed)``
    and the first ``len // 2`` form the tuning half, so no truth group straddles halves.
    """
    groups = np.array(sorted(truth.unique()))
    perm = np.random.default_rng(seed).permutation(len(groups))
    return truth.isin(set(groups[perm[: len(groups) // 2]])).to_numpy()


def run(
    frame: pd.DataFrame, options: ClusterOptions, tier: str = "auto"
) -> tuple[pd.DataFrame, dict]:
    if tier == "auto":
        from services.keyword_lists.run import list_embedder

        n_texts = int(lexical_groups(frame["keyword"].tolist()).max(initial=-1)) + 1
        embedder = list_embedder(n_texts)
    else:
        from services.providers.embeddings import get_embedder

        embedder = get_embedder(tier)
    result = cluster_keywords(frame[["keyword", "search_volume"]], embedder, options)
    hub_of = dict(zip(result.clusters["cluster"], result.clusters["hub"], strict=True))
    kw = result.keywords.copy()
    kw["hub"] = kw["cluster"].map(hub_of).fillna(-1).astype(int)
    return kw, {**result.stats, "embedder": embedder.name}


def devdata_report(names: list[str] | None, probabilities: list[float]) -> dict:
    """B-cubed of lexical, variant, current (cosine) and pairwise grouping on each half.

    Each half is clustered as a list of its own with the production embedder tier (by list
    size), single-keyword floor as in production; every keyword is scored, unclustered
    ones as singletons.
    """
    from services.clustering.variants import variant_groups

    out: dict = {}
    for name, frame in dev_sets(names).items():
        for half, part in (("tune", frame[frame["tune"]]), ("held_out", frame[~frame["tune"]])):
            part = part.reset_index(drop=True)
            truth = part["truth"].to_numpy()
            rows = {
                "lexical": singletons(lexical_groups(part["keyword"].tolist())),
                "variants": singletons(variant_groups(part["keyword"].tolist())),
            }
            kw, stats = run(part, ClusterOptions(grouping="cosine"))
            rows[f"current [{stats['embedder']}]"] = singletons(kw["cluster"].to_numpy())
            for prob in probabilities:
                t0 = time.perf_counter()
                kw, stats = run(part, ClusterOptions(probability=prob))
                label = f"pairwise p>={prob:g} [{stats['embedder']}]"
                rows[label] = singletons(kw["cluster"].to_numpy())
                stats_s = time.perf_counter() - t0
            for label, pred in rows.items():
                p, r, f = bcubed(pred, truth)
                print(f"{name} {half} ({len(part):,} kw) {label:<32} {fmt(p, r, f)}", flush=True)
                out[f"{name}_{half}_{label.split(' [')[0]}"] = {
                    "precision": round(p, 4),
                    "recall": round(r, 4),
                    "f1": round(f, 4),
                }
            out[f"{name}_{half}_seconds_last_run"] = round(stats_s, 2) if probabilities else None
    return out


#: Files with intent labels: name → (path, keyword column, intent column, tool).
INTENT_SETS = {
    "semrush-wordpress": (WP, "Keyword", "Intent", "Semrush"),
    "semrush-designrush": (
        DEVDATA / "designrush-semrush.csv",
        "Keyword",
        "Keyword Intents",
        "Semrush",
    ),
    "ahrefs-chatgpt-prompts": (DEVDATA / "chatgpt-prompts.csv", "Keyword", "Intents", "Ahrefs"),
}


def intent_sets() -> dict[str, pd.DataFrame]:
    """Keywords with their tool's intent labels and a fixed half split (``tune``).

    Rows without any of the four base intents are left out. The split is by keyword
    (seeded permutation, :data:`DEV_SPLIT_SEED`); rules are calibrated on "tune" only.
    """
    from services.core.text import normalize_keyword

    out = {}
    for name, (path, kcol, icol, _tool) in INTENT_SETS.items():
        if not path.exists():
            print(f"{name}: {path} missing")
            continue
        raw = path.read_bytes()
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
        table = pd.read_csv(
            io.StringIO(text), sep="\t" if utf16 else ",", dtype=str, keep_default_na=False
        )
        frame = pd.DataFrame(
            {"keyword": table[kcol].map(normalize_keyword), "labels": table[icol].map(parse_labels)}
        )
        frame = frame[frame["labels"].map(bool)].drop_duplicates("keyword")
        frame = frame.reset_index(drop=True)
        perm = np.random.default_rng(DEV_SPLIT_SEED).permutation(len(frame))
        frame["tune"] = np.zeros(len(frame), bool)
        frame.loc[perm[: len(frame) // 2], "tune"] = True
        out[name] = frame
    return out


def intent_report() -> dict:
    """Per-label precision / recall of offline intents on each labelled file's halves."""
    from services.clustering.pages import embed_blocks
    from services.keyword_lists.run import list_embedder

    out: dict = {}
    for name, frame in intent_sets().items():
        for half, part in (("tune", frame[frame["tune"]]), ("held_out", frame[~frame["tune"]])):
            words = part["keyword"].tolist()
            embedder = list_embedder(len(words))
            emb = embed_blocks(embedder, words)
            table = agreement(
                classify_intents(words, embedder, embeddings=emb), part["labels"].tolist()
            )
            print(f"intent {name} {half} ({len(words):,} rows, {embedder.name}):")
            print(table.round(3).to_string())
            out[f"intent_{name}_{half}"] = table.round(3).to_dict(orient="index")
    return out


def fmt(p: float, r: float, f: float) -> str:
    return f"P {p:.3f}  R {r:.3f}  F1 {f:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, help="an export with a grouping column")
    parser.add_argument("--truth-column", default="Parent Keyword")
    parser.add_argument("--strictness", default="balanced", help="comma-separated levels")
    parser.add_argument(
        "--tier",
        default="auto",
        help="comma-separated embedder tiers for --truth: auto (by list size), minilm, static",
    )
    parser.add_argument(
        "--split",
        type=int,
        help="with --truth: also score both halves of a random split of the truth groups",
    )
    parser.add_argument(
        "--devdata",
        nargs="?",
        const="all",
        help="score the development sets' halves (names comma-separated, default all)",
    )
    parser.add_argument(
        "--probability",
        default="",
        help="with --devdata: comma-separated same-page probability thresholds "
        "(default: the balanced one)",
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="with --devdata: how far text can agree with the Parent Keyword (twin pairs, "
        "oracle bound) instead of clustering",
    )
    parser.add_argument(
        "--evidence",
        action="store_true",
        help="with --devdata: list clustering with the data's evidence on and off, leaky and "
        "fair variants, and SERP overlap (bench/cluster_evidence.py)",
    )
    parser.add_argument(
        "--intent", action="store_true", help="intent precision / recall on the labelled files"
    )
    args = parser.parse_args()
    if args.intent:
        print(json.dumps(intent_report()))
        return
    if args.devdata:
        from services.clustering.pairwise import PROBABILITY_THRESHOLDS

        probs = [float(x) for x in args.probability.split(",") if x] or [
            PROBABILITY_THRESHOLDS["balanced"]
        ]
        names = None if args.devdata == "all" else args.devdata.split(",")
        if args.ceiling:
            from bench.cluster_ceiling import ceiling_report

            print(json.dumps(ceiling_report(names)))
            return
        if args.evidence:
            from bench.cluster_evidence import devdata_evidence, serp_report

            print(json.dumps({**devdata_evidence(names), **serp_report()}))
            return
        print(json.dumps(devdata_report(names, probs)))
        return
    levels = args.strictness.split(",")
    if args.truth:
        print(json.dumps(truth_report(args, levels)))
        return
    print(json.dumps(shared_report(levels)))


def truth_report(args: argparse.Namespace, levels: list[str]) -> dict:
    """B-cubed against ``--truth`` FILE's ``--truth-column`` (see the module docstring)."""
    out: dict = {}
    truth_map = read_truth(args.truth, args.truth_column)
    whole = load(args.truth)
    whole_truth = whole["keyword"].map(truth_map).replace("", np.nan).fillna(whole["keyword"])
    parts = {"": whole}
    if args.split is not None:
        tune = split_halves(whole_truth, args.split)
        parts = {
            " tune": whole[tune].reset_index(drop=True),
            " held-out": whole[~tune].reset_index(drop=True),
            "": whole,
        }
    for tier in args.tier.split(","):
        for level in levels:
            for part, frame in parts.items():
                kw, stats = run(frame, ClusterOptions(strictness=level), tier)
                truth = kw["keyword"].map(truth_map).replace("", np.nan).fillna(kw["keyword"])
                p, r, f = bcubed(singletons(kw["cluster"].to_numpy()), truth.to_numpy())
                print(
                    f"{args.truth.name}{part} [{level}, {stats['embedder']}] vs {args.truth_column}: {fmt(p, r, f)}  unclustered {stats['unclustered_share']:.1%}"
                )
                key = f"truth{part.strip().replace('-', '_') and '_' + part.strip().replace('-', '_')}_{level}_{stats['embedder']}"
                out[key] = {"precision": p, "recall": r, "f1": f}
    frame = whole
    lex = singletons(lexical_groups(frame["keyword"].tolist()))
    truth = frame["keyword"].map(truth_map).replace("", np.nan).fillna(frame["keyword"])
    p, r, f = bcubed(lex, truth.to_numpy())
    print(f"{args.truth.name} [lexical groups only] vs {args.truth_column}: {fmt(p, r, f)}")
    out["truth_lexical_only"] = {"precision": p, "recall": r, "f1": f}
    for part, sub in parts.items():
        if part:
            lex = singletons(lexical_groups(sub["keyword"].tolist()))
            truth = sub["keyword"].map(truth_map).replace("", np.nan).fillna(sub["keyword"])
            p, r, f = bcubed(lex, truth.to_numpy())
            print(
                f"{args.truth.name}{part} [lexical groups only] vs {args.truth_column}: {fmt(p, r, f)}"
            )
    return out


def shared_report(levels: list[str]) -> dict:
    """The CLUSTER-column sanity check, unclustered shares and intent on the shared exports."""
    out: dict = {}
    # Sanity check on the rule-made CLUSTER column.
    raw = pd.read_csv(ATW_CLUSTERED, dtype=str, keep_default_na=False)
    frame = load(ATW_CLUSTERED)
    from services.core.text import normalize_keyword

    cmap = dict(zip(raw["Keyword"].map(normalize_keyword), raw["CLUSTER"], strict=False))
    for level in levels:
        t0 = time.perf_counter()
        kw, stats = run(frame, ClusterOptions(strictness=level))
        truth = kw["keyword"].map(cmap).to_numpy()
        pages = singletons(kw["cluster"].to_numpy())
        hubs = singletons(np.where(kw["cluster"] >= 0, kw["hub"], -1))
        other = truth == "Other"
        truth_single = np.where(
            other, np.char.add("other:", kw["keyword"].to_numpy().astype(str)), truth
        )
        res = {
            "pages": bcubed(pages, truth),
            "hubs": bcubed(hubs, truth),
            "pages_other_as_singletons": bcubed(pages, truth_single),
            "hubs_other_as_singletons": bcubed(hubs, truth_single),
        }
        print(
            f"CLUSTER column [{level}, {stats['embedder']}, {time.perf_counter() - t0:.1f} s, {stats['clusters']} clusters, {stats['hubs']} hubs]"
        )
        for name, (p, r, f) in res.items():
            print(f"  {name:<28} {fmt(p, r, f)}")
        out[f"cluster_column_{level}"] = {
            k: dict(zip(("precision", "recall", "f1"), v, strict=True)) for k, v in res.items()
        }

    # Unclustered share on each shared export.
    for path in (WP, ATW, GKP):
        kw, stats = run(load(path), ClusterOptions())
        print(
            f"unclustered {path.parent.name}: {stats['unclustered_share']:.1%} of {stats['keywords']:,} ({stats['embedder']}, {stats['clusters']:,} clusters, {stats['attached']} attached to the nearest cluster)"
        )
        out[f"unclustered_{path.parent.name}"] = stats["unclustered_share"]

    # Intent agreement with Semrush on the wordpress export.
    wp = pd.read_csv(WP, dtype=str, keep_default_na=False)
    from services.core.text import normalize_keyword

    words = wp["Keyword"].map(normalize_keyword).tolist()
    truth = [parse_labels(x) for x in wp["Intent"]]
    from services.keyword_lists.run import list_embedder

    embedder = list_embedder(len(set(words)))
    table = agreement(classify_intents(words, embedder), truth)
    print(f"intent vs Semrush ({len(words):,} rows, {embedder.name}):")
    print(table.round(3).to_string())
    out["intent"] = table.round(3).to_dict(orient="index")
    return out


if __name__ == "__main__":
    main()
