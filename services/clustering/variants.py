"""Same-search variants: keywords a searcher types for one and the same result page.

Rules shared by list clustering (:func:`variant_groups`, used by
:func:`services.clustering.pages.cluster_keywords`) and by the seed funnel
(:func:`same_search_key`), on top of the lexical keys of :mod:`services.clustering.lexical`
(case, accents, plurals, possessives, word order, stop and filler words, years, audience
synonyms, market words, compounds):

* **Comparisons** — "a vs b", "b vs a", "a versus b", "a or b", "compare a and b",
  "a compared to b", "difference between a and b" share one key; a head noun both sides
  share may be written once or twice ("fha vs conventional loan" = "fha loan vs
  conventional loan" = "fha vs conventional").
* **Implied head noun** — "bilt card" = "bilt credit card" when the list itself shows the
  longer form and the longer head ("credit card") is a head the list uses with at least
  :data:`IMPLIED_HEAD_MIN_PREFIXES` different words in front of it.
* **Short forms the list spells out** — a 2-4 letter token that is the initials of a
  phrase the list contains ("pi lawyer" = "personal injury lawyer" when "personal injury"
  occurs in the list) is read as that phrase.

Everything here is pure: strings (and a :class:`VariantContext` built from the list) in,
keys or group numbers out. Precision of these rules on the development files is reported
by ``bench/cluster_quality.py --devdata`` (lexical vs variant groups).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from services.clustering.lexical import (
    KEY_CACHE_SIZE,
    _key_token,
    groups_by_shared_keys,
    lexical_keys,
    lexical_keys_of,
)
from services.core.text import FILLER_WORDS, STOP_WORDS, normalize_keyword, tokens

#: Words that turn a keyword into a comparison of the parts around them (the cues of
#: ``_CUE_RE`` — compare, comparison, difference between — join their parts with and /
#: with / to).
COMPARISON_SPLIT = frozenset(["vs", "versus", "v", "or"])
#: Cue words that introduce a comparison whose parts are joined by "and" / "with" / "to".
_CUE_RE = re.compile(r"\b(compare|comparison|comparing|compared|differences? between|difference)\b")
_ANY_CMP_RE = re.compile(
    r"\b(vs|versus|v|or|compare|comparison|comparing|compared|differences?|difference)\b"
)
_SPLIT_RE = re.compile(r"\b(vs|versus|v|or)\b")
_JOIN_RE = re.compile(r"\b(and|with|to)\b")
#: A longer head ("credit card") counts as a head of the list when at least this many
#: different words stand in front of it in the list ("bilt credit card", "amex credit
#: card"); below that the extra word may be a product's own name.
IMPLIED_HEAD_MIN_PREFIXES = 2
#: ... and when at least this share of the list's keywords ending in that head noun use the
#: longer head (in a finance list most "… card" keywords say "credit card"; in a socks list
#: "football socks" is one kind of sock among many). On the development tuning halves
#: without it: socks B-cubed precision 0.942 → 0.912 for +0.02 recall.
IMPLIED_HEAD_MIN_SHARE = 0.5
#: Short-form tokens read as the initials of a phrase: length bounds (letters).
ACRONYM_MIN, ACRONYM_MAX = 2, 4
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass
class VariantContext:
    """What the keyword list itself shows (see :func:`build_context`).

    Attributes
    ----------
    inserts : dict
        (prefix tokens, head token) → the middle token of the longer forms the list holds
        ("bilt", "card") → "credit"; only unambiguous inserts are kept.
    acronyms : dict
        Short-form token → the key tokens of the phrase it abbreviates ("pi" →
        ("personal", "injury")).
    """

    inserts: dict[tuple[tuple[str, ...], str], str] = field(default_factory=dict)
    acronyms: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _ordered(keyword: str) -> list[str]:
    """Key tokens in keyword order (stop, filler and year words out; see lexical keys)."""
    return list(_ordered_cached(keyword))


@lru_cache(maxsize=KEY_CACHE_SIZE)
def _ordered_cached(keyword: str) -> tuple[str, ...]:
    return _ordered_of(tokens(keyword))


def _ordered_of(toks: Sequence[str]) -> tuple[str, ...]:
    """:func:`_ordered` from the keyword's :func:`services.core.text.tokens`."""
    out = []
    for tok in toks:
        if tok in STOP_WORDS or tok in FILLER_WORDS or _YEAR.match(tok):
            continue
        key = _key_token(tok)
        if key:
            out.append(key)
    return tuple(out)


