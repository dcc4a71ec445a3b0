"""Extraction and page types of the site crawl (pure: HTML strings in, fields out)."""

from __future__ import annotations

import json
import time

import pytest

from services.site.crawl import extract
from services.site.crawl.extract import MainText, extract_page
from services.site.crawl.page_type import classify

ARTICLE = """<!doctype html><html><head>
<title>  How to choose
 trail shoes | Shop </title>
<meta name="description" content="Grip, drop and fit.">
<meta name="ROBOTS" content="index, follow">
<link rel="alternate canonical" href="/guides/trail-shoes">
<script type="application/ld+json">{"@context": "https://schema.org",
 "@graph": [{"@type": "WebPage"}, {"@type": ["BlogPosting", "Article"]}]}</script>
</head><body>
<header><nav><a href="/">Home</a><a href="/collections/all">Shop</a></nav></header>
<main><article><h1>How to choose trail shoes <a class="headerlink" href="#h">¶</a></h1>
<p>Trail shoes differ from road shoes in three ways that matter on rough ground.</p>
<h2>Grip</h2><p>Deep lugs bite into mud; sticky rubber holds on wet rock.</p>
<h3>Drop</h3><p>A low drop keeps the foot close to the ground for stability.</p>
<p>See <a href="../products/trail-runner?ref=guide#reviews" rel="nofollow">the Trail Runner</a>,
<a href="https://partner.example.org/">a partner</a>, <a href="mailto:x@example.org">mail</a>,
<a href="javascript:void(0)">js</a>, <a href="#top">top</a> and
<a href="/collections/trail"><img src="a.png" alt="Trail collection"></a>.</p>
</article></main>
<footer>Privacy policy · Terms of service · Cookie settings</footer></body></html>"""


def test_article_fields_links_and_main_text():
    out = extract_page(ARTICLE, "https://shop.example.com/blog/how-to-choose")
    assert out.title == "How to choose trail shoes | Shop"
    assert out.meta_description == "Grip, drop and fit."
    assert out.h1 == "How to choose trail shoes"  # permalink pilcrow dropped
    assert out.headings["h2"] == ["Grip"] and out.headings["h3"] == ["Drop"]
    assert out.canonical == "https://shop.example.com/guides/trail-shoes"
    assert not out.noindex and out.robots_meta == "index, follow"
    assert out.jsonld_types == ["WebPage", "BlogPosting", "Article"]
    assert out.page_type == "article"
    links = {(link.url, link.anchor, link.nofollow) for link in out.links}
    assert (
        "https://shop.example.com/products/trail-runner?ref=guide",
        "the Trail Runner",
        True,
    ) in links
    assert ("https://shop.example.com/collections/trail", "Trail collection", False) in links
    assert ("https://partner.example.org/", "a partner", False) in links
    assert not any(u.startswith(("mailto:", "javascript:")) or "#" in u for u, _a, _n in links)
    assert "Deep lugs bite into mud" in out.body_text
    assert "Privacy policy" not in out.body_text and "Cookie settings" not in out.body_text
    assert 45 <= out.word_count <= 60  # the article's words, not the menu or footer


def test_noindex_from_meta_or_header_and_meta_refresh():
    html = (
        '<html><head><meta name="robots" content="NOINDEX, nofollow">'
        '<meta http-equiv="refresh" content="0; url=https://elsewhere.example.org/">'
        "</head><body><p>x</p></body></html>"
    )
    out = extract_page(html, "https://a.example.com/")
    assert out.noindex and out.meta_refresh == "https://elsewhere.example.org/"
    plain = "<html><body><p>Hello there</p></body></html>"
    assert extract_page(
        plain, "https://a.example.com/x", headers={"x-robots-tag": "noindex"}
    ).noindex
    assert not extract_page(
        plain, "https://a.example.com/x", headers={"x-robots-tag": "googlebot: noindex"}
    ).noindex  # another crawler's rule
    assert (
        extract_page(
            plain,
            "https://a.example.com/x",
            headers={"link": '<https://a.example.com/y>; rel="canonical"'},
        ).canonical
        == "https://a.example.com/y"
    )


