"""AppTest for the Content Drafts page: briefs for an approved cluster, open one, downloads."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.content import api
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from tests.fakes.funnel import BRAND, TRAIL_CANDIDATES, TRAIL_VOLUMES, DictVolume, HashingEmbedder
from tests.fakes.funnel import ScriptedLLM as ScriptedFunnelLLM

PAGE = Path(__file__).resolve().parents[2] / "pages" / "content_drafts.py"


def _page(project_id=None):
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["_frame"] = True
    if project_id is not None:
        at.session_state["project_id"] = str(project_id)
    return at.run()


def _approved_cluster(engine, project_id, approve=5):
    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedFunnelLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    cid = generate_cluster("trail running shoes", BRAND, project_id, deps=deps).cluster_id
    _, table = review_table(engine, cid)
    edited = table.copy()
    edited["approve"] = [i < approve for i in range(len(edited))]
    save_decisions(engine, cid, to_decisions(table, edited))
    bulk_approve(engine, cid)
    return cid


def test_without_an_approved_cluster_the_page_says_so(app_context, project_id):
    at = _page(project_id)
    assert not at.exception
    assert at.info and "No approved cluster" in at.info[0].value


def test_generate_briefs_open_one_and_download(app_context, engine, project_id):
    cid = _approved_cluster(engine, project_id)
    at = _page(project_id)
    assert not at.exception
    assert at.info and "Generate the briefs" in at.info[0].value
    next(b for b in at.button if b.label == "Generate briefs").click().run()
    assert not at.exception
    assert at.success and at.success[0].value == "5 briefs created, 0 rebuilt."
    table = at.dataframe[0].value
    assert list(table["status"]) == ["brief"] * 5
    assert table["keyword"].iloc[0] == "trail running shoes"
    # offline: the preview says outline skeletons only
    assert any("outline skeletons only" in t.value for t in at.text)
    # the first page is open: its brief fields are shown and editable
    assert at.text_input[0].value == api.list_content(engine, cid)[0].brief["title"]
    assert any(t.value.startswith("collection page · trail running shoes") for t in at.text)
    at.text_input[0].input("Trail Running Shoes for Every Trail")
    next(b for b in at.button if b.label == "Save brief").click().run()
    assert not at.exception
    assert api.list_content(engine, cid)[0].brief["title"] == "Trail Running Shoes for Every Trail"
    labels = [b.label for b in at.get("download_button")]
    assert labels[0] == "Download XLSX"
    assert "Download Matrixify Custom Collections CSV" in labels
    assert "Download Briefs.csv" in labels


def test_drafted_page_shows_checks_and_can_be_approved(app_context, engine, project_id):
    from services.providers.llm.claude import AnthropicProvider
    from tests.fakes.http_server import FakeServer
    from tests.unit.content.content_fakes import anthropic_content_handler

    cid = _approved_cluster(engine, project_id, approve=3)
    api.generate_briefs(engine, cid)
    with FakeServer() as server:
        server.route("/v1/messages", anthropic_content_handler())
        llm = AnthropicProvider("sk-ant-test", base_url=server.url, max_retries=0)
        assert api.run_drafts(engine, cid, llm).drafted == 3
    at = _page(project_id)
    assert not at.exception
    assert list(at.dataframe[0].value["status"]) == ["drafted"] * 3
    first = api.list_content(engine, cid)[0]
    titles = [t for t in at.text_input if t.label == "Title"]
    assert titles and titles[0].value == first.draft["title"]
    assert any(t.value.startswith("⚠ Check: the body has") for t in at.text)
    next(b for b in at.button if b.label == "Approve this draft").click().run()
    assert not at.exception
    assert api.get_content(engine, first.id).status == "approved"
    assert "Pages to send" in [m.label for m in at.multiselect]
