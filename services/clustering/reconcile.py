"""Reconciliation: cluster new keywords into a project that already has clusters.

Existing clusters are never renamed, renumbered or un-approved. New keywords:

1. join the existing cluster of a keyword they are a lexical variant of (same bag or
   compound key, :func:`services.clustering.pages.lexical_keys`);
2. else join the existing cluster whose centre keyword is within the page threshold
   (the same ball criterion that formed the cluster) and carries the same local,
   comparison and commercial modifier classes ("best x" never joins "x" by text, issue 16;
   :mod:`services.clustering.page_modifiers`);
3. else are clustered among themselves (:func:`services.clustering.pages.cluster_keywords`) into
   new clusters, or land in Unclustered with a reason.

New clusters join the hub of the nearest existing cluster when their centroid is within the
hub threshold of its centre, else form new hubs among themselves (:mod:`services.clustering.hubs`). On a
tier with a centred hub threshold (static, ``HUB_CENTRED_THRESHOLDS``) both steps work on
centred vectors, as :func:`services.clustering.hubs.detect_hubs` does: the join test centres the new
centroids and the existing centre keywords by their common mean (when there are at least
:data:`services.clustering.hubs.CENTRE_MIN_CLUSTERS` of them together) and compares them at the centred
threshold.
The plan carries a diff for the user: new clusters, grown clusters, untouched clusters.

Everything here is pure (DataFrames in, :class:`RunPlan` out); :mod:`services.keyword_lists.store`
writes the plan in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from services.clustering import hubs as hubs_mod
from services.clustering import knn as ck
from services.clustering.page_modifiers import allowed, keyword_masks
from services.clustering.pages import (
    HUB_CENTRED_THRESHOLDS,
    REASON_LOW_VOLUME,
    ClusterOptions,
    ClusterResult,
    Progress,
    cluster_keywords,
    embed_blocks,
    hub_threshold,
    lexical_keys,
    page_threshold,
    tier_of,
)
from services.providers.base import Embedder


@dataclass
class Existing:
    """What the project already has.

    Attributes
    ----------
    clusters : pandas.DataFrame
        ``id``, ``name``, ``centre_keyword``, ``hub_id`` (None when not in a hub).
    members : pandas.DataFrame
        ``keyword``, ``cluster_id`` of keywords already placed in a cluster.
    """

    clusters: pd.DataFrame
    members: pd.DataFrame

    @classmethod
    def empty(cls) -> Existing:
        """A project without clusters."""
        return cls(
            pd.DataFrame(columns=["id", "name", "centre_keyword", "hub_id"]),
            pd.DataFrame(columns=["keyword", "cluster_id"]),
        )


@dataclass
class RunPlan:
    """Where each pending keyword goes, and the new clusters and hubs to create.

    Attributes
    ----------
    keywords : pandas.DataFrame
        Pending rows plus ``cluster_id`` (existing cluster id or None), ``new_cluster``
        (row of ``new_clusters`` or -1), ``similarity``, ``reason`` (Unclustered) and
        ``how`` ("lexical", "semantic", "new", "unclustered").
    new_clusters : pandas.DataFrame
        ``new_cluster``, ``name``, ``centre``, ``size``, ``total_volume``, ``hub_id``
        (existing hub or None), ``new_hub`` (row of ``new_hubs`` or -1), ``is_pillar``.
    new_hubs : pandas.DataFrame
        ``new_hub``, ``name``.
    stats : dict
        Clustering statistics of the run.
    diff : dict
        ``new_clusters`` (names), ``grown`` ({cluster id: keywords added}), ``untouched``
        (count), ``unclustered`` (count).
    embeddings : np.ndarray, optional
        (keywords, d) unit vector of each pending keyword as the run computed it (its
        lexical group's vector; zeros for keywords the run never embedded: below the
        volume floor or matched lexically to an existing cluster), for the intent vote.
    """

    keywords: pd.DataFrame
    new_clusters: pd.DataFrame
    new_hubs: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    diff: dict[str, Any] = field(default_factory=dict)
    embeddings: np.ndarray | None = None


def plan_run(
    existing: Existing,
    pending: pd.DataFrame,
    embedder: Embedder,
    options: ClusterOptions | None = None,
    *,
    progress: Progress | None = None,
    keep_embeddings: bool = True,
) -> RunPlan:
    """Plan where ``pending`` keywords go, keeping every existing cluster as it is.

    Parameters
    ----------
    existing : Existing
        The project's clusters and placed keywords.
    pending : pandas.DataFrame
        Keywords to place: ``keyword`` (normalised), ``search_volume``, plus any id
        columns the caller wants carried through (e.g. ``keyword_id``).
    embedder : Embedder
        The shared embedder.
    options : ClusterOptions, optional
        Strictness, filters, hubs.
    progress : callable, optional
        ``progress(percent, message)``; may raise to cancel.
    keep_embeddings : bool
        Return each pending row's vector (``RunPlan.embeddings``, n × d float32: 1 GB at a
        million keywords); False when the caller does not read them.

    Returns
    -------
    RunPlan
    """
    options = options or ClusterOptions()
    notify: Progress = progress or (lambda _p, _m: None)
    kw = pending.reset_index(drop=True).copy()
    n = len(kw)
    kw["cluster_id"] = None
    kw["new_cluster"] = -1
    kw["similarity"] = np.nan
    kw["reason"] = None
    kw["how"] = ""
    vol = pd.to_numeric(kw.get("search_volume"), errors="coerce") if n else pd.Series(dtype=float)
    if options.min_volume is not None and n:
        low = (vol.isna() | (vol < options.min_volume)).to_numpy()
        kw.loc[low, "reason"] = REASON_LOW_VOLUME
        kw.loc[low, "how"] = "unclustered"
    # Vectors computed for pending rows (row → vector), reused by the clustering step
    # and returned for the intent vote.
    known: dict[int, np.ndarray] = {}
    centre_emb = _match_existing(existing, kw, embedder, options, notify, known)
    todo = np.flatnonzero(kw["how"].to_numpy() == "")
    result = _cluster_rest(kw, vol, todo, embedder, options, notify, known)
    new_clusters, new_hubs = _new_hubs(existing, result, centre_emb, embedder, options, notify)
    diff = _diff(existing, kw, new_clusters)
    stats = dict(result.stats)
    stats.update(
        {
            "keywords": n,
            "attached_lexical": int((kw["how"] == "lexical").sum()),
            "attached_semantic": int((kw["how"] == "semantic").sum()),
            "unclustered": int((kw["how"] == "unclustered").sum()),
            "unclustered_share": round(float((kw["how"] == "unclustered").mean()), 4) if n else 0.0,
            "unclustered_reasons": {
                str(k): int(v) for k, v in kw["reason"].dropna().value_counts().items()
            },
            "new_clusters": int(len(new_clusters)),
            "new_hubs": int(len(new_hubs)),
        }
    )
    plan_emb = _plan_embeddings(n, todo, result, known) if keep_embeddings else None
    notify(95, "Plan ready")
    return RunPlan(kw, new_clusters, new_hubs, stats, diff, embeddings=plan_emb)


def _match_existing(
    existing: Existing,
    kw: pd.DataFrame,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
    known: dict[int, np.ndarray],
) -> np.ndarray:
    """Steps 1-2: pending keywords that are lexical variants of placed keywords, or within
    the page threshold of an existing centre, join that cluster (``kw`` updated in place).

    Returns the existing centres' vectors ((0, 0) without existing clusters)."""
    todo = np.flatnonzero(kw["how"].to_numpy() == "")
    if not len(existing.clusters) or not len(todo):
        return np.zeros((0, 0), np.float32)
    notify(2, "Matching lexical variants of existing clusters")
    key_to_cluster: dict[str, Any] = {}
    for word, cid in zip(existing.members["keyword"], existing.members["cluster_id"], strict=True):
        bag, compound = lexical_keys(word)
        key_to_cluster.setdefault(bag, cid)
        key_to_cluster.setdefault("\x00" + compound, cid)
    for i in todo:
        bag, compound = lexical_keys(kw.at[i, "keyword"])
        cid = key_to_cluster.get(bag) or key_to_cluster.get("\x00" + compound)
        if cid is not None:
            kw.at[i, "cluster_id"] = cid
            kw.at[i, "how"] = "lexical"
    todo = np.flatnonzero(kw["how"].to_numpy() == "")
    notify(5, "Matching existing clusters")
    centre_emb = embed_blocks(embedder, existing.clusters["centre_keyword"].tolist())
    if len(todo):
        emb = embed_blocks(embedder, kw.loc[todo, "keyword"].tolist())
        known.update(zip(todo.tolist(), emb, strict=True))
        best, sim = ck.knn_against(emb, centre_emb, 1)
        ok = sim[:, 0] >= page_threshold(embedder, options)
        ok &= allowed(
            keyword_masks(kw.loc[todo, "keyword"].tolist()),
            np.arange(len(todo)),
            best[:, 0],
            keyword_masks(existing.clusters["centre_keyword"].tolist()),
        )
        ids = existing.clusters["id"].to_numpy()
        for row, i in enumerate(todo):
            if ok[row]:
                kw.at[i, "cluster_id"] = ids[best[row, 0]]
                kw.at[i, "similarity"] = float(sim[row, 0])
                kw.at[i, "how"] = "semantic"
    return centre_emb