def test_base_href_resolves_relative_links():
    html = '<html><head><base href="https://cdn.example.com/shop/"></head><body><a href="p/1">One</a></body></html>'
    out = extract_page(html, "https://example.com/x/y")
    assert [link.url for link in out.links] == ["https://cdn.example.com/shop/p/1"]


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(
    ("url", "head", "body", "expected_type", "expected_count"),
    [
        ("https://s.example.com/", "", "", "home", None),
        (
            "https://s.example.com/anything",
            _ld({"@type": "ItemList", "numberOfItems": 24, "itemListElement": []}),
            "",
            "collection",
            24,
        ),
        (
            "https://s.example.com/anything",
            _ld([{"@type": "Product"}, {"@type": "Product"}, {"@type": "Product"}]),
            "",
            "collection",
            3,
        ),
        (
            "https://s.example.com/x",
            _ld({"@type": "Product", "offers": {"@type": "Offer"}}),
            "",
            "product",
            None,
        ),
        (
            "https://s.example.com/shop-page",
            "",
            '<ul class="products">' + '<li class="product">p</li>' * 5 + "</ul>",
            "collection",
            5,
        ),
        ("https://s.example.com/collections/trail-shoes", "", "", "collection", None),
        ("https://s.example.com/collections/trail/products/tr2", "", "", "product", None),
        ("https://s.example.com/product-category/shoes/", "", "", "collection", None),
        ("https://s.example.com/2024/05/race-report", "", "", "article", None),
        ("https://s.example.com/contact", "", "", "other", None),
    ],
)
def test_page_type_and_product_count(url, head, body, expected_type, expected_count):
    html = f"<html><head>{head}</head><body>{body}<p>Some words here.</p></body></html>"
    out = extract_page(html, url, main_text=lambda h, u: ("Some words here.", ""))
    assert (out.page_type, out.product_count) == (expected_type, expected_count)


def test_product_page_with_related_cards_stays_a_product():
    assert (
        classify(
            "https://s.example.com/products/tr2",
            jsonld_types=["Product"],
            product_count=4,
            jsonld_products=1,
        )
        == "product"
    )
    assert (
        classify("https://s.example.com/x", body_classes="page template-collection") == "collection"
    )
    assert classify("https://s.example.com/x", og_type="article") == "article"


def test_main_text_time_limit_falls_back_to_the_body_text(monkeypatch):
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: time.sleep(1) or "late")
    limited = MainText(timeout_s=0.05)
    html = "<html><body><nav>Menu</nav><main><p>Real words of the page.</p></main></body></html>"
    try:
        out = extract_page(html, "https://a.example.com/p", main_text=limited)
    finally:
        limited.close()
    assert out.body_text == "Real words of the page." and out.word_count == 5
    assert out.warnings == ["main text extraction took over 0.05 s"]


def test_main_text_clears_trafilatura_caches_periodically(monkeypatch):
    cleared = []
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: "text")
    monkeypatch.setattr(extract, "RESET_CACHES_EVERY", 3)
    monkeypatch.setattr("trafilatura.meta.reset_caches", lambda: cleared.append(1))
    main = MainText()
    try:
        for _ in range(7):
            main("<p>x</p>", "https://a.example.com/")
    finally:
        main.close()
    assert len(cleared) == 2


def test_trafilatura_calls_never_overlap_across_threads_or_instances(monkeypatch):
    # trafilatura shares its lxml parser and XPath objects between threads: two calls at
    # once aborted the interpreter in CI. Two MainText instances, two workers each.
    import threading

    import trafilatura

    state = {"running": 0, "most": 0}
    guard = threading.Lock()

    def slow_extract(html, **_kw):
        with guard:
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
        time.sleep(0.02)
        with guard:
            state["running"] -= 1
        return "text"

    monkeypatch.setattr(trafilatura, "extract", slow_extract)
    first, second = MainText(timeout_s=5, workers=2), MainText(timeout_s=5, workers=2)
    threads = [
        threading.Thread(target=m, args=("<p>x</p>", f"https://a.example/{i}"))
        for i, m in enumerate([first, second] * 4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.close()
    second.close()
    assert state["most"] == 1
