"""Modifier lexicons of the 11 expansion strategies (design D2) and intent cues.

Each strategy maps to modifier words and phrases an e-commerce or SaaS collection page is
commonly built around. Used by the offline Stage 1 to label real keywords with the
strategy their modifier belongs to, and to invent candidates when the project has no
keyword data for a seed. Order matters: the first strategy whose lexicon matches wins.
"""

from __future__ import annotations

import re

from services.intent import QUESTION_PATTERN, rule_intents

STRATEGY_LEXICONS: dict[str, tuple[str, ...]] = {
    "comparison/intent": (
        "best", "top", "vs", "versus", "alternative", "alternatives", "compare", "comparison",
        "review", "reviews", "rated", "recommended", "popular", "like", "similar",
    ),
    "price/value": (
        "cheap", "affordable", "budget", "free", "premium", "luxury", "discount", "sale", "deal",
        "deals", "paid", "pro", "lifetime", "under", "price", "cost", "clearance", "outlet",
        "value", "inexpensive", "high end",
    ),
    "demographic": (
        "women", "woman", "ladies", "men", "man", "kid", "child", "boy", "girl", "toddler",
        "baby", "teen", "senior", "plus size", "petite", "student", "photographer", "blogger",
        "small business", "business", "agency", "restaurant", "church", "nonprofit", "doctor",
        "lawyer", "realtor", "real estate", "artist", "musician", "teacher", "school",
        "freelancer", "developer", "coach", "consultant", "author", "writer", "designer",
        "dentist", "contractor", "mechanic", "family", "couple",
    ),
    "experience level": (
        "beginner", "easy", "simple", "advanced", "professional", "expert", "intermediate",
        "starter", "first", "basic", "entry level", "novice",
    ),
    "seasonal/occasion": (
        "christmas", "holiday", "halloween", "summer", "winter", "spring", "fall", "autumn",
        "black friday", "cyber monday", "valentine", "back to school", "birthday", "gift",
        "new year", "easter", "thanksgiving", "2024", "2025", "2026", "2027", "wedding",
        "graduation", "mother's day", "father's day",
    ),
    "material/type": (
        "leather", "cotton", "wool", "mesh", "synthetic", "gore tex", "suede", "canvas",
        "metal", "wood", "steel", "aluminum", "plastic", "rubber", "carbon", "glass", "silk",
        "block", "gutenberg", "elementor", "divi", "full site editing", "fse", "classic",
        "html", "css", "react", "template", "kit", "builder", "plugin",
        "diesel", "electric", "hybrid", "manual", "automatic",
    ),
    "problem/solution": (
        "fast", "speed", "lightweight", "accessible", "accessibility", "seo", "secure",
        "security", "wide feet", "flat feet", "plantar", "injury", "knee", "back pain",
        "support", "multilingual", "translation", "rtl", "gdpr", "repair", "fix", "broken",
        "noise", "leak", "stability", "waterproof", "durable", "comfortable", "non slip",
        "orthopedic", "washable", "odor resistant", "anti slip",
    ),
    "terrain/environment": (
        "trail", "road", "mud", "snow", "rocky", "mountain", "desert", "beach", "indoor",
        "outdoor", "urban", "city", "wet", "rain", "forest", "track", "gym", "water", "ice",
        "off road", "highway", "mobile", "desktop", "local",
    ),
    "values/lifestyle": (
        "eco", "sustainable", "vegan", "organic", "ethical", "recycled", "minimalist",
        "christian", "handmade", "made in usa", "open source", "gpl", "privacy", "green",
        "natural", "fair trade", "zero waste", "minimal",
    ),
    "use-case": (
        "ecommerce", "e commerce", "woocommerce", "shop", "store", "blog", "portfolio",
        "landing page", "membership", "news", "magazine", "booking", "event", "travel",
        "fitness", "running", "hiking", "racing", "marathon", "everyday", "work", "office",
        "directory", "lms", "education", "podcast", "photography", "food", "recipe",
        "medical", "personal", "corporate", "one page", "multipurpose", "marketplace",
        "camping", "walking", "training", "casual", "dress", "party",
    ),
    "attribute": (
        "black", "white", "red", "blue", "green", "pink", "dark", "light", "modern", "clean",
        "responsive", "colorful", "elegant", "beautiful", "cool", "custom", "large", "small",
        "wide", "narrow", "cushioned", "breathable", "high", "low", "long", "short", "slim",
        "new", "latest", "unique", "creative", "retro", "vintage", "aesthetic", "personalized",
        "extra large", "portable", "foldable", "heated",
    ),
}

#: Modifiers that qualify most products, physical or digital (a lower semantic-fit bar when
#: candidates are invented without keyword data).
GENERIC_MODIFIERS: frozenset[str] = frozenset(
    {
        "women", "men", "kid", "cheap", "affordable", "luxury", "premium", "free", "best",
        "gift", "christmas", "beginner", "professional", "handmade", "sustainable", "eco",
        "custom", "small", "large", "black", "white", "vintage", "modern", "minimalist",
        "sale", "discount", "new",
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
        "vs", "versus", "like", "similar", "under", "alternative", "alternatives", "compare",
        "comparison", "gift", "price", "cost", "value", "first", "basic", "work", "personal",
        "local", "high", "low", "long", "short", "new", "latest", "booking", "event", "news",
    }
)

QUESTION = re.compile(QUESTION_PATTERN)
URL_LIKE = re.compile(r"(https?://|www\.|\.(com|net|org|io|co|de|es)\b|/)")
#: Modifiers that make a keyword a poor collection page (support, account, jobs, media).
NOT_A_COLLECTION = re.compile(
    r"\b(login|log in|sign in|signin|admin|dashboard|error|not working|tutorial|"
    r"reddit|youtube|pdf|jobs?|salary|careers?|wiki|meaning|definition|crack|nulled|"
    r"torrent|hack|install|installation|uninstall|delete|remove|change|update|customize|"
    r"edit|create|make|add|import|export|backup|migrate|documentation|docs|support|"
    r"detector|checker|finder|nulled|development|developer|template tags?)\b"
)


def estimate_intent(keyword: str) -> str:
    """Main search intent of a keyword, from the shared intent rules (:mod:`services.intent`).

    Returns:
        "informational" when a question/guide cue is present, else "transactional"
        (buy/price/deal cues), else "commercial" (best/review/vs cues) — also the default
        for a bare product phrase, which is what a collection page targets — or
        "navigational" for log-in pages, URLs and domains.
    """
    labels = rule_intents(keyword)
    for label in ("informational", "transactional", "commercial", "navigational"):
        if label in labels:
            return label
    return "commercial"


def strategy_of(modifier_tokens: list[str]) -> str | None:
    """The strategy whose lexicon contains one of the modifier words or bigrams, or None."""
    if not modifier_tokens:
        return None
    grams = set(modifier_tokens)
    grams |= {f"{a} {b}" for a, b in zip(modifier_tokens, modifier_tokens[1:], strict=False)}
    grams |= {t.rstrip("s") for t in modifier_tokens if len(t) > 3}
    for strategy, words in STRATEGY_LEXICONS.items():
        if grams.intersection(words):
            return strategy
    return None