def _cluster_rest(
    kw: pd.DataFrame,
    vol: pd.Series,
    todo: np.ndarray,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
    known: dict[int, np.ndarray],
) -> ClusterResult:
    """Step 3: the remaining keywords cluster among themselves (``kw`` updated in place)."""
    notify(10, f"Clustering {len(todo):,} keywords")
    sub = kw.loc[todo, ["keyword"]].copy()
    sub["search_volume"] = vol.iloc[todo].to_numpy() if len(kw) else []

    def sub_progress(p: float, m: str) -> None:
        notify(10 + 0.8 * p, m)

    if "grouping_hint" in kw:
        sub["grouping_hint"] = kw.loc[todo, "grouping_hint"].to_numpy()
    pre = np.stack([known[i] for i in todo.tolist()]) if known and len(todo) else None
    result = cluster_keywords(
        sub,
        embedder,
        _replace(options, hubs=False, min_volume=None),
        progress=sub_progress,
        embeddings=pre,
    )
    res_kw = result.keywords
    kw.loc[todo, "new_cluster"] = res_kw["cluster"].to_numpy()
    kw.loc[todo, "similarity"] = res_kw["similarity"].to_numpy()
    kw.loc[todo, "reason"] = res_kw["reason"].to_numpy()
    kw.loc[todo, "how"] = np.where(res_kw["cluster"].to_numpy() >= 0, "new", "unclustered")
    return result


