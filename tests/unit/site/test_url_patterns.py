"""The site's own URL patterns (issue 18 §2): inferred per page type and topic, with evidence."""

from __future__ import annotations

from services.site.url_patterns import SitePage, pattern_for, sections, site_patterns

NERDWALLET = [
    SitePage("https://www.nerdwallet.com/travel/learn/faye-travel-insurance"),
    SitePage("https://www.nerdwallet.com/travel/learn/cheap-travel-insurance"),
    SitePage("https://www.nerdwallet.com/travel/learn/tsa-precheck-vs-clear"),
    SitePage("https://www.nerdwallet.com/credit-cards/best-travel-credit-cards"),
    SitePage("https://www.nerdwallet.com/credit-cards/amex-gold"),
    SitePage("https://www.nerdwallet.com/credit-cards/chase-sapphire-preferred"),
    SitePage("https://www.nerdwallet.com/insurance/life"),
]


def test_the_topic_picks_the_section_and_the_evidence_names_its_urls() -> None:
    travel = pattern_for("annual travel insurance", "article", NERDWALLET)
    assert travel is not None and travel.pattern == "/travel/learn/{slug}"
    assert (travel.pages, travel.matching) == (3, 3)
    assert "faye-travel-insurance" in travel.evidence and "3 URLs follow it" in travel.evidence
    card = pattern_for("amex platinum card", "landing", NERDWALLET, topic="credit cards")
    assert card is not None and card.pattern == "/credit-cards/{slug}"


def test_no_topic_match_or_too_small_a_section_falls_back_to_the_site_type() -> None:
    assert pattern_for("gardening tools", "article", NERDWALLET) is None
    assert pattern_for("home insurance", "article", NERDWALLET) is None  # /insurance/: 1 URL


def test_page_types_keep_articles_out_of_product_sections() -> None:
    shop = [SitePage(f"https://s.com/products/trail-shoe-{i}", "product") for i in range(4)]
    shop += [SitePage(f"https://s.com/blogs/news/trail-tip-{i}/", "article") for i in range(3)]
    assert pattern_for("trail shoe care", "article", shop).pattern == "/blogs/news/{slug}/"
    assert pattern_for("trail shoe x", "landing", shop).pattern == "/products/{slug}"


def test_html_suffix_and_display_rows() -> None:
    docs = [SitePage(f"https://d.org/intro/numpy/page-{i}.html") for i in range(3)]
    assert sections(docs)["/intro/numpy/"].pattern == "/intro/numpy/{slug}.html"
    assert site_patterns(NERDWALLET) == [
        ("/credit-cards/{slug}", 3, ""),
        ("/travel/learn/{slug}", 3, ""),
    ]


def test_a_platform_base_says_its_sections_page_type_when_the_crawl_does_not():
    # A store known only from its rankings: a comparison is an article, not a collection,
    # although the collections hold more pages on the keyword's topic.
    shop = "https://shop.example"
    pages = [
        SitePage(shop + path)
        for path in (
            "/blogs/sock-care/how-to-wash-merino-socks",
            "/blogs/sock-care/how-to-fold-socks",
            "/blogs/sock-care/best-running-socks",
            "/collections/nike-socks",
            "/collections/adidas-socks",
            "/collections/grip-socks",
            "/collections/merino-socks",
        )
    ]
    found = pattern_for("nike vs adidas socks", "comparison", pages, topic="nike socks")
    assert found is not None and found.pattern == "/blogs/sock-care/{slug}"
    found = pattern_for("nike grip socks", "collection", pages, topic="nike socks")
    assert found is not None and found.pattern == "/collections/{slug}"
