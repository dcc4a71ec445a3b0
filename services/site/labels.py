"""Candidate labels for pages without keyword data (issue 18 §5). Pure.

A label is what the page says it is about — its H1, else its title, else its URL slug — cut
to a phrase: the brand suffix ("… | Acme") and a section number ("1.2.3.") go, a long
heading is cut at its first colon, dash or parenthesis, a heading still longer than
:data:`MAX_LABEL_WORDS` is cut before a grammar word (never inside a noun phrase), and a
label never ends on a grammar word ("guide to the" → "guide"). A one-word label takes its section from the URL
path in front of it ("/accessibility/forms" → "accessible forms", "/travel/insurance" →
"travel insurance"); a root page takes the site name from its title ("Preface — Scipy
lecture notes" → "scipy lecture notes preface"): "forms" is no search anyone types. Labels are shown as "label to verify",
never as keywords, until keyword data (rankings or volumes) confirms them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from services.core.text import normalize_keyword

#: Longest label, in words (a title is a sentence, a keyword is a phrase).
MAX_LABEL_WORDS = 8
_TITLE_SPLIT = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
# "1.2.3. Control flow", "1. Intro" (a dot is required: "2026 trail shoes" keeps its year)
_SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)+\.?\s+|^\s*\d+\.\s+")
_PHRASE_END = re.compile(r"\s*[:(;?!]|\s+[–—]\s+|,\s")
_SLUG_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_EXTENSION = re.compile(r"\.(html?|php|aspx?)$")
#: Words a cut label must not end on.
_DANGLING = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "with",
        "by",
        "from",
        "your",
        "our",
        "my",
        "is",
        "are",
        "vs",
        "how",
        "what",
        "why",
    ]
)
#: Path segments that carry no section meaning.
_NO_SECTION = frozenset(
    [
        "index",
        "en",
        "us",
        "uk",
        "www",
        "page",
        "pages",
        "p",
        "c",
        "learn",
        "blog",
        "blogs",
        "news",
        "article",
        "articles",
        "post",
        "posts",
        "resources",
        "docs",
        "doc",
        "help",
        "category",
        "categories",
        "tag",
        "tags",
        "topic",
        "topics",
        "hub",
        "examples",
        "auto examples",
        "gallery",
    ]
)
# "accessibility" → "accessible", "usability" → "usable" (the adjective reads as a search).
_ADJECTIVE = [(re.compile(r"ibility$"), "ible"), (re.compile(r"ability$"), "able")]


def _words(segment: str) -> str:
    return " ".join(_SLUG_WORDS.findall(_EXTENSION.sub("", segment).replace("_", " ")))


def _phrase(text: str) -> str:
    """A heading cut to a keyword-like phrase (see the module rules)."""
    text = _TITLE_SPLIT.split(text)[0]
    text = _SECTION_NUMBER.sub("", text)
    text = _PHRASE_END.split(text)[0]
    words = [w for w in normalize_keyword(text).split(" ") if w]
    if len(words) > MAX_LABEL_WORDS:
        # Cut before a grammar word, not inside a noun phrase ("… in the annual | report").
        window = words[:MAX_LABEL_WORDS]
        cuts = [i for i, w in enumerate(window) if i >= 2 and w in _DANGLING]
        words = window[: cuts[-1]] if cuts else window
    while len(words) > 1 and words[-1] in _DANGLING:
        words.pop()
    return " ".join(words)


def _section(url: str, label: str) -> str:
    """The nearest path segment before the last one that adds a word to ``label``."""
    parts = [p for p in unquote(urlsplit(url).path or "").split("/") if p]
    for segment in reversed(parts[:-1]):
        words = _words(segment).lower()
        if not words or words in _NO_SECTION or set(words.split()) & set(label.split()):
            continue
        for pattern, ending in _ADJECTIVE:
            words = pattern.sub(ending, words)
        return words
    return ""


def page_label(url: str, h1: str = "", title: str = "") -> str:
    """The page's candidate label ("" when it has no H1, title or slug words).

    Parameters
    ----------
    url : str
        The page URL (its path gives the slug and the section).
    h1, title : str
        Crawled H1 and title ("" when unknown).

    Examples
    --------
    ``page_label("https://x.org/accessibility/forms/", h1="Forms")`` → ``"accessible forms"``;
    ``page_label("https://x.com/p", title="Best Hiking Boots for Women – Acme")`` →
    ``"best hiking boots for women"``.
    """
    path = unquote(urlsplit(url).path or "").rstrip("/")
    last = _words(path.rsplit("/", 1)[-1])
    for source in (h1, title, last):
        label = _phrase(source) if source else ""
        if label:
            break
    if label and len(label.split()) == 1:
        section = _section(url, label) or _site_name(title, label)
        if section:
            label = f"{section} {label}"
    return label


def _site_name(title: str, label: str) -> str:
    """The title's last segment ("Preface — Scipy lecture notes" → "scipy lecture notes")
    when it is short and adds words: the site's own name is the section of a root page."""
    parts = _TITLE_SPLIT.split(title or "")
    if len(parts) < 2:
        return ""
    name = normalize_keyword(parts[-1])
    words = name.split()
    return name if 1 <= len(words) <= 4 and label not in words else ""