def _new_hubs(
    existing: Existing,
    result: ClusterResult,
    centre_emb: np.ndarray,
    embedder: Embedder,
    options: ClusterOptions,
    notify: Progress,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 4: new clusters join an existing hub when close enough, the rest form new hubs.

    Returns (new clusters with ``hub_id`` / ``new_hub`` / ``is_pillar``, new hubs)."""
    new_clusters = result.clusters.rename(columns={"cluster": "new_cluster"}).copy()
    new_clusters["hub_id"] = None
    new_clusters["new_hub"] = -1
    new_clusters["is_pillar"] = False
    new_hubs = pd.DataFrame(columns=["new_hub", "name"])
    if not (options.hubs and len(new_clusters)):
        return new_clusters, new_hubs
    notify(92, "Grouping clusters into hubs")
    h_t = hub_threshold(embedder, options)
    h_c = hub_centred_threshold(embedder, options)
    free = np.ones(len(new_clusters), bool)
    has_existing = len(existing.clusters) > 0
    hub_ids = existing.clusters["hub_id"].to_numpy() if has_existing else np.zeros(0, object)
    if has_existing and len(centre_emb):
        new_vec, old_vec = result.centroids, centre_emb
        if h_c is not None and len(new_vec) + len(old_vec) >= hubs_mod.CENTRE_MIN_CLUSTERS:
            mean = np.concatenate([new_vec, old_vec]).mean(axis=0)
            new_vec, old_vec = hubs_mod.centre(new_vec, mean), hubs_mod.centre(old_vec, mean)
            h_t = h_c
        best, sim = ck.knn_against(new_vec, old_vec, 1)
        for row in range(len(new_clusters)):
            hid = hub_ids[best[row, 0]] if best[row, 0] >= 0 else None
            if sim[row, 0] >= h_t and hid is not None and not pd.isna(hid):
                new_clusters.at[row, "hub_id"] = hid
                free[row] = False
    rows = np.flatnonzero(free)
    if len(rows):
        sub_c = new_clusters.iloc[rows]
        hub = hubs_mod.detect_hubs(
            result.centroids[rows],
            sub_c["total_volume"].to_numpy(np.float64),
            sub_c["size"].to_numpy(),
            hub_threshold(embedder, options),
            centred_threshold=h_c,
        )
        pillar = hubs_mod.pick_pillars(
            hub, sub_c["total_volume"].to_numpy(np.float64), sub_c["size"].to_numpy()
        )
        new_clusters.loc[rows, "new_hub"] = hub
        new_clusters.loc[rows, "is_pillar"] = pillar
        names = new_clusters.loc[rows[pillar], ["new_hub", "name"]].sort_values("new_hub")
        new_hubs = names.reset_index(drop=True)
    return new_clusters, new_hubs


def _plan_embeddings(
    n: int, todo: np.ndarray, result: ClusterResult, known: dict[int, np.ndarray]
) -> np.ndarray:
    """(n, d) vector per pending row: its own when matched to an existing centre, the
    clustering step's otherwise (zeros for rows without one)."""
    vectors = result.keyword_embeddings()
    dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
    if not dim and known:
        dim = len(next(iter(known.values())))
    plan_emb = np.zeros((n, dim), np.float32)
    for row, vec in known.items():
        plan_emb[row] = vec
    if len(todo) and vectors.shape == (len(todo), dim):
        plan_emb[todo] = vectors
    return plan_emb


def hub_centred_threshold(embedder: Embedder, options: ClusterOptions) -> float | None:
    """Hub threshold on centred centroids for the run's tier, or None (raw centroids).

    None also when the run sets an explicit ``hub_threshold``: that value is a raw cosine.
    """
    if options.hub_threshold is not None:
        return None
    return HUB_CENTRED_THRESHOLDS[tier_of(embedder, options)]


def _replace(options: ClusterOptions, **changes: Any) -> ClusterOptions:
    data = options.to_dict()
    data.update(changes)
    return ClusterOptions.from_dict(data)


def _diff(existing: Existing, kw: pd.DataFrame, new_clusters: pd.DataFrame) -> dict[str, Any]:
    grown = kw.loc[kw["cluster_id"].notna(), "cluster_id"].value_counts()
    grown_map = {str(k): int(v) for k, v in grown.items()}
    return {
        "new_clusters": new_clusters["name"].tolist(),
        "grown": grown_map,
        "untouched": int(len(existing.clusters) - len(grown_map)),
        "unclustered": int((kw["how"] == "unclustered").sum()),
    }