def build_context(
    keywords: Iterable[str], *, ordered: Sequence[Sequence[str]] | None = None
) -> VariantContext:
    """Collect the longer heads and spelled-out short forms of a keyword list.

    Parameters
    ----------
    keywords : iterable of str
        The list (any normalisation).
    ordered : sequence of sequences of str, optional
        The key tokens in keyword order of each keyword (:func:`_ordered`), when the caller
        has them already (:func:`variant_groups` tokenises each keyword once).

    Returns
    -------
    VariantContext
    """
    if ordered is None:
        ordered = [_ordered_cached(k) for k in keywords]
    head_prefixes: dict[tuple[str, str], set[tuple[str, ...]]] = defaultdict(set)
    head_count: Counter[str] = Counter()
    for toks in ordered:
        if toks:
            head_count[toks[-1]] += 1
        if len(toks) >= 3:
            head_prefixes[(toks[-2], toks[-1])].add(tuple(toks[:-2]))
    candidates: dict[tuple[tuple[str, ...], str], Counter[str]] = defaultdict(Counter)
    for (mid, head), prefixes in head_prefixes.items():
        # "credit card" is the list's head when most keywords ending in "card" say "credit".
        if (
            len(prefixes) < IMPLIED_HEAD_MIN_PREFIXES
            or len(prefixes) < IMPLIED_HEAD_MIN_SHARE * head_count[head]
        ):
            continue
        for prefix in prefixes:
            candidates[(prefix, head)][mid] += 1
    inserts = {key: next(iter(c)) for key, c in candidates.items() if len(c) == 1}
    vocab = {t for toks in ordered for t in toks}
    short = {t for t in vocab if ACRONYM_MIN <= len(t) <= ACRONYM_MAX and t.isalpha()}
    phrases: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    if short:
        for toks in ordered:
            if len(toks) < ACRONYM_MIN:
                continue
            # The initials of every run are slices of the keyword's initials: only runs
            # whose initials are a short form of the list are built.
            firsts = "".join([t[0] for t in toks])
            for size in range(ACRONYM_MIN, ACRONYM_MAX + 1):
                for start in range(0, len(toks) - size + 1):
                    initials = firsts[start : start + size]
                    if initials in short:
                        run = tuple(toks[start : start + size])
                        if initials not in run:
                            phrases[initials][run] += 1
    acronyms: dict[str, tuple[str, ...]] = {}
    if not phrases:  # no short form of the list is spelled out in it
        return VariantContext(inserts, acronyms)
    bags = {" ".join(sorted(set(toks))) for toks in ordered}
    with_short: dict[str, list[int]] = defaultdict(list)
    for k, toks in enumerate(ordered):
        for t in set(toks) & phrases.keys():
            with_short[t].append(k)
    for short_form, counts in phrases.items():
        (best, n), *rest = counts.most_common(2) + [((), 0)]
        if not n or n <= rest[0][1]:
            continue
        # Supported only when the list holds a keyword in both spellings ("pi lawyer" and
        # "personal injury lawyer"): "al" in "car accident lawyer al" is not "accident lawyer".
        for k in with_short.get(short_form, ()):
            toks = list(ordered[k])
            if not set(best) & set(toks):
                swapped = [w for t in toks for w in (best if t == short_form else (t,))]
                if " ".join(sorted(set(swapped))) in bags:
                    acronyms[short_form] = best
                    break
    return VariantContext(inserts, acronyms)


