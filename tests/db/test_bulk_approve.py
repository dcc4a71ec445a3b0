"""Stage 5 bulk-approve: rows created, idempotent, concurrent-safe, all or nothing."""

import threading

import pytest
from sqlalchemy import func, select

import services.seed_clusters.approval as approval
from db.models import ClusterPage, CrawledPage, KeywordCluster, PageKeywords
from db.session import session_scope
from services.core.errors import InvalidInputError
from services.seed_clusters.api import FunnelDeps, generate_cluster
from services.seed_clusters.approval import bulk_approve
from services.seed_clusters.review import review_table, save_decisions, to_decisions
from tests.fakes.funnel import (
    BRAND,
    TRAIL_CANDIDATES,
    TRAIL_VOLUMES,
    DictVolume,
    HashingEmbedder,
    ScriptedLLM,
)


@pytest.fixture()
def cluster_id(engine, project_id):
    emb = HashingEmbedder()
    deps = FunnelDeps(
        engine=engine,
        llm=ScriptedLLM(TRAIL_CANDIDATES),
        volume=DictVolume(TRAIL_VOLUMES),
        embedder_factory=lambda: emb,
    )
    result = generate_cluster("trail running shoes", BRAND, project_id, deps=deps)
    return result.cluster_id


def _approve_first(engine, cluster_id, n):
    _, table = review_table(engine, cluster_id)
    edited = table.copy()
    edited["approve"] = [i < n for i in range(len(edited))]
    save_decisions(engine, cluster_id, to_decisions(table, edited))


def _counts(engine):
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(CrawledPage)),
            s.scalar(select(func.count()).select_from(PageKeywords)),
        )


#: CrawledPage.category per page type (spec: collection pages are collections).
CATEGORY = {"collection": "collection", "comparison": "article", "article": "article"}


def test_bulk_approve_creates_crawled_pages_and_page_keywords(engine, project_id, cluster_id):
    _approve_first(engine, cluster_id, 8)
    report = bulk_approve(engine, cluster_id)
    assert (report.created, report.status) == (8, "approved")
    with session_scope(engine) as s:
        pages = s.scalars(select(ClusterPage).where(ClusterPage.is_approved.is_(True))).all()
        assert len(pages) == 8
        for page in pages:
            crawled = s.get(CrawledPage, page.crawled_page_id)
            assert crawled.source == "cluster" and crawled.status == "completed"
            # A buying guide ("best …", a page of its own since issue 16) is an article.
            assert crawled.category == CATEGORY[page.page_type] and crawled.project_id == project_id
            assert crawled.normalized_url == "example.com" + page.url_slug
            kw = crawled.keywords
            assert kw.primary_keyword == page.keyword and kw.is_approved is True
            assert kw.is_priority is (page.role == "parent")
            assert kw.search_volume == page.search_volume
            assert kw.composite_score == page.composite_score
        assert s.get(KeywordCluster, cluster_id).status == "approved"


def test_bulk_approve_twice_creates_no_duplicates(engine, cluster_id):
    _approve_first(engine, cluster_id, 8)
    bulk_approve(engine, cluster_id)
    again = bulk_approve(engine, cluster_id)
    assert (again.created, again.already_bridged) == (0, 8)
    assert _counts(engine) == (8, 8)


def test_bulk_approve_twice_at_once_creates_no_duplicates(engine, cluster_id):
    _approve_first(engine, cluster_id, 9)
    errors, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            bulk_approve(engine, cluster_id)
        except Exception as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _counts(engine) == (9, 9)


def test_failure_half_way_leaves_no_partial_rows(engine, cluster_id, monkeypatch):
    _approve_first(engine, cluster_id, 8)
    real = approval._bridge_page
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(approval, "_bridge_page", flaky)
    with pytest.raises(RuntimeError):
        bulk_approve(engine, cluster_id)
    assert _counts(engine) == (0, 0)
    with session_scope(engine) as s:
        assert s.get(KeywordCluster, cluster_id).status == "suggestions_ready"
        assert all(p.crawled_page_id is None for p in s.scalars(select(ClusterPage)))


def test_unique_constraint_rejects_a_second_page_at_the_same_url(engine, project_id):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), session_scope(engine) as s:
        for _ in range(2):
            s.add(
                CrawledPage(
                    project_id=project_id,
                    url="https://example.com/collections/a",
                    normalized_url="example.com/collections/a",
                )
            )
            s.flush()


def test_approve_without_selection_or_parent_is_refused(engine, cluster_id):
    with session_scope(engine) as s:  # pages start pre-selected (issue 8): clear them
        for p in s.scalars(select(ClusterPage)):
            p.is_approved = False
    with pytest.raises(InvalidInputError, match="at least one"):
        bulk_approve(engine, cluster_id)
    _, table = review_table(engine, cluster_id)
    with session_scope(engine) as s:
        for p in s.scalars(select(ClusterPage).where(ClusterPage.role == "child")).all()[:3]:
            p.is_approved = True
    with pytest.raises(InvalidInputError, match="parent"):
        bulk_approve(engine, cluster_id)
    assert _counts(engine) == (0, 0)


def test_review_edits_and_approval_are_one_unit_of_work(engine, cluster_id):
    _, table = review_table(engine, cluster_id)
    edited = table.copy()
    edited["approve"] = True
    edited.loc[1, "keyword"] = "womens trail running shoes"
    report = bulk_approve(engine, cluster_id, to_decisions(table, edited))
    assert report.created == len(table)
    with session_scope(engine) as s:
        kws = {k.primary_keyword for k in s.scalars(select(PageKeywords))}
    assert "womens trail running shoes" in kws


def test_refused_approval_leaves_the_edits_unsaved(engine, cluster_id):
    _, table = review_table(engine, cluster_id)
    edited = table.copy()
    edited["approve"] = [False] * len(edited)
    edited.loc[2, "keyword"] = "renamed page"
    with pytest.raises(InvalidInputError, match="at least one"):
        bulk_approve(engine, cluster_id, to_decisions(table, edited))
    _, after = review_table(engine, cluster_id)
    assert "renamed page" not in set(after["keyword"])
