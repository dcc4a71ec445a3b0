"""The site's own URL patterns, inferred from its crawled and ranking URLs (issue 18 §2). Pure.

A page's **pattern** is its path with the last segment replaced by ``{slug}``:
``/travel/learn/faye-travel-insurance`` → ``/travel/learn/{slug}``. URLs sharing a pattern
form a **section**; its **topic words** are the content words of the section's own segments
and of its pages' slugs.

For a new page (keyword, page type), :func:`pattern_for` picks the section that

1. holds at least :data:`MIN_SECTION_PAGES` URLs (one or two URLs are no convention);
2. has a compatible page type when the crawl knows its pages' types
   (:data:`COMPATIBLE_TYPES`: a new article goes where articles and guides live, a new
   collection where categories live); for pages known only from rankings the section's
   name says it when it is a platform base (:data:`IMPLIED_TYPES`: /collections/,
   /blogs/…), else they fit any type;
3. is on the keyword's topic: a section named by topic words ("/travel/learn/" → travel)
   needs one of them in the keyword or the cluster's parent keyword ("home insurance" does
   not go under /travel/); generic section names (blog, learn, news) say nothing;
4. shares the most topic words with the keyword, summed over its pages (at least one page
   must share a content word with it), then more pages, then the shorter pattern.

No section qualifies → None, and the caller uses the site type's default path. The root
section (``/{slug}``) qualifies like any other when the site keeps its pages at the root.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from services.core.text import content_tokens

#: URLs a section needs before its pattern counts as the site's convention.
MIN_SECTION_PAGES = 3
#: Example URLs kept as evidence per section.
EXAMPLES = 3
#: Crawl page types (``services.site.crawl.page_type``) a new page of each type may join.
COMPATIBLE_TYPES: dict[str, frozenset[str]] = {
    "collection": frozenset({"collection", "category", "other"}),
    "article": frozenset({"article", "guide", "blog_post", "case_study", "other"}),
    "comparison": frozenset({"article", "guide", "blog_post", "other"}),
    "landing": frozenset({"product", "landing", "other"}),
}
#: Section names that say nothing about the topic ("/blog/", "/learn/").
GENERIC_SECTION_WORDS = frozenset(
    [
        "new",
        "product",
        "products",
        "collection",
        "collections",
        "shop",
        "store",
        "category",
        "categories",
        "c",
        "p",
        "tag",
        "tags",
        "docs",
        "help",
        "blog",
        "blogs",
        "news",
        "learn",
        "article",
        "articles",
        "post",
        "posts",
        "resources",
        "guide",
        "guides",
        "library",
        "hub",
        "page",
        "pages",
        "en",
        "us",
        "uk",
        "www",
    ]
)
#: Page types that are never a template for new pages (listings of other pages, the home).
_NOT_A_TEMPLATE = frozenset({"home", "tag"})
#: Page type a section's own name says when the crawl does not know its pages' types (pages
#: known only from rankings): the platforms' category, product and blog bases (Shopify
#: /collections/, /products/, /blogs/<blog>/; WooCommerce /product-category/, /product/).
IMPLIED_TYPES: dict[str, str] = {
    "collections": "collection",
    "collection": "collection",
    "product-category": "collection",
    "category": "collection",
    "categories": "collection",
    "products": "product",
    "product": "product",
    "blogs": "article",
    "blog": "article",
    "news": "article",
    "articles": "article",
    "guides": "guide",
    "learn": "guide",
}


@dataclass(frozen=True)
class SitePage:
    """A URL of the site as the inference sees it (``page_type`` None when unknown)."""

    url: str
    page_type: str | None = None


@dataclass
class Section:
    """URLs sharing one pattern.

    Attributes
    ----------
    pattern : str
        e.g. ``/travel/learn/{slug}`` (``/`` or ``.html`` after it when most of its URLs
        have one).
    urls : list of str
        Its URLs, in input order.
    types : collections.Counter
        Known page types of its URLs.
    topics : list of set of str
        Per URL, the content words of the section segments and the URL's slug.
    """

    pattern: str
    urls: list[str] = field(default_factory=list)
    types: Counter[str] = field(default_factory=Counter)
    topics: list[set[str]] = field(default_factory=list)
    slashes: int = 0
    html: int = 0
    name_words: frozenset[str] = frozenset()
    implied_type: str | None = None


@dataclass(frozen=True)
class InferredPattern:
    """The pattern chosen for a new page and where it came from.

    Attributes
    ----------
    pattern : str
        Path template with ``{slug}``.
    pages : int
        URLs of the site following it.
    matching : int
        Of those, URLs sharing a content word with the keyword.
    examples : tuple of str
        Up to :data:`EXAMPLES` of those URLs.
    """

    pattern: str
    pages: int
    matching: int
    examples: tuple[str, ...]

    @property
    def evidence(self) -> str:
        """Plain text: "from 37 URLs of the site, 12 on this topic, e.g. https://…"."""
        sample = ", ".join(self.examples)
        return (
            f"{self.pattern} — the site's own pattern: {self.pages:,} URLs follow it, "
            f"{self.matching:,} on this topic (e.g. {sample})"
        )


def _segments(url: str) -> tuple[list[str], bool]:
    path = unquote(urlsplit(url).path or "/")
    parts = [p for p in path.split("/") if p]
    return parts, path.endswith("/")


def sections(pages: Iterable[SitePage]) -> dict[str, Section]:
    """Group URLs by pattern (the home page and tag pages are left out)."""
    out: dict[str, Section] = {}
    for page in pages:
        if page.page_type in _NOT_A_TEMPLATE:
            continue
        parts, slash = _segments(page.url)
        if not parts or "." in parts[-1] and not parts[-1].endswith((".html", ".htm")):
            continue
        prefix = "/" + "".join(f"{p.lower()}/" for p in parts[:-1])
        if prefix not in out:
            name = " ".join(parts[:-1]).replace("-", " ").replace("_", " ")
            named = frozenset(content_tokens(name)) - GENERIC_SECTION_WORDS
            implied = next(
                (IMPLIED_TYPES[p.lower()] for p in parts[:-1] if p.lower() in IMPLIED_TYPES), None
            )
            out[prefix] = Section(prefix + "{slug}", name_words=named, implied_type=implied)
        section = out[prefix]
        section.urls.append(page.url)
        section.slashes += int(slash)
        section.html += int(parts[-1].lower().endswith((".html", ".htm")))
        if page.page_type:
            section.types[page.page_type] += 1
        words = " ".join(parts).replace("-", " ").replace("_", " ")
        section.topics.append(set(content_tokens(words.rsplit(".", 1)[0])))
    for section in out.values():
        if section.html * 2 > len(section.urls):
            section.pattern += ".html"
        elif section.slashes * 2 > len(section.urls):
            section.pattern += "/"
    return out


def _type_fits(section: Section, page_type: str) -> bool:
    """The section's pages are of a type a new ``page_type`` page may join: by the crawl's
    types, else by the section's name (:data:`IMPLIED_TYPES`), else any type fits."""
    if section.types:
        top, _n = section.types.most_common(1)[0]
    elif section.implied_type:
        top = section.implied_type
    else:
        return True
    return top in COMPATIBLE_TYPES.get(page_type, frozenset({"other"}))