def _comparison_sides(keyword: str) -> list[list[str]] | None:
    """The compared parts' key tokens, or None when ``keyword`` is not a comparison."""
    norm = normalize_keyword(keyword)
    if not _ANY_CMP_RE.search(norm):
        return None
    words = tokens(norm)
    has_split = any(w in COMPARISON_SPLIT for w in words)
    cue = _CUE_RE.search(norm)
    if not has_split and not cue:
        return None
    text = _CUE_RE.sub(" ", norm) if cue else norm
    # "a vs b" splits on the comparison word only; "compare a and b" on its joining word.
    joiner = _SPLIT_RE if has_split else _JOIN_RE
    parts = [p for p in joiner.split(text) if p and not joiner.fullmatch(p)]
    sides = [_ordered(p) for p in parts]
    sides = [s for s in sides if s]
    if len(sides) < 2:
        return None
    # A head noun shared by the sides may be written once ("fha vs conventional loan").
    head = sides[-1][-1]
    if len(sides[-1]) > 1 and all(s[-1] == head or len(s) == 1 for s in sides[:-1]):
        sides = [s[:-1] if len(s) > 1 and s[-1] == head else s for s in sides]
    return sides


def same_search_key(
    keyword: str,
    context: VariantContext | None = None,
    *,
    ordered: Sequence[str] | None = None,
) -> str:
    """Key shared by keywords that one search result page answers.

    Parameters
    ----------
    keyword : str
        A keyword (any case and spacing).
    context : VariantContext, optional
        What the list shows (:func:`build_context`); without it only the context-free
        rules apply (lexical bag key and comparisons).
    ordered : sequence of str, optional
        The keyword's key tokens in order (:func:`_ordered`) when the caller has them.

    Returns
    -------
    str
        "cmp:" + the sorted compared parts for comparisons, else the sorted key tokens
        after the implied head noun and short-form rules.

    Examples
    --------
    >>> same_search_key("fha vs conventional loan") == same_search_key("compare conventional and fha")
    True
    >>> ctx = build_context(["bilt credit card", "amex credit card", "bilt card"])
    >>> same_search_key("bilt card", ctx) == same_search_key("bilt credit card", ctx)
    True
    """
    context = context or VariantContext()
    sides = _comparison_sides(keyword)
    if sides is not None:
        parts = sorted(" ".join(sorted(set(_expand(s, context)))) for s in sides)
        return "cmp:" + " | ".join(parts)
    toks = _expand(list(ordered) if ordered is not None else _ordered(keyword), context)
    if len(toks) >= 2:
        mid = context.inserts.get((tuple(toks[:-1]), toks[-1]))
        if mid is not None:
            toks = [*toks[:-1], mid, toks[-1]]
    if not toks:
        return lexical_keys(keyword)[0]
    return " ".join(sorted(set(toks)))


def _expand(toks: list[str], context: VariantContext) -> list[str]:
    if not context.acronyms:
        return toks
    out: list[str] = []
    for t in toks:
        out.extend(context.acronyms.get(t, (t,)))
    return out


