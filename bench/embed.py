"""Benchmark: the two offline embedding tiers (MiniLM int8 ONNX, static model2vec).

Prints, for each tier, the cold load (a fresh Python process: import of the module and of its
runtime, model load, first embedding of one keyword) and the throughput on ~5,000 distinct real
keywords (first column of the shared Semrush "wordpress" export, never copied into the
repository), best of ``--repeats`` runs; the static tier's time on 100,000 distinct keywords (the
largest list clustering accepts); and how well the static tier agrees with MiniLM (Spearman rank
correlation of the cosines of random keyword pairs, plus the median cosine of a random pair per
tier, which clustering thresholds depend on).

The machine has 2 cores shared with whatever else runs; the 1-minute load average is printed
before and after, and best-of-N throughput is the figure least disturbed by other work.

Run: ``python bench/embed.py``. The last line of the output is one JSON object with
unit-bearing keys.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from services.providers.embeddings import (  # noqa: E402
    MINILM_MAX_TEXTS,
    OnnxMiniLMEmbedder,
    StaticEmbedder,
)

DEFAULT_CSV = REPO.parent / "shared/data/semrush-wordpress/wordpress_broad-match_us_2026-04-24.csv"
LIST_MAX = 100_000  # keywords: the largest list clustering accepts

COLD_LOAD = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {repo!r})
from services.providers.embeddings import {cls}
embedder = {cls}()
embedder.embed(["wordpress hosting"])
print(time.perf_counter() - t0)
"""


def read_keywords(path: Path) -> list[str]:
    """Distinct keywords of the first column (header skipped), in file order."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row[0].strip() for i, row in enumerate(csv.reader(handle)) if i and row]
    return list(dict.fromkeys(kw for kw in rows if kw))


def cold_load_s(cls: str, runs: int) -> float:
    """Median wall seconds of a fresh process importing ``cls``, loading it, embedding 1 text."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD_LOAD.format(repo=str(REPO), cls=cls)],
            check=True,
            capture_output=True,
            text=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return float(np.median(times))


def throughput(embedder: OnnxMiniLMEmbedder | StaticEmbedder, texts: list[str], repeats: int):
    """Keywords/s (wall) of the best run, keywords per CPU-second of that run, and the vectors.

    Keywords per CPU-second (all threads of this process) hardly moves when other processes
    compete for the cores, so it shows whether a low keywords/s is contention.
    """
    embedder.embed(texts[:64])  # warm-up: first-run allocations, thread pools
    best, best_cpu = float("inf"), float("inf")
    vectors = np.zeros((0, embedder.dim), np.float32)
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        vectors = embedder.embed(texts)
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, best_cpu = elapsed, time.process_time() - started_cpu
    return len(texts) / best, len(texts) / max(best_cpu, 1e-9), vectors


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (ties are negligible for float cosines)."""
    rx = np.empty(len(x))
    ry = np.empty(len(y))
    rx[np.argsort(x)] = np.arange(len(x))
    ry[np.argsort(y)] = np.arange(len(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--n", type=int, default=5_000, help="keywords for throughput")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load-runs", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def static_list_s(static: StaticEmbedder, universe: list[str]) -> float:
    """Seconds of the static tier on LIST_MAX distinct keywords (printed too)."""
    # 100,000 distinct keywords for the static tier, as bench/import.py builds them.
    big: list[str] = []
    variant = 0
    while len(big) < LIST_MAX:
        big.extend(kw + (f" v{variant}" if variant else "") for kw in universe)
        variant += 1
    big = big[:LIST_MAX]
    started = time.perf_counter()
    static.embed(big)
    static_100k = time.perf_counter() - started
    print(f"static tier, {len(big):,} distinct keywords: {static_100k:.2f} s")
    return static_100k


def agreement(
    rng: np.random.Generator, n: int, minilm_vecs: np.ndarray, static_vecs: np.ndarray, pairs: int
) -> tuple[float, np.ndarray, np.ndarray]:
    """Spearman of the two tiers' cosines on random pairs, and those cosines (printed too)."""
    a = rng.integers(0, n, pairs)
    b = rng.integers(0, n, pairs)
    keep = a != b
    cos_minilm = (minilm_vecs[a[keep]] * minilm_vecs[b[keep]]).sum(1)
    cos_static = (static_vecs[a[keep]] * static_vecs[b[keep]]).sum(1)
    rho = spearman(cos_static, cos_minilm)
    print(
        f"static vs minilm, {int(keep.sum()):,} random pairs: Spearman {rho:.3f}; "
        f"median pair cosine minilm {np.median(cos_minilm):.3f}, static {np.median(cos_static):.3f}"
    )
    return rho, cos_minilm, cos_static


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    if not args.csv.is_file():
        print(f"keyword file not found: {args.csv}", file=sys.stderr)
        return 2
    universe = read_keywords(args.csv)
    rng = np.random.default_rng(args.seed)
    sample = [universe[i] for i in rng.choice(len(universe), min(args.n, len(universe)), False)]
    load_before = os.getloadavg()[0]
    print(f"{len(sample):,} distinct keywords from {args.csv.name}; {os.cpu_count()} cores")
    print(f"load average (1 min) before: {load_before:.2f}")

    minilm_load = cold_load_s("OnnxMiniLMEmbedder", args.load_runs)
    static_load = cold_load_s("StaticEmbedder", args.load_runs)
    print(
        f"cold load (median of {args.load_runs} fresh processes): "
        f"minilm {minilm_load:.3f} s, static {static_load:.3f} s"
    )

    minilm = OnnxMiniLMEmbedder(cache_entries=0)
    static = StaticEmbedder(cache_entries=0)
    minilm_rate, minilm_cpu_rate, minilm_vecs = throughput(minilm, sample, args.repeats)
    static_rate, static_cpu_rate, static_vecs = throughput(static, sample, args.repeats)
    print(
        f"throughput (best of {args.repeats}): minilm {minilm_rate:,.0f} keywords/s "
        f"({minilm_cpu_rate:,.0f} per CPU-second), static {static_rate:,.0f} keywords/s "
        f"({static_cpu_rate:,.0f} per CPU-second)"
    )

    static_100k = static_list_s(static, universe)
    minilm_cutoff_s = MINILM_MAX_TEXTS / minilm_rate
    print(
        f"minilm at the tier cutoff ({MINILM_MAX_TEXTS:,} keywords): "
        f"≈ {minilm_cutoff_s:.1f} s (projected from the throughput)"
    )

    rho, cos_minilm, cos_static = agreement(rng, len(sample), minilm_vecs, static_vecs, args.pairs)
    load_after = os.getloadavg()[0]
    print(f"load average (1 min) after: {load_after:.2f}")

    print(
        json.dumps(
            {
                "keywords": len(sample),
                "minilm_load_s": round(minilm_load, 3),
                "minilm_kw_per_s": round(minilm_rate),
                "static_load_s": round(static_load, 3),
                "static_kw_per_s": round(static_rate),
                "minilm_kw_per_cpu_s": round(minilm_cpu_rate),
                "static_kw_per_cpu_s": round(static_cpu_rate),
                "static_100k_s": round(static_100k, 2),
                "minilm_cutoff_kw": MINILM_MAX_TEXTS,
                "minilm_at_cutoff_projected_s": round(minilm_cutoff_s, 1),
                "spearman_static_vs_minilm": round(rho, 4),
                "median_pair_cosine_minilm": round(float(np.median(cos_minilm)), 3),
                "median_pair_cosine_static": round(float(np.median(cos_static)), 3),
                "load_avg_1min": round(max(load_before, load_after), 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
