"""Edits that stay true, no cannibalisation across the project, site types, archiving, the
CLI (issue 8, points 1 and 3-6), on small fixtures shaped like the issue's examples."""

import io
import json

import pandas as pd
import pytest
from fakes.embedder import HashEmbedder
from sqlalchemy import insert, select

from db.models import ClusterPage, CrawledPage, KeywordMetric, PageKeywords
from db.session import session_scope
from services.cli import main as cli_main
from services.core.errors import InvalidInputError
from services.projects.api import (
    get_project,
    list_projects,
    save_project,
    set_project_archived,
)
from services.providers.base import KeywordData, Usage, VolumeResult
from services.seed_clusters.api import (
    FunnelDeps,
    clusters_for_seed,
    generate_cluster,
    set_cluster_archived,
)
from services.seed_clusters.approval import approve_pages, bulk_approve
from services.seed_clusters.export import cluster_csv
from services.seed_clusters.queries import list_clusters, project_totals
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from tests.fakes.funnel import DictVolume, ScriptedLLM

CARDS = [
    ("credit cards", "attribute"),
    ("cabela's credit card", "other modifier"),
    ("fit credit card", "other modifier"),
    ("amex platinum vs chase reserve", "comparison/intent"),
    ("american express platinum vs chase sapphire reserve", "comparison/intent"),
    ("compare amex platinum and chase sapphire reserve", "comparison/intent"),
    ("chase reserve vs amex platinum", "comparison/intent"),
    ("travel credit cards", "use-case"),
    ("student credit cards", "demographic"),
    ("secured credit cards", "attribute"),
    ("business credit cards", "demographic"),
    ("balance transfer credit cards", "use-case"),
    ("no annual fee credit cards", "price/value"),
    ("gas credit cards", "use-case"),
    ("cash back credit cards", "attribute"),
    ("what is a credit card", "other modifier"),
]
VOLUMES = {
    "credit cards": 165000,
    "cabela's credit card": 55000,
    "fit credit card": 14000,
    "amex platinum vs chase reserve": 2400,
    "american express platinum vs chase sapphire reserve": 1300,
    "compare amex platinum and chase sapphire reserve": 90,
    "chase reserve vs amex platinum": 70,
    "travel credit cards": 12100,
    "student credit cards": 9900,
    "secured credit cards": 8100,
    "business credit cards": 6600,
    "balance transfer credit cards": 5400,
    "no annual fee credit cards": 2900,
    # Below the floor: the eleven other children fill the cluster (a comparison of two
    # named cards has a lower topic fit than a "… credit cards" page, issue 16).
    "gas credit cards": 40,
    "cash back credit cards": 22200,
    "what is a credit card": 3600,
    "fit mastercard review": 90,
}


class AliasEmbedder(HashEmbedder):
    """Hash embedder with room for every word (no collisions) that knows one short form."""

    dim = 4096

    def embed(self, texts):
        return super().embed([t.replace("american express", "amex") for t in texts])


def _import(engine, project_id, rows):
    with session_scope(engine) as s:
        s.execute(
            insert(KeywordMetric),
            [
                {"project_id": project_id, "keyword": k, "search_volume": v, "source": "semrush"}
                for k, v in rows.items()
            ],
        )


def _deps(engine, **kw):
    emb = AliasEmbedder()
    return FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(CARDS),
        volume=DictVolume(VOLUMES),
        embedder_factory=lambda: emb,
        **kw,
    )


def _publisher(engine, project_id):
    view = get_project(engine, project_id)
    save_project(
        engine, name=view.name, brand=view.brand, project_id=project_id, site_type="publisher"
    )


def _cluster(engine, project_id, seed="credit cards", **kw):
    result = generate_cluster(seed, {}, project_id, deps=_deps(engine, **kw))
    assert result.success, result.error
    return result


def _edit(engine, cluster_id, **changes):
    _, table = review_table(engine, cluster_id)
    edited = table.copy()
    for keyword, (column, value) in changes.items():
        edited.loc[edited["keyword"] == keyword, column] = value
    return table, edited


