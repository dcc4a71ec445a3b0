"""How many keyword pairs SERP overlap joins at 3, 4 and 5 shared top-10 URLs (issue 16).

Data: ``.local/devdata/keyword-ninja-serp.json`` (real DataForSEO top-10 organic results of
the same keywords in two markets, India 2356 and the US 2840; never committed). Per market:

* ``pairs_ge{k}`` — keyword pairs whose top 10 share at least k URLs (direct pairs,
  :func:`services.clustering.serp_overlap.pairs_by_overlap`);
* ``serp_merges_ge{k}`` — the unions the SERP rule makes in
  :func:`services.clustering.evidence.same_search_groups` after the text rules (what the
  seed funnel's Stage 3 and list clustering actually apply; a pair already joined by a text
  rule or through another pair is not counted twice);
* ``both_markets_ge{k}`` — pairs joined in both markets, and ``agreement_ge{k}`` = both /
  either (Jaccard of the two markets' pair sets): how far one market's SERPs predict the
  other's.

Usage: ``python bench/serp_pairs.py`` — ends with ONE JSON line (counts are pairs, time in
CPU seconds). Exits 0 with ``{"skipped": ...}`` when the file is absent.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from services.clustering.evidence import same_search_groups  # noqa: E402
from services.clustering.serp_overlap import normalise_url, pairs_by_overlap  # noqa: E402
from services.core.text import normalize_keyword  # noqa: E402

DATA = REPO / ".local" / "devdata" / "keyword-ninja-serp.json"
THRESHOLDS = (3, 4, 5)


def load(path: Path = DATA) -> dict[str, dict[str, list[str]]]:
    """market (location code) → normalised keyword → top-10 normalised URLs, rank order."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    ranked: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for r in rows:
        ranked[(str(r["locationCode"]), normalize_keyword(str(r["keyword"])))].append(
            (int(r.get("rank") or 10**6), normalise_url(str(r["url"])))
        )
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for (market, kw), items in ranked.items():
        out[market][kw] = list(dict.fromkeys(u for _, u in sorted(items)))[:10]
    return dict(out)


def pair_set(words: list[str], urls: dict[str, list[str]], k: int) -> set[tuple[str, str]]:
    """Pairs of ``words`` sharing at least ``k`` URLs (fine for a few hundred keywords)."""
    sets = {w: set(urls.get(w, [])) for w in words}
    return {(a, b) for a, b in combinations(words, 2) if len(sets[a] & sets[b]) >= k}


def report(markets: dict[str, dict[str, list[str]]]) -> dict[str, object]:
    """The figures of the module docstring for every market, and across the two markets."""
    out: dict[str, object] = {}
    for market, urls in sorted(markets.items()):
        words = sorted(urls)
        lists = [urls[w] for w in words]
        out[f"{market}_keywords"] = len(words)
        for k, n in pairs_by_overlap(lists, THRESHOLDS).items():
            out[f"{market}_pairs_ge{k}"] = n
        for k in THRESHOLDS:
            groups = same_search_groups(words, serp_urls=lists, min_serp_overlap=k)
            out[f"{market}_serp_merges_ge{k}"] = groups.rules_used()["SERP"]
    if len(markets) >= 2:
        (a, ua), (b, ub) = sorted(markets.items())[:2]
        common = sorted(set(ua) & set(ub))
        out["common_keywords"] = len(common)
        for k in THRESHOLDS:
            pa, pb = pair_set(common, ua, k), pair_set(common, ub, k)
            out[f"both_markets_ge{k}"] = len(pa & pb)
            out[f"agreement_ge{k}"] = round(len(pa & pb) / len(pa | pb), 3) if pa | pb else None
    return out


def main() -> None:
    if not DATA.exists():
        print(json.dumps({"skipped": f"{DATA.relative_to(REPO)} not present"}))
        return
    t0 = time.process_time()
    out = report(load())
    out["cpu_seconds"] = round(time.process_time() - t0, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
