"""Competitor analysis against a locally served SERP: the DataForSEO contract response with
its organic results pointed at local pages (articles, robots-blocked, slow, huge, PDF, 404)."""

from __future__ import annotations

import time

import pytest

from services.clustering.serp_overlap import top_urls
from services.content.briefs import apply_competitors
from services.content.competitors import BLOCKED, fetch_competitors, summarize
from services.site.crawl.fetch import Fetcher
from tests.unit.content.serp_site import SerpSite


def no_trafilatura(html: str, url: str) -> tuple[str | None, str]:
    return None, ""  # the extractor's fallback text: fast and deterministic


@pytest.fixture(scope="module")
def read():
    with SerpSite() as site:
        urls = top_urls(site.serp_response()["tasks"][0]["result"])
        fetcher = Fetcher(rate_limit=False, timeout_s=0.5)
        started = time.perf_counter()
        pages = fetch_competitors(
            list(enumerate(urls, start=1)),
            fetcher,
            main_text=no_trafilatura,
            max_bytes=256 * 1024,
            scheme="http",
        )
        seconds = time.perf_counter() - started
        fetcher.close()
        yield pages, seconds, list(site.hits)


def test_every_result_gets_a_page_with_data_or_its_error(read):
    pages, seconds, hits = read
    assert [p.rank for p in pages] == list(range(1, 9))
    by_path = {p.url.split(":", 2)[2].split("/", 1)[1]: p for p in pages}
    assert by_path["a"].ok and by_path["a"].h1 == "Payday Loans Explained"
    assert by_path["a"].headings == [
        "How payday loans work",
        "Payday loan alternatives",
        "Costs and fees",
    ]
    assert by_path["a"].schema_types == ["Article"] and by_path["a"].word_count > 300
    assert by_path["blocked/page"].error == BLOCKED
    assert "/blocked/page" not in hits  # robots.txt is obeyed: never requested
    assert by_path["slow"].error == "timeout"
    assert by_path["huge"].ok and by_path["huge"].truncated
    assert by_path["doc.pdf"].error.startswith("not HTML")
    assert by_path["gone"].error == "HTTP 404"
    assert hits.count("/robots.txt") == 1  # once per host
    assert seconds < 3.0  # the slow page is cut at the fetcher's timeout, in parallel


def test_summary_median_common_headings_and_gaps(read):
    pages, _s, _h = read
    summary = summarize(
        pages,
        "payday loans",
        ["How payday loans work", "Payday loans for bad credit", "Are payday loans legal?"],
    )
    assert summary["pages_failed"] == 4 and summary["pages_counted"] == 4
    assert summary["median_words"] and summary["median_words"] > 300
    common = {c["text"].lower(): c["pages"] for c in summary["common_headings"]}
    assert common.get("how payday loans work") == 3  # any casing, "do ... work?" too
    assert common.get("costs and fees") == 2
    assert "eligibility" not in common  # on one page only
    assert summary["gaps"] == ["Payday loans for bad credit", "Are payday loans legal?"]
    assert {"type": "Article", "pages": 3} in summary["schema_types"]


def test_competitor_median_replaces_the_assumed_word_count(read):
    pages, _s, _h = read
    summary = summarize(pages, "payday loans", ["Payday loans for bad credit"])
    brief = {
        "format": "guide",
        "word_count": [1200, 2000],
        "word_count_source": "assumed",
        "angle": "Answer it first.",
        "missing": ["SERP top 10 (not in the SERP cache)"],
    }
    out = apply_competitors(brief, summary)
    median = summary["median_words"]
    assert out["word_count"][0] <= median <= out["word_count"][1]
    assert out["word_count_source"].startswith(f"competitors: median {median:,} words of 4")
    assert out["angle"] == "Answer it first. The ranking pages miss: Payday loans for bad credit."
    assert out["missing"] == []
    again = apply_competitors(out, summary)
    assert again["angle"] == out["angle"]  # re-running does not repeat the gaps
