"""Modifier lexicons of the 11 expansion strategies (design D2) and intent cues.

Each strategy maps to modifier words and phrases an e-commerce or SaaS collection page is
commonly built around. Used by the offline Stage 1 to label real keywords with the
strategy their modifier belongs to, and to invent candidates when the project has no
keyword data for a seed. Order matters: the first strategy whose lexicon matches wins.
"""

from __future__ import annotations

import re

from services.clustering.intent_rules import QUESTION_PATTERN
from services.core.modifier_words import (  # noqa: F401 - the lexicons live in core (shared)
    OTHER_MODIFIER,
    STRATEGY_LEXICONS,
    URL_LIKE,
    strategy_of,
)

#: Modifiers that qualify most products, physical or digital (a lower semantic-fit bar when
#: candidates are invented without keyword data).
GENERIC_MODIFIERS: frozenset[str] = frozenset(
    {
        "women",
        "men",
        "kid",
        "cheap",
        "affordable",
        "luxury",
        "premium",
        "free",
        "best",
        "gift",
        "christmas",
        "beginner",
        "professional",
        "handmade",
        "sustainable",
        "eco",
        "custom",
        "small",
        "large",
        "black",
        "white",
        "vintage",
        "modern",
        "minimalist",
        "sale",
        "discount",
        "new",
    }
)

#: Templates that turn a modifier into a collection keyword around the seed, per strategy.
#: ``{m}`` is the modifier, ``{s}`` the seed.
STRATEGY_TEMPLATES: dict[str, str] = {
    "demographic": "{s} for {m}",
    "attribute": "{m} {s}",
    "price/value": "{m} {s}",
    "use-case": "{s} for {m}",
    "comparison/intent": "{m} {s}",
    "seasonal/occasion": "{m} {s}",
    "material/type": "{m} {s}",
    "experience level": "{s} for {m}s",
    "problem/solution": "{m} {s}",
    "terrain/environment": "{m} {s}",
    "values/lifestyle": "{m} {s}",
}

#: Modifiers whose word order differs from their strategy's template.
MODIFIER_TEMPLATES: dict[str, str] = {
    "sale": "{s} sale",
    "deal": "{s} deals",
    "deals": "{s} deals",
    "clearance": "{s} clearance",
    "outlet": "{s} outlet",
    "review": "{s} reviews",
    "reviews": "{s} reviews",
    "rated": "top rated {s}",
}
#: Lexicon words that label real keywords but make no page on their own when invented
#: ("alternatives dog beds", "gift trail running shoes").
NOT_INVENTED: frozenset[str] = frozenset(
    {
        "vs",
        "versus",
        "like",
        "similar",
        "under",
        "alternative",
        "alternatives",
        "compare",
        "comparison",
        "gift",
        "price",
        "cost",
        "value",
        "first",
        "basic",
        "work",
        "personal",
        "local",
        "high",
        "low",
        "long",
        "short",
        "new",
        "latest",
        "booking",
        "event",
        "news",
    }
)

QUESTION = re.compile(QUESTION_PATTERN)
#: Modifiers that make a keyword a poor collection page (support, account, jobs, media).
NOT_A_COLLECTION = re.compile(
    r"\b(login|log in|sign in|signin|admin|dashboard|error|not working|tutorial|"
    r"reddit|youtube|pdf|jobs?|salary|careers?|wiki|meaning|definition|crack|nulled|"
    r"torrent|hack|install|installation|uninstall|delete|remove|change|update|customize|"
    r"edit|create|make|add|import|export|backup|migrate|documentation|docs|support|"
    r"detector|checker|finder|nulled|development|developer|template tags?)\b"
)
