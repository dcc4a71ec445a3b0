"""Rankings import, primary keywords (uniqueness in the DB, approval into PageKeywords),
cannibalization report and ``covered_by`` against a real database."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.models import (
    APIUsage,
    CrawledPage,
    KeywordMetric,
    PageKeywords,
    PagePrimaryKeyword,
    PageRanking,
)
from db.session import session_scope
from services.cli import main
from services.core.errors import NotFoundError, PrimaryKeywordTaken, ProviderError
from services.providers.base import Candidate as FunnelCandidate
from services.providers.base import ExpansionResult, FilterDecision, FilterResult, Usage
from services.providers.offline_volume import ImportedVolumeProvider
from services.site import api
from services.site.primary import PrimaryDecision
from tests.fakes.embedder import HashEmbedder
from tests.unit.site.rankings_samples import gsc_query_page, semrush_positions


def _count(engine, model, project_id) -> int:
    with session_scope(engine) as s:
        return s.scalar(
            select(func.count()).select_from(model).where(model.project_id == project_id)
        )


def _crawled(engine, project_id, url: str, title: str, h1: str, headings: list[str]) -> uuid.UUID:
    """A page with crawled text (own fixture rows, independent of the crawl's filters)."""
    from services.core.urls import normalize_url

    with session_scope(engine) as s:
        page = CrawledPage(
            project_id=project_id,
            url=url,
            normalized_url=normalize_url(url),
            title=title,
            headings={"h1": [h1], "h2": headings},
            body_content=" ".join([title, h1, *headings]),
            source="onboarding",  # read from the row whether or not the crawl API is there
            status="completed",
        )
        s.add(page)
        s.flush()
        return page.id


def _run(engine, project_id, **kw):
    return api.run_primary_keywords(
        engine, project_id, embedder=HashEmbedder(), volume=ImportedVolumeProvider(engine), **kw
    )


def test_import_creates_pages_rows_and_universe_and_is_idempotent(engine, project_id):
    report = api.import_rankings(engine, project_id, semrush_positions(), "positions.csv")
    assert report.tool == "semrush"
    assert (report.rows_imported, report.pages, report.pages_created) == (3, 3, 3)
    assert report.keywords_inserted == 3
    with session_scope(engine) as s:
        pages = s.scalars(select(CrawledPage).where(CrawledPage.project_id == project_id)).all()
        assert {p.source for p in pages} == {"rankings"}
        metric = s.scalar(
            select(KeywordMetric).where(KeywordMetric.keyword == "trail running shoes")
        )
        assert metric.search_volume == 9900 and metric.source == "semrush"
        row = s.scalar(select(PageRanking).where(PageRanking.keyword == "trail running shoes"))
        assert row.estimated_traffic == 860.0 and row.crawled_page_id is not None
    again = api.import_rankings(engine, project_id, semrush_positions(), "positions.csv")
    assert (again.pages_created, again.keywords_inserted) == (0, 0)
    assert _count(engine, PageRanking, project_id) == 3
    assert _count(engine, CrawledPage, project_id) == 3


def test_import_links_rows_to_crawled_pages(engine, project_id):
    crawled = _crawled(engine, project_id, "https://shop.example.com/trail/", "Trail", "Trail", [])
    report = api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    assert report.pages_created == 2  # /trail exists already (trailing slash, same page)
    with session_scope(engine) as s:
        ids = s.scalars(
            select(PageRanking.crawled_page_id).where(PageRanking.normalized_url.like("%/trail"))
        ).all()
    assert set(ids) == {crawled}


def test_import_unknown_project(engine):
    with pytest.raises(NotFoundError):
        api.import_rankings(engine, uuid.uuid4(), gsc_query_page(), "gsc.csv")


def test_primary_keywords_unique_with_alternatives_and_fallback(engine, project_id):
    _crawled(
        engine,
        project_id,
        "https://shop.example.com/trail",
        "Trail Shoes | Acme",
        "Trail Shoes",
        ["Waterproof trail shoes", "Trail shoes for women"],
    )
    _crawled(engine, project_id, "https://shop.example.com/about", "About Acme", "About us", [])
    _crawled(
        engine, project_id, "https://shop.example.com/stories/lookbook", "Acme", "Lookbook", []
    )
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    report = _run(engine, project_id)
    assert report.pages == 4
    assert report.skipped == {"https://shop.example.com/about": "utility page"}
    table = api.primary_keywords_table(engine, project_id).set_index("url")
    assert table.loc["https://shop.example.com/trail", "primary"] == "trail shoes"
    assert table.loc["https://shop.example.com/care", "primary"] == "shoe care"
    label = table.loc["https://shop.example.com/stories/lookbook"]
    assert label["is_fallback"] and label["primary"] == "stories lookbook"
    assert label["note"] == "label to verify"
    assert "https://shop.example.com/about" not in table.index
    guide = table.loc["https://shop.example.com/trail-guide"]
    assert guide["primary"] == "how to choose trail shoes"
    alts = {a["keyword"]: a for a in guide["alternatives"]}
    assert alts["trail shoes"]["taken_by"] == "https://shop.example.com/trail"
    assert all(len(a) <= 5 for a in table["alternatives"])
    primaries = table["primary"].dropna()
    assert primaries.is_unique


def test_database_rejects_a_second_page_with_the_same_primary(engine, project_id):
    a = _crawled(engine, project_id, "https://x.com/a", "A", "A", [])
    b = _crawled(engine, project_id, "https://x.com/b", "B", "B", [])
    with session_scope(engine) as s:
        s.add(PagePrimaryKeyword(project_id=project_id, crawled_page_id=a, keyword="boots"))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(PagePrimaryKeyword(project_id=project_id, crawled_page_id=b, keyword="boots"))


def test_edits_approval_bridge_and_rerun_keeps_them(engine, project_id):
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    _run(engine, project_id)
    table = api.primary_keywords_table(engine, project_id).set_index("url")
    trail_id = table.loc["https://shop.example.com/trail", "page_id"]
    care_id = table.loc["https://shop.example.com/care", "page_id"]
    # Typing another page's primary is refused and nothing is saved.
    with pytest.raises(PrimaryKeywordTaken):
        api.save_primary_decisions(
            engine, project_id, [PrimaryDecision(care_id, "trail shoes", True, False, True)]
        )
    after = api.primary_keywords_table(engine, project_id).set_index("url")
    assert after.loc["https://shop.example.com/care", "primary"] == "shoe care"
    assert not after.loc["https://shop.example.com/care", "is_priority"]
    # A typed primary + priority + approval: PageKeywords like cluster pages.
    result = api.save_primary_decisions(
        engine, project_id, [PrimaryDecision(care_id, "shoe care tips", True, True, True)]
    )
    assert (result.approved, result.page_keywords_created) == (1, 1)
    with session_scope(engine) as s:
        pk = s.scalar(
            select(PageKeywords).where(PageKeywords.crawled_page_id == uuid.UUID(care_id))
        )
        assert (pk.primary_keyword, pk.is_approved, pk.is_priority) == (
            "shoe care tips",
            True,
            True,
        )
    bulk = api.bulk_approve_primaries(engine, project_id)
    assert bulk.approved == 2
    # A re-run keeps approved primaries.
    report = _run(engine, project_id)
    assert report.pages == 0
    final = api.primary_keywords_table(engine, project_id).set_index("page_id")
    assert final.loc[care_id, "primary"] == "shoe care tips"
    assert final.loc[trail_id, "is_approved"]
    assert _count_page_keywords(engine) == 3


def _count_page_keywords(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(PageKeywords))


class _FakeLLM:
    """Records calls; page /care fails (the run records the error and goes on)."""

    name = "fake"

    def __init__(self) -> None:
        self.seeds: list[str] = []

    def expand(self, request):
        self.seeds.append(request.seed)
        if "care" in request.seed:
            raise ProviderError("boom", provider="fake")
        return ExpansionResult(
            candidates=[FunnelCandidate(keyword=f"best {request.seed}", expansion_strategy="x")]
        )

    def filter(self, request):
        return FilterResult(
            decisions=[
                FilterDecision(c.keyword, True, "child", "ok", 0.99 if "best" in c.keyword else 0.3)
                for c in request.candidates
            ]
        )


def test_llm_generate_then_filter_with_per_page_failure(engine, project_id):
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    llm = _FakeLLM()
    report = _run(engine, project_id, llm=llm)
    assert len(llm.seeds) == 3 and report.llm_pages == 2
    assert list(report.errors) == ["https://shop.example.com/care"]
    table = api.primary_keywords_table(engine, project_id).set_index("url")
    # The filter's confidence is the relevance; the page's own clicks still raise it.
    guide = table.loc["https://shop.example.com/trail-guide"]
    assert (guide["primary"], guide["source"]) == ("best trail guide", "llm")
    trail = table.loc["https://shop.example.com/trail"]
    assert trail["primary"] == "trail shoes"  # all of the page's clicks
    assert {"keyword": "best trail", "source": "llm"}.items() <= trail["alternatives"][0].items()
    assert table.loc["https://shop.example.com/care", "primary"] == "shoe care"


def test_cannibalization_and_covered_by(engine, project_id):
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    result = api.cannibalization_report(engine, project_id, embedder=HashEmbedder())
    assert result.conflicts == 1
    assert set(result.rows.loc[result.rows["conflict"], "keyword"]) == {"trail shoes"}
    covered = api.covered_by(engine, project_id, ["Trail Shoes", "rain boots", "shoe care"])
    assert covered == {
        "Trail Shoes": "https://shop.example.com/trail",
        "shoe care": "https://shop.example.com/care",
    }
    _run(engine, project_id)
    guide = api.primary_keywords_table(engine, project_id).set_index("url")
    guide_id = guide.loc["https://shop.example.com/trail-guide", "page_id"]
    api.save_primary_decisions(
        engine, project_id, [PrimaryDecision(guide_id, "trail running guide", False, False, True)]
    )
    assert api.covered_by(engine, project_id, ["trail running guide"]) == {
        "trail running guide": "https://shop.example.com/trail-guide"
    }


def test_cli_import_routes_rankings_and_site_commands(engine, project_id, tmp_path, capsys):
    app = SimpleNamespace(
        engine=engine,
        providers=lambda: SimpleNamespace(llm=None, volume=ImportedVolumeProvider(engine)),
        embedder=HashEmbedder,
    )
    path = tmp_path / "gsc.csv"
    path.write_bytes(gsc_query_page())
    assert main(["import", str(project_id), str(path)], app=app) == 0
    assert "gsc rankings, 6 page-query rows imported" in capsys.readouterr().out
    assert main(["primary-keywords", str(project_id), "--json"], app=app) == 0
    out = capsys.readouterr().out
    assert '"primary": "trail shoes"' in out
    assert main(["cannibalization", str(project_id), "--json"], app=app) == 0
    assert '"conflicts": 1' in capsys.readouterr().out


def test_job_handler_reports_progress(engine, project_id):
    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    seen: list[float] = []
    app = SimpleNamespace(
        providers=lambda: SimpleNamespace(llm=None, volume=ImportedVolumeProvider(engine)),
        embedder=HashEmbedder,
    )
    ctx = SimpleNamespace(
        deps=SimpleNamespace(app=app),
        engine=engine,
        project_id=project_id,
        progress=lambda pct, _msg="": seen.append(pct),
    )
    result = api.primary_keywords_job(ctx)
    assert result["assigned"] == 3 and "primary keywords" in result["message"]
    assert seen[-1] == 100 and seen == sorted(seen)


class _Budget:
    """Records reserve/settle like services.spend.budget.BudgetGuard."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []

    def reserve(self, estimate_usd: float, label: str):
        self.calls.append(("reserve", estimate_usd))
        return "r1"

    def settle(self, reservation, actual_usd: float) -> None:
        self.calls.append(("settle", actual_usd))


class _PaidLLM(_FakeLLM):
    """The fake LLM on a priced model, billing 0.001 USD per call."""

    model = "claude-haiku-4-5"

    def expand(self, request):
        result = super().expand(request)
        result.usage = [Usage(provider="fake", endpoint="expand", cost_usd=0.001)]
        return result

    def filter(self, request):
        result = super().filter(request)
        result.usage = [Usage(provider="fake", endpoint="filter", cost_usd=0.001)]
        return result


def test_llm_step_reserves_the_worst_case_settles_and_records_usage(engine, project_id):
    from services.spend.budget import worst_case_llm_usd

    api.import_rankings(engine, project_id, gsc_query_page(), "gsc.csv")
    budget = _Budget()
    report = _run(engine, project_id, llm=_PaidLLM(), budget=budget)
    # 3 pages reserved at the worst case; /care's expand fails (no usage) → 2 pages × 2 calls.
    assert budget.calls[0] == ("reserve", pytest.approx(3 * worst_case_llm_usd("claude-haiku-4-5")))
    assert budget.calls[1] == ("settle", pytest.approx(0.004))
    assert report.llm_cost_usd == pytest.approx(0.004)
    assert _count(engine, APIUsage, project_id) == 4
