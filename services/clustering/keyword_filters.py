"""Why a real keyword cannot be a page — with the true reason (issue 16).

Used by the seed funnel (Stage 1 and 3), Send to review and the offline keyword provider;
pure, so it lives with the clustering algorithms below the features and the providers.

Checked in this order; the first that applies is the reason shown:

1. ``unsafe`` — sexual, hateful or abusive words: the better-profanity word list (a
   maintained list, 916 entries, shipped with the package) less the entries reviewed out
   (:data:`REVIEWED_ALLOW`), plus the non-consensual imagery terms it lacks
   (:data:`NON_CONSENSUAL`: "undress ai", "nudify").
2. ``URL`` — a URL, a domain or a local path ("localhost/wordpress/wp-admin").
3. ``navigational`` — by the data's own labels: a keyword labelled only navigational and/or
   branded (Semrush "navigational", Ahrefs Intents "Navigational"/"Branded"), unless it
   names the project's own brand; and log-in / sign-up / customer-service cues.
4. ``competitor brand`` — a competitor of the brand profile, without a comparison cue.
5. ``off-topic`` — more than :data:`MAX_WORDS` words, or letters of another script
   (typographic apostrophes are normalised first and are not "another script").
6. ``store-only`` — account, YouTube, Reddit, jobs, tutorials …: no collection page on a
   store (:data:`STORE_SITE_TYPES`); on other site types they are real article topics
   ("how to stop payday loans from debiting my account", "ai tools for youtube").

Pure: strings in, a reason or None out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from services.core.text import normalize_keyword, tokens

MAX_WORDS = 10
STORE_SITE_TYPES = frozenset(["shopify", "woocommerce"])
#: Entries of the better-profanity list reviewed OUT for keyword research (issue 16: a
#: reviewed list): everyday, product, medical, legal, place and identity words that name
#: legitimate pages ("hemp socks", "oral b", "pawn shop loans", "breast pump", "gay pride
#: socks", "fat burner", "maxi dress", "rum cake", "nude socks" (a colour), "sexual
#: harassment lawyer", "cumming ga" (a city), "led strip lights", "wood screws", "hooker
#: furniture", "naked juice", "virgin olive oil", "shag rug", "kinky hair", "sperm whale");
#: mild interjections that do not make a keyword unsafe; ambiguous fragments.
REVIEWED_ALLOW = frozenset(
    [
        "breast",
        "breasts",
        "crap",
        "cumming",
        "damn",
        "drunk",
        "fart",
        "fat",
        "gay",
        "gays",
        "god",
        "hell",
        "hemp",
        "herp",
        "hiv",
        "homo",
        "hooker",
        "hump",
        "jerk",
        "kill",
        "kinky",
        "knob",
        "len",
        "lesbian",
        "lmao",
        "loin",
        "lube",
        "lust",
        "maxi",
        "meth",
        "muff",
        "naked",
        "nob",
        "nude",
        "omg",
        "oral",
        "ovum",
        "pawn",
        "pcp",
        "pee",
        "penis",
        "pms",
        "poop",
        "pot",
        "prig",
        "puss",
        "queer",
        "racy",
        "rum",
        "rump",
        "screw",
        "sexual",
        "shag",
        "sperm",
        "strip",
        "suck",
        "teat",
        "thug",
        "tush",
        "ugly",
        "uzi",
        "vagina",
        "virgin",
        "wad",
        "wang",
        "weed",
        "whiz",
        "womb",
        "wtf",
        "xx",
    ]
)
#: Terms of non-consensual intimate imagery tools the profanity list does not hold.
NON_CONSENSUAL = frozenset(["undress", "undressing", "nudify", "nudifier", "deepnude", "nsfw"])
_URL = re.compile(
    r"(https?://|www\.|localhost|\b\d{1,3}(\.\d{1,3}){3}\b|/wp-admin|/wp-content|"
    r"\.(com|net|org|io|co|uk|de|es|fr|ai|app|info|biz|us|ca|au|pl|in)\b)"
)
#: Cues of a navigational query on any site type.
_NAVIGATIONAL = re.compile(
    r"\b(login|log in|sign in|signin|sign up|signup|customer service|phone number|"
    r"contact number|crack|nulled|torrent)\b"
)
#: Cues that make no store collection page (account, media, jobs, support).
_STORE_ONLY = re.compile(
    r"\b(my account|account|admin|dashboard|reddit|youtube|wiki|jobs?|salary|careers?|"
    r"tutorials?)\b"
)
_COMPARISON = frozenset(["vs", "versus", "alternative", "alternatives", "compare", "or"])
_REAL_INTENTS = frozenset(["informational", "commercial", "transactional", "local"])


@lru_cache(maxsize=1)
def unsafe_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """(single words, multi-word phrases) of the better-profanity list (one entry per
    line) less :data:`REVIEWED_ALLOW`, plus :data:`NON_CONSENSUAL`."""
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text()
    entries = {line.strip().lower() for line in text.splitlines() if line.strip()}
    entries -= REVIEWED_ALLOW
    words = frozenset(e for e in entries if " " not in e) | NON_CONSENSUAL
    phrases = tuple(sorted(f" {e} " for e in entries if " " in e))
    return words, phrases


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or ch.isspace() for ch in text)


def unsafe_reason(keyword: str) -> str | None:
    """ "unsafe for the brand (…)" when a word or phrase of the keyword is on the
    brand-safety list (:func:`unsafe_words`)."""
    words, phrases = unsafe_words()
    toks = tokens(keyword)
    hit = next((t for t in toks if t in words), None)
    if hit is None:
        padded = f" {' '.join(toks)} "
        hit = next((p.strip() for p in phrases if p in padded), None)
    return f"unsafe for the brand ('{hit}' is on the brand-safety word list)" if hit else None


def exclusion_reason(
    keyword: str,
    intent: str | None = None,
    competitors: tuple[str, ...] = (),
    *,
    site_type: str | None = None,
    brand: str = "",
) -> str | None:
    """The reason ``keyword`` is no page of the cluster, or None.

    Parameters
    ----------
    keyword : str
    intent : str, optional
        The data's comma-joined intent labels ("navigational,branded").
    competitors : tuple of str
        The brand profile's competitors.
    site_type : str, optional
        The project's site type; None = not known yet (Stage 1): store-only rules wait.
    brand : str
        The project's own brand name (its branded keywords are kept).

    Returns
    -------
    str or None
    """
    kw = normalize_keyword(keyword)
    reason = unsafe_reason(kw)
    if reason:
        return reason
    if _URL.search(kw):
        return "a URL, domain or local path, not a search"
    own = normalize_keyword(brand)
    labels = {x.strip() for x in (intent or "").lower().split(",") if x.strip()}
    if labels and labels <= {"navigational", "branded"} and not (own and own in kw):
        return f"navigational (the data labels it {' and '.join(sorted(labels))})"
    if _NAVIGATIONAL.search(kw):
        return "navigational (a log-in, sign-up or support query)"
    words = kw.split()
    padded = f" {kw} "
    for comp in competitors:
        comp = normalize_keyword(comp)
        if comp and f" {comp} " in padded and not _COMPARISON & set(words):
            return f"competitor brand ({comp})"
    if not _is_latin(kw):
        return "off-topic (another script)"
    if len(words) > MAX_WORDS:
        return f"off-topic (more than {MAX_WORDS} words)"
    if site_type in STORE_SITE_TYPES:
        cue = _STORE_ONLY.search(kw)
        if cue:
            return f"no store page (account, media, jobs or support query: '{cue.group(0)}')"
    return None
