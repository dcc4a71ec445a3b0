"""``publish --wordpress`` against a hostile WordPress on 127.0.0.1 with the real database
(issue 20 §3, 8): a failed page makes the command exit 1, and publishing again after odd
answers updates the posts already created instead of creating them twice."""

from __future__ import annotations

import json

import pytest

from db.models import Project
from db.session import session_scope
from services.app.bootstrap import AppContext
from services.cli import main
from services.content import api
from services.core.config import load_settings
from tests.db.content.test_content_flow import (
    APPROVED,
    anthropic_content_handler,
    claude,
    make_cluster,
)
from tests.fakes.http_server import FakeServer
from tests.unit.content.test_wordpress_hostile import PASSWORD, HostileWordPress


@pytest.fixture()
def app(engine, tmp_path):
    return AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )


def publish(app, capsys, cid) -> tuple[int, dict]:
    code = main(["publish", "Test Store", str(cid), "--wordpress", "--json"], app=app)
    out, _err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}


@pytest.mark.parametrize("odd", ["created_200", "php_warning", "created_500"])
def test_publish_retried_after_odd_answers_creates_no_duplicate_and_exits_1_on_failure(
    app, engine, project_id, capsys, odd
):
    cluster_id = make_cluster(engine, project_id)
    api.generate_briefs(engine, cluster_id)
    with FakeServer() as server:
        server.route("/v1/messages", anthropic_content_handler())
        api.run_drafts(engine, cluster_id, claude(server))
    with HostileWordPress() as wp:
        with session_scope(engine) as s:
            p = s.get(Project, project_id)
            p.wordpress_url, p.wordpress_username = wp.url, "editor"
            p.wordpress_app_password = PASSWORD
        wp.odd = odd
        code, report = publish(app, capsys, cluster_id)
        assert len(wp.posts) == APPROVED  # WordPress created every post whatever it answered
        if odd == "created_500":
            assert code == 1 and report["outcome"]["status"] == "failed"
            assert report["outcome"]["failed"] == APPROVED
        else:
            assert code == 0 and len(report["published"]) == APPROVED
        wp.odd = ""
        code, report = publish(app, capsys, cluster_id)
        assert code == 0 and report["outcome"]["status"] == "completed"
        assert len(wp.posts) == APPROVED  # the retry updated, it created nothing
        ids = {v.wp_post_id for v in api.list_content(engine, cluster_id)}
        assert ids == set(wp.posts)
