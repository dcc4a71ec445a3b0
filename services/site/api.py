"""Site onboarding, part B: rankings import, primary keyword per page, cannibalization.

What pages and the CLI call; each function opens its own unit of work. The crawl (part A)
lives in :mod:`services.site.crawl`; pages read here are ``CrawledPage`` rows of any source
(``crawl``, ``rankings``, ``cluster``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.models import PagePrimaryKeyword, Project
from db.session import session_scope
from services.core.app_settings import get_setting, set_setting
from services.core.errors import (
    InvalidInputError,
    NotFoundError,
    PrimaryKeywordTaken,
    ProviderError,
)
from services.core.ids import as_uuid
from services.core.text import normalize_keyword
from services.providers.base import (
    BrandProfile,
    Embedder,
    ExpansionRequest,
    FilterRequest,
    LLMProvider,
    Usage,
    VolumeProvider,
)
from services.providers.base import Candidate as FunnelCandidate
from services.site import store
from services.site.cannibalization import (
    CannibalizationSettings,
    covered_owner,
    find_cannibalization,
    near_duplicate_primaries,
)
from services.site.primary import (
    Candidate,
    PageInput,
    PrimaryDecision,
    assign_primaries,
    candidates_by_page,
    merge_candidates,
    relevance_from_cosine,
    score_candidate,
    universe_matches,
)
from services.site.rankings import RankingsReport, aggregate_rankings, parse_rankings_export
from services.spend.usage import record_usage

#: Pages processed at once (LLM calls per page run in parallel up to this; design risk note).
MAX_PARALLEL_PAGES = 8
#: Keywords per volume-provider request (DataForSEO's batch limit, design constraints).
VOLUME_BATCH_SIZE = 1_000
#: ``app_settings`` key of the cannibalization thresholds.
CANNIBALIZATION_KEY = "cannibalization"
#: Job kind of the background primary-keyword run.
JOB_KIND = "primary_keywords"

Progress = Callable[[float, str], None]


def _noop(_percent: float, _message: str) -> None:
    return None


# --------------------------------------------------------------------------- rankings import


def import_rankings(
    engine: Engine,
    project_id: Any,
    data: bytes,
    filename: str = "",
    progress: Progress | None = None,
) -> RankingsReport:
    """Import a rankings export: page-query rows, pages, and keyword metrics, all or nothing.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    project_id : uuid.UUID or str
    data : bytes
        Search Console query+page, Ahrefs Organic keywords or Semrush Organic Positions
        export (see :mod:`services.site.rankings`).
    filename : str, optional
        For error messages.
    progress : callable, optional
        ``progress(percent 0-100, message)``.

    Returns
    -------
    RankingsReport
        Rows read/imported/skipped (with reasons), pages (and how many were new: created as
        ``CrawledPage(source='rankings')``), keywords (and how many were new to the universe).

    Raises
    ------
    ImportFormatError
        The file is not a readable rankings export (nothing written).
    NotFoundError
        Unknown project.
    """
    started = time.perf_counter()
    report_progress = progress or _noop
    report_progress(0, "Reading the rankings file")
    rows, metrics, report = parse_rankings_export(data, filename)
    report_progress(30, f"Read {report.rows_read:,} rows from a {report.tool} export")
    pid = as_uuid(project_id)
    pages = rows.drop_duplicates("normalized_url")[["normalized_url", "page_url"]]
    with engine.begin() as conn:
        store.check_project(conn, pid)
        page_ids, created = store.ensure_pages(conn, pid, pages)
        report_progress(45, f"{len(pages):,} pages ({created:,} new)")
        store.upsert_rankings(conn, pid, rows, page_ids)
        report_progress(80, f"Saved {len(rows):,} page-query rows")
        report.keywords_inserted = store.upsert_keyword_metrics(conn, pid, metrics)
    report.pages_created = created
    report.seconds = time.perf_counter() - started
    report_progress(100, "Rankings imported")
    return report


# --------------------------------------------------------------------------- page texts


def _headings(value: Any) -> tuple[str, list[str]]:
    """(first H1, other headings) from the stored ``headings`` JSON (dict of lists or list)."""
    h1 = ""
    others: list[str] = []
    if isinstance(value, dict):
        for level, texts in value.items():
            items = [str(t) for t in (texts if isinstance(texts, list) else [texts]) if t]
            if str(level).lower() == "h1":
                h1 = h1 or (items[0] if items else "")
            else:
                others.extend(items)
    elif isinstance(value, list):
        others = [str(t.get("text", "")) if isinstance(t, dict) else str(t) for t in value]
    return h1, [t for t in others if t]


def _crawl_page_texts(engine: Engine, project_id: uuid.UUID) -> dict[str, Any] | None:
    """URL → the crawl's PageText (part A: 2xx pages not gone), or None without the crawl API."""
    try:
        from services.site.crawl.api import page_texts
    except ImportError:
        return None
    return {t.url: t for t in page_texts(engine, project_id)}


