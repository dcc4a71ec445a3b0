"""The primary-keyword run (site onboarding, part B): one unit of work per run.

Loading, scoring and saving share one session (the LLM step records its spend in a unit of
work of its own, see :mod:`services.site.primary_llm`). Scoring and assignment rules:
:mod:`services.site.primary`; which pages take part: :mod:`services.site.page_inputs`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Project
from db.session import session_scope
from services.core.errors import (
    InvalidInputError,
    NotFoundError,
    PrimaryKeywordTaken,
    ProviderError,
)
from services.core.ids import as_uuid
from services.providers.base import BrandProfile, Embedder, LLMProvider, VolumeProvider
from services.site import store
from services.site.page_inputs import load_page_inputs
from services.site.primary import (
    Assignment,
    Candidate,
    PageInput,
    assign_primaries,
    candidates_by_page,
    merge_candidates,
    universe_matches,
)
from services.site.primary_llm import run_llm_step
from services.site.primary_scoring import score_all, without_volume
from services.site.rankings import aggregate_rankings

#: Keywords per volume-provider request (DataForSEO's batch limit, design constraints).
VOLUME_BATCH_SIZE = 1_000
#: Job kind of the background primary-keyword run.
JOB_KIND = "primary_keywords"

Progress = Callable[[float, str], None]


def _noop(_percent: float, _message: str) -> None:
    return None


@dataclass
class PrimaryRunReport:
    """What one primary-keyword run did.

    Attributes
    ----------
    pages : int
        Pages considered (approved or typed primaries are kept and not counted here).
    assigned : int
        Pages given a primary from their candidates.
    fallbacks : int
        Pages given their H1/title (flagged).
    without_primary : int
        Pages left without one (even the fallback was taken by another page).
    candidates : int
        Candidate (page, keyword) pairs scored.
    volume_batches : int
        Requests to the volume provider (≤ 1,000 keywords each).
    llm_pages : int
        Pages whose candidates went through the LLM generate-then-filter step.
    warnings : list of str
        Provider problems the run worked around.
    errors : dict
        page URL → error for pages whose LLM step failed (offline relevance was used).
    llm_cost_usd : float
        What the LLM calls cost (USD; 0 offline).
    skipped : dict
        page URL → why it owns no primary (redirect stub, noindex, crawl error).
    seconds : float
    """

    pages: int = 0
    assigned: int = 0
    fallbacks: int = 0
    without_primary: int = 0
    candidates: int = 0
    volume_batches: int = 0
    llm_pages: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    llm_cost_usd: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _RunInputs:
    """What a run reads from the database (all in its one session)."""

    brand: BrandProfile
    taken: dict[str, Any]
    locked_pages: set[Any]
    ranked: pd.DataFrame
    universe: pd.DataFrame
    pages: list[PageInput]
    skipped: dict[str, str]


def _load(s: Session, pid: uuid.UUID) -> _RunInputs:
    project = s.get(Project, pid)
    if project is None:
        raise NotFoundError(f"Project {pid} does not exist.")
    locked = store.locked_primaries(s, pid)
    pages, skipped = load_page_inputs(s, pid)
    return _RunInputs(
        brand=BrandProfile.from_dict(project.brand_config),
        taken={**store.cluster_primaries(s, pid), **locked},
        locked_pages=set(locked.values()),
        ranked=aggregate_rankings(store.load_rankings(s, pid)),
        universe=store.load_universe(s, pid),
        pages=pages,
        skipped=skipped,
    )


def _candidates(
    pages: Sequence[PageInput], ranked: pd.DataFrame, universe: pd.DataFrame
) -> list[list[Candidate]]:
    """Per page: its own ranking keywords, then universe keywords matching its own text."""
    by_page = candidates_by_page(ranked)
    own_keywords = {url: {c.keyword for c in cands} for url, cands in by_page.items()}
    others = {k for kws in own_keywords.values() for k in kws}
    matches = universe_matches(pages, universe)
    out: list[list[Candidate]] = []
    for page, matched in zip(pages, matches, strict=True):
        own = by_page.get(page.normalized_url, [])
        mine = own_keywords.get(page.normalized_url, set())
        # A keyword another page ranks for is offered only on the page's own content (title,
        # H1, headings), not on a slug word (issue 18 §4: "point me" on a Hilton page).
        uni = [
            Candidate(keyword=k, source="universe")
            for k in matched
            if k in mine or k not in others or page.has_content
        ]
        out.append(merge_candidates([own, uni]))
    return out


def _enrich(
    volume: VolumeProvider | None,
    project_id: uuid.UUID,
    keywords: Sequence[str],
    report: PrimaryRunReport,
) -> dict[str, Any]:
    """keyword → KeywordData from the volume provider, in batches of ≤ 1,000."""
    found: dict[str, Any] = {}
    if volume is None:
        return found
    for start in range(0, len(keywords), VOLUME_BATCH_SIZE):
        batch = list(keywords[start : start + VOLUME_BATCH_SIZE])
        report.volume_batches += 1
        try:
            found.update(volume.lookup(batch, project_id=project_id).data)
        except ProviderError as exc:
            report.warnings.append(f"Volume data unavailable ({volume.name}): {exc}")
            break
    return found


def _suggestion_rows(
    pages: Sequence[PageInput], assignments: Sequence[Assignment], report: PrimaryRunReport
) -> list[dict[str, Any]]:
    """``page_primary_keywords`` rows of the run; counts into ``report``."""
    rows = []
    for page, a in zip(pages, assignments, strict=True):
        c = a.candidate
        if a.keyword is None:
            report.without_primary += 1
        elif a.is_fallback:
            report.fallbacks += 1
        else:
            report.assigned += 1
        rows.append(
            {
                "crawled_page_id": page.page_id,
                "keyword": a.keyword,
                "source": a.source,
                "is_fallback": a.is_fallback,
                "composite_score": c.score if c else None,
                "relevance_score": round(c.relevance, 4) if c else None,
                "search_volume": int(c.search_volume)
                if c and c.search_volume is not None
                else None,
                "competition": c.competition if c else None,
                "clicks": int(c.clicks) if c and c.clicks is not None else None,
                "impressions": int(c.impressions) if c and c.impressions is not None else None,
                "alternatives": a.alternatives,
                "error": (report.errors.get(page.url) or "")[:1000] or None,
            }
        )
    return rows


def _suggest(
    s: Session,
    engine: Engine,
    pid: uuid.UUID,
    data: _RunInputs,
    report: PrimaryRunReport,
    embedder: Embedder,
    volume: VolumeProvider | None,
    llm: LLMProvider | None,
    step: Progress,
    budget: Any,
) -> None:
    """Candidates, LLM step, volumes, scores, assignment and the write, in session ``s``."""
    url_of = {p.page_id: p.url for p in data.pages}
    pages = [p for p in data.pages if p.page_id not in data.locked_pages]
    report.pages = len(pages)
    step(10, f"Candidates for {len(pages):,} pages")
    per_page = _candidates(pages, data.ranked, data.universe)
    llm_conf: list[dict[str, float]] = [{} for _ in pages]
    if llm is not None and llm.name != "offline" and pages:
        done = run_llm_step(engine, llm, data.brand, pid, pages, per_page, llm_conf, step, budget)
        report.errors, report.llm_pages = done.errors, done.pages
        report.llm_cost_usd = done.cost_usd
    step(50, "Search volume for the candidates")
    metrics = data.universe.set_index("keyword") if len(data.universe) else None
    enriched = _enrich(volume, pid, without_volume(per_page, metrics), report)
    step(60, "Relevance of the candidates")
    report.candidates = score_all(pages, per_page, llm_conf, metrics, enriched, embedder)
    step(85, "Choosing one primary keyword per page")
    assignments = assign_primaries(pages, per_page, data.taken, url_of)
    store.replace_suggestions(s, pid, _suggestion_rows(pages, assignments, report))


def run_primary_keywords(
    engine: Engine,
    project_id: Any,
    *,
    embedder: Embedder,
    volume: VolumeProvider | None = None,
    llm: LLMProvider | None = None,
    progress: Progress | None = None,
    budget: Any = None,
) -> PrimaryRunReport:
    """Suggest one unique primary keyword (+ 5 alternatives) for every page of the project.

    Approved and typed primaries are kept; every other suggestion is replaced. One unit of
    work (the LLM spend is recorded apart). Pages owning no keyword: ``report.skipped``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    project_id : uuid.UUID or str
    embedder : Embedder
        Offline relevance (MiniLM in the app: ``get_embedder("minilm")``).
    volume : VolumeProvider, optional
        Enrichment of candidates lacking metrics (batches of ≤ 1,000); None = stored metrics only.
    llm : LLMProvider, optional
        Not offline: generate-then-filter per page (:mod:`services.site.primary_llm`).
    progress : callable, optional
        ``progress(percent 0-100, message)``; may raise ``JobCancelled``.
    budget : services.spend.budget.BudgetGuard, optional
        Reserve/settle the LLM step's cost (pass it whenever ``llm`` bills per call).

    Returns
    -------
    PrimaryRunReport

    Raises
    ------
    NotFoundError
        Unknown project.
    InvalidInputError
        The project has no live pages (crawl the site or import rankings first).
    PrimaryKeywordTaken
        A concurrent edit took a keyword during the run (nothing written; run again).
    BudgetExceeded
        The LLM step's worst case does not fit the budget left (no paid call made).
    """
    started = time.perf_counter()
    step = progress or _noop
    pid = as_uuid(project_id)
    report = PrimaryRunReport()
    try:
        with session_scope(engine) as s:
            step(5, "Loading pages")
            data = _load(s, pid)
            report.skipped = data.skipped
            if not data.pages:
                raise InvalidInputError(_no_pages_message(data.skipped))
            _suggest(s, engine, pid, data, report, embedder, volume, llm, step, budget)
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(
            "A primary keyword was taken by another page while the run was working; run it again."
        ) from exc
    report.seconds = time.perf_counter() - started
    step(100, f"{report.assigned + report.fallbacks:,} primary keywords suggested")
    return report


def _no_pages_message(skipped: dict[str, str]) -> str:
    if skipped:
        return (
            f"None of the project's {len(skipped):,} pages can own a keyword (redirect stubs, "
            "noindex or error pages): crawl the live site or import a rankings export."
        )
    return "The project has no pages yet: crawl the site or import a rankings export first."


def primary_keywords_job(ctx: Any) -> dict[str, Any]:
    """Job handler (kind ``primary_keywords``): :func:`run_primary_keywords` with progress."""
    app = getattr(ctx.deps, "app", None)
    llm: LLMProvider | None = None
    volume: VolumeProvider | None
    budget = None
    if app is not None:
        providers = app.providers()
        llm, volume = providers.llm, providers.volume
        embedder = app.embedder()
        if llm is not None and llm.name != "offline":
            from services.spend.budget import BudgetGuard

            budget = BudgetGuard(ctx.engine)
    else:
        from services.projects.keyword_data import KeywordMetricsSQL
        from services.providers.embeddings import get_embedder
        from services.providers.offline_volume import ImportedVolumeProvider

        volume = ImportedVolumeProvider(KeywordMetricsSQL(ctx.engine))
        embedder = get_embedder("minilm")
    report = run_primary_keywords(
        ctx.engine,
        ctx.project_id,
        embedder=embedder,
        volume=volume,
        llm=llm,
        progress=ctx.progress,
        budget=budget,
    )
    result = {k: v for k, v in vars(report).items()}
    result["message"] = (
        f"{report.assigned:,} primary keywords from candidates, {report.fallbacks:,} title/H1 "
        f"fallbacks, {report.without_primary:,} pages without one ({report.seconds:.1f} s)"
    )
    return result


def start_primary_keywords_job(engine: Engine, project_id: Any) -> uuid.UUID:
    """Queue the primary-keyword run; returns the job id (progress: ``services.app.jobs``)."""
    from services import jobs

    return jobs.submit(JOB_KIND, project_id, {}, engine=engine)
