"""Casing and copy of brief titles, H1s and headings (pure).

Keyword data is lowercase ("chatgpt prompts", "mens socks"); a title a writer can publish
keeps brand and acronym casing ("ChatGPT", "SoFi", "IMG"), possessives ("Men's") and drops
stale years. Casing comes, in order, from

1. the brand profile (company name, products, competitors as typed in Settings),
2. the casing most common in the project's own texts that carry capitals (competitors'
   headings and SERP titles, :meth:`Casing.learn`),
3. a maintained list of brands and acronyms (:data:`BRANDS`;
   :data:`services.core.slugs.ACRONYMS`).

A year is kept only when the keyword asks for it (:func:`strip_years`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from services.core.slugs import ACRONYMS, title_case
from services.core.text import normalize_keyword

#: Brands and product names whose casing title-casing would lose (maintained list; lowercase
#: key → published form, as the brands write themselves).
_BRAND_LIST = (
    "ChatGPT OpenAI GPT-4 GPT-4o iPhone iPad iOS macOS YouTube LinkedIn TikTok PayPal "
    "WordPress WooCommerce BigCommerce HubSpot GitHub GitLab GoDaddy SiteGround "
    "NerdWallet SoFi LendingTree MoneyLion eBay AliExpress FedEx DoorDash "
    "JPMorgan McDonald's PlayStation SharePoint PowerPoint OneDrive QuickBooks TurboTax "
    "WhatsApp AirPods MacBook iMac IMG AXA USAA GEICO AARP IKEA ASOS JetBlue HostGator "
    "DreamHost HubPages MailChimp ConvertKit ClickFunnels SurferSEO SEMrush "
    "DeepL MidJourney DALL-E CapCut InVideo ElevenLabs HeyGen WiX"
)
BRANDS: dict[str, str] = {k.lower(): k for k in _BRAND_LIST.split(" ")}
BRANDS.update({"semrush": "Semrush", "wix": "Wix", "midjourney": "Midjourney"})
#: Place and other short forms written in capitals (beside ``slugs.ACRONYMS``): web and
#: real-estate terms of the keyword exports (IDX and MLS listings, DNS, RSS…), none of them
#: also an everyday English word.
_CAPITALS = (
    "uae nyc nz gst vat ssl cdn wp hipaa gdpr idx mls dns rss ftp sftp smtp sql json xml "
    "csv lms erp vps kpi cta gmb"
)
BRANDS.update({k: k.upper() for k in _CAPITALS.split()})
#: Proper nouns sentence case would lower ("shopify vs wix" → "Shopify vs Wix").
PROPER_NOUNS = (
    "shopify squarespace weebly wix google amazon ubuntu facebook instagram twitter pinterest "
    "reddit etsy framer webflow drupal joomla elementor divi yoast godaddy bluehost hostinger "
    "cloudflare windows android linux mac excel gmail canva zoom slack notion trello "
    "australia australian canada canadian america american india indian europe european "
    "dubai london paris texas california florida chicago denver japan japanese chinese china "
    "english spanish french german germany mexico mexican british ireland irish scotland "
    "january february march april june july august september october november december "
    "nike adidas asics puma reebok balega falke bombas smartwool hoka salomon brooks saucony "
    "merrell columbia patagonia garmin fitbit samsung sony dell lenovo netflix spotify "
    "marks spencer primark tesco asda argos costco aldi lidl walmart decathlon zalando "
    "monday tuesday wednesday thursday friday saturday sunday christmas easter halloween"
)
BRANDS.update({k: k.capitalize() for k in PROPER_NOUNS.split(" ") if k not in BRANDS})
#: US states and large US, UK, Canadian and Australian cities, written with capitals.
PLACES = frozenset(
    [
        "alabama",
        "alaska",
        "arizona",
        "arkansas",
        "california",
        "colorado",
        "connecticut",
        "delaware",
        "florida",
        "georgia",
        "hawaii",
        "idaho",
        "illinois",
        "indiana",
        "iowa",
        "kansas",
        "kentucky",
        "louisiana",
        "maine",
        "maryland",
        "massachusetts",
        "michigan",
        "minnesota",
        "mississippi",
        "missouri",
        "montana",
        "nebraska",
        "nevada",
        "new hampshire",
        "new jersey",
        "new mexico",
        "new york",
        "north carolina",
        "north dakota",
        "ohio",
        "oklahoma",
        "oregon",
        "pennsylvania",
        "rhode island",
        "south carolina",
        "south dakota",
        "tennessee",
        "texas",
        "utah",
        "vermont",
        "virginia",
        "washington",
        "west virginia",
        "wisconsin",
        "wyoming",
        "los angeles",
        "la",
        "houston",
        "nyc",
        "new york city",
        "chicago",
        "phoenix",
        "philadelphia",
        "san antonio",
        "san diego",
        "dallas",
        "austin",
        "jacksonville",
        "fort worth",
        "columbus",
        "charlotte",
        "san francisco",
        "indianapolis",
        "seattle",
        "denver",
        "boston",
        "el paso",
        "nashville",
        "detroit",
        "oklahoma city",
        "portland",
        "las vegas",
        "memphis",
        "louisville",
        "baltimore",
        "milwaukee",
        "albuquerque",
        "tucson",
        "fresno",
        "sacramento",
        "atlanta",
        "miami",
        "tampa",
        "orlando",
        "st louis",
        "saint louis",
        "pittsburgh",
        "cincinnati",
        "cleveland",
        "kansas city",
        "minneapolis",
        "new orleans",
        "raleigh",
        "birmingham",
        "riverside",
        "long beach",
        "oakland",
        "omaha",
        "boca raton",
        "fort lauderdale",
        "west palm beach",
        "virginia beach",
        "san jose",
        "bakersfield",
        "london",
        "manchester",
        "leeds",
        "glasgow",
        "liverpool",
        "bristol",
        "sheffield",
        "edinburgh",
        "cardiff",
        "toronto",
        "vancouver",
        "montreal",
        "calgary",
        "ottawa",
        "sydney",
        "melbourne",
        "brisbane",
        "perth",
        "adelaide",
        "near me",
        "nearby",
        "local",
    ]
)
_LOCAL = frozenset(["near me", "nearby", "local", "la", "nyc"])
BRANDS.update({p: p.capitalize() for p in PLACES - _LOCAL if " " not in p})
#: The multi-word places of :data:`PLACES` ("new york", "los angeles"), longest first.
MULTIWORD_PLACE = re.compile(
    r"\b("
    + "|".join(sorted((p for p in PLACES if " " in p and p not in _LOCAL), key=len, reverse=True))
    + r")\b"
)
BRANDS["i"] = "I"
#: Possessive audience words data writes without the apostrophe.
POSSESSIVES = {
    "mens": "men's",
    "womens": "women's",
    "childrens": "children's",
    "kids": "kids'",
    "girls": "girls'",
    "boys": "boys'",
}
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")


def strip_years(text: str, keep: bool = False) -> str:
    """``text`` without 4-digit years (19xx/20xx) unless ``keep``; spaces tidied."""
    if keep:
        return text
    return re.sub(r"\s{2,}", " ", _YEAR.sub("", text)).strip(" -:,")


def asks_for_year(keyword: str) -> bool:
    """True when the keyword itself holds a year ("best credit cards 2026")."""
    return bool(_YEAR.search(keyword))


#: US state codes that are also everyday words; never capitalised ("houston or dallas").
_WORD_CODES = frozenset(["in", "or", "me", "hi", "ok", "oh", "de", "la", "co", "ma", "al", "id"])


def _state_after_place(word: str, previous: Sequence[str]) -> bool:
    """True when ``word`` is a US state code written after a place name of one to three
    words (``previous``: the words before it; "houston tx", "san bernardino ca")."""
    if len(word) != 2 or word in _WORD_CODES:
        return False
    from services.content.places import is_place, state_codes  # GeoNames loads on first use

    if word not in state_codes():
        return False
    prev = [w.rstrip(",").lower() for w in previous]
    return any(
        (p := " ".join(prev[-n:])) in PLACES or is_place(p) for n in (1, 2, 3) if len(prev) >= n
    )


class Casing:
    """Published forms of words: brand profile, learned texts, maintained lists.

    Parameters
    ----------
    names : iterable of str
        Brand-profile names as typed (company, products, competitors); their casing wins.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._forms: dict[str, str] = dict(BRANDS)
        self._learned: dict[str, Counter[str]] = defaultdict(Counter)
        self._profile: dict[str, str] = {}
        self._sentences: dict[tuple[str, bool], str] = {}
        for name in names:
            for word in _WORD.findall(name or ""):
                if word != word.lower():
                    self._profile[word.lower()] = word

    def learn(self, texts: Iterable[str]) -> Casing:
        """Count mixed-case and all-caps word forms in ``texts`` (competitor headings, SERP
        titles); a form seen more often than the plain one becomes the published form.

        Sentence-initial capitals ("Best") are not evidence: only forms with a capital after
        the first letter, or all-caps words of 2-5 letters, are counted.
        """
        self._sentences.clear()
        for text in texts:
            for word in _WORD.findall(text or ""):
                low = word.lower()
                if word == low:
                    self._learned[low]["\x00"] += 1
                elif (
                    any(c.isupper() for c in word[1:])
                    and not word.isupper()
                    or (word.isupper() and 2 <= len(word) <= 5)
                ):
                    self._learned[low][word] += 1
        return self

    def form(self, word: str) -> str | None:
        """The published form of ``word`` (any case), None when title case is right."""
        low = word.lower()
        if low in self._profile:
            return self._profile[low]
        seen = self._learned.get(low)
        if seen:
            best, n = seen.most_common(1)[0]
            if best != "\x00" and n >= seen.get("\x00", 0):
                return best
        if low in self._forms:
            return self._forms[low]
        if low in POSSESSIVES:
            return POSSESSIVES[low]
        if low in ACRONYMS:
            return low.upper()
        return None

    def apply(self, text: str) -> str:
        """``text`` with every known word in its published form (other words untouched)."""
        text = MULTIWORD_PLACE.sub(lambda m: m.group(0).title(), text)
        words = text.split(" ")
        out = []
        for i, word in enumerate(words):
            core = word.rstrip("?!.,:;")
            tail = word[len(core) :]
            form = self.form(core)
            if core.lower() in POSSESSIVES and i == len(words) - 1:
                form = None  # "socks for kids": a noun, not a possessive
            if form is None and i and _state_after_place(core.lower(), words[max(0, i - 3) : i]):
                form = core.upper()  # "philadelphia pa" → "Philadelphia PA"
            out.append((form if form else core) + tail)
        return " ".join(out)

    def title(self, keyword: str, *, keep_year: bool | None = None) -> str:
        """Title-cased keyword with brand/acronym casing and possessives ("Men's Socks").

        ``keep_year`` None keeps a year only when ``keyword`` holds one.
        """
        kw = normalize_keyword(keyword)
        keep = asks_for_year(kw) if keep_year is None else keep_year
        return title_case(self.apply(strip_years(kw, keep)))

    def sentence(self, text: str, *, keep_year: bool = False) -> str:
        """Sentence-case heading: first letter up, brands/acronyms/possessives cased."""
        if (text, keep_year) not in self._sentences:
            self._sentences[(text, keep_year)] = self._sentence(text, keep_year)
        return self._sentences[(text, keep_year)]

    def _sentence(self, text: str, keep_year: bool) -> str:
        kw = strip_years(normalize_keyword(text), keep_year)
        cased = self.apply(kw)
        words = [w.upper() if w in ACRONYMS else w for w in cased.split(" ")]
        text = " ".join(words)
        return text[:1].upper() + text[1:]


def common_forms(texts: Sequence[str]) -> Casing:
    """A :class:`Casing` learned from ``texts`` only (no brand profile)."""
    return Casing().learn(texts)
