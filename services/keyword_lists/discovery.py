"""Keyword discovery: up to 10 seeds → candidate keywords with their metrics.

* **Live** (DataForSEO keys set and chosen): DataForSEO Labs ``keyword_suggestions/live``
  per seed (``include_serp_info`` for SERP features), through the DataForSEO provider's
  client (retries, rate-limit back-off, breaker, error type). Cost preview and a budget
  reservation come first ("fail fast at $0"); the actual cost is settled afterwards.
  Keywords the project already has are skipped; the rest are saved as ``discovered``.
* **Offline**: the project's imported keyword universe, filtered to keywords that contain
  every content word of a seed (plural-, order- and accent-insensitive,
  :func:`services.clustering.pages.lexical_keys`). Keywords already placed in a cluster are
  skipped; nothing is written (imported keywords are already ``qualified``).

Filters (both modes): minimum search volume (default 500 searches/month), maximum keyword
difficulty (default 20 on 0-100; unknown difficulty passes), intents (any of), limit
(default 50, highest volume first). Statuses: discovered → qualified (:func:`qualify`) →
clustering → clustered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.session import session_scope
from services.clustering.intent import parse_labels
from services.clustering.pages import lexical_keys
from services.core.errors import InvalidInputError
from services.core.text import normalize_keyword
from services.keyword_lists import discovery_store
from services.keyword_lists.discovery_live import CANDIDATE_COLUMNS, FETCH_PER_SEED, fetch_live
from services.providers.base import SEARCH_INTENTS, Usage
from services.providers.pricing import KEYWORD_SUGGESTIONS_LIVE, dataforseo_estimate_usd

MAX_SEEDS = 10
DEFAULT_MIN_VOLUME = 500  # searches/month
DEFAULT_MAX_KD = 20.0  # keyword difficulty 0-100
DEFAULT_LIMIT = 50
MAX_LIMIT = 1_000


@dataclass(frozen=True)
class DiscoveryRequest:
    """One discovery run.

    Attributes
    ----------
    seeds : tuple of str
        1-10 normalised seed keywords (:func:`parse_seeds`).
    min_volume : int, optional
        Minimum search volume (searches/month); None = no floor.
    max_kd : float, optional
        Maximum keyword difficulty (0-100); None = no cap. Unknown difficulty passes.
    intents : tuple of str
        Keep keywords with any of these intents; empty = all.
    limit : int
        Most candidates returned (highest volume first).
    live : bool
        DataForSEO (paid) instead of the imported universe.
    """

    seeds: tuple[str, ...]
    min_volume: int | None = DEFAULT_MIN_VOLUME
    max_kd: float | None = DEFAULT_MAX_KD
    intents: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    live: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (job params)."""
        return {
            "seeds": list(self.seeds),
            "min_volume": self.min_volume,
            "max_kd": self.max_kd,
            "intents": list(self.intents),
            "limit": self.limit,
            "live": self.live,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscoveryRequest:
        """Inverse of :meth:`to_dict`, validated (:func:`validate`)."""
        return validate(
            data.get("seeds") or [],
            min_volume=data.get("min_volume", DEFAULT_MIN_VOLUME),
            max_kd=data.get("max_kd", DEFAULT_MAX_KD),
            intents=data.get("intents") or (),
            limit=data.get("limit", DEFAULT_LIMIT),
            live=bool(data.get("live", False)),
        )


@dataclass
class CostPreview:
    """Estimated cost of a discovery run (USD) shown before it starts."""

    requests: int
    items: int
    usd: float

    @property
    def message(self) -> str:
        """One line for the page."""
        if not self.requests:
            return "Offline discovery: this run costs nothing."
        return f"Estimated cost ${self.usd:.4f} ({self.requests} DataForSEO requests, up to {self.items:,} keywords)"


@dataclass
class DiscoveryResult:
    """Candidates of a run and what was skipped.

    Attributes
    ----------
    candidates : pandas.DataFrame
        :data:`CANDIDATE_COLUMNS`, highest volume first, at most ``limit`` rows.
    skipped_existing : int
        Candidates the project already had (live) or already placed in a cluster (offline).
    filtered_out : dict
        Filter → candidates it removed.
    saved : int
        New ``discovered`` keywords written (live runs).
    usage : list of Usage
        Calls made (cost USD).
    """

    candidates: pd.DataFrame
    skipped_existing: int = 0
    filtered_out: dict[str, int] = field(default_factory=dict)
    saved: int = 0
    usage: list[Usage] = field(default_factory=list)

    @property
    def cost_usd(self) -> float:
        """Actual cost of the run (USD)."""
        return round(sum(u.cost_usd for u in self.usage), 6)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (job result)."""
        return {
            "candidates": int(len(self.candidates)),
            "keywords": self.candidates["keyword"].tolist(),
            "skipped_existing": self.skipped_existing,
            "filtered_out": self.filtered_out,
            "saved": self.saved,
            "cost_usd": self.cost_usd,
            "message": f"{len(self.candidates)} candidates ({self.skipped_existing} already in the project)",
        }


def parse_seeds(text: str | Iterable[str]) -> tuple[str, ...]:
    """Seeds from text (one per line or comma-separated) or a list; normalised, de-duplicated.

    Raises
    ------
    InvalidInputError
        No seed, or more than :data:`MAX_SEEDS`.
    """
    parts = re.split(r"[\n,;]+", text) if isinstance(text, str) else list(text)
    seeds = tuple(dict.fromkeys(s for s in (normalize_keyword(str(p)) for p in parts) if s))
    if not seeds:
        raise InvalidInputError("Enter at least one seed keyword.")
    if len(seeds) > MAX_SEEDS:
        raise InvalidInputError(
            f"At most {MAX_SEEDS} seed keywords per discovery run; you entered {len(seeds)}. "
            "Split them into several runs."
        )
    return seeds


def validate(
    seeds: str | Iterable[str],
    *,
    min_volume: int | None = DEFAULT_MIN_VOLUME,
    max_kd: float | None = DEFAULT_MAX_KD,
    intents: Iterable[str] = (),
    limit: int = DEFAULT_LIMIT,
    live: bool = False,
) -> DiscoveryRequest:
    """Build a :class:`DiscoveryRequest`, refusing bad input before any work.

    Raises
    ------
    InvalidInputError
        Too many or no seeds, negative volume, difficulty outside 0-100, unknown intent,
        limit outside 1-1,000.
    """
    seed_tuple = parse_seeds(seeds)
    if min_volume is not None and min_volume < 0:
        raise InvalidInputError("The minimum search volume cannot be negative.")
    if max_kd is not None and not 0 <= max_kd <= 100:
        raise InvalidInputError("Keyword difficulty is between 0 and 100.")
    wanted = tuple(dict.fromkeys(str(i).strip().lower() for i in intents if str(i).strip()))
    unknown = [i for i in wanted if i not in SEARCH_INTENTS]
    if unknown:
        raise InvalidInputError(f"Unknown intent {unknown[0]!r}; use {', '.join(SEARCH_INTENTS)}.")
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInputError(f"The limit must be between 1 and {MAX_LIMIT:,}.")
    return DiscoveryRequest(
        seeds=seed_tuple,
        min_volume=None if min_volume is None else int(min_volume),
        max_kd=None if max_kd is None else float(max_kd),
        intents=wanted,
        limit=int(limit),
        live=live,
    )


def preview_cost(request: DiscoveryRequest) -> CostPreview:
    """Estimated cost: one Labs request per seed plus $0.0001 per returned item (live)."""
    if not request.live:
        return CostPreview(0, 0, 0.0)
    requests = len(request.seeds)
    items = requests * FETCH_PER_SEED
    return CostPreview(
        requests, items, dataforseo_estimate_usd(KEYWORD_SUGGESTIONS_LIVE, requests, items)
    )


def apply_filters(
    frame: pd.DataFrame, request: DiscoveryRequest
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Volume floor, difficulty cap and intents, then the limit (highest volume first).

    Returns
    -------
    tuple
        The kept rows and filter → rows removed (``"limit"`` counts rows cut by the limit).
    """
    out = frame.copy()
    removed: dict[str, int] = {}
    vol = pd.to_numeric(out["search_volume"], errors="coerce")
    if request.min_volume is not None:
        keep = vol.fillna(-1) >= request.min_volume
        removed["min_volume"] = int((~keep).sum())
        out, vol = out[keep], vol[keep]
    if request.max_kd is not None:
        kd = pd.to_numeric(out["keyword_difficulty"], errors="coerce")
        keep = kd.isna() | (kd <= request.max_kd)
        removed["max_kd"] = int((~keep).sum())
        out, vol = out[keep], vol[keep]
    if request.intents:
        wanted = set(request.intents)
        keep = out["intent"].map(lambda c: bool(wanted & set(parse_labels(c))))
        removed["intent"] = int((~keep).sum())
        out, vol = out[keep], vol[keep]
    out = (
        out.assign(_v=vol.fillna(-1))
        .sort_values(["_v", "keyword"], ascending=[False, True])
        .drop(columns="_v")
    )
    removed["limit"] = max(0, len(out) - request.limit)
    return out.head(request.limit).reset_index(drop=True), removed


def matches_seed(keyword: str, seed_tokens: Sequence[set[str]]) -> str | None:
    """The first seed (as its token set index) whose content words all occur in ``keyword``."""
    words = set(lexical_keys(keyword)[0].split())
    for i, toks in enumerate(seed_tokens):
        if toks and toks <= words:
            return str(i)
    return None


def discover_offline(
    universe: pd.DataFrame, request: DiscoveryRequest, *, placed: set[str]
) -> DiscoveryResult:
    """Candidates from the imported universe (see the module docstring).

    Parameters
    ----------
    universe : pandas.DataFrame
        :func:`services.projects.imports.load_keyword_universe` columns (plus optional ``serp_features``).
    request : DiscoveryRequest
        Seeds and filters.
    placed : set of str
        Keywords already placed in a cluster (skipped).
    """
    seed_tokens = [set(lexical_keys(s)[0].split()) for s in request.seeds]
    rows = universe.copy()
    which = rows["keyword"].map(lambda k: matches_seed(k, seed_tokens))
    rows = rows[which.notna()].assign(seed=[request.seeds[int(i)] for i in which.dropna()])
    already = rows["keyword"].isin(placed) | rows["keyword"].isin(request.seeds)
    skipped = int(rows["keyword"].isin(placed).sum())
    rows = rows[~already]
    rows = _columns(rows.assign(source=rows.get("source", "import")))
    kept, removed = apply_filters(rows, request)
    return DiscoveryResult(kept, skipped_existing=skipped, filtered_out=removed)


def _columns(frame: pd.DataFrame) -> pd.DataFrame:
    for col in CANDIDATE_COLUMNS:
        if col not in frame:
            frame[col] = None
    return frame[CANDIDATE_COLUMNS]


def run_discovery(
    engine: Engine,
    project_id: Any,
    request: DiscoveryRequest,
    *,
    client: Any = None,
    budget: Any = None,
    location: str = "United States",
    language: str = "English",
    progress: Callable[[float, str], None] | None = None,
) -> DiscoveryResult:
    """Run discovery and save live candidates as ``discovered`` keywords.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    project_id : uuid.UUID or str
        The project.
    request : DiscoveryRequest
        Seeds and filters (:func:`validate`).
    client : DataForSEOClient, optional
        Required for live runs (``post(endpoint, task, items=…)``).
    budget : BudgetGuard, optional
        Reserve/settle the estimate of a live run (:class:`services.spend.budget.BudgetGuard`).
    location, language : str
        DataForSEO locale (the project's).
    progress : callable, optional
        ``progress(percent, message)``; may raise to cancel.

    Raises
    ------
    InvalidInputError
        A live run without a DataForSEO client.
    BudgetExceeded
        The estimate does not fit the monthly budget; nothing was called.
    ProviderError
        DataForSEO failed.
    """
    notify = progress or (lambda _p, _m: None)
    if not request.live:
        notify(10, "Searching the imported keywords")
        from services.projects.imports import load_keyword_universe

        universe = load_keyword_universe(engine, project_id)
        with session_scope(engine) as s:
            placed = discovery_store.placed_keywords(s, project_id)
        result = discover_offline(universe, request, placed=placed)
        notify(100, f"{len(result.candidates)} candidates")
        return result
    if client is None:
        raise InvalidInputError(
            "Live discovery needs DataForSEO: set DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD."
        )
    frame, usage = _fetch_within_budget(
        engine, project_id, client, request, budget, location, language, notify
    )
    with session_scope(engine) as s:
        existing = discovery_store.project_keywords(s, project_id)
        known = frame["keyword"].isin(existing) | frame["keyword"].isin(request.seeds)
        skipped = int(frame["keyword"].isin(existing).sum())
        kept, removed = apply_filters(frame[~known], request)
        saved = discovery_store.save_discovered(s, project_id, kept)
    notify(100, f"{len(kept)} candidates saved as discovered")
    return DiscoveryResult(
        kept, skipped_existing=skipped, filtered_out=removed, saved=saved, usage=usage
    )


def _fetch_within_budget(
    engine: Engine,
    project_id: Any,
    client: Any,
    request: DiscoveryRequest,
    budget: Any,
    location: str,
    language: str,
    notify: Callable[[float, str], None],
) -> tuple[pd.DataFrame, list[Usage]]:
    """Live suggestions inside a budget reservation settled with the real cost; the calls
    are logged whatever happens."""
    estimate = preview_cost(request)
    reservation = (
        budget.reserve(estimate.usd, f"discovery: {', '.join(request.seeds)}") if budget else None
    )
    usage: list[Usage] = []
    try:
        notify(5, f"Asking DataForSEO for suggestions of {len(request.seeds)} seeds")
        frame, usage = fetch_live(
            client,
            request.seeds,
            location=location,
            language=language,
            progress=lambda f: notify(5 + 80 * f, "Fetching suggestions"),
        )
    except Exception as exc:
        usage = list(getattr(exc, "usage", usage))
        raise
    finally:
        if reservation is not None:
            budget.settle(reservation, sum(u.cost_usd for u in usage))
        if usage:
            from services.spend.usage import record_usage

            with session_scope(engine) as s:
                record_usage(s, usage, project_id=project_id)
    return frame, usage


def qualify(engine: Engine, project_id: Any, keywords: Sequence[str]) -> int:
    """Move ``discovered`` keywords to ``qualified`` (ready to cluster). Returns rows changed."""
    with session_scope(engine) as s:
        return discovery_store.qualify(s, project_id, keywords)
