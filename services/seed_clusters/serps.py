"""Funnel Stage 3's SERP evidence: top-10 organic URLs of the strongest candidates.

With DataForSEO on (the volume source is DataForSEO and the composition root sets
``FunnelDeps.dataforseo_serps``), the :data:`SERP_CANDIDATES` highest-volume candidates that
pass the filters (the seed always among them) get their Google top 10 through the one
cached path, :func:`services.providers.dataforseo.serp_cache.fetch_serps`: a keyword already
in ``serp_cache`` for the project's market is free, the others cost $0.002 each. Stage 3
then joins two candidates into one page when their top 10 share at least the "SERP overlap"
setting's number of URLs (4 by default, 2-7; :mod:`services.clustering.evidence`), and the
secondary keyword reads "same SERP (5 of 10 shared)".

Why :data:`SERP_CANDIDATES` = 30: Stage 3 keeps at most 12 pages, chosen by demand, and a
page's demand is the volume of all its wordings, so the keywords whose merges can change
the chosen pages are the high-volume ones; 30 covers the 12 pages plus about as many of
their competing wordings. Its worst case is 30 × $0.002 = $0.06 on a seed's first run and
$0 on a repeat (all cached), against $0.075 for the run's one search-volume request.

Time: the live SERP API takes one task per request and answers in seconds, so a run spends
at most :data:`SERP_SECONDS` on requests, strongest candidates first; what is left is
fetched by the seed's next run (cached SERPs are free) and the notes say so.

Budget: the missing SERPs' cost is asked of the run's budget hold before the first request
(:func:`services.providers.meter.before_call`); when the month's budget cannot cover it, no
SERP is fetched, cached ones are still used, and the run's notes say so. A fetch failure is
a note too, never the run's failure. Offline (no DataForSEO), nothing is fetched or invented
and the notes say SERP evidence was not available.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.session import session_scope
from services.clustering.keyword_filters import exclusion_reason
from services.clustering.serp_settings import (
    DEFAULT_MIN_SERP_OVERLAP,
    EVIDENCE_SETTINGS_KEY,
    min_overlap_of,
    serp_keywords_of,
)
from services.core.app_settings import get_setting
from services.core.errors import BudgetExceeded, ProviderError
from services.core.text import normalize_keyword
from services.providers import meter
from services.providers.base import BrandProfile, Candidate, Usage
from services.providers.dataforseo.serp import FUNNEL_SERP_KEYWORDS, live_fetcher
from services.providers.dataforseo.serp_cache import cached_urls, estimate_serp_cost, fetch_serps
from services.seed_clusters import store
from services.seed_clusters.intents import FunnelEvidence
from services.seed_clusters.run import Run

#: Candidates whose SERP is fetched per run (highest search volume first; see module doc).
SERP_CANDIDATES = FUNNEL_SERP_KEYWORDS
#: Seconds of SERP requests a run may spend (live SERPs answer in a few seconds each and
#: the live API takes one task per request): the strongest candidates go first, the rest
#: are fetched by the seed's next run (the cached ones are free).
SERP_SECONDS = 25.0
#: Note of a run without DataForSEO.
NOTE_OFFLINE = (
    "SERP evidence was not available: SERP overlap needs DataForSEO (Settings page); "
    "pages were grouped by the same-search rules and the data's columns only."
)
NOTE_EVIDENCE_OFF = "SERP evidence not used: the project groups by the same-search rules only."
#: Note of a run whose workspace set "SERPs per new cluster" to 0.
NOTE_SERPS_OFF = (
    "SERP evidence not used: 'SERPs per new cluster' is 0 on the Settings page; pages were "
    "grouped by the same-search rules and the data's columns only."
)


@dataclass
class SerpEvidence:
    """What the SERP step found and spent.

    Attributes
    ----------
    urls : dict
        Normalised keyword → normalised top-10 organic URLs ({} = no SERP evidence).
    usage : list of Usage
        The billed DataForSEO calls (cached SERPs cost nothing).
    notes : list of str
        What the review should say about SERP evidence (unavailable, skipped, partial).
    meta : dict
        For the run's metadata: asked, cached, fetched, failed, cost_usd, min_overlap,
        seconds, status ("used" | "offline" | "off" | "budget" | "failed" | "none").
    """

    urls: dict[str, list[str]] = field(default_factory=dict)
    usage: list[Usage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def serp_keywords(
    seed: str,
    candidates: Sequence[Candidate],
    brand: BrandProfile,
    site_type: str | None,
    intents: dict[str, str],
    limit: int = SERP_CANDIDATES,
) -> list[str]:
    """The keywords worth a SERP: the seed, then the highest-volume candidates that pass
    Stage 3's filters (:func:`services.clustering.keyword_filters.exclusion_reason`), at most
    ``limit`` in all (ties: shorter keyword first). When any candidate has a search volume,
    those without one (ideas the data does not know, rarely a page) get no paid SERP; when
    none has (a volume outage), all are ranked alike."""
    seed = normalize_keyword(seed)
    known = [c for c in candidates if c.search_volume is not None]
    ranked = sorted(
        known or candidates,
        key=lambda c: (-(c.search_volume if c.search_volume is not None else -1), len(c.keyword)),
    )
    out = [seed]
    for c in ranked:
        if len(out) >= limit:
            break
        kw = normalize_keyword(c.keyword)
        if kw in out or exclusion_reason(
            kw, intents.get(kw), brand.competitors, site_type=site_type, brand=brand.company_name
        ):
            continue
        out.append(kw)
    return out


def dataforseo_client(volume: Any) -> Any:
    """The DataForSEO HTTP client behind the volume source, or None when it is not DataForSEO."""
    return getattr(volume, "client", None) if getattr(volume, "name", "") == "dataforseo" else None


def serp_evidence(
    engine: Engine,
    client: Any,
    keywords: Sequence[str],
    market: tuple[str, str],
    *,
    min_overlap: int = DEFAULT_MIN_SERP_OVERLAP,
    deadline_s: float | None = SERP_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> SerpEvidence:
    """Top-10 URLs of ``keywords`` from ``serp_cache``, fetching the missing ones when the
    budget allows.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Where ``serp_cache`` lives.
    client : DataForSEOClient or None
        None = DataForSEO is off: nothing is fetched or read, the note says so.
    keywords : sequence of str
        From :func:`serp_keywords`.
    market : tuple
        (location_name, language_name) of the project.
    min_overlap : int
        The threshold in force (recorded in ``meta``).
    deadline_s : float, optional
        Time budget of the requests (:data:`SERP_SECONDS`); None = no limit.
    clock : callable
        Monotonic seconds (tests move time).

    Returns
    -------
    SerpEvidence
        Never raises for a provider failure or a budget refusal: both become notes.
    """
    t0 = time.perf_counter()
    out = SerpEvidence(meta={"min_overlap": min_overlap, "asked": len(keywords)})
    if client is None:
        out.notes.append(NOTE_OFFLINE)
        out.meta.update(status="offline", asked=0)
        return out
    location, language = market
    missing, usd = estimate_serp_cost(engine, keywords, location, language)
    status = "used"
    try:
        if missing:
            meter.before_call(usd, label=f"dataforseo SERPs: {missing} keywords")
    except BudgetExceeded as exc:
        status = "budget"
        out.notes.append(
            f"SERP evidence skipped: {missing} SERPs (${usd:.3f}) do not fit this month's "
            f"budget ({exc}); only SERPs already cached were used."
        )
        out.urls = cached_urls(engine, keywords, location, language)
    else:
        failures: dict[str, str] = {}
        try:
            out.urls, out.usage = fetch_serps(
                engine,
                keywords,
                live_fetcher(client, location, language),
                location=location,
                language=language,
                failures=failures,
                deadline_s=deadline_s,
                clock=clock,
            )
        except ProviderError as exc:  # the service failed repeatedly (or a top-up was refused)
            status = "failed"
            out.usage = list(exc.usage)
            out.urls = cached_urls(engine, keywords, location, language)
            out.notes.append(
                f"SERP evidence incomplete: DataForSEO SERPs failed ({exc}); "
                f"{len(out.urls)} of {len(keywords)} SERPs were used."
            )
        else:
            if failures:
                out.notes.append(
                    f"SERP evidence incomplete: {len(failures)} of {len(keywords)} SERPs "
                    "could not be fetched."
                )
            late = len(set(keywords)) - len(out.urls) - len(failures)
            out.meta["late"] = max(0, late)
            if late > 0 and deadline_s is not None:
                out.notes.append(
                    f"SERP evidence partial: {late} of {len(keywords)} SERPs were not "
                    f"fetched within {deadline_s:g} s; the seed's next run fetches them "
                    "(the ones cached now are free)."
                )
        out.meta["failed"] = len(failures)
    cached = len(set(keywords)) - missing
    out.meta.update(
        status=status if out.urls or status != "used" else "none",
        cached=cached,
        fetched=max(0, len(out.urls) - cached),
        cost_usd=round(sum(u.cost_usd for u in out.usage), 6),
        seconds=round(time.perf_counter() - t0, 4),
    )
    return out


def serp_stage(
    run: Run,
    brand: BrandProfile,
    site_type: str | None,
    candidates: Sequence[Candidate],
    evidence: FunnelEvidence,
) -> FunnelEvidence:
    """Stage 3's SERP step for one funnel run: the SERP URLs and the "SERP overlap"
    setting put on ``evidence`` (a :class:`~services.seed_clusters.intents.FunnelEvidence`),
    the calls on ``run.usages``, ``run.meta["serp"]`` and the notes on ``run.meta["notes"]``.

    Nothing is fetched when the project switched evidence off or DataForSEO is off
    (``run.deps.dataforseo_serps`` False or the volume source is not DataForSEO).

    Returns
    -------
    FunnelEvidence
        ``evidence`` itself, completed.
    """
    notes: list[str] = run.meta.setdefault("notes", [])
    deps = run.deps
    if not evidence.enabled:
        notes.append(NOTE_EVIDENCE_OFF)
        run.meta["serp"] = {"status": "off"}
        return evidence
    client = dataforseo_client(deps.volume) if deps.dataforseo_serps else None
    keywords: list[str] = []
    market = ("", "")
    if client is not None:
        stored = get_setting(deps.engine, EVIDENCE_SETTINGS_KEY) or {}
        limit = serp_keywords_of(stored)
        if limit == 0:
            notes.append(NOTE_SERPS_OFF)
            run.meta["serp"] = {"status": "off"}
            return evidence
        evidence.min_serp_overlap = min_overlap_of(stored)
        keywords = serp_keywords(
            run.seed, candidates, brand, site_type, evidence.intents, limit=limit
        )
        with session_scope(deps.engine) as s:
            market = store.project_locale(s, run.project_id)
    found = serp_evidence(
        deps.engine, client, keywords, market, min_overlap=evidence.min_serp_overlap
    )
    run.usages += found.usage
    notes.extend(found.notes)
    run.meta["serp"] = found.meta
    evidence.serp_urls = found.urls
    return evidence