#: Page sources left out of the primary-keyword step: planned cluster pages already hold an
#: approved primary in ``PageKeywords`` (their keywords count as taken).
SKIPPED_PAGE_SOURCES = ("cluster",)


def load_page_inputs(engine: Engine, project_id: Any) -> list[PageInput]:
    """Pages of the project as :class:`PageInput` (crawl texts when crawled).

    Crawled pages the crawl does not list as live text (errors, redirects, pages gone) and
    planned cluster pages are left out; pages known only from rankings are kept (their URL
    slug is their text).
    """
    pid = as_uuid(project_id)
    crawled = _crawl_page_texts(engine, pid)
    with engine.connect() as conn:
        rows = store.load_pages(conn, pid)
    out = []
    for row in rows:
        if row["source"] in SKIPPED_PAGE_SOURCES:
            continue
        text = crawled.get(row["url"]) if crawled is not None else None
        if crawled is not None and text is None and row["source"] == "crawl":
            continue
        h1, headings = _headings(row["headings"])
        title = row["title"] or ""
        summary = (row["body_content"] or "")[:1000]
        if text is not None:
            title = getattr(text, "title", None) or title
            h1 = getattr(text, "h1", None) or h1
            headings = list(getattr(text, "headings", None) or headings)
            summary = getattr(text, "body_summary", None) or summary
        out.append(
            PageInput(
                page_id=row["id"],
                url=row["url"],
                normalized_url=row["normalized_url"],
                title=title,
                h1=h1 or "",
                headings=[str(h) for h in headings],
                summary=summary or "",
            )
        )
    return out


# --------------------------------------------------------------------------- primary keywords


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
    seconds: float = 0.0


def _llm_candidates(
    llm: LLMProvider,
    brand: BrandProfile,
    project_id: Any,
    page: PageInput,
    known: list[str],
    usage: list[Usage],
) -> tuple[list[Candidate], dict[str, float]]:
    """Generate-then-filter on one page: new candidates and the filter's confidences (0-1).

    The calls' ``Usage`` (also of a failed call, from ``ProviderError.usage``) is appended to
    ``usage``.
    """
    seed = normalize_keyword(page.fallback_keyword() or page.slug_words)
    try:
        expanded = llm.expand(ExpansionRequest(seed=seed, brand=brand, project_id=project_id))
    except ProviderError as exc:
        usage.extend(exc.usage)
        raise
    usage.extend(expanded.usage)
    generated = [c.keyword for c in expanded.candidates]
    pool = list(dict.fromkeys([*known, *(normalize_keyword(k) for k in generated)]))
    request = FilterRequest(
        seed=seed,
        brand=brand,
        candidates=tuple(FunnelCandidate(keyword=k, expansion_strategy="page") for k in pool),
        project_id=project_id,
    )
    try:
        filtered = llm.filter(request)
    except ProviderError as exc:
        usage.extend(exc.usage)
        raise
    usage.extend(filtered.usage)
    decisions = filtered.decisions
    confidence = {
        normalize_keyword(d.keyword): (d.confidence if d.keep else d.confidence * 0.5)
        for d in decisions
    }
    new = [Candidate(keyword=k, source="llm") for k in pool if k not in known]
    return new, confidence


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


