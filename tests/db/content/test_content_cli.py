"""Content commands through the CLI and the real database: briefs, drafts (offline),
export-drafts, publish."""

from __future__ import annotations

import io
import json
import uuid

import openpyxl
import pytest

from services.app.bootstrap import AppContext
from services.cli import main
from services.core.config import load_settings
from tests.db.content.test_content_flow import APPROVED, make_cluster


@pytest.fixture()
def app(engine, tmp_path):
    return AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )


def run(app, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), app=app)
    out, err = capsys.readouterr()
    return code, out, err


def test_briefs_drafts_export_and_publish(app, engine, project_id, capsys, tmp_path):
    cid = str(make_cluster(engine, project_id))
    code, out, _ = run(app, capsys, "briefs", "Test Store", cid, "--json")
    assert code == 0 and json.loads(out) == {"created": APPROVED, "regenerated": 0}

    code, out, _ = run(app, capsys, "drafts", "Test Store", cid)
    assert code == 0
    assert "no LLM connected" in out and f"0 drafted, 0 failed, {APPROVED} outline" in out

    xlsx = tmp_path / "out.xlsx"
    mx = tmp_path / "Custom Collections.csv"
    code, out, _ = run(
        app, capsys, "export-drafts", "Test Store", cid, "--xlsx", str(xlsx), "--matrixify", str(mx)
    )
    assert code == 0 and f"Wrote {xlsx}" in out
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert wb["Drafts"].max_row == APPROVED + 1 and wb["Drafts"]["D2"].value == "outline"
    assert mx.read_text().startswith("ID,Handle,Command,Title,Body HTML")

    code, _, err = run(app, capsys, "export-drafts", "Test Store", cid, "--matrixify", "x.csv")
    assert code == 2 and "Custom Collection" in err

    code, _, err = run(app, capsys, "publish", "Test Store", cid, "--wordpress")
    assert code == 2 and "WordPress URL" in err


def test_unknown_cluster_is_bad_input(app, project_id, capsys):
    code, _, err = run(app, capsys, "briefs", "Test Store", str(uuid.uuid4()))
    assert code == 2 and "Cluster not found" in err


def test_site_scope_on_the_command_line(app, engine, project_id, capsys):
    from db.models import CrawledPage, PageKeywords
    from db.session import session_scope

    code, _, err = run(app, capsys, "briefs", "Test Store", "site")
    assert code == 2 and "no approved primary keywords" in err
    with session_scope(engine) as s:
        page = CrawledPage(
            project_id=project_id,
            url="https://example.com/collections/hiking-boots",
            normalized_url="example.com/collections/hiking-boots",
            source="onboarding",
            status="completed",
            category="collection",
        )
        s.add(page)
        s.flush()
        s.add(
            PageKeywords(crawled_page_id=page.id, primary_keyword="hiking boots", is_approved=True)
        )
    code, out, _ = run(app, capsys, "briefs", "Test Store", "site", "--json")
    assert code == 0 and json.loads(out) == {"created": 1, "regenerated": 0}