def variant_groups(
    keywords: Sequence[str],
    *,
    context: VariantContext | None = None,
    hints: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Group number per keyword: lexical variants, same-search variants and shared hints.

    Union-find over the lexical bag and compound keys (:func:`lexical_keys`), the
    :func:`same_search_key` and, when given, a grouping hint (e.g. an imported Ahrefs
    "Parent Keyword"; empty or None = no hint).

    Parameters
    ----------
    keywords : sequence of str
        The list.
    context : VariantContext, optional
        Defaults to :func:`build_context` of ``keywords``.
    hints : sequence of str or None, optional
        One hint per keyword; keywords sharing a non-empty hint share a group.

    Returns
    -------
    np.ndarray
        (n,) int64 group numbers, numbered by first appearance.
    """
    # Each keyword's ordered tokens serve the context and its key. A list the key caches
    # cannot hold is tokenised once here for both its lexical keys and ordered tokens
    # (through the caches, a 1,000,000-keyword list tokenised every keyword three times).
    if len(keywords) > KEY_CACHE_SIZE:
        ordered, lex = [], []
        for kw in keywords:
            toks = tokens(kw)
            ordered.append(_ordered_of(toks))
            lex.append(lexical_keys_of(kw, toks))
    else:
        ordered = [_ordered_cached(kw) for kw in keywords]
        lex = [lexical_keys(kw) for kw in keywords]
    if context is None:
        context = build_context(keywords, ordered=ordered)
    all_keys: list[list[str]] = []
    for i, kw in enumerate(keywords):
        bag, compound = lex[i]
        keys = [bag, "\x00" + compound, "\x01" + same_search_key(kw, context, ordered=ordered[i])]
        if hints is not None:
            hint = hints[i]
            if hint is not None and str(hint).strip() and str(hint) != "nan":
                keys.append("\x02" + normalize_keyword(str(hint)))
        all_keys.append(keys)
    return groups_by_shared_keys(all_keys)


def same_comparison(a: str, b: str, *, similar: Callable[[str, str], bool] | None = None) -> bool:
    """Whether two comparisons ask the same question with different names for the parts.

    "amex platinum vs chase reserve" = "american express platinum vs chase sapphire
    reserve" when every part of one pairs with a part of the other, either because the words
    of one part are all in the other ("chase reserve" ⊂ "chase sapphire reserve") or because
    ``similar`` (e.g. an embedding cosine test, or the list's own short forms) says the two
    parts name the same thing ("amex platinum" ~ "american express platinum").

    Parameters
    ----------
    a, b : str
        Keywords; non-comparisons give False.
    similar : callable, optional
        ``similar(part_a, part_b) -> bool`` for parts whose words differ.

    Returns
    -------
    bool
    """
    sa, sb = _comparison_sides(a), _comparison_sides(b)
    if sa is None or sb is None or len(sa) != len(sb):
        return False

    def match(x: list[str], y: list[str]) -> bool:
        if set(x) <= set(y) or set(y) <= set(x):
            return True
        return bool(similar and similar(" ".join(x), " ".join(y)))

    if len(sa) == 2:
        return (match(sa[0], sb[0]) and match(sa[1], sb[1])) or (
            match(sa[0], sb[1]) and match(sa[1], sb[0])
        )
    return all(any(match(x, y) for y in sb) for x in sa)


#: Short-form tokens (brand abbreviations such as "amex", "bofa"): length bounds (letters).
SHORT_FORM_MIN, SHORT_FORM_MAX = 2, 6


def is_short_form(short: str, phrase: Sequence[str]) -> bool:
    """Whether ``short`` can abbreviate ``phrase``: "amex" ← "american express", "bofa" ←
    "bank of america".

    ``short`` is one token of 2-6 letters and ``phrase`` 2-4 words; ``short`` must be the
    concatenation of a non-empty prefix of every word of the phrase, in order (stop words
    may be skipped), shorter than the word itself for words of 3+ letters. The shape alone
    does not prove identity ("ski" fits "snow kids"): the caller confirms with the embedder
    or with contexts both forms share in the data.

    Parameters
    ----------
    short : str
        The candidate short form.
    phrase : sequence of str
        The words of the long form, in order.

    Returns
    -------
    bool
    """
    words = [w for w in phrase if w]
    if not (SHORT_FORM_MIN <= len(short) <= SHORT_FORM_MAX and short.isalpha()):
        return False
    if not 2 <= len(words) <= 4 or short in words or words[0].startswith(short):
        return False  # "women" is not short for "women's nike"

    def fits(rest: str, i: int) -> bool:
        if i == len(words):
            return rest == ""
        word = words[i]
        if word in STOP_WORDS and fits(rest, i + 1):
            return True
        # A word of 3+ letters is abbreviated, never spelled in full ("themes" is not
        # "theme seo"); short function words ("of") may be.
        longest = len(word) if len(word) < 3 else len(word) - 1
        for n in range(1, min(longest, len(rest)) + 1):
            if word[:n] == rest[:n] and fits(rest[n:], i + 1):
                return True
        return False

    return fits(short, 0)
