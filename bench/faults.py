"""Benchmark: the provider-fault table (issue 11 item 4) with the production stage deadline.

Run: ``python bench/faults.py [--deadline 30] [--only anthropic|openai|dataforseo]``.

44 scenarios (``tests/unit/providers/fault_scenarios.py``): timeouts, 429 with retry-after 5 s
and 120 s, 429/40202 storms, 5xx, 529, non-JSON and ``{}`` HTTP 200, missing usage, invalid
answers with a repair, DataForSEO 40202 that carry a cost, 10¹² and −5 volumes, cost limit,
a 5×10⁹ volume clamped to the INTEGER columns, failed tasks, connection refused — each against the real adapter (anthropic / openai SDK,
requests) and a local HTTP server. Prints fault → outcome → seconds → requests → logged cost
= billed cost, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine  # noqa: E402

from tests.unit.providers.fault_scenarios import run, scenarios  # noqa: E402


def _usd(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deadline", type=float, default=30.0, help="stage deadline, seconds")
    ap.add_argument("--only", choices=("anthropic", "openai", "dataforseo"))
    args = ap.parse_args()
    engine = create_engine("sqlite://")
    rows = []
    print(f"{'provider':<10} {'fault':<40} {'outcome':<26} {'s':>6} {'req':>3}  logged = billed")
    for scenario in scenarios():
        if args.only and scenario.provider != args.only:
            continue
        out = run(scenario, deadline_s=args.deadline, engine=engine)
        rows.append(out)
        mark = "" if out.as_expected else f"  (expected {out.expected})"
        cost = f"{_usd(out.logged_usd)} = {_usd(out.billed_usd)}"
        if out.billed_usd is None:
            cost = f"{_usd(out.logged_usd)} (estimated; bill unknown)"
        elif not out.cost_matches:
            cost = f"{_usd(out.logged_usd)} != {_usd(out.billed_usd)}"
        print(
            f"{out.provider:<10} {out.fault:<40} {out.outcome:<26} {out.seconds:>6.2f} "
            f"{out.requests:>3}  {cost}{mark}"
        )
        if out.message:
            print(f"{'':<11}→ {out.message[:150]}")
    print(
        json.dumps(
            {
                "scenarios": len(rows),
                "as_expected": sum(r.as_expected for r in rows),
                "typed_errors": sum(r.outcome != "ok" for r in rows),
                "cost_mismatches": sum(not r.cost_matches for r in rows),
                "max_seconds": max(r.seconds for r in rows),
                "stage_deadline_s": args.deadline,
                "total_seconds": round(sum(r.seconds for r in rows), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