def _run_llm_step(
    engine: Engine,
    llm: LLMProvider,
    brand: BrandProfile,
    pid: uuid.UUID,
    pages: list[PageInput],
    per_page: list[list[Candidate]],
    llm_conf: list[dict[str, float]],
    report: PrimaryRunReport,
    progress: Progress,
    budget: Any,
) -> None:
    """Generate-then-filter for every page, ≤ :data:`MAX_PARALLEL_PAGES` at once.

    With a ``budget`` (:class:`services.spend.budget.BudgetGuard`) the worst case
    (:func:`services.spend.budget.worst_case_llm_usd` per page: one expand and one filter
    call, each with a repair) is reserved first — a refused reservation raises
    ``BudgetExceeded`` before any paid call — and settled with the calls' actual cost. Every
    call's usage is recorded in ``api_usage``. A cancel stops the pages not started yet.
    """
    usage: list[Usage] = []
    lock = threading.Lock()
    reservation = None
    if budget is not None:
        from services.spend.budget import unpriced_message, worst_case_llm_usd

        model = str(getattr(llm, "model", "") or llm.name)
        per_page_usd = worst_case_llm_usd(model)
        if per_page_usd is None:
            raise InvalidInputError(unpriced_message(model))
        reservation = budget.reserve(
            per_page_usd * len(pages), f"primary keywords: {len(pages)} pages"
        )

    def one(i: int) -> tuple[int, list[Candidate], dict[str, float], str | None]:
        known = [c.keyword for c in per_page[i]]
        calls: list[Usage] = []
        try:
            new, conf = _llm_candidates(llm, brand, pid, pages[i], known, calls)
        except ProviderError as exc:
            return i, [], {}, str(exc)
        finally:
            with lock:
                usage.extend(calls)
        return i, new, conf, None

    pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL_PAGES)
    try:
        futures = [pool.submit(one, i) for i in range(len(pages))]
        for done, future in enumerate(as_completed(futures), start=1):
            i, new, conf, error = future.result()
            if error is not None:
                report.errors[pages[i].url] = error
            else:
                per_page[i] = merge_candidates([per_page[i], new])
                llm_conf[i] = conf
                report.llm_pages += 1
            progress(10 + 40 * done / len(pages), f"LLM step: {done}/{len(pages)} pages")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        with lock:
            calls_made = list(usage)
        spent = sum(u.cost_usd for u in calls_made)
        if calls_made:
            with session_scope(engine) as s:
                record_usage(s, calls_made, project_id=pid)
        report.llm_cost_usd = round(spent, 6)
        if reservation is not None:
            budget.settle(reservation, spent)


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

    Approved and typed primaries are kept; every other suggestion is replaced in one
    transaction. Scoring and assignment: :mod:`services.site.primary`.

    Parameters
    ----------
    engine : sqlalchemy.Engine
    project_id : uuid.UUID or str
    embedder : Embedder
        Offline relevance (MiniLM in the app: ``get_embedder("minilm")``).
    volume : VolumeProvider, optional
        Enrichment of candidates lacking metrics (batches of ≤ 1,000); None = stored metrics only.
    llm : LLMProvider, optional
        When given and not offline, generate-then-filter per page (≤ 8 pages in parallel); a
        page whose calls fail keeps the offline relevance and its error is reported.
    progress : callable, optional
        ``progress(percent 0-100, message)``; may raise ``JobCancelled``.
    budget : services.spend.budget.BudgetGuard, optional
        Reserve/settle the LLM step's cost against the monthly budget (pass it whenever
        ``llm`` bills per call); usage is recorded in ``api_usage`` either way.

    Returns
    -------
    PrimaryRunReport

    Raises
    ------
    NotFoundError
        Unknown project.
    InvalidInputError
        The project has no pages (crawl the site or import rankings first).
    PrimaryKeywordTaken
        A concurrent edit took a keyword during the run (nothing written; run again).
    BudgetExceeded
        The LLM step's worst case does not fit the budget left (no paid call made).
    """
    started = time.perf_counter()
    report_progress = progress or _noop
    pid = as_uuid(project_id)
    report = PrimaryRunReport()
    with session_scope(engine) as s:
        project = s.get(Project, pid)
        if project is None:
            raise NotFoundError(f"Project {pid} does not exist.")
        brand = BrandProfile.from_dict(project.brand_config)
        locked = store.locked_primaries(s, pid)
        taken = {**store.cluster_primaries(s, pid), **locked}
        ranked = aggregate_rankings(store.load_rankings(s, pid))
        universe = store.load_universe(s, pid)
    locked_pages = set(locked.values())
    report_progress(5, "Loading pages")
    all_pages = load_page_inputs(engine, pid)
    if not all_pages:
        raise InvalidInputError(
            "The project has no pages yet: crawl the site or import a rankings export first."
        )
    url_of = {p.page_id: p.url for p in all_pages}
    pages = [p for p in all_pages if p.page_id not in locked_pages]
    report.pages = len(pages)

    report_progress(10, f"Candidates for {len(pages):,} pages")
    by_page = candidates_by_page(ranked)
    matches = universe_matches(pages, universe)
    metrics = universe.set_index("keyword") if len(universe) else None
    per_page: list[list[Candidate]] = []
    for page, matched in zip(pages, matches, strict=True):
        own = by_page.get(page.normalized_url, [])
        uni = [Candidate(keyword=k, source="universe") for k in matched]
        per_page.append(merge_candidates([own, uni]))

    llm_conf: list[dict[str, float]] = [{} for _ in pages]
    if llm is not None and llm.name != "offline" and pages:
        _run_llm_step(
            engine, llm, brand, pid, pages, per_page, llm_conf, report, report_progress, budget
        )

    report_progress(50, "Search volume for the candidates")
    keywords = sorted({c.keyword for cands in per_page for c in cands})
    missing = [
        k
        for k in keywords
        if metrics is None or k not in metrics.index or pd.isna(metrics.at[k, "search_volume"])
    ]
    enriched = _enrich(volume, pid, missing, report)

    report_progress(60, "Relevance of the candidates")
    vectors = embedder.embed(keywords) if keywords else np.zeros((0, 1), dtype=np.float32)
    index = {k: i for i, k in enumerate(keywords)}
    page_vectors = embedder.embed([p.text for p in pages])
    for i, cands in enumerate(per_page):
        if not cands:
            continue
        rows = [index[c.keyword] for c in cands]
        relevance = relevance_from_cosine(vectors[rows] @ page_vectors[i])
        for cand, rel in zip(cands, relevance, strict=True):
            cand.relevance = llm_conf[i].get(cand.keyword, float(rel))
            if metrics is not None and cand.keyword in metrics.index:
                row = metrics.loc[cand.keyword]
                if cand.search_volume is None and pd.notna(row["search_volume"]):
                    cand.search_volume = float(row["search_volume"])
                if pd.notna(row["competition"]):
                    cand.competition = float(row["competition"])
            data = enriched.get(cand.keyword)
            if data is not None:
                if cand.search_volume is None and data.search_volume is not None:
                    cand.search_volume = float(data.search_volume)
                if cand.competition is None and data.competition is not None:
                    cand.competition = float(data.competition)
            score_candidate(cand)
        report.candidates += len(cands)

    report_progress(85, "Choosing one primary keyword per page")
    assignments = assign_primaries(pages, per_page, taken, url_of)
    rows_out = []
    for page, a in zip(pages, assignments, strict=True):
        c = a.candidate
        if a.keyword is None:
            report.without_primary += 1
        elif a.is_fallback:
            report.fallbacks += 1
        else:
            report.assigned += 1
        rows_out.append(
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
    try:
        with engine.begin() as conn:
            store.replace_suggestions(conn, pid, rows_out)
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(
            "A primary keyword was taken by another page while the run was working; run it again."
        ) from exc
    report.seconds = time.perf_counter() - started
    report_progress(100, f"{report.assigned + report.fallbacks:,} primary keywords suggested")
    return report


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
        from services.providers.embeddings import get_embedder
        from services.providers.offline_volume import ImportedVolumeProvider

        volume = ImportedVolumeProvider(ctx.engine)
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


#: Columns of :func:`primary_keywords_table`.
TABLE_COLUMNS = [
    "page_id",
    "url",
    "title",
    "primary",
    "pick",
    "alternatives",
    "options",
    "score",
    "search_volume",
    "source",
    "is_fallback",
    "is_priority",
    "approve",
    "is_approved",
    "page_source",
]


def primary_keywords_table(engine: Engine, project_id: Any) -> pd.DataFrame:
    """The approval table: one row per page with a suggestion.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`: ``primary`` (str or None), ``pick`` ("" — the editor's
        alternative choice "1".."5"), ``alternatives`` (stored list of dicts), ``options``
        (the alternatives as "1. keyword (score, volume/mo)" text), ``score`` (0-85),
        ``search_volume`` (searches/month), ``source``, flags.
    """
    with engine.connect() as conn:
        frame = store.primary_rows(conn, as_uuid(project_id))
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    frame["page_id"] = frame["page_id"].astype(str)
    frame["pick"] = ""
    frame["approve"] = frame["is_approved"].astype(bool)
    frame["options"] = [
        "  ".join(
            f"{n}. {a['keyword']} ({a['score']:.0f}"
            + (f", {a['search_volume']:,}/mo" if a.get("search_volume") is not None else "")
            + (", taken" if a.get("taken_by") else "")
            + ")"
            for n, a in enumerate(alts or [], start=1)
        )
        for alts in frame["alternatives"]
    ]
    return frame[TABLE_COLUMNS]


@dataclass
class ApprovalResult:
    """What saving the approval table did (counts of pages)."""

    updated: int = 0
    approved: int = 0
    page_keywords_created: int = 0
    page_keywords_updated: int = 0


def save_primary_decisions(
    engine: Engine, project_id: Any, decisions: Sequence[PrimaryDecision]
) -> ApprovalResult:
    """Apply the table's edits and approvals in ONE unit of work.

    A typed or picked primary becomes ``source='manual'`` (kept by later runs). Approved
    primaries are bridged into ``PageKeywords`` (is_approved, is_priority, score,
    alternatives) like approved cluster pages.

    Raises
    ------
    PrimaryKeywordTaken
        A chosen keyword is another page's primary (nothing saved).
    InvalidInputError
        Approving a page without a primary keyword.
    """
    pid = as_uuid(project_id)
    result = ApprovalResult()
    try:
        with session_scope(engine) as s:
            rows = store.primary_by_page(s, pid, [as_uuid(d.page_id) for d in decisions])
            for d in decisions:
                row = rows.get(as_uuid(d.page_id))
                if row is None:
                    raise NotFoundError(f"No primary keyword row for page {d.page_id}.")
                if d.typed:
                    row.keyword = d.keyword
                    row.source = "manual"
                    row.is_fallback = False
                    row.is_approved = False
                row.is_priority = d.is_priority
                result.updated += 1
            s.flush()
            for d in decisions:
                row = rows[as_uuid(d.page_id)]
                if d.approve or row.is_approved:
                    if not row.keyword:
                        raise InvalidInputError(
                            "A page without a primary keyword cannot be approved."
                        )
                    if d.approve and not row.is_approved:
                        result.approved += 1
                    row.is_approved = True
                    outcome = store.bridge_to_page_keywords(s, row)
                    if outcome == "created":
                        result.page_keywords_created += 1
                    else:
                        result.page_keywords_updated += 1
    except IntegrityError as exc:
        raise PrimaryKeywordTaken(
            "That primary keyword is already used by another page of the project; choose another."
        ) from exc
    return result


def bulk_approve_primaries(
    engine: Engine, project_id: Any, page_ids: Sequence[Any] | None = None
) -> ApprovalResult:
    """Approve every suggested primary (or those of ``page_ids``) in one unit of work."""
    pid = as_uuid(project_id)
    with engine.connect() as conn:
        ids = conn.execute(
            select(PagePrimaryKeyword.crawled_page_id, PagePrimaryKeyword.is_priority).where(
                PagePrimaryKeyword.project_id == pid,
                PagePrimaryKeyword.keyword.is_not(None),
                PagePrimaryKeyword.is_approved.is_(False),
            )
        ).all()
    wanted = None if page_ids is None else {str(as_uuid(p)) for p in page_ids}
    decisions = [
        PrimaryDecision(str(r.crawled_page_id), None, bool(r.is_priority), True, False)
        for r in ids
        if wanted is None or str(r.crawled_page_id) in wanted
    ]
    return save_primary_decisions(engine, pid, decisions)


def primary_keywords_frame(engine: Engine, project_id: Any) -> pd.DataFrame:
    """CLI view: url, primary, alternatives (keywords), score, source, fallback, approved."""
    table = primary_keywords_table(engine, project_id)
    return pd.DataFrame(
        {
            "url": table["url"],
            "primary": table["primary"],
            "alternatives": [[a["keyword"] for a in alts or []] for alts in table["alternatives"]],
            "score": table["score"],
            "source": table["source"],
            "is_fallback": table["is_fallback"],
            "is_priority": table["is_priority"],
            "is_approved": table["is_approved"],
        }
    )


# --------------------------------------------------------------------------- cannibalization


def cannibalization_settings(engine: Engine) -> CannibalizationSettings:
    """The stored thresholds (defaults when unset)."""
    return CannibalizationSettings.from_dict(get_setting(engine, CANNIBALIZATION_KEY, {}))


def save_cannibalization_settings(engine: Engine, settings: CannibalizationSettings) -> None:
    """Store the thresholds. Raises ``InvalidInputError`` when out of range."""
    if not 0 < settings.min_click_share <= 0.5:
        raise InvalidInputError("The click share must be above 0 and at most 50 %.")
    if not 1 <= settings.max_position <= 100:
        raise InvalidInputError("The position must be between 1 and 100.")
    if not 0 < settings.near_duplicate_cosine < 1:
        raise InvalidInputError("The cosine threshold must be between 0 and 1.")
    set_setting(engine, CANNIBALIZATION_KEY, settings.to_dict())


@dataclass
class CannibalizationResult:
    """The report: per (keyword, page) rows and near-duplicate primaries."""

    rows: pd.DataFrame
    near_duplicates: pd.DataFrame
    settings: CannibalizationSettings

    @property
    def conflicts(self) -> int:
        """Keywords in conflict."""
        return int(self.rows.loc[self.rows["conflict"].astype(bool), "keyword"].nunique())


def cannibalization_report(
    engine: Engine,
    project_id: Any,
    *,
    embedder: Embedder | None = None,
    settings: CannibalizationSettings | None = None,
) -> CannibalizationResult:
    """Cannibalization from the rankings, and near-duplicate primaries (with an embedder).

    Returns
    -------
    CannibalizationResult
        ``rows``: :data:`services.site.cannibalization.REPORT_COLUMNS`; ``near_duplicates``:
        :data:`~services.site.cannibalization.NEAR_DUPLICATE_COLUMNS` (empty without an
        embedder).
    """
    pid = as_uuid(project_id)
    settings = settings or cannibalization_settings(engine)
    with engine.connect() as conn:
        store.check_project(conn, pid)
        ranked = aggregate_rankings(store.load_rankings(conn, pid))
        primaries = store.primary_rows(conn, pid)
    rows = find_cannibalization(ranked, settings)
    near = pd.DataFrame(columns=["keyword_a", "url_a", "keyword_b", "url_b", "cosine"])
    if embedder is not None and not primaries.empty:
        prim = primaries.dropna(subset=["primary"]).rename(columns={"primary": "keyword"})
        if len(prim) >= 2:
            vectors = embedder.embed(prim["keyword"].tolist())
            near = near_duplicate_primaries(
                prim[["keyword", "url"]].reset_index(drop=True),
                vectors,
                settings.near_duplicate_cosine,
            )
    return CannibalizationResult(rows=rows, near_duplicates=near, settings=settings)


def covered_by(engine: Engine, project_id: Any, keywords: Sequence[str]) -> dict[str, str]:
    """Keywords an existing page of the site already covers → that page's URL.

    A keyword is covered when a page holds it as primary keyword (suggested or approved;
    this wins), or when a page ranks for it within the top ``max_position`` (cannibalization
    setting, default 20) — then the page with the most clicks, else the best position.
    The seed funnel and the review flag such pages "covered by <url>".

    Parameters
    ----------
    keywords : sequence of str
        Keywords as shown (normalised here for the lookup).

    Returns
    -------
    dict
        Input keyword (as given) → URL, only for covered keywords.
    """
    wanted = {normalize_keyword(k): k for k in keywords if k and k.strip()}
    if not wanted:
        return {}
    pid = as_uuid(project_id)
    settings = cannibalization_settings(engine)
    with engine.connect() as conn:
        primaries, rows = store.covered_keywords(conn, pid, list(wanted), settings.max_position)
    owners = covered_owner(aggregate_rankings(rows)) if len(rows) else {}
    owners.update(primaries)
    return {wanted[k]: url for k, url in owners.items() if k in wanted}
