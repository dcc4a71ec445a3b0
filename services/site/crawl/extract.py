"""What a crawled HTML page says: title, meta, headings, canonical, noindex, main text, links…

HTML is parsed once with selectolax's Lexbor engine (a fast, spec-compliant HTML5 parser);
the main body text (navigation, headers, footers and other boilerplate removed) comes from
trafilatura, the best-scoring open-source main-text extractor in the ScrapingHub and
Bevendorff et al. (SIGIR 2023) benchmarks. trafilatura runs in a worker thread with a time
limit (:class:`MainText`) on pages up to :data:`MAIN_TEXT_MAX_HTML`; when it times out, the
page is larger, or it finds nothing, the text of ``<main>`` /
``<article>`` / ``<body>`` without ``nav``/``header``/``footer``/``aside``/scripts is used and
the page carries a warning. trafilatura keeps LRU caches that grow about 1 MB a page on long
crawls; :class:`MainText` clears them every :data:`RESET_CACHES_EVERY` pages.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from services.site.crawl.page_type import classify
from services.site.crawl.robots import ROBOTS_TOKEN
from services.site.crawl.urls import resolve_link

#: Seconds trafilatura may spend on one page before the fallback text is used.
MAIN_TEXT_TIMEOUT_S = 10.0
#: Characters of HTML above which trafilatura is not run (about 6 s per 5 MB on one core) and
#: the fallback text is used, with a warning.
MAIN_TEXT_MAX_HTML = 2_000_000
#: Pages between two clears of trafilatura's caches.
RESET_CACHES_EVERY = 100
#: Characters of main text stored per page (about 30,000 words).
MAX_BODY_CHARS = 200_000
MAX_HEADING_CHARS = 500
MAX_LINKS_PER_PAGE = 2_000
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
_LINK_CANONICAL = re.compile(r"<([^>]+)>\s*;[^,]*rel=\"?canonical\"?", re.IGNORECASE)
#: Product-card markup of collection pages: WooCommerce's loop and common Shopify themes
#: (Dawn ``product-card-wrapper``, older ``grid-product`` / ``product-card`` / ``product-item``).
PRODUCT_CARD_SELECTORS = (
    "ul.products li.product",
    ".product-card-wrapper",
    ".grid-product",
    ".product-card",
    ".product-item",
    ".productitem",
    "[data-product-card]",
)
_BOILERPLATE = "script, style, noscript, template, svg, nav, header, footer, aside, form, iframe"


@dataclass
class Link:
    """A link of a page: absolute URL (no fragment), anchor text, ``rel=nofollow``."""

    url: str
    anchor: str
    nofollow: bool = False


@dataclass
class Extracted:
    """Everything taken from one page.

    Attributes
    ----------
    title, meta_description, h1 : str or None
        Whitespace-collapsed text; ``h1`` is the first H1.
    headings : dict
        ``{"h1": [...], …, "h6": [...]}`` in document order.
    canonical : str or None
        Absolute ``rel=canonical`` URL (link element, else the ``Link`` header).
    noindex : bool
        ``noindex``/``none`` in ``<meta name="robots">`` (or one naming our agent) or in the
        ``X-Robots-Tag`` header.
    robots_meta : str
        The meta robots content as found.
    meta_refresh : str or None
        Target URL of ``<meta http-equiv="refresh">`` (recorded, followed only on the site).
    body_text : str
        Main text (boilerplate removed), at most :data:`MAX_BODY_CHARS`.
    word_count : int
        Words of the main text.
    jsonld_types : list of str
        Distinct ``@type`` values of the JSON-LD blocks.
    product_count : int or None
        Products listed: JSON-LD ``ItemList`` size, several JSON-LD ``Product`` objects, or
        product cards (:data:`PRODUCT_CARD_SELECTORS`), the largest; None when none.
    page_type : str
        :func:`services.site.crawl.page_type.classify`.
    links : list of Link
        Every http(s) link, in order, deduplicated by (URL, anchor).
    warnings : list of str
        E.g. main text extraction timed out.
    """

    title: str | None = None
    meta_description: str | None = None
    h1: str | None = None
    headings: dict[str, list[str]] = field(default_factory=dict)
    canonical: str | None = None
    noindex: bool = False
    robots_meta: str = ""
    meta_refresh: str | None = None
    body_text: str = ""
    word_count: int = 0
    jsonld_types: list[str] = field(default_factory=list)
    product_count: int | None = None
    page_type: str = "other"
    links: list[Link] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


#: ``main_text(html, url) -> (text or None, warning or "")``.
MainTextFn = Callable[[str, str], tuple[str | None, str]]


#: One trafilatura call at a time in the process: it parses with module-level lxml parser and
#: XPath objects shared by every thread, and two concurrent calls aborted the interpreter in
#: lxml's ``document_fromstring`` (CI, 255-page crawl). Cache clearing takes the lock too.
_TRAFILATURA_LOCK = threading.Lock()


def _trafilatura(html: str, url: str) -> str | None:
    import trafilatura

    with _TRAFILATURA_LOCK:
        return _extract(trafilatura, html, url)


def _extract(trafilatura: Any, html: str, url: str) -> str | None:
    return trafilatura.extract(
        html,
        url=url,
        fast=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )


class MainText:
    """trafilatura with a time limit and periodic cache clearing (thread-safe: calls are
    serialised process-wide by a lock, trafilatura's lxml parser and XPath objects being
    shared by all threads).

    Parameters
    ----------
    timeout_s : float
        Seconds per page (:data:`MAIN_TEXT_TIMEOUT_S`); a page over it gets the fallback text.
    workers : int
        trafilatura threads. A timed-out call keeps its thread until it ends, so later pages
        may time out too while it runs: they fall back, the crawl never hangs.
    """

    def __init__(self, timeout_s: float = MAIN_TEXT_TIMEOUT_S, workers: int = 2) -> None:
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="main-text")
        self._lock = threading.Lock()
        self._pages = 0

    def __call__(self, html: str, url: str) -> tuple[str | None, str]:
        future = self._pool.submit(_trafilatura, html, url)
        try:
            text = future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
            return None, f"main text extraction took over {self.timeout_s:g} s"
        except (ValueError, TypeError, RecursionError, MemoryError) as exc:
            return None, f"main text extraction failed: {type(exc).__name__}"
        with self._lock:
            self._pages += 1
            reset = self._pages % RESET_CACHES_EVERY == 0
        if reset and _TRAFILATURA_LOCK.acquire(timeout=self.timeout_s):
            # Skipped when a timed-out call still holds the lock; the next round clears.
            try:
                from trafilatura.meta import reset_caches

                reset_caches()
            finally:
                _TRAFILATURA_LOCK.release()
        return text, ""

    def close(self) -> None:
        """Stop the worker threads (a running call is not interrupted)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _clean(text: str | None, limit: int = 0) -> str:
    out = _SPACE.sub(" ", text or "").strip()
    return out[:limit] if limit else out


