"""Natural word order of keywords: the head noun of a phrase, and which of the wordings of one
search reads as a page's primary keyword or heading. Pure: strings in, indexes out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.clustering.intent_rules import QUESTION_PATTERN
from services.core.text import normalize_keyword, singularize, tokens

#: A reordering of the highest-volume wording's words becomes the page's primary keyword
#: when it ends with the seed's head noun, the other does not, and it has at least this share
#: of the other's search volume. The page targets every wording of the intent, so the demand
#: is unchanged; only the primary keyword (H1, title, slug) reads naturally: "merino wool
#: hiking socks" (300/month, and Ahrefs' Parent Keyword of the group) rather than "merino
#: wool socks hiking" (350/month), "womens walking socks" (2,700) rather than "walking socks
#: womens" (4,100) in the Ahrefs "socks" development set; "free portfolio wordpress themes"
#: (260) rather than "theme wordpress free portfolio" (590) in the shared Semrush wordpress
#: export.
NATURAL_ORDER_MIN_SHARE = 0.4
#: Words after which a seed's head noun has been named ("socks for women" → "socks").
_HEAD_ENDS = frozenset(["for", "with", "in", "near", "of", "on", "at", "by", "from"])


def head_word(keyword: str) -> str | None:
    """The keyword's head noun as written: its last word before a prepositional tail
    ("trail running shoes for women" → "shoes"); None for a question or a keyword without
    words."""
    if re.match(QUESTION_PATTERN, normalize_keyword(keyword)):
        return None
    words: list[str] = []
    for tok in tokens(keyword):
        if tok in _HEAD_ENDS and words:
            break
        words.append(tok)
    return words[-1] if words else None


def head_noun(keyword: str) -> str | None:
    """:func:`head_word` in the singular ("shoes" → "shoe")."""
    word = head_word(keyword)
    return singularize(word) if word is not None else None


def is_plural(word: str) -> bool:
    """True for a word written in the plural ("plugins"; not "business", "status", "this")."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def plural_head(keyword: str) -> bool:
    """True when the keyword's head noun is written in the plural ("wordpress security
    plugins", "socks for women"; not "wordpress security", "business", "status")."""
    return is_plural(head_word(keyword) or "")


def natural_wording(
    keywords: Sequence[str], volumes: Sequence[int | None], best: int, seed: str
) -> int:
    """The intent member to use as the primary keyword, given the highest-volume one.

    English noun phrases end with their head noun. When the highest-volume wording's noun
    phrase does not end with the seed's head noun (:func:`head_noun`: "sock" for "merino
    socks"), as in "merino wool socks hiking", the same words (singular or plural) in an
    order that does ("merino wool hiking socks") are taken instead, if their search volume is at least
    :data:`NATURAL_ORDER_MIN_SHARE` of the best's. "… for women" tails and local wordings
    that already end the noun phrase with it stay ("birmingham personal injury lawyer").

    Parameters
    ----------
    keywords : sequence of str
        (n,) the intent's wordings.
    volumes : sequence of int or None
        (n,) their search volumes (searches/month; None = unknown).
    best : int
        Index of the highest-volume wording.
    seed : str
        The seed keyword of the run.

    Returns
    -------
    int
        Index of the primary keyword (``best`` unless a reordering qualifies).
    """
    head = head_noun(seed)
    if head is None or head_noun(keywords[best]) in (head, None):
        return best
    floor = NATURAL_ORDER_MIN_SHARE * (volumes[best] or 0)
    bag = _bag(keywords[best])
    reorders = [
        i
        for i, kw in enumerate(keywords)
        if i != best and head_noun(kw) == head and _bag(kw) == bag and (volumes[i] or 0) >= floor
    ]
    return max(reorders, key=lambda i: volumes[i] or 0) if reorders else best


def _bag(keyword: str) -> list[str]:
    """The keyword's words in the singular, sorted: equal for two orders of the same words
    ("theme wordpress free portfolio" and "free portfolio wordpress themes")."""
    return sorted(singularize(t) for t in tokens(keyword))
