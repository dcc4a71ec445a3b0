"""Briefs on the shared Semrush WordPress export, as a publisher and as a store.

One cluster per site type, built from the export's real keywords: every brief is checked for
the rules a content lead reads for — store words only on a store, one heading per search,
no sibling's primary keyword as a heading, no duplicate headings, brand casing, links by
topic, the review page type kept.
"""

from __future__ import annotations

import csv
import re

import pytest

from services.content.briefs import BriefContext, PageInput, build_brief
from services.content.casing import Casing
from services.content.links import LinkNode, links_by_page, plan_links
from services.content.matrixify import collections_frame
from services.content.topics import Sibling, TopicIndex
from tests.conftest import SHARED

EXPORT = SHARED / "data" / "semrush-wordpress" / "wordpress_broad-match_us_2026-04-24.csv"
STORE_WORDS = re.compile(r"\b(shop|shopping|product grid|add to cart|buy now)\b", re.I)

PUBLISHER = [
    ("wordpress security plugins", "parent", "collection"),
    ("best seo plugin for wordpress", "child", "comparison"),
    ("wix vs wordpress", "child", "comparison"),
    ("how to install wordpress", "child", "article"),
    ("wordpress maintenance cost", "child", "article"),
    ("wordpress hosting", "child", "landing"),
]
STORE = [
    ("wordpress themes", "parent", "collection"),
    ("free wordpress themes", "child", "collection"),
    ("how to install wordpress theme", "child", "article"),
]


@pytest.fixture(scope="module")
def data():
    with EXPORT.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    volumes = {r["Keyword"]: int(r["Volume"] or 0) for r in rows}
    intents = {r["Keyword"]: r["Intent"].lower() for r in rows}
    return TopicIndex(volumes.items()), volumes, intents


def briefs(data, site_type: str, pages, brand: str):
    index, volumes, intents = data
    inputs = [
        PageInput(
            str(i),
            kw,
            f"https://site.example/{kw.replace(' ', '-')}/",
            role,
            search_volume=volumes.get(kw),
            intent=intents.get(kw),
            page_type=chosen,
        )
        for i, (kw, role, chosen) in enumerate(pages)
    ]
    ctx = BriefContext(site_type=site_type, brand_name=brand, index=index, casing=Casing([brand]))
    links = links_by_page(
        plan_links([LinkNode(p.page_id, p.primary_keyword, p.url, p.role) for p in inputs])
    )
    parent = inputs[0].primary_keyword
    out = []
    for p in inputs:
        siblings = [Sibling(o.primary_keyword) for o in inputs if o is not p]
        out.append(
            build_brief(
                p,
                ctx,
                siblings=siblings,
                links=links.get(p.page_id),
                parent_keyword=parent if p.role != "parent" else None,
            )
        )
    return out, index


def headings(brief) -> list[dict]:
    return [o for o in brief.outline if o["source"] in ("related search", "question")]


@pytest.mark.parametrize(
    ("site_type", "pages", "brand"),
    [("publisher", PUBLISHER, "Press Guides"), ("shopify", STORE, "ThemeShop")],
)
def test_one_heading_per_search_no_sibling_primary_no_duplicates(data, site_type, pages, brand):
    made, index = briefs(data, site_type, pages, brand)
    primaries = {index.key(kw) for kw, _r, _t in pages}
    total = 0
    for brief in made:
        texts = [o["text"].lower() for o in brief.outline]
        assert len(texts) == len(set(texts)), brief.primary_keyword
        keys = [index.key(o["text"]) for o in headings(brief)]
        assert len(keys) == len(set(keys)), brief.primary_keyword
        others = primaries - {index.key(brief.primary_keyword)}
        assert not others & set(keys), brief.primary_keyword
        assert brief.primary_keyword not in texts
        assert not any(re.search(r"\b20[12]\d\b", t) for t in texts)  # no stale years
        total += len(keys)
    assert total >= 20  # the export has sub-topics for these pages


def test_publisher_briefs_have_no_store_words_and_keep_review_types(data):
    made, _index = briefs(data, "publisher", PUBLISHER, "Press Guides")
    assert [b.page_type for b in made] == [t for _k, _r, t in PUBLISHER]
    assert [b.format for b in made] == [
        "listicle",
        "listicle",
        "comparison",
        "how_to",
        "guide",
        "guide",
    ]
    for b in made:
        text = " ".join([b.title, b.meta_description, b.h1, b.cta, b.angle, b.intro])
        text += " " + " ".join(o["text"] for o in b.outline if o["source"] == "structure")
        assert not STORE_WORDS.search(text), (b.primary_keyword, text)
        assert not {"Product", "CollectionPage"} & set(b.schema_type.split(", "))
        assert 120 <= len(b.meta_description) <= 155, b.meta_description
        assert "WordPress" in b.h1 and "Wordpress" not in b.title
        assert b.ymyl == {}  # no finance/health/legal/safety topic here
    wix = made[2]
    assert wix.h1 == "Wix vs WordPress" and wix.title.startswith(
        "Wix vs WordPress: Which Is Better?"
    )


def test_links_follow_topics_not_volume(data):
    made, _index = briefs(data, "publisher", PUBLISHER, "Press Guides")
    by_kw = {b.primary_keyword: b for b in made}

    def siblings(kw):
        return [
            x["target_url"]
            for x in by_kw[kw].internal_links["outgoing"]
            if x["relation"] == "to sibling"
        ]

    assert siblings("wix vs wordpress") == []  # shares nothing but "wordpress"
    assert siblings("best seo plugin for wordpress") == []  # only the parent is about plugins


def test_store_briefs_collection_copy_and_supporting_article(data):
    made, _index = briefs(data, "shopify", STORE, "ThemeShop")
    parent, free, howto = made
    assert (parent.format, free.format, howto.format) == ("collection", "collection", "how_to")
    assert parent.schema_type.startswith("CollectionPage, ItemList")
    assert parent.cta == "Shop WordPress Themes" and howto.cta == "Shop WordPress Themes"
    assert parent.outline[0]["text"] == "Intro (above the product grid)"
    assert parent.intro.startswith("Shop WordPress Themes at ThemeShop")
    assert not any("free" in o["text"].lower() for o in headings(parent))  # the sibling's
    body = collections_frame([{"brief": b.to_dict(), "draft": {}} for b in made])["Body HTML"]
    assert list(body) == [f"<p>{parent.intro}</p>", f"<p>{free.intro}</p>"]
