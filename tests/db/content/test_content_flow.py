"""Content flow on a real database: briefs from an approved cluster, drafts batches through the
real Anthropic SDK against a scripted local server, edits, versions, outputs, WordPress."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from sqlalchemy import func, select

from db.models import APIUsage, BudgetReservation, Job, KeywordMetric, Project, SerpCache
from db.models.content import ContentVersion
from db.session import session_scope
from services.app.jobs import JobContext, JobDeps
from services.content import api, publish
from services.content.drafts import OFFLINE_LABEL
from services.content.jobs import LLM_EXTRA, drafts_job
from services.core.errors import BudgetExceeded, InvalidInputError, JobCancelled
from services.providers.llm.claude import AnthropicProvider
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from services.spend.budget import BudgetGuard, set_monthly_budget
from tests.fakes.contracts import anthropic_message
from tests.fakes.funnel import BRAND, TRAIL_CANDIDATES, TRAIL_VOLUMES, DictVolume, HashingEmbedder
from tests.fakes.funnel import ScriptedLLM as ScriptedFunnelLLM
from tests.fakes.http_server import FakeServer, Reply
from tests.unit.content.content_fakes import WordPressServer, anthropic_content_handler

APPROVED = 6


def make_cluster(engine, project_id, approve: int | None = APPROVED):
    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedFunnelLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    cid = generate_cluster("trail running shoes", BRAND, project_id, deps=deps).cluster_id
    if approve:
        _, table = review_table(engine, cid)
        edited = table.copy()
        edited["approve"] = [i < approve for i in range(len(edited))]
        save_decisions(engine, cid, to_decisions(table, edited))
        bulk_approve(engine, cid)
    return cid


@pytest.fixture()
def cluster_id(engine, project_id):
    with session_scope(engine) as s:
        for kw, vol in (
            ("how to clean trail running shoes", 320),
            ("are trail running shoes good for hiking", 880),
            ("trail running shoes", 60500),
        ):
            s.add(
                KeywordMetric(
                    project_id=project_id, keyword=kw, search_volume=vol, source="semrush"
                )
            )
        s.add(
            SerpCache(
                keyword="trail running shoes",
                location_name="United States",
                language_name="English",
                urls=["rival.com/trail", "other.com/shoes"],
            )
        )
    return make_cluster(engine, project_id)


@pytest.fixture()
def server():
    with FakeServer() as srv:
        yield srv


def claude(server, **kw):
    kw.setdefault("max_retries", 0)
    return AnthropicProvider("sk-ant-test", base_url=server.url, **kw)


def test_briefs_for_every_approved_page_parent_first(engine, cluster_id):
    report = api.generate_briefs(engine, cluster_id)
    assert (report.created, report.regenerated) == (APPROVED, 0)
    views = api.list_content(engine, cluster_id)
    assert len(views) == APPROVED and {v.status for v in views} == {"brief"}
    parent = views[0]
    assert parent.brief["role"] == "parent"
    assert parent.primary_keyword == "trail running shoes"
    assert parent.brief["search_volume"] == 60500
    assert parent.brief["serp"][0] == {"rank": 1, "url": "rival.com/trail", "title": ""}
    questions = [o["text"] for o in parent.brief["outline"] if o["source"] == "question"]
    assert questions == ["Are trail running shoes good for hiking?"]
    headings = [o["text"] for o in parent.brief["outline"] if o["source"] == "related search"]
    assert "How to clean trail running shoes" in headings  # a task: a heading, not an FAQ
    assert parent.brief["title"].endswith("| Acme Themes")
    assert len(parent.brief["internal_links"]["outgoing"]) == APPROVED - 1
    child = views[1]
    out = child.brief["internal_links"]["outgoing"]
    assert out[0]["relation"] == "to parent" and "trail running shoes" in out[0]["anchor"]
    assert sum(link["relation"] == "to sibling" for link in out) <= 3
    anchors = [link["anchor"] for v in views for link in v.brief["internal_links"]["outgoing"]]
    assert len(set(anchors)) > len(
        {link["target_id"] for v in views for link in v.brief["internal_links"]["outgoing"]}
    )


def test_onboarded_site_pages_ranking_for_related_keywords_link_in(engine, project_id, cluster_id):
    import datetime as dt

    from db.models import PageRanking

    with session_scope(engine) as s:
        s.add(
            PageRanking(
                project_id=project_id,
                page_url="https://example.com/blogs/news/trail-guide",
                normalized_url="example.com/blogs/news/trail-guide",
                keyword="trail running shoes guide",
                position=3.0,
                clicks=40,
                source="gsc",
                date=dt.date(2026, 11, 1),
            )
        )
    api.generate_briefs(engine, cluster_id)
    parent = api.list_content(engine, cluster_id)[0]
    incoming = [x for x in parent.brief["internal_links"]["incoming"] if not x["source_id"]]
    assert [(x["source_url"], x["anchor"]) for x in incoming] == [
        ("https://example.com/blogs/news/trail-guide", "trail running shoes")
    ]
    wb = openpyxl.load_workbook(io.BytesIO(api.workbook_xlsx(engine, cluster_id)))
    sources = [r[0].value for r in wb["Internal links"].iter_rows(min_row=2)]
    assert "https://example.com/blogs/news/trail-guide" in sources


def test_regenerating_briefs_keeps_the_previous_version(engine, cluster_id):
    api.generate_briefs(engine, cluster_id)
    first = api.list_content(engine, cluster_id)[0]
    api.save_brief(engine, first.id, {"title": "Edited title", "page_type": "hack"})
    assert api.get_content(engine, first.id).brief["title"] == "Edited title"
    again = api.generate_briefs(engine, cluster_id)
    assert (again.created, again.regenerated) == (0, APPROVED)
    view = api.get_content(engine, first.id)
    assert view.versions == 1 and view.brief["title"] != "Edited title"
    with session_scope(engine) as s:
        kept = s.scalars(
            select(ContentVersion).where(ContentVersion.content_page_id == first.id)
        ).one()
        assert kept.kind == "brief" and kept.payload["title"] == "Edited title"


def test_briefs_need_an_approved_cluster(engine, project_id):
    cid = make_cluster(engine, project_id, approve=None)
    with pytest.raises(InvalidInputError, match="no approved pages"):
        api.generate_briefs(engine, cid)


def test_offline_drafts_are_labelled_outline_skeletons(engine, cluster_id):
    api.generate_briefs(engine, cluster_id)
    preview = api.drafts_preview(engine, cluster_id, None)
    assert preview.is_offline and preview.pages == APPROVED and preview.fits
    report = api.run_drafts(engine, cluster_id, None)
    assert report.skeletons == APPROVED and report.drafted == 0
    for v in api.list_content(engine, cluster_id):
        assert v.status == "brief" and v.draft["kind"] == "outline"
        assert v.draft["label"] == OFFLINE_LABEL
    with pytest.raises(InvalidInputError, match="Generate the draft"):
        api.save_draft(engine, v.id, {"title": "x"})


def test_timeout_mid_batch_fails_one_page_and_retry_drafts_only_it(engine, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    views = api.list_content(engine, cluster_id)
    slow = views[2].primary_keyword

    def override(schema, prompt):
        if schema == "CollectionDraft" and f'"primary_keyword":"{slow}"' in prompt:
            return Reply(body=anthropic_message("{}"), delay=1.0)
        return None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    llm = claude(server, timeout=0.3)
    set_monthly_budget(engine, 5.0)
    preview = api.drafts_preview(engine, cluster_id, llm)
    assert preview.pages == APPROVED and preview.estimate.total_usd > 0 and preview.fits
    seen = []
    report = api.run_drafts(
        engine,
        cluster_id,
        llm,
        budget=BudgetGuard(engine),
        progress=lambda done, total, msg: seen.append((done, total)),
    )
    assert (report.drafted, report.failed) == (APPROVED - 1, 1)
    assert "did not answer" in report.failures[slow] or "timed out" in report.failures[slow]
    assert seen[0] == (0, APPROVED) and seen[-1] == (APPROVED, APPROVED)
    by_kw = {v.primary_keyword: v for v in api.list_content(engine, cluster_id)}
    assert by_kw[slow].status == "failed" and by_kw[slow].error
    drafted = [v for v in by_kw.values() if v.status == "drafted"]
    assert all(v.draft["kind"] == "llm" and v.prompt_version and v.cost_usd > 0 for v in drafted)
    with session_scope(engine) as s:
        mine = APIUsage.provider == "anthropic"
        usage_rows = s.scalar(select(func.count()).select_from(APIUsage).where(mine))
        usage_cost = s.scalar(select(func.sum(APIUsage.cost_usd)).where(mine))
        res = s.scalars(select(BudgetReservation)).one()
    assert usage_rows == 3 * (APPROVED - 1) + 1  # the slow page's analysis was billed
    assert res.status == "settled" and res.actual_usd == pytest.approx(usage_cost)
    assert report.cost_usd == pytest.approx(usage_cost)

    # retry: only the failed page, on a healthy server
    server.route("/v1/messages", anthropic_content_handler())
    before = len(server.requests)
    assert api.drafts_preview(engine, cluster_id, llm, only_failed=True).pages == 1
    retry = api.run_drafts(engine, cluster_id, llm, only_failed=True)
    assert (retry.drafted, retry.failed) == (1, 0)
    assert len(server.requests) - before == 3
    assert all(
        f'"primary_keyword":"{slow}"' in r.json["messages"][0]["content"]
        for r in server.requests[before : before + 2]
    )
    assert api.get_content(engine, by_kw[slow].id).status == "drafted"


def test_budget_refuses_the_batch_before_any_call(engine, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())
    set_monthly_budget(engine, 0.0)
    llm = claude(server)
    assert not api.drafts_preview(engine, cluster_id, llm).fits
    with pytest.raises(BudgetExceeded):
        api.run_drafts(engine, cluster_id, llm, budget=BudgetGuard(engine))
    with pytest.raises(BudgetExceeded):
        api.start_drafts(engine, uuid.uuid4(), cluster_id, llm)
    assert server.requests == []


def test_refused_budget_top_up_stops_the_batch(engine, cluster_id, server):
    """A call billed far above its estimate: the next call's top-up does not fit the budget,
    the page fails with the reason and the batch stops (the other pages stay briefs)."""
    import json as _json

    from tests.unit.content.content_fakes import content_answer

    api.generate_briefs(engine, cluster_id)

    def override(schema, prompt):
        if schema == "CompetitorAnalysis":
            text = _json.dumps(content_answer(schema, prompt))
            return Reply(body=anthropic_message(text, output_tokens=100_000))  # $0.50
        return None

    server.route("/v1/messages", anthropic_content_handler(override=override))
    llm = claude(server)
    estimate = api.drafts_preview(engine, cluster_id, llm).estimate.total_usd
    set_monthly_budget(engine, round(estimate + 0.006, 2))  # fits the estimate, not $0.50
    report = api.run_drafts(engine, cluster_id, llm, budget=BudgetGuard(engine))
    assert (report.drafted, report.failed) == (0, 1) and report.stopped
    assert "stopped" in report.to_dict()["message"]
    statuses = [v.status for v in api.list_content(engine, cluster_id)]
    assert statuses.count("failed") == 1 and statuses.count("brief") == APPROVED - 1
    assert len(server.requests) == 1  # the draft call was never made


def test_cancel_keeps_the_pages_done_and_settles_the_budget(engine, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())

    def progress(done, total, msg):
        if done == 2:
            raise JobCancelled("cancelled by the user")

    set_monthly_budget(engine, 5.0)
    with pytest.raises(JobCancelled):
        api.run_drafts(
            engine, cluster_id, claude(server), budget=BudgetGuard(engine), progress=progress
        )
    statuses = [v.status for v in api.list_content(engine, cluster_id)]
    assert statuses.count("drafted") == 2 and statuses.count("brief") == APPROVED - 2
    with session_scope(engine) as s:
        res = s.scalars(select(BudgetReservation)).one()
    assert res.status == "settled" and res.actual_usd > 0


def test_edit_approve_and_regenerate_keep_versions(engine, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())
    llm = claude(server)
    api.run_drafts(engine, cluster_id, llm)
    view = api.list_content(engine, cluster_id)[0]
    edited = api.save_draft(
        engine, view.id, {"title": "My title", "social": {"x": "short post", "bogus": "no"}}
    )
    assert edited.status == "edited" and edited.draft["title"] == "My title"
    assert edited.draft["social"]["x"] == "short post" and "bogus" not in edited.draft["social"]
    assert api.set_status(engine, view.id, "approved").status == "approved"
    with pytest.raises(InvalidInputError):
        api.set_status(engine, view.id, "published")
    set_monthly_budget(engine, 0.0)
    with pytest.raises(BudgetExceeded):
        api.regenerate_draft(engine, view.id, llm)
    set_monthly_budget(engine, 5.0)
    again = api.regenerate_draft(engine, view.id, llm)
    assert again.status == "drafted" and again.draft["title"] != "My title"
    assert again.versions == 1
    with session_scope(engine) as s:
        kept = s.scalars(
            select(ContentVersion).where(ContentVersion.content_page_id == view.id)
        ).one()
    assert kept.kind == "draft" and kept.payload["title"] == "My title"
    assert kept.status == "approved" and kept.prompt_version


def test_outputs_from_the_database(engine, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())
    api.run_drafts(engine, cluster_id, claude(server))
    wb = openpyxl.load_workbook(io.BytesIO(api.workbook_xlsx(engine, cluster_id)))
    assert wb.sheetnames == ["Briefs", "Drafts", "Internal links", "Social posts"]
    assert wb["Briefs"].max_row == APPROVED + 1 and wb["Drafts"].max_row == APPROVED + 1
    assert wb["Drafts"]["D2"].value == "llm"
    csvs = api.workbook_csvs(engine, cluster_id)
    assert set(csvs) == {"Briefs.csv", "Drafts.csv", "Internal links.csv", "Social posts.csv"}
    mx = api.matrixify_csv(engine, cluster_id).decode()
    assert mx.splitlines()[0].startswith("ID,Handle,Command,Title,Body HTML")
    assert len(mx.strip().splitlines()) >= APPROVED + 1


def test_publish_to_wordpress_is_idempotent(engine, project_id, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())
    api.run_drafts(engine, cluster_id, claude(server))
    with WordPressServer(user="editor", password="abcd efgh") as wp:
        with session_scope(engine) as s:
            p = s.get(Project, project_id)
            p.wordpress_url, p.wordpress_username = wp.url, "editor"
            p.wordpress_app_password = "abcd efgh"
        report = publish.publish_wordpress(engine, cluster_id, category="Trail guides")
        assert len(report.published) == APPROVED and report.failed == {}
        ids = {v.wp_post_id for v in api.list_content(engine, cluster_id)}
        assert len(ids) == APPROVED and None not in ids
        assert {v.status for v in api.list_content(engine, cluster_id)} == {"published"}
        cat = wp.terms["categories"][0]["id"]
        assert all(post["categories"] == [cat] for post in wp.posts.values())
        with pytest.raises(InvalidInputError, match="No written draft"):
            publish.publish_wordpress(engine, cluster_id, content_ids=[])  # nothing selected
        publish.publish_wordpress(engine, cluster_id)  # again: updates, creates nothing
        assert len(wp.posts) == APPROVED
        assert {v.wp_post_id for v in api.list_content(engine, cluster_id)} == ids
        wp.mode = "create_401"
        with session_scope(engine) as s:
            s.get(Project, project_id).wordpress_app_password = "wrong"
        with pytest.raises(Exception, match="rejected the application password"):
            publish.publish_wordpress(engine, cluster_id)


def test_drafts_job_reports_progress_and_result(engine, project_id, cluster_id, server):
    api.generate_briefs(engine, cluster_id)
    server.route("/v1/messages", anthropic_content_handler())
    set_monthly_budget(engine, 5.0)
    with session_scope(engine) as s:
        job = Job(project_id=project_id, kind="drafts", status="running", params={})
        s.add(job)
        s.flush()
        job_id = job.id
    deps = JobDeps(
        engine=engine, embedder_factory=lambda n: None, extras={LLM_EXTRA: claude(server)}
    )
    ctx = JobContext(job_id, project_id, {"cluster_id": str(cluster_id)}, deps)
    result = drafts_job(ctx)
    assert result["drafted"] == APPROVED and result["failed"] == 0
    assert result["message"].startswith(f"{APPROVED} drafted")
    with session_scope(engine) as s:
        row = s.get(Job, job_id)
        assert row.progress == 100 and "drafted" in row.message


def test_onboarded_site_pages_have_their_own_scope(engine, project_id, cluster_id, server):
    from db.models import CrawledPage, PageKeywords

    with session_scope(engine) as s:
        for path, kw, cat in (
            ("/collections/hiking-boots", "hiking boots", "collection"),
            ("/blogs/news/clean-shoes", "how to clean trail running shoes", "article"),
            ("/collections/hiking-socks", "hiking socks", "collection"),
        ):
            page = CrawledPage(
                project_id=project_id,
                url=f"https://example.com{path}",
                normalized_url=f"example.com{path}",
                source="onboarding",
                status="completed",
                category=cat,
            )
            s.add(page)
            s.flush()
            s.add(PageKeywords(crawled_page_id=page.id, primary_keyword=kw, is_approved=True))
    scopes = dict(api.approved_clusters(engine, project_id))
    site = api.site_scope(project_id)
    assert list(scopes) == [str(cluster_id), site] and scopes[site] == api.SITE_LABEL

    assert api.generate_briefs(engine, site).created == 3
    assert api.generate_briefs(engine, cluster_id).created == APPROVED  # untouched by the site
    views = api.list_content(engine, site)
    assert sorted(v.primary_keyword for v in views) == [
        "hiking boots",
        "hiking socks",
        "how to clean trail running shoes",
    ]
    by_kw = {v.primary_keyword: v for v in views}
    assert by_kw["how to clean trail running shoes"].page_type == "article"
    boots = by_kw["hiking boots"].brief["internal_links"]["outgoing"]
    assert boots[0]["target_url"] == "https://example.com/collections/hiking-socks"
    assert len(api.list_content(engine, cluster_id)) == APPROVED

    server.route("/v1/messages", anthropic_content_handler())
    report = api.run_drafts(engine, site, claude(server))
    assert report.drafted == 3 and len(server.requests) == 9
    wb = openpyxl.load_workbook(io.BytesIO(api.workbook_xlsx(engine, site)))
    assert wb["Drafts"].max_row == 4
    api.require_cluster(engine, project_id, site)
    with pytest.raises(InvalidInputError):
        api.start_drafts(engine, project_id, site, claude(server))  # nothing left to draft


def test_connect_wordpress_saves_then_checks_the_credentials(engine, project_id):
    from services.core.errors import WordPressError

    with pytest.raises(InvalidInputError, match="https"):
        publish.connect_wordpress(engine, project_id, url="http://shop.example", username="x")
    with WordPressServer(user="editor", password="abcd efgh") as wp:
        with pytest.raises(WordPressError, match="login username"):
            publish.connect_wordpress(
                engine, project_id, url=wp.url, username="My App", password="abcd efgh"
            )
        status = publish.wordpress_status(engine, project_id)
        assert (status.url, status.username, status.password_set) == (wp.url, "My App", True)
        ok = publish.connect_wordpress(engine, project_id, url=wp.url + "/", username="editor")
        assert (ok.user, ok.roles, ok.password_set) == ("editor", "editor", True)
        assert [r["path"] for r in wp.requests][-1] == "/wp-json/wp/v2/users/me"
    with session_scope(engine) as s:
        assert s.get(Project, project_id).wordpress_app_password == "abcd efgh"