def test_publisher_paths_page_types_and_one_page_per_comparison(engine, project_id):
    _publisher(engine, project_id)
    result = _cluster(engine, project_id)
    by_kw = {s.keyword: s for s in result.suggestions}
    assert by_kw["credit cards"].url_slug == "/credit-cards/"
    assert by_kw["cabela's credit card"].url_slug == "/credit-cards/cabelas-credit-card/"
    assert by_kw["cabela's credit card"].page_type == "landing"
    assert by_kw["what is a credit card"].page_type == "article"
    vs = by_kw["amex platinum vs chase reserve"]
    assert vs.page_type == "comparison" and len(vs.secondary_keywords) == 3
    comparisons = [s for s in result.suggestions if "platinum" in s.keyword]
    assert len(comparisons) == 1
    with session_scope(engine) as s:
        page = s.scalars(select(ClusterPage).where(ClusterPage.keyword == vs.keyword)).one()
        assert page.secondary_keywords == vs.secondary_keywords
        assert page.page_type == "comparison" and page.source == "llm_idea"
        assert page.score_parts["total"] == page.composite_score


def test_keyword_edit_looks_metrics_up_again_rescores_and_regenerates_the_path(engine, project_id):
    _publisher(engine, project_id)
    _import(engine, project_id, {"fit mastercard review": 90})
    result = _cluster(engine, project_id)
    before = {s.keyword: s for s in result.suggestions}["fit credit card"]
    assert before.search_volume == 14000
    table, edited = _edit(
        engine, result.cluster_id, **{"fit credit card": ("keyword", "Fit Mastercard Review")}
    )
    save_decisions(engine, result.cluster_id, to_decisions(table, edited))
    _, after = review_table(engine, result.cluster_id)
    row = after[after["keyword"] == "fit mastercard review"].iloc[0]
    assert row["search_volume"] == 90  # not the 14,000 of "fit credit card"
    assert row["url_slug"] == "/credit-cards/fit-mastercard-review/"
    assert row["source"] == "data"
    assert row["composite_score"] < before.composite_score
    # Unknown competition is left out of the score: volume weight 0.5 / 0.85.
    assert row["volume_points"] == pytest.approx(0.5 / 0.85 * 10 * 1.954, abs=0.05)

    # A keyword nobody knows: no volume, never the old one.
    table, edited = _edit(
        engine, result.cluster_id, **{"fit mastercard review": ("keyword", "fit card perks")}
    )
    save_decisions(engine, result.cluster_id, to_decisions(table, edited))
    _, after = review_table(engine, result.cluster_id)
    row = after[after["keyword"] == "fit card perks"].iloc[0]
    assert pd.isna(row["search_volume"]) and row["source"] == "user"


def test_typed_path_is_stored_and_exported_as_typed_and_survives_a_keyword_edit(engine, project_id):
    result = _cluster(engine, project_id)  # a Shopify project
    path = "/credit-cards/cabelas-credit-card"
    table, edited = _edit(engine, result.cluster_id, **{"cabela's credit card": ("url_slug", path)})
    save_decisions(engine, result.cluster_id, to_decisions(table, edited))
    table, edited = _edit(
        engine,
        result.cluster_id,
        **{"cabela's credit card": ("keyword", "cabela's club mastercard")},
    )
    save_decisions(engine, result.cluster_id, to_decisions(table, edited))
    csv = pd.read_csv(io.BytesIO(cluster_csv(engine, result.cluster_id)), encoding="utf-8-sig")
    row = csv[csv["keyword"] == "cabela's club mastercard"].iloc[0]
    assert row["url_slug"] == path
    assert row["title"] == "Cabela's Club Mastercard"
    text = cluster_csv(engine, result.cluster_id).decode("utf-8-sig")
    assert "55000.0" not in text and ",165000," in text


