"""Copy of a brief: title, meta description, angle line and a store collection's intro (pure).

Assembled from the page's keywords (cased by :mod:`services.content.casing`), its sub-topics
and the brand name only — never invented facts. Titles are more than the keyword when the
format gives a better one, and fit 60 characters; meta descriptions read as sentences of
120-155 characters when the parts allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from services.clustering.word_order import plural_head
from services.content import service_page, templates
from services.content.casing import Casing, strip_years
from services.content.topics import is_question
from services.core.text import NEWS_WORDS, tokens
from services.core.wording import plural

#: Google shows about 50-60 characters of a title and ~155 of a meta description
#: (Moz, "Title tag" / "Meta description" guides); the issue fixes 60 and 120-155.
TITLE_MAX_CHARS = 60
META_MIN_CHARS = 120
META_MAX_CHARS = 155
#: Sub-topics longer than this (words) are left out of the meta description.
META_TOPIC_WORDS = 5
#: Sub-topics a meta description names: the page's main search plus its 1-2 broadest.
META_TOPICS = 2
#: A sub-topic no other project keyword carries is long tail, never the meta's summary.
META_MIN_BREADTH = 2
#: Nouns a roundup keeps singular ("best WordPress hosting", "best CRM software"); words
#: ending in "-ing" (hosting, clothing) are treated alike.
MASS_NOUNS = frozenset(
    [
        "software",
        "hardware",
        "insurance",
        "equipment",
        "furniture",
        "advice",
        "information",
        "gear",
        "jewelry",
        "jewellery",
        "luggage",
        "news",
        "media",
        "data",
        "coverage",
        "support",
        "care",
        "wear",
        "research",
        "storage",
        "mail",
        "email",
        "music",
        "content",
        "feedback",
        "hosting",
    ]
)
#: Words after a product noun that start its qualifier ("plugins *for* wordpress").
_QUALIFIER = frozenset(["for", "with", "in", "on", "to", "of", "without", "near", "under"])
_COST = re.compile(r"\b(cost|costs|price|prices|pricing|fees?)\b")


def fit(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to ``limit`` characters (no ellipsis added)."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,:;-|")
    return cut or text[:limit]


def guide_kind(keyword: str, *, hub: bool = False, products: bool = False) -> str:
    """What a guide's title and meta say it is: "cost" (prices), "news" (latest updates),
    "hub" (a cluster's parent: the complete guide), "products" / "product" (a product noun,
    plural or singular, whose roundup is another page of the cluster: how to choose), else
    ""."""
    if _COST.search(keyword):
        return "cost"
    if NEWS_WORDS.intersection(tokens(keyword)):  # what is new: an updates page
        return "news"
    if hub or not products:
        return "hub" if hub else ""
    return "products" if plural_head(keyword) else "product"  # "wordpress seo theme": one


_GUIDE_TITLES = {
    "cost": ["{c}: Typical Prices and What Drives Them", "{c}: What to Expect"],
    "news": ["{c}: Latest Updates", "{c}: What's New"],
    "hub": ["{c}: The Complete Guide", "{c}: A Complete Guide", "{c} Guide"],
    "products": ["{c}: What They Do and How to Choose", "{c}: How to Choose"],
    "product": ["{c}: How to Choose One", "{c}: How to Choose"],
    "": ["{c} Explained: What to Know First", "{c} Explained"],
}
_GUIDE_LEADS = {
    "cost": "{c}: typical prices, what drives them and what is included.",
    "news": "{c}: the latest updates, what changed and what it means.",
    "hub": "{c}: the complete guide, from the basics to the details that matter.",
    "products": "{c}: what they do, the options and how to choose.",
    "product": "{c}: what to look for, the options and how to choose one.",
}


def _title_options(fmt: str, kw: str, cased: str, kind: str) -> list[str]:
    if is_question(kw):
        return [cased]
    has = re.compile(r"\b(review|reviews)\b").search(kw)
    if fmt == "guide":
        return [t.format(c=cased) for t in _GUIDE_TITLES[kind]]
    return {
        "listicle": [f"{cased}: Top Picks Compared", f"{cased}, Compared"],
        "review": [f"{cased}: Plans, Pricing, Pros and Cons", f"{cased}: Pros and Cons"]
        if has
        else [f"{cased} Review: Pricing, Pros and Cons", f"{cased} Review"],
        "comparison": [f"{cased}: Which Is Better?", f"{cased}: Side by Side"]
        if re.search(r"\b(vs|versus)\b", kw)
        else [f"{cased}: Side-by-Side Comparison", f"{cased} Compared"],
        "how_to": [f"{cased}: Step-by-Step Guide", f"{cased}: Step by Step"],
        "tool": [f"{cased}: With a Worked Example", f"{cased} and How It Works"],
    }.get(fmt, [])


def make_title(
    fmt: str, primary: str, cased: str, brand: str, store: bool, *, kind: str | None = None
) -> str:
    """A title ≤ 60 characters that is more than the keyword when the format gives a better
    one ("Payday Loans Explained: What to Know First"; a guide by its :func:`guide_kind`,
    "WordPress Security: The Complete Guide"); a store's collection and landing pages are
    "<Keyword> | <Brand>". The brand is appended when it fits. ``kind`` None: the
    keyword's own (:func:`guide_kind` without the cluster's context)."""
    kind = guide_kind(primary) if kind is None else kind
    options = (
        []
        if store and fmt in ("collection", "landing")
        else _title_options(fmt, primary, cased, kind if fmt == "guide" else "")
    )
    options.append(cased)
    for option in options:
        if len(option) <= TITLE_MAX_CHARS:
            with_brand = f"{option} | {brand}" if brand else option
            return with_brand if len(with_brand) <= TITLE_MAX_CHARS else option
    return fit(cased, TITLE_MAX_CHARS)


def and_list(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def make_meta(
    fmt: str,
    cased: str,
    topics: Sequence[str],
    brand: str,
    store: bool,
    *,
    kind: str | None = None,
) -> str:
    """Meta description as sentences, 120-155 characters when the parts allow: the format's
    lead (a guide's by :func:`guide_kind`), the sub-topics it covers, its closing line, the
    brand."""
    tpl = templates.TEMPLATES[fmt]
    at_brand = f" at {brand}" if brand and store else ""
    lead = tpl.meta_lead.format(Kw=cased, kw=cased, at_brand=at_brand)
    kind = guide_kind(cased.lower()) if kind is None else kind
    if fmt == "guide" and kind:
        lead = _GUIDE_LEADS[kind].format(c=cased)
    if is_question(cased.lower()):  # the question, then what the page gives
        answer = (
            "Typical prices, what drives them and what is included."
            if _COST.search(cased.lower())
            else "The short answer first, then the details that matter."
        )
        lead = f"{cased}? {answer}"
    lead = lead[:1].upper() + lead[1:]
    text = fit(lead, META_MAX_CHARS)
    verb = "Browse" if fmt == "collection" else "Covers"
    for n in range(META_TOPICS, 0, -1):
        if len(topics) >= n:
            candidate = f"{text} {verb} {and_list(list(topics[:n]))}."
            if len(candidate) <= META_MAX_CHARS:
                text = candidate
                break
    for extra in (tpl.meta_tail, f"From {brand}." if brand and not store else ""):
        if extra and len(text) < META_MIN_CHARS and len(f"{text} {extra}") <= META_MAX_CHARS:
            text = f"{text} {extra}"
    return text


def make_angle(fmt: str, cased: str, persona: str, competitors: dict[str, Any] | None) -> str:
    """The angle line: the format's, the audience, the gaps of the ranking pages; a question
    keyword's guide answers that question."""
    line = templates.TEMPLATES[fmt].angle.format(kw=cased)
    if fmt == "guide" and is_question(cased.lower()):
        line = (
            f"Answer “{cased[:1].upper() + cased[1:]}?” in the first paragraph, then go "
            "deeper than the pages that rank now."
        )
    if persona:
        line += f" Written for {persona}."
    gaps = list((competitors or {}).get("gaps") or [])[:2]
    if gaps:
        line += f" The ranking pages miss: {'; '.join(gaps)}."
    return line


def make_intro(fmt: str, cased: str, facets: Sequence[str], brand: str) -> str:
    """A store collection's one-line intro from data only (the Matrixify body offline)."""
    if fmt != "collection":
        return ""
    text = f"Shop {cased}" + (f" at {brand}" if brand else "")
    if facets:
        text += f", with {and_list(list(facets[:4]))} options"
    return text + "."


def meta_topics(
    subtopics: Sequence[tuple[str, int]],
    facets: Sequence[str],
    casing: Casing,
    breadth: Callable[[str], int] | None = None,
) -> list[str]:
    """What the meta description says the page covers: its broadest short sub-topics that
    are neither questions nor rankings ("best …", "top …"), or a collection's facets ("men's, wide feet and waterproof options").

    ``breadth`` (keyword → how many of the project's keywords hold all its words,
    :meth:`services.content.topics.TopicIndex.carrying`) ranks the sub-topics: a broad one
    ("WordPress child theme") sums the page up, a long-tail one ("brazilian food WordPress
    theme") does not, whatever its volume; one carried by fewer than
    :data:`META_MIN_BREADTH` keywords is left out. Without it the outline order (volume) stays.
    """
    if facets:
        return [f"{and_list(list(facets[:3]))} options"]
    short = [
        (i, k)
        for i, (k, _v) in enumerate(subtopics)
        if not is_question(k)
        and len(k.split()) <= META_TOPIC_WORDS
        and not templates.has_list_cue(k)  # "Covers best … lawyer" reads as a claim
    ]
    if breadth is not None:
        wide = {k: breadth(k) for _i, k in short}
        short = [ik for ik in short if wide[ik[1]] >= META_MIN_BREADTH]
        short.sort(key=lambda ik: (-wide[ik[1]], ik[0]))
    return [casing.apply(strip_years(k)) for _i, k in short]


def shown_keyword(fmt: str, keyword: str) -> tuple[str, str]:
    """(what the page is about, the keyword as its title and H1 say it).

    A roundup of a product noun without a list cue names what it lists ("wordpress chat
    plugin" → "best wordpress chat plugins"); a service page answers "near me" with "near
    you" (:func:`services.content.service_page.shown_keyword`); else the keyword as is.
    """
    if fmt == "listicle" and not templates.has_list_cue(keyword) and not is_question(keyword):
        noun = roundup_noun(keyword)
        return noun, f"best {noun}"
    if fmt == "service":
        return keyword, service_page.shown_keyword(keyword)
    return keyword, keyword


def roundup_noun(plain: str) -> str:
    """A product noun phrase with its head noun in the plural ("wordpress chat plugin" →
    "wordpress chat plugins", "plugin for wordpress chat" → "plugins for wordpress chat"):
    what a roundup of it lists."""
    words = plain.split()
    head = next((i - 1 for i, w in enumerate(words) if i and w.lower() in _QUALIFIER), None)
    head = len(words) - 1 if head is None else head
    if not words or _is_plural(words[head]):
        return plain
    words[head] = plural(words[head], 2)
    return " ".join(words)


def _is_plural(word: str) -> bool:
    """Already plural, or a mass noun that stays singular ("hosting", "software")."""
    low = word.lower()
    if low in MASS_NOUNS or (low.endswith("ing") and len(low) > 5):
        return True
    return low.endswith("s") and not low.endswith(("ss", "us", "is"))
