"""Lexical keys: keywords that are the same words in another form are one group.

Case, accents, hyphens, possessives, plurals, word order, stop and filler words, years,
audience synonyms and market words never change the page that serves a keyword; the two
keys of :func:`lexical_keys` capture that, and :func:`lexical_groups` unions keywords sharing
either key. Pure (strings in, arrays out); :mod:`services.clustering.variants` adds the
same-search rules that need the list as context (comparisons, implied head nouns,
acronyms the list spells out).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from services.core.text import (
    FILLER_WORDS,
    STOP_WORDS,
    normalize_keyword,
    singularize,
    tokens,
)


def _fold(token: str) -> str:
    """Accents off ("reparación" → "reparacion"), hyphens and apostrophes out."""
    if not token.isascii():
        token = unicodedata.normalize("NFKD", token)
        token = "".join(ch for ch in token if not unicodedata.combining(ch))
    return token.replace("-", "").replace("'", "")


#: Audience words folded to one form before the lexical keys are built: Ahrefs' Parent
#: Keyword (the page that ranks #1) puts "ladies walking socks" with "walking socks womens"
#: and "childrens socks" with "kids socks" (shared Ahrefs "socks" export, B-cubed F1 of the
#: lexical groups 0.787 → 0.795 with this map). Applied after :func:`singularize`.
AUDIENCE_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(["lady", "women", "woman", "womens", "womans", "female"], "woman"),
    **dict.fromkeys(["men", "man", "mens", "male", "gent"], "man"),
    **dict.fromkeys(["kid", "child", "children", "childrens", "kiddy", "kiddie"], "kid"),
}
#: Market words that never change the page: "heated socks uk" ranks the "heated socks" page
#: (13 of 19 "… uk" keywords of the shared Ahrefs export have the un-suffixed Parent Keyword).
MARKET_WORDS: frozenset[str] = frozenset(["uk", "usa"])


@lru_cache(maxsize=250_000)
def _key_token(token: str) -> str:
    """One content token as used in the lexical keys ("" = dropped)."""
    token = singularize(_fold(token))
    if token in MARKET_WORDS:
        return ""
    return AUDIENCE_SYNONYMS.get(token, token)


@lru_cache(maxsize=250_000)
def lexical_keys(keyword: str) -> tuple[str, str]:
    """The two keys that make keywords lexical variants of each other.

    Returns
    -------
    tuple of str
        ``(bag, compound)``: the words of :func:`services.core.text.canonical_key` (order,
        plural, possessive, stop word, filler word and year insensitive) folded and sorted,
        and the folded content tokens in keyword order glued together. "Women's Trail
        Shoes" and "trail shoe for women" share the bag key; "trinkwasser test" and
        "trinkwassertest" share the compound key.
    """
    return lexical_keys_of(keyword, tokens(keyword))


#: Keywords the caches of :func:`lexical_keys` and :func:`_key_token` hold; a list longer
#: than this is tokenised once per keyword by its caller (:func:`lexical_keys_of`), as the
#: caches cannot keep it between passes.
KEY_CACHE_SIZE = 250_000
_YEAR = re.compile(r"^(19|20)\d\d$")


def lexical_keys_of(keyword: str, toks: Sequence[str]) -> tuple[str, str]:
    """:func:`lexical_keys` of ``keyword`` from its tokens (``toks`` =
    :func:`services.core.text.tokens` of it), for callers that tokenise it once for several
    keys. The bag is :func:`services.core.text.canonical_key` of these tokens."""
    content = [singularize(t) for t in toks if t not in STOP_WORDS]
    kept = sorted({t for t in content if t not in FILLER_WORDS and not _YEAR.match(t)})
    canonical = " ".join(kept) if kept else normalize_keyword(keyword)
    # Fold AND singularise again: "trinkwasser-tests" is one token that singularize()
    # skips (not alphabetic) until the hyphen is gone.
    bag = sorted({t for t in map(_key_token, canonical.split()) if t})
    keyed = [t for t in map(_key_token, content) if t]
    if not keyed:
        norm = normalize_keyword(keyword)
        return " ".join(bag) or norm, norm.replace(" ", "")
    return " ".join(bag), "".join(keyed)


def lexical_groups(keywords: Sequence[str]) -> np.ndarray:
    """Group number per keyword; keywords sharing either lexical key share a group.

    Union-find over both keys, so "a b" ~ "b a" (bag) and "b a" ~ "ba" (compound) chain.
    Groups are numbered by first appearance.
    """
    return groups_by_shared_keys(
        [(bag, "\x00" + compound) for bag, compound in map(lexical_keys, keywords)]
    )


def groups_by_shared_keys(keys: Sequence[Sequence[str]]) -> np.ndarray:
    """Group items that share any key, transitively (union-find).

    Parameters
    ----------
    keys : sequence of sequences of str
        (n,) the keys of each item; two items sharing one key are in one group, and groups
        chain ("a b" ~ "b a" by one key, "b a" ~ "ba" by another).

    Returns
    -------
    np.ndarray
        (n,) int64 group numbers, numbered by first appearance.
    """
    n = len(keys)
    parent = list(range(n))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    first: dict[str, int] = {}
    for i, item_keys in enumerate(keys):
        for key in item_keys:
            j = first.setdefault(key, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    roots = np.fromiter((find(i) for i in range(n)), np.int64, n)
    _, groups = np.unique(roots, return_inverse=True)
    # Numbered by first appearance: np.unique numbers by root, which is the first member.
    return groups.astype(np.int64)