def pattern_for(
    keyword: str,
    page_type: str,
    site: dict[str, Section] | Sequence[SitePage],
    *,
    topic: str | None = None,
) -> InferredPattern | None:
    """The site's pattern for a new page, or None (then the site type's default applies).

    Parameters
    ----------
    keyword : str
        The new page's primary keyword.
    page_type : str
        collection | article | comparison | landing (``services.core.slugs.PAGE_TYPES``).
    site : dict or sequence
        :func:`sections` output, or the site's pages (grouped here).
    topic : str, optional
        The cluster's parent keyword: its words count as the page's topic too.

    Returns
    -------
    InferredPattern or None
        Rules in the module docstring.
    """
    groups = site if isinstance(site, dict) else sections(site)
    wanted = set(content_tokens(keyword)) | set(content_tokens(topic or ""))
    if not wanted:
        return None
    best: tuple[tuple[int, int, int], Section, list[int]] | None = None
    for section in groups.values():
        if len(section.urls) < MIN_SECTION_PAGES or not _type_fits(section, page_type):
            continue
        if section.name_words and not section.name_words & wanted:
            continue  # a named section ("/travel/…") takes only pages on its topic
        shared = [len(words & wanted) for words in section.topics]
        hits = [i for i, n in enumerate(shared) if n]
        if not hits:
            continue
        rank = (sum(shared), len(section.urls), -len(section.pattern))
        if best is None or rank > best[0]:
            best = (rank, section, hits)
    if best is None:
        return None
    _rank, section, hits = best
    return InferredPattern(
        pattern=section.pattern,
        pages=len(section.urls),
        matching=len(hits),
        examples=tuple(section.urls[i] for i in hits[:EXAMPLES]),
    )


def site_patterns(pages: Sequence[SitePage], limit: int = 20) -> list[tuple[str, int, str]]:
    """The site's main patterns for display: (pattern, URLs, most common page type or "")."""
    groups = sections(pages)
    rows = [
        (s.pattern, len(s.urls), s.types.most_common(1)[0][0] if s.types else "")
        for s in groups.values()
        if len(s.urls) >= MIN_SECTION_PAGES
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:limit]
