"""Words of a page's keyword that name a brand or another site (pure).

Used by :func:`services.content.briefs.build_brief`: a keyword naming one brand on a
publisher is a review (:func:`names_one_brand`); words naming other sites (SERP domains,
brand-profile competitors) never become headings (:func:`other_sites`).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from services.content.casing import Casing
from services.content.topics import TopicIndex
from services.core.text import content_tokens, tokens

#: A brand word held by more of the project's keywords than this is the site's topic
#: ("wordpress" on a WordPress blog), not the one product a review is about.
TOPIC_WORD_SHARE = 0.2


def names_one_brand(casing: Casing, index: TopicIndex, primary: str) -> bool:
    """True when the keyword holds a brand-cased word that is not the project's topic
    (held by fewer than :data:`TOPIC_WORD_SHARE` of the project's keywords)."""
    for tok in tokens(primary):
        form = casing.form(tok)
        if (
            form
            and form != form.lower()
            and form != tok.upper()
            and "'" not in form
            and (
                index.share(content_tokens(tok)[0] if content_tokens(tok) else tok)
                < TOPIC_WORD_SHARE
            )
        ):
            return True
    return False


def other_sites(serp_urls: Sequence[str], competitors: Sequence[str], own: str) -> set[str]:
    """Lowercase words naming other sites: SERP domains' labels and competitor names,
    without the own brand's words."""
    out = {t for c in competitors for t in tokens(c)}
    for url in serp_urls:
        host = urlsplit(url).hostname or ""
        parts = [p for p in host.split(".") if p not in ("www", "m", "en")]
        if parts:
            out.add(parts[0])
    return out - set(tokens(own)) - {""}
