"""A collection's "Shop by" filters from its sub-topics (the words they add to the page's
primary keyword). Pure: keywords in, filter names out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.clustering.intent_rules import QUESTION_PATTERN
from services.clustering.lexical import AUDIENCE_SYNONYMS, MARKET_WORDS
from services.content.casing import Casing
from services.content.topics import cached_content_tokens
from services.core.text import STOP_WORDS, content_tokens, normalize_keyword, singularize

#: Facet words listed under a collection's "Shop by".
MAX_FACETS = 6
_QUESTION = re.compile(QUESTION_PATTERN)


def facets(primary: str, subtopics: Sequence[tuple[str, int]], casing: Casing) -> list[str]:
    """What the sub-topics add to the primary keyword, as filter names ("men's", "wide
    feet", "waterproof"), at most :data:`MAX_FACETS`.

    The remainder of each non-question sub-topic once the primary keyword's words and market
    words ("uk") are gone: each audience word as its own filter in one form ("ladies",
    "womens" → "women's"), the other words as one filter when they are at most two and name
    a kind of product (not :data:`NOT_FILTERS`: "benefits", "review"); a filter whose words
    hold or are held by an earlier one's is left out ("swollen feet" after "swollen").

    Parameters
    ----------
    primary : str
        The page's primary keyword.
    subtopics : sequence of (keyword, searches/month)
        The outline's sub-topics, by searches.
    casing : Casing
        Published word forms.

    Returns
    -------
    list of str
        Filter names, by the searches of the sub-topic they come from.
    """
    own = set(content_tokens(primary))
    out: list[str] = []
    for kw, _volume in subtopics:
        if _QUESTION.search(kw):
            continue
        rest = [
            t
            for t in normalize_keyword(kw).split()
            if not set(cached_content_tokens(t)) & own and t not in MARKET_WORDS
        ]
        # An audience is a filter of its own ("walking ladies" = "women's" + "walking").
        audiences = [_AUDIENCE_FACETS[a] for t in rest if (a := _audience(t)) is not None]
        rest = [t for t in rest if _audience(t) is None]
        while rest and rest[0] in STOP_WORDS:
            rest.pop(0)
        while rest and rest[-1] in STOP_WORDS:
            rest.pop()
        facets = audiences
        if 1 <= len(rest) <= 2 and not any(t.isdigit() or t in NOT_FILTERS for t in rest):
            facets = [*audiences, " ".join(casing.form(t) or t for t in rest)]
        out.extend(f for f in facets if not any(_overlaps(f, o) for o in out))
    return out[:MAX_FACETS]


#: Words a shopper does not filter by: what a sub-topic asks about the product ("compression
#: socks benefits", "… review") rather than a kind of it.
NOT_FILTERS = frozenset(
    ["benefits", "benefit", "uses", "use", "meaning", "review", "reviews", "explained",
     "guide", "tips", "vs", "versus", "work", "works", "worth", "cost", "price", "prices"]
)  # fmt: skip


def _overlaps(facet: str, other: str) -> bool:
    """True when one filter's words hold the other's ("swollen" and "swollen feet")."""
    a, b = set(facet.lower().split()), set(other.lower().split())
    return a <= b or b <= a


#: How a collection's "Shop by" names an audience (the folded forms of
#: :data:`services.clustering.lexical.AUDIENCE_SYNONYMS`).
_AUDIENCE_FACETS = {"woman": "women's", "man": "men's", "kid": "kids'"}


def _audience(token: str) -> str | None:
    """The folded audience ("woman", "man", "kid") a token names, None for other words."""
    word = AUDIENCE_SYNONYMS.get(singularize(token.replace("'", "")))
    return word if word in _AUDIENCE_FACETS else None
