"""Spelling rules of the same-search groups (:mod:`services.clustering.evidence`): UK/US
spelling pairs, one-edit typos, implied words, forms of one word (stems) and brand short
forms written next to the brand, each confirmed by the keyword list itself.
Pure: token lists in, word maps out."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.clustering.topic import stem
from services.core.text import PAGE_CHANGING_WORDS, STOP_WORDS

#: A misspelt word is at most this share as frequent in the list as its correction.
TYPO_MAX_SHARE = 0.2
#: Words shorter than this are never read as typos ("cd", "ira", "loan").
TYPO_MIN_LETTERS = 5
#: A modifier implies the word after it ("merino" → "merino wool") when at least this many
#: keywords and this share of its keywords write the pair.
IMPLIED_WORD_MIN = 3
IMPLIED_WORD_SHARE = 0.5

#: British → American spelling patterns (Oxford / Merriam-Webster usage notes); applied
#: only to word pairs the list holds in both forms.
_UK_US = (
    (re.compile(r"our(s|ed|ing|ful|ite|ites)?$"), r"or\1"),
    (re.compile(r"is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing|er|ers)$"), r"yz\1"),
    (re.compile(r"tre(s)?$"), r"ter\1"),
    (re.compile(r"logue(s)?$"), r"log\1"),
    (re.compile(r"ence$"), r"ense"),
)


def uk_us(word: str) -> str:
    for pattern, repl in _UK_US:
        if pattern.search(word):
            return pattern.sub(repl, word)
    return word


def spelling_map(vocab: set[str]) -> dict[str, str]:
    """British form → American form for pairs the vocabulary holds in both forms."""
    out = {}
    for word in vocab:
        if len(word) >= 4:
            us = uk_us(word)
            if us != word and us in vocab:
                out[word] = us
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau one edit apart (a ≠ b)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return short in _deletes(long_)


def typo_map(token_lists: list[list[str]]) -> dict[str, str]:
    """Misspelt word → its correction, from how often each word occurs in the list.

    Candidates come from a delete-neighbourhood index (one delete per word), so the cost
    is linear in the vocabulary.
    """
    freq: Counter[str] = Counter(t for toks in token_lists for t in set(toks))
    index: dict[str, list[str]] = defaultdict(list)
    for word in freq:
        if len(word) >= TYPO_MIN_LETTERS - 1 and word.isalpha():
            for d in _deletes(word) | {word}:
                index[d].append(word)
    out: dict[str, str] = {}
    for word, n in freq.items():
        if len(word) < TYPO_MIN_LETTERS or not word.isalpha():
            continue
        best, best_n = None, 0
        for d in _deletes(word) | {word}:
            for other in index.get(d, ()):
                if other != word and freq[other] > best_n and _one_edit(word, other):
                    best, best_n = other, freq[other]
        if best is not None and n <= TYPO_MAX_SHARE * best_n:
            out[word] = best
    return out


def implied_words(token_lists: list[list[str]]) -> dict[str, str]:
    """Modifier → the word the list nearly always writes after it ("merino" → "wool")."""
    with_word: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for toks in token_lists:
        for t in set(toks):
            with_word[t] += 1
        for a, b in set(zip(toks, toks[1:], strict=False)):
            pairs[(a, b)] += 1
    out: dict[str, str] = {}
    for (a, b), n in pairs.items():
        if a in STOP_WORDS or b in STOP_WORDS or not a.isalpha() or not b.isalpha():
            continue
        common = n >= IMPLIED_WORD_MIN and n >= IMPLIED_WORD_SHARE * with_word[a]
        if common and (a not in out or n > pairs[(a, out[a])]):
            out[a] = b
    return out


#: Suffix classes (word minus its Snowball stem) whose words are one search: a verb, its
#: participle and its action noun ("host" / "hosted", "consolidate" / "consolidation",
#: "install" / "installation"), and the -ize family ("optimize" / "optimization"). "-ing"
#: forms are left out on purpose: they often name another thing ("marketing" is not
#: "market", "training" is not "train", "printed" is not "printing"); so are agent nouns
#: ("generator" is a tool, "generation" a process; "manager" is not "management") and
#: adjectives ("personal" is not "person", "organic" is not "organ").
STEM_SUFFIX_CLASSES: tuple[frozenset[str], ...] = (
    frozenset(["", "e", "d", "ed", "ate", "ated", "ion", "ation"]),
    frozenset(["ize", "ized", "ization", "ise", "ised", "isation"]),
)
#: Stems shorter than this never fold ("use" / "used" stay words).
STEM_MIN_LETTERS = 4


def stem_map(vocab: set[str]) -> dict[str, str]:
    """Word → the class key it shares with other forms of one word in ``vocab``.

    Two words fold when they have the same Snowball English stem (PyStemmer, via
    :func:`services.clustering.topic.stem`) and both suffixes fall in one of
    :data:`STEM_SUFFIX_CLASSES`; only words with another form in ``vocab`` are mapped.
    Page-changing words never fold ("beste" is not "best", which changes the page).

    Parameters
    ----------
    vocab : set of str
        Folded, singular tokens of the list.

    Returns
    -------
    dict
        word → "stem~class" for every word that folds with another word of ``vocab``.
    """
    keyed: dict[str, list[str]] = defaultdict(list)
    for word in vocab:
        if not word.isalpha() or word in PAGE_CHANGING_WORDS:
            continue
        s = stem(word)
        if len(s) < STEM_MIN_LETTERS or not word.startswith(s):
            continue
        suffix = word[len(s) :]
        for n, cls in enumerate(STEM_SUFFIX_CLASSES):
            if suffix in cls:
                keyed[f"{s}~{n}"].append(word)
    return {w: key for key, words in keyed.items() if len(words) > 1 for w in words}


#: Letters a redundant brand short form may have ("wp" next to "wordpress").
BRAND_SHORT_MIN, BRAND_SHORT_MAX = 2, 3
#: A long form is at least this many letters ("pc" is not short for "price").
BRAND_LONG_MIN = 6
#: Keywords that must use the short form alone in the long form's place: one is not enough
#: on the law development export ("personal injury attorney ar", Arkansas, and
#: "… minneapolis mn" each had one).
BRAND_SHORT_CONTEXTS = 2
#: ... or keywords that write it next to the long form (a broad-match export where every
#: keyword holds "wordpress" never uses "wp" alone; it writes "wordpress wp …" 31 times).
BRAND_ADJACENT_MIN = 3


def abbreviates(short: str, word: str) -> bool:
    """``short`` has the shape of a short form of the one word ``word``: same first letter,
    its other letters consonants found in order later in ``word`` ("wp" ← "wordpress",
    "yt" ← "youtube"; "men" is no short form of "merino")."""
    if not (BRAND_SHORT_MIN <= len(short) <= BRAND_SHORT_MAX and short.isalpha()):
        return False
    if len(word) < BRAND_LONG_MIN or short[0] != word[0] or set(short[1:]) & set("aeiouy"):
        return False
    if word.startswith(short):
        return False  # "wpforms" is a name of its own, not "wp" spelled out
    pos = 1
    for ch in short[1:]:
        pos = word.find(ch, pos) + 1
        if pos == 0:
            return False
    return True


def redundant_short_forms(token_lists: list[list[str]]) -> dict[str, str]:
    """Short form → the word it stands for, when the list writes it next to that word
    ("wordpress wp security plugin") AND uses it alone in the long form's place
    ("wp security plugin" beside "wordpress security plugin") in at least
    :data:`BRAND_SHORT_CONTEXTS` keywords, or writes it next to it in at least
    :data:`BRAND_ADJACENT_MIN` keywords (confirmations weighted to one scale).

    Returns
    -------
    dict
        short → long; :func:`drop_redundant` removes such a short form only where it stands
        next to its long form.
    """
    bags = {" ".join(sorted(set(toks))) for toks in token_lists}
    candidates: dict[str, set[str]] = defaultdict(set)
    seen: dict[tuple[str, str], float] = defaultdict(float)
    for toks in token_lists:
        for a, b in zip(toks, toks[1:], strict=False):
            for short, long_ in ((a, b), (b, a)):
                if abbreviates(short, long_):
                    candidates[short].add(long_)
                    seen[(short, long_)] += BRAND_SHORT_CONTEXTS / BRAND_ADJACENT_MIN
    if not candidates:
        return {}
    for toks in token_lists:
        for t in set(toks) & candidates.keys():
            for long_ in candidates[t] - set(toks):
                swapped = " ".join(sorted({long_ if x == t else x for x in toks}))
                if swapped in bags:
                    seen[(t, long_)] += 1
    out: dict[str, str] = {}
    for (t, long_), n in sorted(seen.items(), key=lambda kv: -kv[1]):
        if n >= BRAND_SHORT_CONTEXTS - 1e-9 and t not in out:
            out[t] = long_
    return out


def drop_redundant(toks: list[str], shorts: dict[str, str]) -> list[str]:
    """``toks`` without a short form standing next to its own long form."""
    if not shorts:
        return toks
    out = []
    for i, t in enumerate(toks):
        long_ = shorts.get(t)
        near = toks[max(i - 1, 0) : i] + toks[i + 1 : i + 2]
        if long_ is None or long_ not in near:
            out.append(t)
    return out
