"""Keyword text normalisation shared by the importer, the funnel and list clustering.

Two levels:

* :func:`normalize_keyword` — the storage key: Unicode NFKC, lowercase, collapsed
  whitespace, trimmed. "Trail  Running Shoes " → "trail running shoes".
* :func:`canonical_key` — the near-duplicate key: additionally drops possessives, stop
  words and simple plurals and sorts the words, so "women's trail running shoes" and
  "trail running shoes for women" share one key (a cannibalization risk, spec Stage 3).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TOKEN = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

#: English function words that never change which page a keyword belongs to.
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "the",
        "for",
        "of",
        "in",
        "on",
        "at",
        "to",
        "with",
        "and",
        "by",
        "from",
        "into",
        "your",
        "my",
        "our",
        "is",
        "are",
        "be",
    ]
)
#: Words that change the page a keyword needs (issue 16): local ("payday loans near me" is a
#: local page), comparison ("a vs b", "a alternatives"), commercial ("best", "top", "review")
#: modifiers. They are NOT stop words: two keywords differing by one of them are two pages
#: unless evidence (same Parent Keyword, ranking URL, SERP overlap) joins them, in every
#: context. Measured on the development sets with Parent Keyword (one pair per "m x", x =
#: the highest-volume keyword the text rules join to its rest): "best/top x" shares x's
#: Parent Keyword in 27 % of 612 pairs when x is a plain query (socks 18 %, law 27 %,
#: chatgpt-prompts 74 %) and 2 of 5 when x is a question; "x near me" 15 % (275), "x vs y"
#: 16 % (19), "cheap x" 31 % (13), "free x" 15 % (27), "x review(s)" 5 % (19), against
#: 45-63 % for keywords the text rules already join (issue 16).
LOCAL_WORDS: frozenset[str] = frozenset(["near", "me", "nearby", "local", "closest", "nearest"])
COMPARISON_WORDS: frozenset[str] = frozenset(
    ["vs", "versus", "or", "alternative", "alternatives", "compare", "comparison"]
)
COMMERCIAL_WORDS: frozenset[str] = frozenset(
    ["best", "top", "review", "reviews", "cheap", "cheapest", "free", "affordable", "rated"]
)
PAGE_CHANGING_WORDS: frozenset[str] = LOCAL_WORDS | COMPARISON_WORDS | COMMERCIAL_WORDS
#: Spanish basics of the same kind.
SPANISH_STOP_WORDS: frozenset[str] = frozenset(
    [
        "de",
        "la",
        "el",
        "los",
        "las",
        "del",
        "para",
        "con",
        "y",
        "en",
        "un",
        "una",
    ]
)
#: Function words that never change which page a keyword belongs to (English + Spanish basics).
STOP_WORDS: frozenset[str] = ENGLISH_STOP_WORDS | SPANISH_STOP_WORDS

#: Words that qualify a keyword without changing the page that serves it ("awesome free
#: wordpress themes" and "top free wordpress themes" are one page), plus years ("… 2025").
FILLER_WORDS: frozenset[str] = frozenset(
    [
        "awesome",
        "amazing",
        "great",
        "good",
        "cool",
        "nice",
        "most",
        "popular",
        "list",
        "ultimate",
        "greatest",
        "finest",
    ]
)
_YEAR = re.compile(r"^(19|20)\d\d$")
#: Words of a search for news or updates (the funnel's dated news, a brief's updates page).
NEWS_WORDS: frozenset[str] = frozenset(["news", "update", "updates", "latest", "today"])
#: Month names; "may" is also a verb, so callers decide whether it counts.
MONTH_NAMES: frozenset[str] = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"]
)  # fmt: skip

#: Typographic apostrophes and primes read as the ASCII apostrophe ("don’t" = "don't").
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})

_IRREGULAR = {"women": "woman", "men": "man", "children": "child", "feet": "foot", "kids": "kid"}
#: Words ending in "s" that are not plurals, or whose "-s" form names something else: the
#: rule would turn "news" into "new" ("wordpress news" = "new wordpress" by word order).
_IRREGULAR.update({w: w for w in ("news", "series", "species", "lens", "gas", "bus")})


def normalize_keyword(text: str) -> str:
    """Storage form of a keyword: NFKC, typographic apostrophes as ', lowercase, single
    spaces, trimmed.

    Args:
        text: raw keyword as typed or exported.

    Returns:
        The normalised keyword ("" for blank input).
    """
    text = text or ""
    if not text.isascii():  # NFKC and the apostrophes change nothing in ASCII text
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    # str.split() and re's \s split on the same (Unicode) whitespace; this is ~4x faster.
    return " ".join(text.split()).lower()


@lru_cache(maxsize=200_000)
def singularize(word: str) -> str:
    """Cheap English singular for plural-insensitive matching ("shoes" → "shoe").

    Rule-based on purpose (no dictionary): it only has to map a plural and its singular to
    the same string, not produce correct English.
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Word tokens of a normalised keyword, possessives stripped ("women's" → "women")."""
    text = normalize_keyword(text)
    if text.isascii() and text.replace(" ", "").isalnum():
        return text.split()  # only letters, digits and single spaces: the regex's tokens
    out = []
    for tok in _TOKEN.findall(text):
        tok = tok.replace("’", "'")
        if tok.endswith("'s"):
            tok = tok[:-2]
        elif tok.endswith("s'"):
            tok = tok[:-1]
        out.append(tok.replace("'", ""))
    return out


def content_tokens(text: str) -> list[str]:
    """Singularised tokens without stop words, in keyword order."""
    return list(_content_tokens(text))


@lru_cache(maxsize=4096)  # canonical_key and its callers ask for the same keyword in a row
def _content_tokens(text: str) -> tuple[str, ...]:
    return tuple(singularize(t) for t in tokens(text) if t not in STOP_WORDS)


def canonical_key(text: str) -> str:
    """Order-, plural-, possessive-, stop-word-, filler- and year-insensitive key of a keyword.

    Returns:
        Sorted content tokens joined by spaces; falls back to the normalised keyword when
        every token is a stop word.
    """
    toks = sorted({t for t in content_tokens(text) if t not in FILLER_WORDS and not _YEAR.match(t)})
    return " ".join(toks) if toks else normalize_keyword(text)
