"""Words that keep a search out of a brief's headings: another language's grammar, a month
(news of one day or month), a retailer's or marketplace's name (maintained lists).
"""

from __future__ import annotations

import re

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