def test_bad_typed_path_is_refused_and_nothing_is_saved(engine, project_id):
    result = _cluster(engine, project_id)
    table, edited = _edit(
        engine, result.cluster_id, **{"cabela's credit card": ("url_slug", "/Credit Cards/x")}
    )
    with pytest.raises(InvalidInputError, match="lowercase|spaces"):
        to_decisions(table, edited)


def test_approved_page_titles_and_coverage_across_the_project(engine, project_id):
    first = _cluster(engine, project_id)
    approve_pages(engine, first.cluster_id, select_all=True)
    with session_scope(engine) as s:
        titles = set(s.scalars(select(CrawledPage.title)))
        secondaries = s.scalars(
            select(PageKeywords.secondary_keywords).where(
                PageKeywords.primary_keyword == "amex platinum vs chase reserve"
            )
        ).one()
    assert "Cabela's Credit Card" in titles
    assert "chase reserve vs amex platinum" in secondaries

    # The same keywords again in another cluster: flagged, not pre-selected.
    second = _cluster(engine, project_id, seed="travel credit cards")
    by_kw = {s.keyword: s for s in second.suggestions}
    cabela = by_kw["cabela's credit card"]
    assert cabela.covered_by and cabela.covered_by.endswith("/collections/cabelas-credit-card")
    assert not cabela.preselected
    assert any("already covers" in w for w in second.warnings)
    _, table = review_table(engine, second.cluster_id)
    assert not table.loc[table["keyword"] == "cabela's credit card", "approve"].iloc[0]


def test_same_seed_again_is_found_and_saved_as_a_new_version(engine, project_id):
    first = _cluster(engine, project_id)
    existing = clusters_for_seed(engine, project_id, " Credit Cards ")
    assert [c["id"] for c in existing] == [first.cluster_id]
    second = _cluster(engine, project_id)
    names = set(list_clusters(engine, project_id)["name"])
    assert names == {"credit cards", "credit cards (v2)"}
    assert second.cluster_id != first.cluster_id


def test_archive_and_restore_clusters_and_projects(engine, project_id):
    result = _cluster(engine, project_id)
    set_cluster_archived(engine, result.cluster_id, True)
    assert list_clusters(engine, project_id).empty
    assert len(list_clusters(engine, project_id, archived=True)) == 1
    assert project_totals(engine, project_id)["clusters"] == 0
    set_cluster_archived(engine, result.cluster_id, False)
    assert len(list_clusters(engine, project_id)) == 1

    set_project_archived(engine, project_id, True)
    assert [p.id for p in list_projects(engine)] == []
    assert [p.id for p in list_projects(engine, archived=True)] == [project_id]
    set_project_archived(engine, project_id, False)
    assert [p.id for p in list_projects(engine)] == [project_id]


def test_totals_count_a_keyword_once_across_clusters(engine, project_id):
    a = _cluster(engine, project_id)
    b = _cluster(engine, project_id)
    totals = project_totals(engine, project_id)
    per_cluster = sum(s.search_volume or 0 for s in a.suggestions)
    assert totals["search_volume"] == per_cluster
    assert totals["pages"] == len(a.suggestions) + len(b.suggestions)


def test_site_type_url_pattern_and_weights_are_project_settings(engine, project_id):
    view = get_project(engine, project_id)
    with pytest.raises(InvalidInputError, match="custom URL pattern"):
        save_project(engine, name=view.name, project_id=project_id, site_type="custom")
    with pytest.raises(InvalidInputError, match="Unknown site type"):
        save_project(engine, name=view.name, project_id=project_id, site_type="magento")
    save_project(
        engine,
        name=view.name,
        project_id=project_id,
        site_type="custom",
        url_pattern="/guides/{parent}/{slug}/",
        score_weights=(0.7, 0.2, 0.1),
    )
    view = get_project(engine, project_id)
    assert view.site_type == "custom" and view.url_pattern == "/guides/{parent}/{slug}/"
    assert view.score_weights == pytest.approx((0.7, 0.2, 0.1))
    result = _cluster(engine, project_id)
    by_kw = {s.keyword: s for s in result.suggestions}
    assert by_kw["travel credit cards"].url_slug == "/guides/credit-cards/travel-credit-cards/"
    assert result.generation_metadata["score_weights"] == pytest.approx([0.7, 0.2, 0.1])
    assert by_kw["travel credit cards"].score_parts["volume"] == pytest.approx(
        0.7 * 10 * 4.0828, abs=0.05
    )


