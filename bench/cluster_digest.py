"""Digest of list clustering on the shared exports and development sets: to show that a
speed change leaves the clusters and intents as they were (issue 22: "same members").

Each export is imported into a fresh SQLite project and clustered with the production
embedders (:func:`services.keyword_lists.run.run_list_clustering`); the digest covers every
cluster's name, hub membership, keyword count, volume and intent mix with its members (keyword,
unclustered reason, evidence, similarity to 5 decimals), and every keyword's stored intent.
Cluster ids are random, so clusters are compared by content. Development sets missing from
``.local/devdata`` are skipped.

Run: ``python bench/cluster_digest.py`` on two checkouts and compare the JSON lines (one per
export, then a last line with all digests).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from cluster import fresh_project  # noqa: E402

DATA = REPO.parent / "shared" / "data"
DEV = REPO / ".local" / "devdata"
EXPORTS = {
    "wordpress": DATA / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv",
    "add-to-website": DATA
    / "semrush-add-to-website-clustered"
    / "add-to-website_broad-match_us_2026-04-22.csv",
    "gkp": DATA / "gkp-auto-repair-es" / "keyword-stats.csv",
    "socks": DEV / "socks.csv",
    "chatgpt-prompts": DEV / "chatgpt-prompts.csv",
    "output_grpr": DEV / "output_grpr.csv",
}


def digest(path: Path) -> dict:
    """Digest of one export's clustering (see the module docstring)."""
    from sqlalchemy import select

    from db.models import KeywordMetric, ListCluster, ListClusterMember
    from db.session import session_scope
    from services.clustering.pages import ClusterOptions
    from services.keyword_lists.run import list_embedder, run_list_clustering
    from services.projects.imports import import_keywords

    engine, pid = fresh_project(Path(tempfile.mkdtemp(prefix="bench_digest_")))
    import_keywords(engine, pid, path.read_bytes(), path.name)
    run_list_clustering(engine, pid, list_embedder, ClusterOptions())
    with session_scope(engine) as s:
        clusters = {
            c.id: [c.name, c.hub_id is not None, c.keyword_count, c.total_volume, c.intent_mix]
            for c in s.execute(select(ListCluster)).scalars()
        }
        members: dict = {}
        for m in s.execute(select(ListClusterMember)).scalars():
            row = [m.keyword, m.reason, m.evidence, round(m.similarity or 0.0, 5)]
            members.setdefault(m.cluster_id, []).append(row)
        intents = sorted(
            (k.keyword, k.intent or "") for k in s.execute(select(KeywordMetric)).scalars()
        )
    rows = sorted(
        json.dumps([clusters.get(cid), sorted(ms)], sort_keys=True) for cid, ms in members.items()
    )
    return {
        "clusters": len(clusters),
        "members": sum(len(ms) for ms in members.values()),
        "clusters_sha1": hashlib.sha1("\n".join(rows).encode()).hexdigest()[:12],
        "intents_sha1": hashlib.sha1(json.dumps(intents).encode()).hexdigest()[:12],
    }


def main() -> None:
    out = {}
    for name, path in EXPORTS.items():
        if not path.exists():
            continue
        out[name] = digest(path)
        print(json.dumps({"export": name, **out[name]}), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
