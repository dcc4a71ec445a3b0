"""Brief templates per site type × page type (pure).

The page type is the one chosen on Cluster Review (collection, article, comparison,
landing); the *format* refines it into what a writer produces:

===========  =====================================  ======================================
page type    store (Shopify, WooCommerce)           publisher, blog, custom site
===========  =====================================  ======================================
collection   collection (intro, facets, buying      listicle (roundup: criteria, table,
             guide, FAQ)                            picks with "best for" labels) of a
                                                    product noun; guide of a topic
comparison   comparison / listicle ("best", "top",  comparison (side-by-side, verdict) /
             "alternatives"), supporting article    listicle
article      how-to / tool / guide, supporting      how-to / tool / review / guide
landing      landing (one offer)                    publisher: by the search (below);
                                                    custom (service site): service page
===========  =====================================  ======================================

A task verb opening a keyword ("verify …", "install …") asks for a how-to, as "how to" does.
A publisher's landing page takes the format its search asks for (:func:`choose_format`):
a tool cue → tool, "how to" → how-to, a question → guide (the answer), "vs" → comparison,
one named product or "review" → review, "best"/"top" or a commercial / transactional intent
on a generic product noun ("wordpress chat plugin") → listicle (a roundup of that product),
else guide. A service site's landing page is a service page (what the service is, who it is
for, the process, fees when the data asks about them, areas served when the search is
local, proof, FAQ, a contact/booking call to action).

Store words ("Shop", "product grid", Product/ItemList schema) belong to the store's
collection and landing formats only; ItemList also marks a listicle's picks (the items it
lists). Word-count ranges here are *assumed* defaults (common editorial lengths per format),
replaced by the competitors' median length when the SERP pages were analysed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.clustering.intent_rules import QUESTION_PATTERN, RANKED_PATTERN
from services.clustering.word_order import plural_head
from services.core.text import normalize_keyword
from services.seed_clusters.site_rules import site_family

STORE_SITE_TYPES = frozenset(["shopify", "woocommerce"])
_QUESTION = re.compile(QUESTION_PATTERN)
FORMATS = (
    "collection",
    "landing",
    "listicle",
    "review",
    "comparison",
    "how_to",
    "tool",
    "guide",
    "service",
)
#: Intent labels that ask for options to choose from (Semrush/Ahrefs intent labels).
BUYING_INTENTS = frozenset(["commercial", "transactional"])
#: Sections of a service page kept only when the data supports them (see
#: :func:`services.content.service_page.keep_section`).
FEES_SECTION = "Fees and pricing"
AREAS_SECTION = "Areas served"
_TOOL = re.compile(r"\b(calculator|estimator|generator|checker|converter|planner|quiz)\b")
#: A task: "how to …", or a keyword that opens with a verb naming one ("verify wordpress
#: installation security", "install wordpress on ubuntu"). Verbs that are also nouns or
#: adjectives at the start of a search are left out: "backup plugin", "block theme",
#: "redirect plugin", "secure hosting" (shared exports), "clean eating", "change management",
#: "make up"; "add-ons" is no task either.
_HOW_TO = re.compile(
    r"^(how to|how do i|how can i|install|set up|create|add|remove|delete|fix|migrate|"
    r"restore|reset|verify|configure|enable|disable|hide|protect|harden|speed up|"
    r"optimi[sz]e|scan|connect|edit|customi[sz]e|uninstall|upgrade)\b(?![-'])"
    r"|\b(step by step|tutorial|diy)\b"
)
_LISTICLE = re.compile(RANKED_PATTERN + r"|\b(alternatives?|ideas|examples|list of)\b|^\d+ ")
_REVIEW = re.compile(r"\b(reviews?|legit|worth it|pros and cons|pricing|rating|ratings)\b")
_VERSUS = re.compile(r"\b(vs|versus|compare|comparison|compared|difference between)\b")


@dataclass(frozen=True)
class Template:
    """What one format asks of a page.

    Attributes:
        format: one of :data:`FORMATS`.
        label: plain name shown in the brief ("Review", "How-to").
        sections: structural H2s in page order; "{topics}" marks where the sub-topics of the
            data go, "{faq}" the FAQ.
        schema: schema.org types (FAQPage is added when the FAQ has questions).
        word_count: assumed [min, max] words when no competitor lengths are known.
        angle: one line on what makes the page worth reading (``{kw}`` = the keyword).
        meta_lead: the meta description's first sentence (``{Kw}`` = cased keyword).
        meta_tail: closing sentence when the meta needs length.
    """

    format: str
    label: str
    sections: tuple[str, ...]
    schema: tuple[str, ...]
    word_count: tuple[int, int]
    angle: str
    meta_lead: str
    meta_tail: str


TEMPLATES: dict[str, Template] = {
    t.format: t
    for t in (
        Template(
            "collection",
            "Collection (store category page)",
            ("Intro (above the product grid)", "Shop by", "{topics}", "{faq}"),
            ("CollectionPage", "ItemList"),
            (300, 800),
            "Help shoppers pick the right {kw} fast: filters that match how they search, "
            "then a short buying guide below the grid.",
            "Shop {kw}{at_brand}.",
            "Filter by what matters and find the right fit.",
        ),
        Template(
            "landing",
            "Landing page (one offer)",
            ("What it is", "Key features", "{topics}", "Who it is for", "{faq}"),
            ("WebPage", "Product"),
            (500, 1000),
            "Show what {kw} is, who it suits and why to choose it here.",
            "{Kw}{at_brand}: what it is, who it suits and how it works.",
            "See the details and choose with confidence.",
        ),
        Template(
            "listicle",
            "Listicle (roundup)",
            (
                "How we chose (criteria)",
                "Comparison table",
                "The picks (one H3 per item, each with a “Best for” label)",
                "{topics}",
                "{faq}",
            ),
            ("Article", "ItemList"),
            (1500, 2500),
            "A roundup readers can trust: clear criteria, a table to scan, and a “best for” "
            "label on every pick of {kw}.",
            "{Kw}: our picks compared on the criteria that matter.",
            "See the table, the criteria and who each option suits best.",
        ),
        Template(
            "review",
            "Review",
            (
                "What it is",
                "Plans and pricing",
                "Pros and cons",
                "{topics}",
                "Who it is for",
                "Alternatives",
                "Verdict",
                "{faq}",
            ),
            ("Article", "Review"),
            (1200, 2000),
            "An honest review of {kw}: what it costs, where it falls short, and who should "
            "pick an alternative.",
            "{Kw} review: plans and pricing, pros and cons, and who it is for.",
            "Plus the alternatives worth comparing before you decide.",
        ),
        Template(
            "comparison",
            "Comparison",
            ("At a glance (side-by-side table)", "{topics}", "Verdict: which to choose", "{faq}"),
            ("Article",),
            (1200, 2200),
            "Compare {kw} side by side on the points readers decide on, and end with a clear "
            "verdict for each kind of reader.",
            "{Kw} compared side by side: the differences that matter.",
            "A clear verdict on which to choose and when.",
        ),
        Template(
            "how_to",
            "How-to",
            (
                "What you need",
                "Steps (one H3 per step)",
                "{topics}",
                "Common mistakes",
                "{faq}",
            ),
            ("Article", "HowTo"),
            (900, 1600),
            "Get the reader from zero to done on “{kw}”: what to prepare, numbered steps, and "
            "the mistakes to avoid.",
            "{Kw}: a step-by-step guide with what you need and the mistakes to avoid.",
            "Clear steps you can follow today.",
        ),
        Template(
            "tool",
            "Tool / calculator",
            (
                "The tool (inputs and result)",
                "How it works (method and assumptions)",
                "Worked example",
                "{topics}",
                "{faq}",
            ),
            ("WebApplication", "Article"),
            (600, 1200),
            "Put the {kw} first, then show the method and a worked example so readers trust "
            "the result.",
            "{Kw}: enter your numbers and see the result, with the method explained.",
            "Includes a worked example and the assumptions behind it.",
        ),
        Template(
            "guide",
            "Guide (explainer)",
            ("Quick answer", "{topics}", "{faq}"),
            ("Article",),
            (1200, 2000),
            "Explain {kw} in the first paragraph, then go deeper than the pages that rank now.",
            "{Kw} explained: what it means, how it works and what to know first.",
            "A clear guide with answers to the questions people ask.",
        ),
        Template(
            "service",
            "Service page",
            (
                "What the service is",
                "Who it is for",
                "How it works (the process, step by step)",
                "{topics}",
                FEES_SECTION,
                AREAS_SECTION,
                "Proof (results, reviews, credentials)",
                "{faq}",
                "Contact / book a consultation",
            ),
            ("WebPage", "Service"),
            (600, 1200),
            "Tell people searching “{kw}” what the service covers, who it is for and how the "
            "process works, back it with proof, and end with one clear way to get in touch.",
            "{Kw}{at_brand}: what the service covers, who it is for and how it works.",
            "See the process and book a consultation.",
        ),
    )
}


def is_store(site_type: str) -> bool:
    """True for Shopify and WooCommerce projects."""
    return site_type in STORE_SITE_TYPES


def choose_format(
    page_type: str,
    keyword: str,
    site_type: str,
    *,
    branded: bool = False,
    intents: Sequence[str] = (),
    searches: Sequence[str] = (),
) -> str:
    """The format of a page (see the module table); ``page_type`` is never changed.

    Parameters
    ----------
    page_type : str
        collection | article | comparison | landing, as chosen on Cluster Review.
    keyword : str
        The primary keyword (cues: "how to", "calculator", "best", "review", "vs", a question).
    site_type : str
        The project's site type (custom = a service business: its landing page is a
        service page).
    branded : bool
        The keyword names one brand or product ("sofi personal loans"): a publisher's
        landing page on it is a review.
    intents : sequence of str
        The search intent labels of the keyword; commercial or transactional on a
        publisher's generic product noun ("wordpress chat plugin") asks for a roundup.
    searches : sequence of str
        The page's secondary keywords: when one asks for a list ("best wordpress security
        plugins") the page's own searches want a roundup, whatever the intent labels say.
    """
    kw = normalize_keyword(keyword)
    store = is_store(site_type)
    if page_type == "collection":
        if store:
            return "collection"
        # A publisher's hub of a product noun is a roundup of it; a topic hub ("wordpress
        # security": no plural head noun, no list cue) is a guide, never "Best … Securities".
        return "listicle" if _LISTICLE.search(kw) or plural_head(kw) else "guide"
    if page_type == "comparison":
        if _VERSUS.search(kw):
            return "comparison"
        return "listicle" if _LISTICLE.search(kw) else "comparison"
    if _TOOL.search(kw):
        return "tool"
    if page_type == "landing":
        if store:
            return "landing"
        if site_family(site_type) == "service":
            return "service"
        listed = any(_LISTICLE.search(normalize_keyword(k)) for k in searches)
        return _publisher_landing(kw, branded, intents, listed)
    if _HOW_TO.search(kw):
        return "how_to"
    if _REVIEW.search(kw) and not store:
        return "review"
    if _LISTICLE.search(kw):
        return "listicle"
    return "guide"


def _publisher_landing(kw: str, branded: bool, intents: Sequence[str], listed: bool) -> str:
    """A publisher's landing page: the format its search asks for (module docstring)."""
    if _HOW_TO.search(kw):
        return "how_to"
    if _QUESTION.search(kw):
        return "guide"
    if _VERSUS.search(kw):
        return "comparison"
    if branded or _REVIEW.search(kw):
        return "review"
    if _LISTICLE.search(kw) or listed or BUYING_INTENTS & set(intents):
        return "listicle"
    return "guide"


