"""One clustering run of a project's keyword list, end to end (the "cluster" job).

load pending keywords → mark them ``clustering`` → leave out URLs, domains and competitor
brands (:mod:`.filters`, Unclustered with that reason) → read the evidence the data holds
(:mod:`.evidence`: Parent Keyword, ranking URL, cached SERPs; on by default whenever the
project's keywords carry it) → plan (semantic, or SERP overlap when DataForSEO SERP is
enabled) against the existing clusters → record per keyword which evidence merged it → fill
missing intents → save in one transaction → ``clustered``. A failure marks the keywords
``failed`` (the job keeps the message); a cancellation puts them back to ``qualified``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from db.session import session_scope
from services.clustering.evidence import SearchGroups
from services.clustering.intent import classify_intents, format_labels
from services.clustering.pages import ClusterOptions, Progress, lexical_groups
from services.clustering.reconcile import Existing, RunPlan, plan_run
from services.core.errors import BudgetExceeded, JobCancelled
from services.keyword_lists import evidence as ev
from services.keyword_lists import store as list_store
from services.keyword_lists.evidence_store import read_evidence, read_settings
from services.keyword_lists.filters import list_filter_reasons
from services.keyword_lists.serp_plan import SerpSettings, plan_serp_run
from services.providers.base import Embedder, Usage

#: Cap of the offline intent vote (keywords); larger lists use rules only for speed.
INTENT_VOTE_MAX = 50_000
#: Lexical groups up to which a list is embedded with MiniLM (quality tier); above, with the
#: static tier. 2,000 groups ≈ 1.3 s at the measured 1,500 texts/s. Issue 12 asks 5,000
#: keywords (≈ 3,800 groups on the shared exports) in ≤ 5 s end to end: with MiniLM the
#: embedding alone took 4.6 s (issue measurement), with static the whole run 2.35 s
#: (``bench/cluster.py``), and on the held-out halves of the Ahrefs development sets the
#: static tier's pages score the same B-cubed F1 (socks 0.730 vs 0.731, chatgpt-prompts
#: 0.768 vs 0.774; ``bench/cluster_quality.py --devdata``). Was 5,000 (issue 4).
#: :func:`services.providers.embeddings.pick_tier` (20,000 texts) is the upper bound for
#: other uses of the embedder.
LIST_MINILM_MAX_TEXTS = 2_000


#: Above this many keywords the tier is not decided by counting lexical groups: the list
#: gets the static tier. Such a list would need fewer than one group per 10 keywords to stay
#: within :data:`LIST_MINILM_MAX_TEXTS`; the shared exports and development sets have 0.57
#: (Ahrefs output_grpr, 28,734 keywords) to 0.92 groups per keyword. The count was a full
#: lexical-grouping pass used for nothing else: 0.65 CPU-s at 100,000 keywords (issue 22;
#: was 200,000).
TIER_COUNT_MAX_KEYWORDS = 20_000


#: Allocations between young-generation garbage collections during a run (CPython's default
#: is 700). A run allocates millions of short-lived token tuples, keys and row dicts; with the
#: default, collections took 1.3 of 14.4 CPU-s at 30,000 keywords, 0.4 with this and the
#: heap frozen (``bench/cluster.py`` sizes; clusters identical).
RUN_GC_THRESHOLD = (50_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while a run allocates: the objects alive at the start are
    frozen (:func:`gc.freeze`: collections skip them) and the young generation is collected
    every :data:`RUN_GC_THRESHOLD` allocations; both are restored afterwards."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RUN_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def list_embedder(n_texts: int) -> Embedder:
    """The embedder for clustering ``n_texts`` lexical groups (see :data:`LIST_MINILM_MAX_TEXTS`)."""
    from services.providers.embeddings import get_embedder, pick_tier

    return get_embedder(pick_tier(n_texts) if n_texts <= LIST_MINILM_MAX_TEXTS else "static")


@dataclass
class _Clock:
    """Seconds per phase of a run."""

    started: float = field(default_factory=time.perf_counter)
    mark: float = field(default_factory=time.perf_counter)
    phases: dict[str, float] = field(default_factory=dict)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self.mark, 3)
        self.mark = now


def with_evidence(
    pending: pd.DataFrame, evidence: ev.Evidence | None, options: ClusterOptions, use: bool
) -> tuple[pd.DataFrame, ClusterOptions, SearchGroups | None]:
    """When ``use``: the pending rows with their same-search group (text rules, then the
    evidence, :func:`services.keyword_lists.evidence.search_groups`) as ``grouping_hint``,
    the options that read it, and the groups. Otherwise the rows and options unchanged and
    no groups (the text-only pipeline; the groups cost ≈ 9 CPU-s per 100,000 keywords)."""
    if not use:
        return pending, options, None
    groups = ev.search_groups(
        pending["keyword"].tolist(), pending["search_volume"].to_numpy(), evidence
    )
    out = pending.assign(grouping_hint=ev.hints_of(groups))
    data = {**options.to_dict(), "use_grouping_hint": True}
    return out, ClusterOptions.from_dict(data), groups


def cluster_key(plan_keywords: pd.DataFrame) -> list[object]:
    """The final cluster of each plan row (existing id, "n<k>" for new ones, None)."""
    out: list[object] = []
    for cid, new in zip(plan_keywords["cluster_id"], plan_keywords["new_cluster"], strict=True):
        if cid is not None and not (isinstance(cid, float) and np.isnan(cid)):
            out.append(str(cid))
        else:
            out.append(f"n{int(new)}" if int(new) >= 0 else None)
    return out


def _leave_out(plan: RunPlan, filtered: pd.DataFrame) -> RunPlan:
    """Add the filtered keywords to ``plan`` as Unclustered with their reason."""
    if filtered.empty:
        return plan
    rows = filtered.assign(cluster_id=None, new_cluster=-1, similarity=np.nan, how="unclustered")
    rows["reason"] = filtered["filter_reason"].to_numpy()
    rows = rows.drop(columns=["filter_reason"])
    plan.keywords = pd.concat([plan.keywords, rows], ignore_index=True)
    plan.diff["unclustered"] = int(plan.diff.get("unclustered", 0)) + len(rows)
    n = len(plan.keywords)
    unclustered = int((plan.keywords["how"] == "unclustered").sum())
    plan.stats.update(
        {
            "keywords": n,
            "unclustered": unclustered,
            "unclustered_share": round(unclustered / n, 4) if n else 0.0,
            "unclustered_reasons": {
                str(k): int(v) for k, v in plan.keywords["reason"].dropna().value_counts().items()
            },
        }
    )
    return plan


def _plan(
    engine: Engine,
    project_id: Any,
    pending: pd.DataFrame,
    embedder_factory: Callable[[int], Embedder],
    options: ClusterOptions,
    serp: SerpSettings | None,
    evidence: bool | None,
    notify: Progress,
) -> tuple[RunPlan, list[Usage], str, Embedder, pd.DataFrame]:
    """Filters, evidence and the plan; returns the plan, SERP usage, method, embedder and
    the clustered rows (the plan's first rows, aligned with its embeddings)."""
    with engine.connect() as conn:
        settings = read_settings(conn, project_id)
        existing: Existing = list_store.load_existing(conn, project_id)
    reasons = list_filter_reasons(pending["keyword"].tolist(), settings["competitors"])
    left_out = np.array([r is not None for r in reasons], bool)
    filtered = pending[left_out].assign(filter_reason=[r for r in reasons if r is not None])
    kept = pending[~left_out].reset_index(drop=True)
    on = settings["use_evidence"] if evidence is None else bool(evidence)
    on = on or options.use_grouping_hint
    # Only the Parent Keyword column when evidence is off (to say the data has it).
    hints = [h if isinstance(h, str) else None for h in kept["grouping_hint"]]
    if on:
        with engine.connect() as conn:
            words = kept["keyword"].tolist()
            found = read_evidence(conn, project_id, words, hints, settings)
    else:
        found = ev.Evidence(parent=hints)
    # Without evidence to read (or when SERP grouping decides), the run is the text-only
    # pipeline, unchanged.
    use = on and serp is None and found.any()
    kept, run_options, groups = with_evidence(kept, found if use else None, options, use)
    # Tier by the number of texts to embed: lexical groups of the pending keywords, counted
    # only when the count can decide it (a grouping pass just to count).
    n_texts = (
        len(kept)
        if len(kept) > TIER_COUNT_MAX_KEYWORDS
        else int(lexical_groups(kept["keyword"].tolist()).max(initial=-1)) + 1
    )
    embedder = embedder_factory(n_texts + len(existing.clusters))

    def stage(p: float, m: str) -> None:
        notify(2 + 78 * p / 100.0, m)

    usage: list[Usage] = []
    if serp is not None:
        plan, usage = plan_serp_run(
            existing, kept, embedder, options, serp, engine=engine, progress=stage
        )
        method = "serp"
    else:
        # The vectors are read back only by the intent vote (up to INTENT_VOTE_MAX keywords).
        plan = plan_run(
            existing,
            kept,
            embedder,
            run_options,
            progress=stage,
            keep_embeddings=len(kept) <= INTENT_VOTE_MAX,
        )
        method = "semantic"
    merged = pd.Series(
        ev.merged_by(groups, cluster_key(plan.keywords)) if groups is not None else None,
        index=range(len(plan.keywords)),
        dtype=object,
    )
    plan.keywords["evidence"] = merged.to_numpy()
    by_rule = merged.value_counts()
    plan.stats["evidence"] = {
        "on": bool(on),
        "used": bool(use),
        "switched_off_by": None if on else ("run" if evidence is False else "project"),
        "columns": found.counts(),
        "merged": {str(k): int(v) for k, v in by_rule.items() if ev.is_evidence(k)},
        "same_search": {str(k): int(v) for k, v in by_rule.items() if not ev.is_evidence(k)},
    }
    return _leave_out(plan, filtered), usage, method, embedder, kept


def run_list_clustering(
    engine: Engine,
    project_id: Any,
    embedder_factory: Callable[[int], Embedder],
    options: ClusterOptions | None = None,
    *,
    serp: SerpSettings | None = None,
    progress: Progress | None = None,
    evidence: bool | None = None,
) -> dict[str, Any]:
    """Cluster the project's pending keywords into its (possibly existing) clusters.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    project_id : uuid.UUID or str
        The project.
    embedder_factory : callable
        ``embedder_factory(n_texts) -> Embedder`` (:func:`list_embedder` in production).
    options : ClusterOptions, optional
        Strictness and filters.
    serp : SerpSettings, optional
        Group by SERP overlap instead of semantics (paid).
    progress : callable, optional
        ``progress(percent, message)``; raising :class:`JobCancelled` stops the run.
    evidence : bool, optional
        Use the evidence the data holds (Parent Keyword, ranking URL, cached SERPs). None
        (default): the project's setting, on unless switched off.

    Returns
    -------
    dict
        Statistics (``evidence``: on, switched off by, columns found, merges per kind), diff.

    Raises
    ------
    JobCancelled
        The user cancelled; keywords are back to ``qualified``.
    BudgetExceeded
        A SERP run's estimate does not fit the budget (nothing was called).
    """
    with fewer_collections():
        return _run(engine, project_id, embedder_factory, options, serp, progress, evidence)


def _run(
    engine: Engine,
    project_id: Any,
    embedder_factory: Callable[[int], Embedder],
    options: ClusterOptions | None,
    serp: SerpSettings | None,
    progress: Progress | None,
    evidence: bool | None,
) -> dict[str, Any]:
    """The body of :func:`run_list_clustering`."""
    options = options or ClusterOptions()
    notify: Progress = progress or (lambda _p, _m: None)
    clock = _Clock()
    notify(1, "Loading keywords")
    pending = list_store.load_pending(engine, project_id)
    if pending.empty:
        notify(100, "Nothing to cluster: every keyword is already placed.")
        return {"keywords": 0, "message": "Nothing to cluster.", "diff": {}}
    list_store.mark_clustering(engine, project_id)
    clock.lap("load")
    try:
        plan, usage, method, embedder, kept = _plan(
            engine, project_id, pending, embedder_factory, options, serp, evidence, notify
        )
        if usage:  # billed SERP calls are logged now, whatever happens to the rest
            _record_usage(engine, project_id, usage)
        clock.lap("plan")
        notify(82, "Labelling search intent")
        intents = missing_intents(kept, embedder, getattr(plan, "embeddings", None))
        intents.update(missing_intents(plan.keywords.iloc[len(kept) :], None))
        clock.lap("intent")
        notify(88, "Saving clusters")
        # One transaction: intents, clusters, members and keyword statuses (an interrupted
        # run leaves no partial clusters; its keywords go back to "qualified").
        with session_scope(engine) as s:
            saved = list_store.save_plan(s, project_id, plan, method=method, intents=intents)
        clock.lap("save")
    except JobCancelled:
        list_store.reset_clustering(engine, project_id)
        raise
    except BaseException:
        list_store.mark_failed(engine, project_id)
        raise
    notify(
        100,
        f"{saved['new_clusters']:,} new clusters, {len(saved['grown']):,} grown, "
        f"{saved['unclustered']:,} unclustered",
    )
    return _summary(plan, saved, method, usage, clock)


def _summary(
    plan: RunPlan, saved: dict[str, Any], method: str, usage: list[Usage], clock: _Clock
) -> dict[str, Any]:
    """What a run returns (and a job stores): the plan's statistics, timings, diff, cost."""
    return {
        **{k: v for k, v in plan.stats.items() if k != "seconds"},
        "timings": {
            **plan.stats.get("seconds", {}),
            **{f"phase_{k}": v for k, v in clock.phases.items()},
        },
        "diff": saved,
        "method": method,
        "cost_usd": round(sum(u.cost_usd for u in usage), 6),
        "seconds": round(time.perf_counter() - clock.started, 3),
    }


def _record_usage(engine: Engine, project_id: Any, usage: list[Usage]) -> None:
    from services.spend.usage import record_usage

    with session_scope(engine) as s:
        record_usage(s, usage, project_id=project_id)


def missing_intents(
    pending: pd.DataFrame,
    embedder: Embedder | None,
    embeddings: np.ndarray | None = None,
) -> dict[Any, str]:
    """Offline intents of pending keywords that have none (imports may lack them),
    keyword id → comma-joined labels (saved with the plan).

    ``embeddings`` are the run's vectors of ``pending`` rows (the plan's), so the
    neighbour vote does not embed the keywords a second time; without an embedder the
    rules alone label them.
    """
    if pending.empty:
        return {}
    mask = (pending["intent"].isna() | (pending["intent"].astype(str) == "")).to_numpy()
    missing = pending[mask]
    if missing.empty:
        return {}
    vote = len(pending) <= INTENT_VOTE_MAX and embedder is not None
    reuse = embeddings is not None and len(embeddings) == len(pending) and vote
    labels = classify_intents(
        missing["keyword"].tolist(),
        embedder if vote else None,
        embeddings=embeddings[mask] if reuse and embeddings is not None else None,
    )
    return {kid: format_labels(lab) for kid, lab in zip(missing["keyword_id"], labels, strict=True)}


__all__ = [
    "BudgetExceeded",
    "JobCancelled",
    "SerpSettings",
    "plan_serp_run",
    "run_list_clustering",
]
