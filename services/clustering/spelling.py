"""Spelling rules of the same-search groups (:mod:`services.clustering.evidence`): UK/US
spelling pairs, one-edit typos and implied words, each confirmed by the keyword list itself.
Pure: token lists in, word maps out."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from services.core.text import STOP_WORDS

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
