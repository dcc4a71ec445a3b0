"""The main job end to end, offline: project → import → generate → approve → CSV."""

import io
import re

import pandas as pd
import pytest
from sqlalchemy import select

from db.models import ClusterPage, CrawledPage, PageKeywords
from db.session import session_scope
from services.app.bootstrap import AppContext
from services.core.config import load_settings
from services.projects.api import get_project, save_project
from services.projects.imports import import_keywords, load_keyword_universe
from services.providers.base import BrandProfile
from services.seed_clusters.api import generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.export import EXPORT_COLUMNS, cluster_csv
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from tests.conftest import SEMRUSH_WP

# A Shopify project (the default site type): collections, and supporting blog articles.
SLUG = re.compile(r"^/(collections|blogs/news)/[a-z0-9]+(-[a-z0-9]+)*$")
BRAND = BrandProfile(
    company_name="Acme Themes",
    products=("WordPress themes", "page builder templates"),
    price_point="premium",
    primary_persona="small business owners building their own site",
    competitors=("ThemeForest", "Elegant Themes"),
)


@pytest.fixture()
def app(engine, tmp_path):
    return AppContext(
        settings=load_settings(env={"CLUSTER_PLANNER_DATA_DIR": str(tmp_path)}), engine=engine
    )


def test_seed_to_approved_cluster_to_csv(app, engine):
    project_id = save_project(engine, name="Acme", domain="acme.example", brand=BRAND)
    report = import_keywords(engine, project_id, SEMRUSH_WP.read_bytes(), SEMRUSH_WP.name)
    assert report.tool == "semrush" and report.rows_imported > 12_000

    deps, warnings = app.funnel_deps()
    assert warnings == [] and deps.llm.name == "offline" and deps.volume.name == "offline"
    project = get_project(engine, project_id)
    result = generate_cluster("wordpress themes", project.brand_config, project_id, deps=deps)
    assert result.success, result.error
    pages = result.suggestions
    assert 8 <= len(pages) <= 12
    assert [p.role for p in pages].count("parent") == 1 and pages[0].keyword == "wordpress themes"
    slugs = [p.url_slug for p in pages]
    assert len(set(slugs)) == len(slugs) and all(SLUG.match(s) for s in slugs)

    # Real volumes: every child's volume is the export's figure, and ≥ 50 (the seed itself is
    # not in this broad-match export, so the parent has no volume).
    universe = load_keyword_universe(engine, project_id).set_index("keyword")["search_volume"]
    for p in pages[1:]:
        assert p.search_volume == universe[p.keyword] and p.search_volume >= 50
    assert result.generation_metadata["stages"]["expand"]["from_keyword_data"] >= 12

    _, table = review_table(engine, result.cluster_id)
    edited = table.copy()
    edited["approve"] = True
    save_decisions(engine, result.cluster_id, to_decisions(table, edited))
    approval = bulk_approve(engine, result.cluster_id)
    assert approval.created == len(pages) and approval.status == "approved"
    with session_scope(engine) as s:
        crawled = s.scalars(select(CrawledPage).where(CrawledPage.project_id == project_id)).all()
        assert len(crawled) == len(pages) and {c.source for c in crawled} == {"cluster"}
        kws = s.scalars(select(PageKeywords)).all()
        assert {k.primary_keyword for k in kws} == {p.keyword for p in pages}
        assert sum(k.is_priority for k in kws) == 1
        assert all(cp.crawled_page_id for cp in s.scalars(select(ClusterPage)))

    csv = pd.read_csv(io.BytesIO(cluster_csv(engine, result.cluster_id)), encoding="utf-8-sig")
    assert list(csv.columns) == EXPORT_COLUMNS
    assert len(csv) == len(pages) and csv["approved"].all()
    assert csv.iloc[0]["role"] == "parent" and csv.iloc[0]["keyword"] == "wordpress themes"
