"""No keyword data, no fake keywords (issue 18 §5) on a real static site (Scipy Lecture Notes,
CC BY 4.0, ../shared/data/sites/) crawled from 127.0.0.1: the meta-refresh stub and utility
pages own no keyword, every label is marked to verify, none is a single word."""

from __future__ import annotations

import pytest

from services.site import api
from services.site.crawl import api as crawl_api
from services.site.crawl.fetch import Fetcher
from services.site.crawl.model import CrawlLimits
from tests.conftest import DATA
from tests.fakes.embedder import HashEmbedder
from tests.unit.site.crawl_site import SiteServer, static_site

ROOT = DATA / "sites" / "scipy-lectures" / "html"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ROOT.is_dir(), reason="shared static site not available"),
]


def test_crawled_site_primaries_are_labels_to_verify_never_stubs_or_single_words(
    engine, project_id
):
    with SiteServer() as site:
        static_site(site, ROOT)
        crawl_api.run_crawl(
            engine,
            project_id,
            site.url + "/",
            limits=CrawlLimits(max_pages=2_000),
            fetcher=Fetcher(rate_limit=False),
        )
        home = site.url + "/"
    report = api.run_primary_keywords(engine, project_id, embedder=HashEmbedder())
    assert report.skipped[home] == "redirect stub"
    assert report.skipped[f"{home}about.html"] == "utility page"
    table = api.primary_keywords_table(engine, project_id)
    assert home not in set(table["url"])
    primaries = table["primary"].dropna()
    assert len(primaries) >= 200
    assert not primaries.str.contains("redirect").any()
    assert (primaries.str.split().str.len() >= 2).all()
    labels = table[table["is_fallback"].astype(bool)]
    assert (labels["note"] == "label to verify").all()
