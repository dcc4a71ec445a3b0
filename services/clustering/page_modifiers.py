"""Modifiers that change the page a keyword needs (issue 16), for list clustering.

A local (near me, nearby), comparison (vs, or, alternatives, compare) or commercial (best,
top, review, cheap, free) modifier, or an audience ("for women", "kids"), makes another
page than the plain term: "payday loans near me" is a local page, "best chatgpt prompts" a
list of picks, "payday loans" a definition. The word lists are
:data:`services.core.text.LOCAL_WORDS`, :data:`~services.core.text.COMPARISON_WORDS` and
:data:`~services.core.text.COMMERCIAL_WORDS` (the same-search rules use them too) and
:data:`AUDIENCE_WORDS`.

:func:`modifier_mask` gives each keyword one bit per class it carries. The pairwise
"same page?" model (:mod:`services.clustering.pairwise`) never joins two keyword groups
whose :data:`GUARDED` bits differ — only evidence (same Parent Keyword, ranking URL, SERP
overlap), applied before it, joins them; two keywords with the same classes but other
words ("best x" / "top x") are left to the model. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from services.clustering.lexical import _key_token
from services.core.text import COMMERCIAL_WORDS, COMPARISON_WORDS, LOCAL_WORDS, tokens

#: Audience words (singular, as :func:`services.clustering.lexical._key_token` maps them).
_AUDIENCE = (
    "man woman kid boy girl baby toddler teen teenager adult senior elderly student beginner "
    "family infant newborn youth junior unisex ladies gent"
)
AUDIENCE_WORDS = frozenset(_AUDIENCE.split())
#: Bits of :func:`modifier_mask`.
LOCAL, COMPARISON, COMMERCIAL, AUDIENCE = 1, 2, 4, 8
#: Classes whose presence in one keyword of a pair and absence in the other keeps the pair
#: apart whatever the text model says (issue 16 item 2).
GUARDED = LOCAL | COMPARISON | COMMERCIAL
_CLASS_WORDS = (
    (LOCAL, LOCAL_WORDS),
    (COMPARISON, COMPARISON_WORDS),
    (COMMERCIAL, COMMERCIAL_WORDS),
)
#: Every word of the three guarded classes.
PAGE_WORDS = LOCAL_WORDS | COMPARISON_WORDS | COMMERCIAL_WORDS


def modifier_mask(plain: Sequence[str], key: Sequence[str]) -> int:
    """Class bits of one keyword.

    Parameters
    ----------
    plain : sequence of str
        Its tokens as :func:`services.core.text.tokens` gives them (hyphenated tokens such
        as "near-me" are split here).
    key : sequence of str
        The same tokens key-mapped (singular, audience synonyms folded), for the audience
        test.
    """
    words = {part for tok in plain for part in tok.split("-")}
    mask = 0
    for bit, members in _CLASS_WORDS:
        if words & members:
            mask |= bit
    if AUDIENCE_WORDS.intersection(key):
        mask |= AUDIENCE
    return mask


def keyword_masks(keywords: Sequence[str]) -> np.ndarray:
    """(n,) :func:`modifier_mask` of each normalised keyword."""
    out = np.zeros(len(keywords), np.int64)
    for row, keyword in enumerate(keywords):
        plain = tokens(keyword)
        out[row] = modifier_mask(plain, [_key_token(t) or t for t in plain])
    return out


def for_tail(key: Sequence[str], stop: frozenset[str]) -> list[str]:
    """Content tokens after the first "for" ("chatgpt prompts for sales emails" → sales,
    email): the audience or use the keyword names."""
    if "for" not in key:
        return []
    return [t for t in key[key.index("for") + 1 :] if t not in stop]


def allowed(
    masks: np.ndarray, left: np.ndarray, right: np.ndarray, other: np.ndarray | None = None
) -> np.ndarray:
    """(m,) bool: pairs whose :data:`GUARDED` class bits agree (text may join them).

    ``left`` indexes ``masks``, ``right`` indexes ``other`` (default ``masks``)."""
    other = masks if other is None else other
    return ((masks[left] ^ other[right]) & GUARDED) == 0
