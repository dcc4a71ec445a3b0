"""Cluster Review: pages the site already covers become optimise tasks unless the user picks
"new page anyway" (issue 18 §1), with a warning."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from services.site import api
from tests.db.site.test_optimise_existing import _cluster, _export, _pages

PAGES = Path(__file__).resolve().parents[2] / "pages"


def _review(project_id, cluster_id) -> AppTest:
    at = AppTest.from_file(str(PAGES / "cluster_review.py"), default_timeout=60)
    at.session_state["_frame"] = True
    at.session_state["project_id"] = str(project_id)
    at.session_state["cluster_id"] = str(cluster_id)
    return at.run()


def test_a_covered_page_is_optimised_unless_picked_as_a_new_page(app_context, engine, project_id):
    api.import_rankings(engine, project_id, _export(), "positions.csv")
    cover = "https://www.example.com/travel/learn/faye-travel-insurance/"
    cluster_id = _cluster(
        engine,
        project_id,
        [
            ("travel insurance", "parent", cover.replace("faye-", "")),
            ("faye travel insurance", "child", cover),
            ("backpacker travel insurance", "child", None),
        ],
    )
    before = _pages(engine, project_id)
    at = _review(project_id, cluster_id)
    assert not at.exception
    assert any("2 pages of this cluster the site already covers" in c.value for c in at.caption)
    pick = at.multiselect[0]
    faye = next(o for o in pick.options if o.startswith("faye travel insurance"))
    pick.select(faye).run()
    assert any("splits its traffic" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Approve selected").click().run()
    assert not at.exception
    # the new backpacker page and the forced faye page are created; the parent is optimised
    flash = at.success[0].value
    # faye's path is the covering page's own URL: it stays one page, and the user is told
    # to type another path; the uncovered page is created, the parent optimised
    assert "1 page created, 1 existing page to optimise" in flash
    assert "Type another path in the table" in flash
    assert _pages(engine, project_id) == before + 1
