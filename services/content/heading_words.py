"""Words of a brief's headings: those that keep a search out (another language's grammar, a
month or "today": news, a retailer's or marketplace's name; maintained lists), and which
wording of a search a heading shows (natural order, no market word).
"""

from __future__ import annotations

import re

from services.clustering.lexical import MARKET_WORDS
from services.clustering.word_order import head_noun
from services.content.topics import cached_tokens
from services.core.text import MONTH_NAMES

#: Words of another language's grammar ("plugins de landing page wordpress"): a heading in a
#: brief written in English only when the primary keyword has them too.
FOREIGN_WORDS = frozenset(
    ["de", "del", "para", "con", "los", "las", "una", "por", "sin", "pour", "avec", "und",
     "mit", "für", "fur"]
)  # fmt: skip


#: Words that date a search to one day or month ("may" is also a verb: left out): the news
#: page's searches, not an evergreen page's sections.
DATED_WORDS = (MONTH_NAMES - {"may"}) | {"today", "latest"}


#: Retailers and marketplaces whose name in a keyword means "their page", not a topic of ours
#: (maintained list; the SERP's domains add the ones ranking for the keyword).
RETAILERS = re.compile(
    r"\b(amazon|ebay|walmart|primark|tesco|asda|argos|costco|aldi|lidl|etsy|decathlon|"
    r"zalando|marks (and|&) spencer|m&s|john lewis|sports direct|sainsbury'?s|debenhams|"
    r"superdrug|reddit|quora|wikipedia|youtube)\b"
)


def without_market(keyword: str) -> str:
    """The keyword without a trailing market word ("… swollen feet and ankles uk"): market
    words never change the page (:data:`services.clustering.lexical.MARKET_WORDS`)."""
    words = keyword.split()
    while len(words) > 1 and words[-1] in MARKET_WORDS:
        words.pop()
    return " ".join(words)


def order_penalty(keyword: str, head: str | None) -> tuple[int, int]:
    """(names a market, its noun phrase does not end with the page's head noun) of one
    wording (:func:`services.clustering.word_order.head_noun`): a heading
    reads "Women's merino wool socks", not "Merino wool socks women's UK" (market words never
    change the page: :data:`services.clustering.lexical.MARKET_WORDS`)."""
    market = int(any(t in MARKET_WORDS for t in cached_tokens(keyword)))
    own = head_noun(keyword)  # "… shoes for wide feet" ends its noun phrase with "shoes"
    return market, int(head is not None and own is not None and own != head)
