"""Benchmark: spend ÷ budget under 10 concurrent paid runs against a $0.20 budget (issue 11).

Run: ``python bench/budget_ceiling.py [--pg] [--runs 10] [--budget 0.20]``.

Every run's first Stage 1 and Stage 3 answers are invalid and ~4,000 tokens long, so each stage
pays a long answer plus a repair — the case that spent 161 % of the budget before holds were
sized from the worst case (``tests/db/spend/ceiling_scenario.py``). Real funnel, real Claude
adapter and DataForSEO client against local servers, SQLite (temporary file) or PostgreSQL
(a private database, ``--pg``). Last line: JSON with ``spend_over_budget`` (goal ≤ 1.0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._bench_db import bench_engine  # noqa: E402
from tests.db.spend.ceiling_scenario import run_ceiling  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", action="store_true", help="PostgreSQL (a private database)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--budget", type=float, default=0.20)
    ap.add_argument("--schema", choices=("migrations", "models"), default="migrations")
    args = ap.parse_args()
    with bench_engine(args.pg, args.schema) as (engine, _url):
        out = run_ceiling(engine, runs=args.runs, budget_usd=args.budget)
    db = "postgresql" if args.pg else "sqlite"
    print(
        f"{db}: {out['runs']} runs, budget ${out['budget_usd']:.2f}: spent ${out['spend_usd']:.4f} "
        f"(ledger ${out['settled_usd']:.4f}) = {out['ratio']:.1%} of the budget; "
        f"{out['succeeded']} clusters, {out['failed']} failed, {out['refused']} refused "
        f"before any call; holds {out['holds_usd']}; {out['seconds']} s"
    )
    print(
        json.dumps(
            {
                "database": db,
                "runs": out["runs"],
                "budget_usd": out["budget_usd"],
                "spend_usd": out["spend_usd"],
                "spend_over_budget": out["ratio"],
                "clusters": out["succeeded"],
                "failed_runs": out["failed"],
                "refused_runs": out["refused"],
                "seconds": out["seconds"],
            }
        )
    )


if __name__ == "__main__":
    main()