def _text(node: LexborNode | None) -> str:
    return _clean(node.text(deep=True, separator=" ", strip=True)) if node is not None else ""


def _attr(node: LexborNode | None, name: str) -> str:
    if node is None:
        return ""
    return str(node.attributes.get(name) or "")


def _walk_jsonld(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk_jsonld(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@context" and isinstance(item, dict | list):
                yield from _walk_jsonld(item)


def _types_of(obj: dict[str, Any]) -> list[str]:
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [v.rsplit("/", 1)[-1] for v in values if isinstance(v, str) and v]


def _jsonld(tree: LexborHTMLParser) -> tuple[list[str], int, int | None]:
    """(types, Product objects, largest ItemList size) of the page's JSON-LD."""
    types: dict[str, None] = {}
    products = 0
    list_size: int | None = None
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(deep=True) or "null", strict=False)
        except ValueError:
            continue
        for obj in _walk_jsonld(data):
            obj_types = _types_of(obj)
            for t in obj_types:
                types.setdefault(t, None)
            lowered = {t.lower() for t in obj_types}
            if "product" in lowered:
                products += 1
            if "itemlist" in lowered:
                size = obj.get("numberOfItems")
                elements = obj.get("itemListElement")
                n = (
                    size
                    if isinstance(size, int)
                    else len(elements)
                    if isinstance(elements, list)
                    else 0
                )
                list_size = max(list_size or 0, n)
    return list(types), products, list_size


def _is_noindex(robots_meta: list[str], header: str) -> bool:
    tokens: set[str] = set()
    for content in robots_meta:
        tokens |= {t.strip().lower() for t in content.split(",")}
    for line in header.split(","):
        name, _, rest = line.partition(":")
        if rest and name.strip().lower() in ("all", ROBOTS_TOKEN.lower()):
            tokens.add(rest.strip().lower())
        elif not rest:
            tokens.add(name.strip().lower())
    return bool(tokens & {"noindex", "none"})


def _fallback_text(tree: LexborHTMLParser) -> str:
    """Text of ``<main>``, ``<article>`` or the body without boilerplate. Removes the
    boilerplate from ``tree`` itself (call it last): a copy of a 5 MB page's tree would
    cost another ~75 MB."""
    root = tree.css_first("main") or tree.css_first("article") or tree.body
    if root is None:
        return ""
    for node in root.css(_BOILERPLATE):
        node.decompose()
    return _text(root)


def extract_page(
    html: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    main_text: MainTextFn | None = None,
) -> Extracted:
    """Extract a page's SEO fields, main text and links.

    Parameters
    ----------
    html : str
        The page's HTML (possibly truncated).
    url : str
        Final URL (base of relative links unless ``<base href>`` says otherwise).
    headers : dict, optional
        Response headers, lowercase names (``x-robots-tag``, ``link``).
    main_text : callable, optional
        ``(html, url) -> (text, warning)``; default trafilatura without a time limit (the
        crawler passes a :class:`MainText`).

    Returns
    -------
    Extracted
    """
    headers = headers or {}
    tree = LexborHTMLParser(html)
    out = Extracted()
    base = resolve_link(_attr(tree.css_first("base[href]"), "href"), url) or url
    title = tree.css_first("title")
    out.title = (_clean(title.text(deep=True), 1000) if title is not None else None) or None
    og_type = _read_meta(tree, out, base, headers)
    out.canonical = _canonical(tree, base, url, headers)
    out.headings = _headings(tree)
    out.h1 = out.headings["h1"][0] if out.headings["h1"] else None
    out.jsonld_types, jsonld_products, list_size = _jsonld(tree)
    cards = max((len(tree.css(sel)) for sel in PRODUCT_CARD_SELECTORS), default=0)
    counts = [n for n in (list_size, jsonld_products if jsonld_products >= 2 else 0, cards) if n]
    out.product_count = max(counts) if counts else None
    out.links = _links(tree, base, out.warnings)
    body_classes = _attr(tree.body, "class")
    if len(html) > MAIN_TEXT_MAX_HTML:
        main, warning = None, "page too large for main-text extraction: whole body text used"
    else:
        main, warning = (main_text or (lambda h, u: (_trafilatura(h, u), "")))(html, url)
    if warning:
        out.warnings.append(warning)
    out.body_text = (main or _fallback_text(tree))[:MAX_BODY_CHARS]
    out.word_count = len(_WORD.findall(out.body_text))
    out.page_type = classify(
        url,
        jsonld_types=out.jsonld_types,
        og_type=og_type,
        body_classes=body_classes,
        product_count=out.product_count,
        jsonld_products=jsonld_products,
    )
    return out


def _read_meta(
    tree: LexborHTMLParser, out: Extracted, base: str, headers: dict[str, str]
) -> str | None:
    """Meta description, robots (and ``X-Robots-Tag``), refresh target into ``out``;
    returns the ``og:type``."""
    robots_meta: list[str] = []
    og_type = None
    for meta in tree.css("meta"):
        name = _attr(meta, "name").lower()
        content = _attr(meta, "content")
        if name == "description" and out.meta_description is None:
            out.meta_description = _clean(content, 2000) or None
        elif name in ("robots", ROBOTS_TOKEN.lower()):
            robots_meta.append(content)
        elif _attr(meta, "http-equiv").lower() == "refresh":
            match = _REFRESH_URL.search(content)
            if match:
                out.meta_refresh = resolve_link(match.group(1).strip(), base)
        elif _attr(meta, "property").lower() == "og:type":
            og_type = content
    out.robots_meta = ", ".join(c for c in robots_meta if c)
    out.noindex = _is_noindex(robots_meta, headers.get("x-robots-tag", ""))
    return og_type


def _canonical(tree: LexborHTMLParser, base: str, url: str, headers: dict[str, str]) -> str | None:
    """``<link rel=canonical>``, else the ``Link: <…>; rel="canonical"`` header."""
    for link in tree.css("link[rel]"):
        if "canonical" in _attr(link, "rel").lower().split():
            found = resolve_link(_attr(link, "href"), base)
            if found:
                return found
            break
    match = _LINK_CANONICAL.search(headers.get("link") or "")
    return resolve_link(match.group(1), url) if match else None


def _headings(tree: LexborHTMLParser) -> dict[str, list[str]]:
    """H1-H6 texts in document order, by level."""
    headings: dict[str, list[str]] = {f"h{i}": [] for i in range(1, 7)}
    for node in tree.css("h1, h2, h3, h4, h5, h6"):
        # Sphinx/MkDocs permalink anchors ("¶", "#") are markup, not heading text.
        text = _clean(node.text(deep=True, separator=" ")).rstrip(" ¶#")[:MAX_HEADING_CHARS]
        if text:
            headings[(node.tag or "h1").lower()].append(text)
    return headings


def _links(tree: LexborHTMLParser, base: str, warnings: list[str]) -> list[Link]:
    """Distinct (target, anchor) links, at most :data:`MAX_LINKS_PER_PAGE` (a warning when cut)."""
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()
    for a in tree.css("a[href]"):
        target = resolve_link(_attr(a, "href"), base)
        if target is None:
            continue
        anchor = (_text(a) or _clean(_attr(a.css_first("img[alt]"), "alt")))[:1000]
        if (target, anchor) in seen:
            continue
        seen.add((target, anchor))
        links.append(Link(target, anchor, "nofollow" in _attr(a, "rel").lower().split()))
        if len(links) >= MAX_LINKS_PER_PAGE:
            warnings.append(f"only the first {MAX_LINKS_PER_PAGE:,} links were kept")
            break
    return links
