"""A clustering run planned by SERP overlap (DataForSEO; :mod:`services.clustering.serp_overlap`).

Keywords sharing ≥ ``min_shared`` top-10 URLs with an existing cluster's centre join it; the
rest are grouped among themselves; a keyword that shares enough URLs with no other keyword
goes to Unclustered ("no neighbour above threshold", or "SERP not fetched: …" when its
fetch failed). Hubs come from the embeddings of the new clusters' names, as in the
semantic mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from services.clustering import hubs as hubs_mod
from services.clustering.pages import (
    REASON_LOW_VOLUME,
    REASON_NO_NEIGHBOUR,
    ClusterOptions,
    Progress,
    embed_blocks,
    hub_threshold,
)
from services.clustering.reconcile import Existing, RunPlan, hub_centred_threshold
from services.clustering.serp_overlap import DEFAULT_MIN_SHARED, serp_groups, shared_with
from services.core.errors import InvalidInputError
from services.keyword_lists.serp_store import REASON_SERP_FAILED
from services.providers.base import Embedder, Usage
from services.providers.dataforseo.serp_cache import fetch_serps


@dataclass
class SerpSettings:
    """SERP-overlap grouping settings (DataForSEO, about $0.002 per uncached keyword).

    Attributes
    ----------
    fetch : callable
        ``fetch(keyword) -> (urls, Usage)`` (:func:`services.providers.dataforseo.serp.live_fetcher`).
    location, language, device : str
        SERP locale (the project's DataForSEO location and language).
    min_shared : int
        Shared top-10 URLs that make one page (2-7).
    budget : object, optional
        ``BudgetGuard``-like (reserve/settle) checked before any paid call.
    estimate_usd : float
        Estimated cost of the run, reserved against the budget.
    """

    fetch: Callable[[str], tuple[list[str], Usage]]
    location: str
    language: str
    device: str = "desktop"
    min_shared: int = DEFAULT_MIN_SHARED
    budget: Any = None
    estimate_usd: float = 0.0


def _start_frame(pending: pd.DataFrame, options: ClusterOptions) -> tuple[pd.DataFrame, pd.Series]:
    """Pending rows with the plan columns, and their volumes (floor applied)."""
    kw = pending.reset_index(drop=True).copy()
    for col, default in (
        ("cluster_id", None),
        ("new_cluster", -1),
        ("similarity", np.nan),
        ("reason", None),
        ("how", ""),
    ):
        kw[col] = default
    vol = pd.to_numeric(kw["search_volume"], errors="coerce")
    if options.min_volume is not None:
        low = (vol.isna() | (vol < options.min_volume)).to_numpy()
        kw.loc[low, ["reason", "how"]] = [REASON_LOW_VOLUME, "unclustered"]
    return kw, vol


def _fetch(
    engine: Engine, words: list[str], serp: SerpSettings, n: int, notify: Progress
) -> tuple[dict[str, list[str]], list[Usage], dict[str, str]]:
    """Fetch (or read cached) SERPs within a budget reservation settled with the real cost."""
    reservation = None
    if serp.budget is not None and serp.estimate_usd > 0:
        reservation = serp.budget.reserve(serp.estimate_usd, f"serp clustering: {n} keywords")
    usage: list[Usage] = []
    failures: dict[str, str] = {}
    try:
        notify(5, f"Fetching SERPs for {len(words):,} keywords")
        url_map, usage = fetch_serps(
            engine,
            words,
            serp.fetch,
            location=serp.location,
            language=serp.language,
            device=serp.device,
            progress=lambda f: notify(5 + 60 * f, "Fetching SERPs"),
            failures=failures,
        )
    finally:
        if reservation is not None:
            serp.budget.settle(reservation, sum(u.cost_usd for u in usage))
    return url_map, usage, failures


def _group(
    kw: pd.DataFrame,
    vol: pd.Series,
    existing: Existing,
    url_map: dict[str, list[str]],
    failures: dict[str, str],
    min_shared: int,
) -> np.ndarray:
    """Place keywords into existing clusters, then into new SERP groups; returns the rows
    grouped among themselves."""
    anchors = [url_map.get(c, []) for c in existing.clusters["centre_keyword"]]
    ids = existing.clusters["id"].to_numpy()
    for i in np.flatnonzero(kw["how"].to_numpy() == ""):
        best, count = shared_with(url_map.get(kw.at[i, "keyword"], []), anchors)
        if best >= 0 and count >= min_shared:
            kw.at[i, "cluster_id"] = ids[best]
            kw.at[i, "how"] = "serp"
    todo = np.flatnonzero(kw["how"].to_numpy() == "")
    sub_words = kw.loc[todo, "keyword"].tolist()
    labels = serp_groups(
        sub_words,
        [url_map.get(w, []) for w in sub_words],
        vol.iloc[todo].to_numpy(),
        min_shared=min_shared,
    )
    kw.loc[todo, "new_cluster"] = labels
    kw.loc[todo, "how"] = np.where(labels >= 0, "new", "unclustered")
    lone = todo[labels < 0]
    kw.loc[lone, "reason"] = REASON_NO_NEIGHBOUR
    for i in lone:  # one failed SERP fetch is that keyword's reason, not the run's failure
        if (message := failures.get(str(kw.at[i, "keyword"]))) is not None:
            kw.at[i, "reason"] = f"{REASON_SERP_FAILED}: {message}"
    return todo


def _new_clusters(kw: pd.DataFrame, vol: pd.Series, todo: np.ndarray) -> pd.DataFrame:
    """New clusters: name = highest volume (the centre by construction), size and volume."""
    sub = kw.loc[todo].assign(v=vol.iloc[todo].fillna(0).to_numpy())
    sub = sub[sub["new_cluster"] >= 0].sort_values(
        ["new_cluster", "v", "keyword"], ascending=[True, False, True]
    )
    first = sub.groupby("new_cluster").head(1)
    agg = sub.groupby("new_cluster").agg(size=("keyword", "size"), total_volume=("v", "sum"))
    new_clusters = (
        first[["new_cluster", "keyword"]]
        .rename(columns={"keyword": "name"})
        .set_index("new_cluster")
        .join(agg)
        .reset_index()
    )
    new_clusters["centre"] = new_clusters["name"]
    new_clusters["total_volume"] = new_clusters["total_volume"].round().astype("int64")
    new_clusters["hub_id"] = None
    new_clusters["new_hub"] = -1
    new_clusters["is_pillar"] = False
    return new_clusters


def _hubs(new_clusters: pd.DataFrame, embedder: Embedder, options: ClusterOptions) -> pd.DataFrame:
    """Hubs of the new clusters from their names' embeddings (fills ``new_hub``/``is_pillar``)."""
    cent = embed_blocks(embedder, new_clusters["name"].tolist())
    hub = hubs_mod.detect_hubs(
        cent,
        new_clusters["total_volume"].to_numpy(np.float64),
        new_clusters["size"].to_numpy(),
        hub_threshold(embedder, options),
        centred_threshold=hub_centred_threshold(embedder, options),
    )
    new_clusters["new_hub"] = hub
    new_clusters["is_pillar"] = hubs_mod.pick_pillars(
        hub, new_clusters["total_volume"].to_numpy(np.float64), new_clusters["size"].to_numpy()
    )
    return (
        new_clusters.loc[new_clusters["is_pillar"], ["new_hub", "name"]]
        .sort_values("new_hub")
        .reset_index(drop=True)
    )


def plan_serp_run(
    existing: Existing,
    pending: pd.DataFrame,
    embedder: Embedder,
    options: ClusterOptions,
    serp: SerpSettings,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> tuple[RunPlan, list[Usage]]:
    """Plan a run by SERP overlap (see the module docstring).

    Returns
    -------
    (RunPlan, list of Usage)
        The plan and the billed SERP calls.

    Raises
    ------
    InvalidInputError
        No database (the SERP cache lives there).
    BudgetExceeded
        The estimate does not fit the budget (raised by ``serp.budget.reserve``).
    """
    notify: Progress = progress or (lambda _p, _m: None)
    if engine is None:
        raise InvalidInputError("SERP grouping needs the database for its cache.")
    kw, vol = _start_frame(pending, options)
    n = len(kw)
    todo = np.flatnonzero(kw["how"].to_numpy() == "")
    words = kw.loc[todo, "keyword"].tolist() + existing.clusters["centre_keyword"].tolist()
    url_map, usage, failures = _fetch(engine, words, serp, n, notify)
    notify(70, "Grouping by shared results")
    todo = _group(kw, vol, existing, url_map, failures, serp.min_shared)
    new_clusters = _new_clusters(kw, vol, todo)
    new_hubs = pd.DataFrame(columns=["new_hub", "name"])
    if options.hubs and len(new_clusters):
        notify(80, "Grouping clusters into hubs")
        new_hubs = _hubs(new_clusters, embedder, options)
    grown = kw.loc[kw["cluster_id"].notna(), "cluster_id"].value_counts()
    unclustered = int((kw["how"] == "unclustered").sum())
    diff = {
        "new_clusters": new_clusters["name"].tolist(),
        "grown": {str(k): int(v) for k, v in grown.items()},
        "untouched": int(len(existing.clusters) - len(grown)),
        "unclustered": unclustered,
    }
    stats = {
        "keywords": n,
        "method": "serp",
        "min_shared": serp.min_shared,
        "serp_fetched": len(usage),
        "clusters": int(len(new_clusters)),
        "unclustered": unclustered,
        "unclustered_share": round(unclustered / n, 4) if n else 0.0,
        "unclustered_reasons": {
            str(k): int(v) for k, v in kw["reason"].dropna().value_counts().items()
        },
    }
    return RunPlan(kw, new_clusters, new_hubs, stats, diff), usage
