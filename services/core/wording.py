"""Words shown to people: counts with the right plural, articles, empty numbers.

One helper for every screen, CLI summary and export, so no text says "1 pages",
"a ahrefs export" or "None".
"""

from __future__ import annotations

#: Plurals that do not just add "s".
_IRREGULAR = {"query": "queries", "category": "categories", "entry": "entries", "child": "children"}

#: Shown in place of a missing number.
MISSING = "—"

#: How people name the tools whose exports the importers detect (code → name).
TOOL_NAMES = {
    "semrush": "Semrush",
    "ahrefs": "Ahrefs",
    "keyword_planner": "Google Ads Keyword Planner",
    "gsc": "Search Console",
}


def plural(noun: str, n: float) -> str:
    """``noun`` in the form that goes with ``n`` ("page" / "pages").

    A noun ending in consonant + "y" takes "ies"; one ending in s, x, ch, sh takes "es".
    """
    if n == 1:
        return noun
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith("y") and noun[-2:-1] not in {"a", "e", "i", "o", "u"}:
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def count_noun(n: int, noun: str) -> str:
    """``"1 page"``, ``"12,680 keywords"``: the count with thousands separators and the
    matching form of ``noun``."""
    return f"{n:,} {plural(noun, n)}"


def with_article(word: str) -> str:
    """``"an Ahrefs export"``, ``"a Semrush export"``: "an" before a vowel sound
    (a leading vowel letter; acronyms such as "SEO" read letter by letter are not
    special-cased)."""
    text = word.strip()
    article = "an" if text[:1].lower() in {"a", "e", "i", "o", "u"} else "a"
    return f"{article} {text}"


def export_of(tool: str) -> str:
    """``"an Ahrefs export"``, ``"a Search Console export"``: the detected tool's name
    (:data:`TOOL_NAMES`; an unknown code is shown as it is) with its article."""
    return f"{with_article(TOOL_NAMES.get(tool, tool))} export"


def number_or_missing(value: float | int | None, fmt: str = "{:,.0f}") -> str:
    """A number formatted with ``fmt``, or "—" when it is missing.

    Missing: None, NaN, or pandas' ``NA`` (a nullable ``Int64`` column's empty cell, whose
    truth value raises ``TypeError``).
    """
    try:
        if value is None or value != value:  # NaN is the one value not equal to itself
            return MISSING
    except TypeError:  # pandas.NA
        return MISSING
    return fmt.format(value)