def has_list_cue(keyword: str) -> bool:
    """True when the keyword already asks for a list ("best …", "top …", "… ideas")."""
    return bool(_LISTICLE.search(normalize_keyword(keyword)))


def schema_types(fmt: str, site_type: str, has_faq: bool) -> list[str]:
    """schema.org types of a page: the format's, Product/ItemList only where products are
    listed (a store's collection or landing, a listicle's picks), FAQPage with an FAQ."""
    types = list(TEMPLATES[fmt].schema)
    if not is_store(site_type):
        types = [t for t in types if t not in ("Product", "CollectionPage")]
    if has_faq:
        types.append("FAQPage")
    return types


def cta(fmt: str, site_type: str, keyword: str, parent: str | None, brand: str) -> str:
    """Call to action by format and site type; "Shop" only on a store; a service site's
    pages (service page, guide, how-to) end on booking a consultation.

    ``keyword`` and ``parent`` are already cased for display.
    """
    store = is_store(site_type)
    if store:
        if fmt == "collection":
            return f"Shop {keyword}"
        if fmt == "landing":
            return f"Shop {keyword}" + (f" at {brand}" if brand else "")
        return f"Shop {parent}" if parent else "Browse the collection"
    by_format = {
        "listicle": "Compare the picks in the table and choose the one that fits",
        "review": f"Check current plans and pricing for {keyword}",
        "comparison": "See the verdict and pick the option that fits",
        "how_to": "Start with step 1",
        "tool": f"Try the {keyword} with your own numbers",
        "service": f"Contact {brand or 'us'} to book a consultation",
    }
    if site_family(site_type) == "service" and fmt in ("guide", "how_to"):
        # a service business's article leads to the service, not to more reading
        about = f" about {parent}" if parent else ""
        lead = "Start with step 1, or contact" if fmt == "how_to" else "Contact"
        return f"{lead} {brand or 'us'} to book a consultation{about}"
    if fmt in by_format:
        return by_format[fmt]
    return f"Read next: {parent}" if parent else f"Explore more on {keyword}"
