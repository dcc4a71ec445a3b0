"""End to end: import → seed cluster → approve → briefs → drafts (scripted LLM server through
the real Anthropic SDK) → XLSX + WordPress draft → statuses."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from db.models import KeywordMetric, Project
from db.session import session_scope
from services.content import api, publish
from services.projects.imports import import_keywords
from services.providers.base import BrandProfile
from services.providers.llm.claude import AnthropicProvider
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from services.spend.budget import BudgetGuard, set_monthly_budget
from tests.fakes.funnel import TRAIL_CANDIDATES, DictVolume, HashingEmbedder
from tests.fakes.funnel import ScriptedLLM as ScriptedFunnelLLM
from tests.fakes.http_server import FakeServer
from tests.unit.content.content_fakes import WordPressServer, anthropic_content_handler

EXPORT = """Keyword,Intent,Volume,Trend,Keyword Difficulty,CPC (USD),SERP Features
trail running shoes,Commercial,60500,"0.5,1.0",67,1.20,"Popular products"
waterproof trail running shoes,Commercial,4400,"0.5,1.0",41,1.05,
women's trail running shoes,Commercial,9900,"0.5,1.0",52,1.10,
men's trail running shoes,Commercial,8100,"0.5,1.0",50,1.10,
cheap trail running shoes,Transactional,880,"0.5,1.0",30,0.90,
how to clean trail running shoes,Informational,320,"0.5,1.0",12,0.10,"People also ask"
are trail running shoes good for hiking,Informational,880,"0.5,1.0",15,0.20,
"""


def test_import_seed_approve_briefs_drafts_xlsx_wordpress(engine, project_id):
    report = import_keywords(engine, project_id, EXPORT.encode(), "semrush_broad-match_us.csv")
    assert (report.tool, report.inserted) == ("semrush", 7)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(KeywordMetric)) == 7
        brand = BrandProfile.from_dict(s.get(Project, project_id).brand_config)

    emb = HashingEmbedder()
    volumes = {"trail running shoes": 60500, "waterproof trail running shoes": 4400}
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedFunnelLLM(TRAIL_CANDIDATES),
        volume=DictVolume(volumes | {k: 500 for k, _ in TRAIL_CANDIDATES if k not in volumes}),
        embedder_factory=lambda: emb,
    )
    cid = generate_cluster("trail running shoes", brand.to_dict(), project_id, deps=deps).cluster_id
    _, table = review_table(engine, cid)
    edited = table.copy()
    edited["approve"] = [i < 4 for i in range(len(edited))]
    save_decisions(engine, cid, to_decisions(table, edited))
    bulk_approve(engine, cid)

    assert api.generate_briefs(engine, cid).created == 4
    parent = api.list_content(engine, cid)[0]
    assert parent.brief["search_volume"] == 60500  # from the imported data
    assert parent.brief["intent"] == "commercial"
    assert "Are trail running shoes good for hiking?" in [
        o["text"] for o in parent.brief["outline"]
    ]

    set_monthly_budget(engine, 5.0)
    with FakeServer() as llm_server, WordPressServer(user="editor", password="app pass") as wp:
        llm_server.route("/v1/messages", anthropic_content_handler())
        llm = AnthropicProvider("sk-ant-test", base_url=llm_server.url, max_retries=0)
        drafted = api.run_drafts(engine, cid, llm, budget=BudgetGuard(engine))
        assert (drafted.drafted, drafted.failed) == (4, 0)
        assert len(llm_server.requests) == 12
        assert {v.status for v in api.list_content(engine, cid)} == {"drafted"}

        first = api.list_content(engine, cid)[0]
        api.save_draft(engine, first.id, {"title": "Trail Running Shoes for Every Trail"})
        api.set_status(engine, first.id, "approved")

        wb = openpyxl.load_workbook(io.BytesIO(api.workbook_xlsx(engine, cid)))
        drafts = wb["Drafts"]
        header = [c.value for c in drafts[1]]
        rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in drafts.iter_rows(2)]
        assert [r["status"] for r in rows] == ["approved", "drafted", "drafted", "drafted"]
        assert rows[0]["title"] == "Trail Running Shoes for Every Trail"
        assert all(r["draft_kind"] == "llm" and r["prompt_version"] for r in rows)

        with session_scope(engine) as s:
            p = s.get(Project, project_id)
            p.wordpress_url, p.wordpress_username, p.wordpress_app_password = (
                wp.url,
                "editor",
                "app pass",
            )
        sent = publish.publish_wordpress(engine, cid, content_ids=[first.id])
        assert list(sent.published) == [first.primary_keyword]
        post = next(iter(wp.posts.values()))
        assert post["status"] == "draft"
        assert post["title"]["raw"] == "Trail Running Shoes for Every Trail"
        assert "<h2>FAQ</h2>" in post["content"]["raw"]

    statuses = {v.primary_keyword: v.status for v in api.list_content(engine, cid)}
    assert statuses[first.primary_keyword] == "published"
    assert sorted(statuses.values()) == ["drafted", "drafted", "drafted", "published"]
    assert api.get_content(engine, first.id).wp_url.endswith(f"?p={post['id']}")