class SuggestingVolume(DictVolume):
    """DictVolume that also answers DataForSEO Labs keyword suggestions."""

    def keyword_suggestions(self, seed, *, project_id=None, limit=100):
        data = {
            "credit cards for fair credit": KeywordData(
                "credit cards for fair credit", 4400, 3.1, 0.9, "HIGH", source="dataforseo"
            ),
            "prepaid debit card": KeywordData("prepaid debit card", 9000, source="dataforseo"),
        }
        return VolumeResult(data=data, usage=[Usage("dataforseo", "suggestions", cost_usd=0.01)])


def test_dataforseo_suggestions_add_real_keywords_marked_dataforseo(engine, project_id):
    emb = AliasEmbedder()
    volume = SuggestingVolume(VOLUMES)
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(CARDS),
        volume=volume,
        embedder_factory=lambda: emb,
        dataforseo_ideas=True,
    )
    result = generate_cluster("credit cards", {}, project_id, deps=deps)
    by_kw = {s.keyword: s for s in result.suggestions}
    fair = by_kw["credit cards for fair credit"]
    assert fair.source == "dataforseo" and fair.search_volume == 4400
    assert "prepaid debit card" not in by_kw  # lacks the head terms
    assert "credit cards for fair credit" not in volume.calls[0]  # not looked up twice
    assert result.generation_metadata["stages"]["expand"]["from_dataforseo"] == 1


def test_cli_seed_approve_export(engine, project_id, tmp_path, capsys):
    class App:
        def __init__(self):
            self.engine = engine

        def funnel_plan(self):
            class Plan:
                deps = _deps(engine)
                warnings: list[str] = []

            return Plan()

    app = App()
    _publisher(engine, project_id)
    assert cli_main(["seed", str(project_id), "credit cards", "--json"], app=app) == 0
    out = json.loads(capsys.readouterr().out)
    page = next(p for p in out["pages"] if p["keyword"] == "cabela's credit card")
    assert page == {
        **page,
        "role": "child",
        "page_type": "landing",
        "slug": "/credit-cards/cabelas-credit-card/",
        "search_volume": 55000,
        "source": "llm_idea",
    }
    assert isinstance(page["score"], float) and isinstance(out["warnings"], list)
    assert cli_main(["seed", str(project_id), "credit cards", "--json"], app=app) == 0
    again = json.loads(capsys.readouterr().out)
    assert any("already had 1 cluster" in w for w in again["warnings"])
    cid = out["cluster_id"]
    code = cli_main(
        ["approve", str(project_id), cid, "--keywords", "cabela's credit card", "--json"], app=app
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == 2  # the page and the parent
    target = tmp_path / "cluster.csv"
    assert cli_main(["export", str(project_id), cid, "--out", str(target)], app=app) == 0
    csv = pd.read_csv(target, encoding="utf-8-sig")
    assert len(csv) == len(out["pages"]) and csv["approved"].sum() == 2
    assert cli_main(["seed", str(project_id), "!!!"], app=app) == 2
    assert "at least one letter" in capsys.readouterr().err
    other = save_project(engine, name="Other")
    assert cli_main(["export", str(other), cid, "--out", str(target)], app=app) == 2


def test_bulk_approve_still_refuses_an_empty_selection(engine, project_id):
    result = _cluster(engine, project_id)
    table, edited = _edit(engine, result.cluster_id)
    edited["approve"] = False
    with pytest.raises(InvalidInputError, match="at least one"):
        bulk_approve(engine, result.cluster_id, to_decisions(table, edited))
