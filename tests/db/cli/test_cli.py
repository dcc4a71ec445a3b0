"""The command line end to end through the real database (python -m services.cli …)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from services.app.bootstrap import AppContext
from services.cli import main
from services.core.config import load_settings
from tests.conftest import SEMRUSH_WP


@pytest.fixture()
def app(engine, tmp_path):
    return AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )


def run(app, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), app=app)
    out, err = capsys.readouterr()
    return code, out, err


def test_projects_create_then_list_as_json(app, capsys):
    code, out, _ = run(app, capsys, "projects", "create", "WP", "--domain", "https://wp.example/")
    assert code == 0 and "Created project 'WP'" in out
    code, out, _ = run(app, capsys, "projects", "list", "--json")
    rows = json.loads(out)
    assert code == 0 and [(r["name"], r["domain"]) for r in rows] == [("WP", "wp.example")]


def test_a_custom_site_project_takes_its_url_pattern(app, capsys):
    argv = ("projects", "create", "Law", "--site-type", "custom")
    code, _, err = run(app, capsys, *argv)
    assert code == 2 and "custom URL pattern" in err  # the message names the option's value
    code, out, _ = run(app, capsys, *argv, "--url-pattern", "/practice-areas/{slug}/", "--json")
    assert code == 0 and json.loads(out)["url_pattern"] == "/practice-areas/{slug}/"


def test_bad_input_exits_2_with_the_pages_message(app, capsys):
    code, _, err = run(app, capsys, "projects", "create", "  ")
    assert code == 2 and "A project needs a name." in err
    code, _, err = run(app, capsys, "import", "nobody", str(SEMRUSH_WP))
    assert code == 2 and "No project named" in err
    code, _, err = run(app, capsys, "projects", "frobnicate")
    assert code == 2


def test_import_reports_rows_and_tool(app, capsys):
    run(app, capsys, "projects", "create", "WP")
    code, out, _ = run(app, capsys, "import", "WP", str(SEMRUSH_WP), "--json")
    report = json.loads(out)[0]
    assert code == 0 and report["tool"] == "semrush"
    assert report["rows_imported"] == 12_679 and report["inserted"] == 12_679


def test_cluster_list_writes_one_row_per_keyword(app, capsys, tmp_path):
    run(app, capsys, "projects", "create", "WP")
    run(app, capsys, "import", "WP", str(SEMRUSH_WP))
    out_file = tmp_path / "clusters.csv"
    code, out, err = run(app, capsys, "cluster-list", "WP", "--out", str(out_file), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["keywords"] == 12_679 and summary["clusters"] > 1_000
    assert "100.0%" in err  # progress bar on stderr
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12_679
    assert list(rows[0]) == [
        "keyword",
        "search_volume",
        "cluster",
        "cluster_id",
        "hub",
        "intent",
        "reason",
    ]
    unclustered = [r for r in rows if r["cluster"] == "Unclustered"]
    assert len(unclustered) == summary["unclustered"] and all(r["reason"] for r in unclustered)
    assert all(r["cluster_id"] for r in rows if r["cluster"] != "Unclustered")


def test_json_before_or_after_the_command(app, capsys):
    run(app, capsys, "projects", "create", "WP")
    for argv in (("--json", "projects", "list"), ("projects", "list", "--json")):
        code, out, _ = run(app, capsys, *argv)
        assert code == 0 and json.loads(out)[0]["name"] == "WP"


def test_seed_approve_export_on_the_wordpress_export(app, capsys, tmp_path):
    run(app, capsys, "projects", "create", "WP", "--site-type", "wordpress")
    run(app, capsys, "import", "WP", str(SEMRUSH_WP))
    code, out, _ = run(app, capsys, "seed", "WP", "wordpress themes", "--json")
    cluster = json.loads(out)
    pages = cluster["pages"]
    assert code == 0 and 8 <= len(pages) <= 12
    assert [p["role"] for p in pages].count("parent") == 1
    children = [p for p in pages if p["role"] == "child"]
    assert all(p["source"] == "data" and p["search_volume"] >= 50 for p in children)
    assert all(p["slug"].startswith("/") and p["slug"].endswith("/") for p in pages)  # blog
    code, out, _ = run(app, capsys, "approve", "WP", cluster["cluster_id"], "--all", "--json")
    assert code == 0 and json.loads(out)["created"] == len(pages)
    target = tmp_path / "cluster.csv"
    code, _, _ = run(app, capsys, "export", "WP", cluster["cluster_id"], "--out", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert code == 0 and len(rows) == len(pages)
    assert all(not r["search_volume"].endswith(".0") for r in rows)  # integer volumes
