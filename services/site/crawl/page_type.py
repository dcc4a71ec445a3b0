"""Page type label from URL pattern and markup.

Types: home, collection, product, article (blog posts and news), guide, case_study,
category (a blog's category archive), tag (a tag archive), other.

Signals, strongest first:

1. the site root is ``home``;
2. markup: JSON-LD ``ItemList`` / ``CollectionPage`` → collection; JSON-LD ``Product``
   → product; several products (JSON-LD or product cards, see
   :mod:`services.site.crawl.extract`) → collection; ``Article`` / ``BlogPosting`` / ``NewsArticle`` or ``og:type=article``
   → article; ``og:type=product`` → product; body classes of the two shop platforms the
   planner serves (Shopify ``template-collection`` / ``template-product``; WooCommerce
   ``tax-product_cat`` / ``post-type-archive-product`` / ``single-product``);
3. URL patterns of Shopify (``/collections/x``, ``/products/x``, ``/collections/x/products/y``),
   WooCommerce (``/product-category/x``, ``/product/x``, ``/shop``) and blogs
   (``/blog/…``, ``/blogs/…``, ``/news/…``, ``/articles/…``, ``/YYYY/MM/…``);
4. guides, case studies and archives, before the generic article markup (a guide often
   carries ``Article`` markup): JSON-LD ``HowTo`` → guide; a path segment ``guide(s)``,
   ``learn``, ``how-to``, ``tutorial(s)``, ``handbook`` → guide; ``case-study`` /
   ``case-studies`` / ``success-stories`` / ``customer-stories`` → case_study; ``/tag/x``,
   ``/tags/x`` or WordPress's ``tag`` body class → tag; ``/category/x`` or WordPress's
   ``category`` body class → category (a shop's ``/product-category/`` stays a collection);
5. else ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

PAGE_TYPES = (
    "home",
    "collection",
    "product",
    "article",
    "guide",
    "case_study",
    "category",
    "tag",
    "other",
)

_ARTICLE_TYPES = {"article", "blogposting", "newsarticle", "techarticle", "report"}
_COLLECTION_TYPES = {"itemlist", "collectionpage", "offercatalog", "productcollection"}
_PRODUCT_URL = re.compile(r"/(products?|p)/[^/]+/?$|/collections/[^/]+/products/[^/]+/?$")
_COLLECTION_URL = re.compile(r"^/(collections|collection|product-category|product-tag|c|shop)(/|$)")
_ARTICLE_URL = re.compile(r"^/(blog|blogs|news|articles?|posts?)/[^/]+|^/\d{4}/\d{2}/")
_GUIDE_URL = re.compile(r"/(guides?|learn|how-to|tutorials?|handbook)/[^/]+")
_CASE_STUDY_URL = re.compile(r"/(case-stud(y|ies)|success-stories|customer-stories)(/|$)")
_TAG_URL = re.compile(r"^/(.+/)?tags?/[^/]+")
_CATEGORY_URL = re.compile(r"^/(.+/)?(category|categories)/[^/]+")
_HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.php", "/home"}


def classify(
    url: str,
    *,
    jsonld_types: Iterable[str] = (),
    og_type: str | None = None,
    body_classes: str = "",
    product_count: int | None = None,
    jsonld_products: int = 0,
) -> str:
    """The page type of a crawled page.

    Parameters
    ----------
    url : str
        Final URL of the page.
    jsonld_types : iterable of str
        ``@type`` values of its JSON-LD blocks (any case).
    og_type : str, optional
        ``<meta property="og:type">``.
    body_classes : str
        ``class`` attribute of ``<body>``.
    product_count : int, optional
        Products listed on the page (JSON-LD or product cards).
    jsonld_products : int
        JSON-LD ``Product`` objects on the page (two or more: a listing).

    Returns
    -------
    str
        One of :data:`PAGE_TYPES`.
    """
    path = urlsplit(url).path or "/"
    if path.lower() in _HOME_PATHS:
        return "home"
    types = {t.lower() for t in jsonld_types}
    classes = set(body_classes.lower().split())
    og = (og_type or "").lower()
    if (
        jsonld_products >= 2
        or types & _COLLECTION_TYPES
        or classes
        & {
            "template-collection",
            "tax-product_cat",
            "post-type-archive-product",
        }
    ):
        return "collection"
    # A product page may show related-product cards: its own signals win over the card count.
    if "product" in types or og == "product" or classes & {"template-product", "single-product"}:
        return "product"
    if (product_count or 0) >= 2:
        return "collection"
    low = path.lower()
    editorial = _editorial_type(low, types, classes)
    if editorial:
        return editorial
    if types & _ARTICLE_TYPES or og == "article" or "single-post" in classes:
        return "article"
    if _PRODUCT_URL.search(low):
        return "product"
    if _COLLECTION_URL.search(low):
        return "collection"
    if _ARTICLE_URL.search(low):
        return "article"
    return "other"


def _editorial_type(path: str, types: set[str], classes: set[str]) -> str:
    """guide | case_study | tag | category from schema, URL and WordPress body classes."""
    if "howto" in types or _GUIDE_URL.search(path):
        return "guide"
    if _CASE_STUDY_URL.search(path):
        return "case_study"
    if "tag" in classes or _TAG_URL.search(path):
        return "tag"
    if "category" in classes or _CATEGORY_URL.search(path):
        return "category"
    return ""
