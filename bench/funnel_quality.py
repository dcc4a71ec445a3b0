"""Benchmark: how real and how strong the offline seed clusters are (issue 8).

Run: ``python bench/funnel_quality.py``. For several seeds on each keyword export in
``../shared/data`` (imported into a temporary SQLite database, offline providers: the
project's data for Stage 1/2, MiniLM for relevance), it measures:

* ``real_share`` — share of the suggested child pages whose keyword exists in the imported
  data (goal 1.0; the parent is the user's own seed and is not counted);
* ``capture`` — search volume of the child pages ÷ search volume of the k highest-volume
  real keywords that contain every head term of the seed (plural- and order-insensitive;
  the seed and its same-search variants excluded), k = number of child pages (goal ≥ 0.8);
  ``capture_distinct`` counts one keyword per search in the denominator (variants of one
  search are one page's primary and secondary keywords, never two pages; see ``capture``).

* ``distinct_share`` (issue 16) — share of a cluster's pages that target a distinct search:
  on exports with Ahrefs' Parent Keyword (the development sets socks.csv, output_grpr.csv,
  chatgpt-prompts.csv under ``.local/devdata``, when present) a page is distinct when no
  other page of its cluster has its Parent Keyword (the truth); measured with the evidence
  column used (``parent_pairs`` = pairs of pages sharing a Parent Keyword, goal 0) and with
  it switched off (``use_evidence=False``: text rules only, goal ≥ 0.9). Pairs sharing a
  Parent Keyword without the column are counted by kind (:func:`miss_kind`), and
  ``distinct_share_without_evidence_by_rule_mean`` counts the pairs the issue's rules keep
  apart on purpose (best / near me / vs, audience, city or state, questions) as two
  searches: the part of the gap text rules may close. On the shared
  exports (no Parent Keyword) a page is distinct when the shared same-search rules
  (:func:`services.clustering.evidence.same_search_groups`) put it in no other page's group.

Prints one line per seed, then ONE JSON line with the minimum and mean of the figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402
from sqlalchemy import select  # noqa: E402

from db.models import KeywordMetric  # noqa: E402
from db.session import session_scope  # noqa: E402
from services.app.bootstrap import build_app  # noqa: E402
from services.clustering.evidence import same_search_groups  # noqa: E402
from services.clustering.variants import same_search_key  # noqa: E402
from services.core.config import load_settings  # noqa: E402
from services.core.text import content_tokens, normalize_keyword  # noqa: E402
from services.projects.api import save_project  # noqa: E402
from services.projects.imports import import_keywords, load_keyword_universe  # noqa: E402
from services.providers.base import BrandProfile  # noqa: E402
from services.seed_clusters.api import generate_cluster  # noqa: E402
from services.seed_clusters.select import find_same_search  # noqa: E402

#: Highest-volume matching keywords grouped for the distinct-search denominator.
DISTINCT_POOL = 300

DATA = REPO.parent / "shared" / "data"
DEVDATA = REPO / ".local" / "devdata"
#: (development export with Parent Keyword, site type, seeds): never committed, read locally.
DEV_CASES = [
    (
        "socks.csv",
        "shopify",
        [
            "compression socks",
            "merino wool socks",
            "womens socks",
            "running socks",
            "thermal socks",
        ],
    ),
    (
        "output_grpr.csv",
        "publisher",
        ["car accident lawyer", "personal injury lawyer", "workers compensation lawyer"],
    ),
    ("chatgpt-prompts.csv", "publisher", ["chatgpt prompts", "chatgpt prompts for marketing"]),
]
#: (export, site type, seeds): seeds a strategist would try on each file.
CASES = [
    (
        "semrush-wordpress/wordpress_broad-match_us_2026-04-24.csv",
        "wordpress",
        ["wordpress themes", "wordpress hosting", "wordpress plugins", "wordpress website"],
    ),
    (
        "semrush-add-to-website-clustered/add-to-website_broad-match_us_2026-04-22.csv",
        "publisher",
        ["add website to desktop", "add keywords to website", "add google analytics to website"],
    ),
    (
        "gkp-auto-repair-es/keyword-stats.csv",
        "custom",
        ["taller mecanico", "cambio de aceite", "taller de transmisiones"],
    ),
]


def capture(
    seed: str, child_volumes: list[int], universe: dict[str, int], *, distinct: bool = False
) -> float | None:
    """Child volume ÷ volume of the k best real keywords holding every head term.

    Without ``distinct`` every keyword counts (the issue's literal figure) except the seed's
    same-search variants (shared :func:`same_search_key`). With ``distinct`` the
    :data:`DISTINCT_POOL` highest-volume matches are grouped by the funnel's rule-based
    same-search test (:func:`find_same_search` without the embedder: lexical variants,
    comparisons, "how do I …" wording, short forms the list confirms) and each group counts
    once, at its best volume, the seed's group not at all: the best a cluster with one page
    per search can hold.
    """
    heads = set(content_tokens(seed))
    seed_key = same_search_key(seed)
    matching = sorted(
        (
            (v, kw)
            for kw, v in universe.items()
            if heads <= set(content_tokens(kw)) and same_search_key(kw) != seed_key
        ),
        reverse=True,
    )
    if distinct:
        pool = [seed] + [kw for _, kw in matching[:DISTINCT_POOL]]
        group_of = {i: i for i in range(len(pool))}
        for group in find_same_search(pool, None):
            for i in group:
                group_of[i] = min(group)
        best: dict[int, int] = {}
        for i, kw in enumerate(pool[1:], start=1):
            g = group_of[i]
            if g != 0:
                best[g] = max(best.get(g, 0), universe[kw])
        volumes = sorted(best.values(), reverse=True)
    else:
        volumes = [v for v, _ in matching]
    k = len(child_volumes)
    best = sum(volumes[:k])
    return round(sum(child_volumes) / best, 4) if best else None


def distinct_share(pages: list[str], truth: dict[str, str] | None) -> tuple[float, int]:
    """(share of pages whose search no other page of the cluster targets, pairs sharing one).

    ``truth`` = keyword → Parent Keyword (None: the shared same-search rules decide)."""
    if len(pages) < 2:
        return 1.0, 0
    if truth is not None:
        keys = [truth.get(k) or f"\x00{k}" for k in pages]
    else:
        keys = [str(g) for g in same_search_groups(pages).labels.tolist()]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    pairs = sum(n * (n - 1) // 2 for n in counts.values())
    return round(sum(1 for k in keys if counts[k] == 1) / len(keys), 4), pairs


#: Kinds of a pair of pages sharing a Parent Keyword that the issue's rules keep apart on
#: purpose ("words that change the page … make a different page unless evidence joins
#: them"; "what are payday loans" is not "payday loans").
BY_RULE_KINDS = ("page-changing word", "audience", "place", "question")
_QUESTION_WORDS = frozenset(["what", "how", "why", "when", "which", "who", "does", "do", "can"])


def miss_kind(a: str, b: str) -> str:
    """Why text rules keep two pages of one Parent Keyword apart: "page-changing word"
    (best, near me, vs …), "audience" (mens, for women …), "place" (city/state names),
    "question" (a question around the other's words) or "other" (synonyms, narrower …)."""
    from services.clustering.lexical import AUDIENCE_SYNONYMS
    from services.content.places import only_places
    from services.core.text import PAGE_CHANGING_WORDS, STOP_WORDS, singularize, tokens

    ta = [AUDIENCE_SYNONYMS.get(t, t) for t in map(singularize, tokens(a))]
    tb = [AUDIENCE_SYNONYMS.get(t, t) for t in map(singularize, tokens(b))]
    diff = set(ta) ^ set(tb)
    if diff & PAGE_CHANGING_WORDS:
        return "page-changing word"

    def for_x(x: list[str], y: list[str]) -> bool:  # "for X" whose X the other lacks
        return "for" in x and not set(x[x.index("for") + 1 :]) <= set(y)

    if diff & set(AUDIENCE_SYNONYMS.values()) or for_x(ta, tb) or for_x(tb, ta):
        return "audience"
    words = [t for t in ta + tb if t in diff and t not in STOP_WORDS]
    if words and (
        only_places([t for t in ta if t in diff]) or only_places([t for t in tb if t in diff])
    ):
        return "place"
    if (ta[:1] and ta[0] in _QUESTION_WORDS) != (tb[:1] and tb[0] in _QUESTION_WORDS):
        return "question"
    return "other"


def shared_parent_pairs(pages: list[str], truth: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs of pages with the same Parent Keyword."""
    return [
        (a, b)
        for i, a in enumerate(pages)
        for b in pages[i + 1 :]
        if truth.get(a) and truth.get(a) == truth.get(b)
    ]


def distinct_by_rule(pages: list[str], truth: dict[str, str]) -> float:
    """Distinct share when a pair the issue's rules keep apart (:data:`BY_RULE_KINDS`) counts
    as two searches: the share the text rules can reach without the evidence column."""
    if len(pages) < 2:
        return 1.0
    missed = {
        k
        for a, b in shared_parent_pairs(pages, truth)
        if miss_kind(a, b) not in BY_RULE_KINDS
        for k in (a, b)
    }
    return round(1 - len(missed) / len(pages), 4)


def _parent_keywords(engine, pid) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Keyword → imported Parent Keyword of a project (the truth of ``distinct_share``)."""
    with session_scope(engine) as s:
        rows = s.execute(
            select(KeywordMetric.keyword, KeywordMetric.grouping_hint).where(
                KeywordMetric.project_id == pid, KeywordMetric.grouping_hint.is_not(None)
            )
        ).all()
    return {k: h for k, h in rows if h}


def _cases() -> list[tuple[Path, str, list[str], bool]]:
    shared = [(DATA / rel, site, seeds, False) for rel, site, seeds in CASES]
    dev = [(DEVDATA / f, site, seeds, True) for f, site, seeds in DEV_CASES]
    return shared + [c for c in dev if c[0].exists()]


def _run_seed(app, deps, pid, seed, universe, truth, figures, kinds) -> None:  # type: ignore[no-untyped-def]
    """One seed with evidence on (and off when the export has Parent Keyword)."""
    result = generate_cluster(seed, BrandProfile().to_dict(), pid, deps=deps, keep_empty=True)
    pages = [s.keyword for s in result.suggestions]
    children = [s for s in result.suggestions if s.role == "child"]
    real = sum(1 for s in children if s.keyword in universe)
    share = real / len(children) if children else 1.0
    volumes = [s.search_volume or 0 for s in children]
    cap = capture(result.suggestions[0].keyword, volumes, universe)
    cap_d = capture(result.suggestions[0].keyword, volumes, universe, distinct=True)
    d_on, pairs_on = distinct_share(pages, truth)
    figures["real"].append(share)
    if cap is not None:
        figures["capture"].append(cap)
    if cap_d is not None:
        figures["capture_distinct"].append(cap_d)
    figures["distinct_on"].append(d_on)
    figures["pairs_on"].append(pairs_on)
    line = f"{seed:32s} pages={len(pages):2d} real={share:.2f} capture={cap} distinct={d_on}"
    if truth is not None:
        off = generate_cluster(
            seed, BrandProfile().to_dict(), pid, deps=deps, keep_empty=True, use_evidence=False
        )
        off_pages = [s.keyword for s in off.suggestions]
        d_off, pairs_off = distinct_share(off_pages, truth)
        figures["distinct_off"].append(d_off)
        figures["distinct_off_by_rule"].append(distinct_by_rule(off_pages, truth))
        for a, b in shared_parent_pairs(off_pages, truth):
            kinds[miss_kind(a, b)] = kinds.get(miss_kind(a, b), 0) + 1
        figures["pairs_off"].append(pairs_off)
        off_children = [s for s in off.suggestions if s.role == "child"]
        cap_off = capture(
            off.suggestions[0].keyword, [s.search_volume or 0 for s in off_children], universe
        )
        if cap_off is not None:
            figures["capture_off"].append(cap_off)
        line += f" pairs={pairs_on} | without evidence: distinct={d_off} pairs={pairs_off}"
    print(line)
    for s in result.suggestions:
        merged = "; ".join(f"{k} ({r})" for k, r in s.merged.items())
        print(
            f"    {s.role:6s} {s.page_type:10s} {s.search_volume!s:>6s} {s.keyword:45s} "
            f"rel={s.relevance:.2f} comp={s.competition_source}"
            + (f" pk={truth.get(s.keyword)}" if truth is not None else "")
            + (f"  merged: {merged}" if merged else "")
        )
    for w in result.warnings:
        print(f"    warning: {w}")


def main() -> dict[str, float]:
    figures: dict[str, list[float]] = {
        k: []
        for k in (
            "real",
            "capture",
            "capture_distinct",
            "capture_off",
            "distinct_on",
            "distinct_off",
            "distinct_off_by_rule",
            "pairs_on",
            "pairs_off",
        )
    }
    kinds: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            load_settings(env={"CLUSTER_PLANNER_DATA_DIR": tmp}, secrets_file=Path(tmp) / "none")
        )
        deps = app.funnel_plan().deps
        for i, (path, site_type, seeds, has_parent) in enumerate(_cases()):
            pid = save_project(
                app.engine,
                name=f"bench {i}",
                site_type=site_type,
                url_pattern="/servicios/{parent}/{slug}/" if site_type == "custom" else None,
            )
            import_keywords(app.engine, pid, path.read_bytes(), path.name)
            frame = load_keyword_universe(app.engine, pid)
            universe = {
                normalize_keyword(k): 0 if pd.isna(v) else int(v)
                for k, v in zip(frame["keyword"], frame["search_volume"], strict=True)
            }
            truth = _parent_keywords(app.engine, pid) if has_parent else None
            print(f"== {path.name} ({site_type})")
            for seed in seeds:
                _run_seed(app, deps, pid, seed, universe, truth, figures, kinds)

    def stat(key: str, fn) -> float | None:  # type: ignore[no-untyped-def]
        return round(fn(figures[key]), 4) if figures[key] else None

    out = {
        "seeds": len(figures["real"]),
        "real_share_min": stat("real", min),
        "real_share_mean": stat("real", statistics.mean),
        "capture_min": stat("capture", min),
        "capture_mean": stat("capture", statistics.mean),
        "capture_distinct_mean": stat("capture_distinct", statistics.mean),
        "distinct_share_mean": stat("distinct_on", statistics.mean),
        "distinct_share_min": stat("distinct_on", min),
        "parent_keyword_pairs_total": int(sum(figures["pairs_on"])),
        "devdata_seeds": len(figures["distinct_off"]),
        "distinct_share_without_evidence_mean": stat("distinct_off", statistics.mean),
        "parent_keyword_pairs_without_evidence_total": int(sum(figures["pairs_off"])),
        "parent_keyword_pairs_without_evidence_by_kind": dict(sorted(kinds.items())),
        "distinct_share_without_evidence_by_rule_mean": stat(
            "distinct_off_by_rule", statistics.mean
        ),
        "capture_without_evidence_mean": stat("capture_off", statistics.mean),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
