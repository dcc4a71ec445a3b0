"""YMYL pages: the topic of a page's keywords and the rules its brief carries (pure).

"Your Money or Your Life" topics (Google Search Quality Rater Guidelines, section 2.3):
finance, health and safety, legal. A brief on one of them names the sources to cite, the
expert review and the disclaimer (moved out of :mod:`services.content.templates`).
"""

from __future__ import annotations

from collections.abc import Sequence

from services.core.text import content_tokens, tokens


def _vocab(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Topic vocabulary of "Your Money or Your Life" pages (Google Search Quality Rater
#: Guidelines, section 2.3: finance, health and safety, legal, civic): a keyword holding one
#: of these words gets a YMYL block.
YMYL_WORDS: dict[str, frozenset[str]] = {
    "finance": _vocab(
        "loan loans lender lenders mortgage mortgages credit debit debt refinance apr "
        "interest insurance insurer annuity tax taxes irs invest investing investment "
        "investments stock stocks etf crypto bitcoin forex trading bank banking savings "
        "retirement pension 401k ira roth budget budgeting payday cash advance bankruptcy "
        "fico lending broker brokers"
    ),
    "health": _vocab(
        "health symptom symptoms treatment treatments medication medicine dose dosage "
        "diet diabetes cancer pregnancy pregnant therapy supplement supplements vitamin "
        "vitamins disease diseases pain doctor clinic mental anxiety depression covid "
        "vaccine allergy allergies surgery"
    ),
    "legal": _vocab(
        "lawyer lawyers attorney attorneys law laws legal lawsuit sue divorce custody "
        "visa immigration probate dui court liability compensation injury"
    ),
    "safety": _vocab(
        "safety unsafe poison poisoning recall recalls hazard hazards emergency "
        "carbon monoxide helmet"
    ),
}
YMYL_RULES: dict[str, dict[str, str]] = {
    "finance": {
        "sources": "the regulator and government pages for the reader's country (e.g. CFPB, "
        "FCA, IRS/HMRC), the provider's own rate tables and terms, dated",
        "expert_review": "reviewed by a qualified financial professional before publishing; "
        "name the reviewer and the review date",
        "disclaimer": "General information, not financial advice; rates and terms change, "
        "check with the provider.",
    },
    "health": {
        "sources": "national health bodies (NHS, CDC, NIH/MedlinePlus, WHO) and peer-reviewed "
        "studies; link the primary source",
        "expert_review": "medically reviewed by a licensed clinician; name the reviewer and "
        "the review date",
        "disclaimer": "For information only, not medical advice; see a doctor for your case.",
    },
    "legal": {
        "sources": "the statute or official government page of the jurisdiction, court or bar "
        "association guidance",
        "expert_review": "reviewed by a lawyer licensed in the jurisdiction; name them",
        "disclaimer": "General information, not legal advice; laws differ by jurisdiction.",
    },
    "safety": {
        "sources": "manufacturer instructions, official standards and recall databases "
        "(e.g. CPSC, the national safety regulator)",
        "expert_review": "checked by a qualified safety professional",
        "disclaimer": "Follow the manufacturer's instructions and local regulations.",
    },
}


def ymyl_topic(words: set[str], setting: str | None = None) -> str | None:
    """The YMYL topic of a page from its keywords' words, or the project setting
    (``brand_config["ymyl"]``: finance / health / legal / safety); None when neither says."""
    if setting in YMYL_RULES:
        return setting
    for topic, vocab in YMYL_WORDS.items():
        if words & vocab:
            return topic
    return None


def ymyl_block(primary: str, secondary: Sequence[str], setting: str | None) -> dict[str, str]:
    """A brief's YMYL block: ``{"topic", "sources", "expert_review", "disclaimer"}`` for the
    topic of the page's keywords' words (primary and secondary) or the project ``setting``;
    {} when neither names one."""
    words = set(tokens(primary)) | {t for k in secondary for t in tokens(k)}
    words |= set(content_tokens(primary))
    topic = ymyl_topic(words, setting)
    return {"topic": topic, **YMYL_RULES[topic]} if topic else {}
