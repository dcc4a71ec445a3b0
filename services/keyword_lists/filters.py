"""Keywords of a list that no page should target, each with its true reason (issue 16 §6).

Pure: keywords and settings in, one reason (or None) per keyword out.

* **A URL, a domain or a local path** ("https://…", "www.example.com", "asos.com socks",
  "localhost/wordpress/wp-admin"): someone typed an address, not a search; such keywords go
  to Unclustered with :data:`REASON_URL` and never become a cluster or hub.
* **A competitor's brand** from the brand profile ("marks and spencer mens socks" when
  "Marks and Spencer" is listed), unless a comparison cue ("vs", "alternative") makes it a
  page the site can own: :func:`competitor_of`, reason ``competitor brand (<name>)``.

The brand-safety word list is NOT applied to a user's own list: on the development exports
it would drop "sexual harassment lawyer", "car accident lawyer cumming ga" and "nude socks"
(a colour). Send to review applies it (with the seed funnel's other rules) per page.

Send to review applies the seed funnel's full rule set
(:func:`services.clustering.keyword_filters.exclusion_reason`: navigational by the data's label,
store-only cues only on stores…) to the pages of a hub, see
:func:`services.keyword_lists.review_pages.left_out_reason`; :func:`navigational_by_label`
says which labels count there on a store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.core.text import normalize_keyword

REASON_URL = "a URL, domain or site path, not a search"
REASON_COMPETITOR = "competitor brand"

#: Top-level domains read as a web address when a token ends with them (".com", ".co.uk"…).
#: A short common list rather than the whole Public Suffix List: keyword exports hold these,
#: and a long list makes "node.js" or "socks.size" look like addresses.
_TLDS = (
    "com|net|org|io|co|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|ie|au|nz|ca|us|in|jp|"
    "cn|ru|br|mx|info|biz|ai|app|dev|shop|store|online|site|xyz|me|tv|edu|gov|eu"
)
#: An address: a scheme, "www.", a local host or CMS path, a site path.
_ADDRESS = re.compile(
    r"(^|\s)(https?:/+|www\.)|"  # scheme or www. ("http error 500" is a search)
    r"\blocalhost[:/]|\bwp-(admin|login|content|json)\b|\b127\.0\.0\.1\b|"  # local, CMS paths
    r"[a-z0-9-]+/[a-z0-9-]+/|(^|\s)/[a-z]"  # a path: /page or section/page/ ("24/7" is not)
)
#: A domain name token ("asos.com", "sockshop.co.uk").
_DOMAIN = re.compile(rf"\b[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.({_TLDS})(/\S*)?(\s|$)")
#: Technology names that look like domains ("asp.net core" is a search).
_NOT_DOMAINS = re.compile(r"\b(asp|ado|vb|dot)\.net\b")
_COMPARISON_CUE = frozenset(("vs", "versus", "alternative", "alternatives", "compare", "or"))


def is_url_like(keyword: str) -> bool:
    """True when ``keyword`` is (or contains) a URL, a domain name or a site path.

    A domain named in a comparison ("wordpress.com vs wordpress.org") is a search about the
    products, not an address.

    >>> [is_url_like(k) for k in ("asos.com socks", "localhost/wordpress/wp-admin", "nike socks")]
    [True, True, False]
    """
    kw = str(keyword).strip().lower()
    if "." not in kw and "/" not in kw and ":" not in kw and "wp-" not in kw:
        return False  # every address and domain pattern needs one of these
    if _ADDRESS.search(kw):
        return True
    if not _DOMAIN.search(_NOT_DOMAINS.sub(" ", kw)):
        return False
    return not _COMPARISON_CUE.intersection(kw.split())


def competitor_of(keyword: str, competitors: Sequence[str]) -> str | None:
    """The competitor (normalised name) ``keyword`` names, None when none or a comparison.

    A competitor with a comparison cue ("m&s vs next socks", "asos alternatives") is a page
    the site can own, so it is not returned.
    """
    words = normalize_keyword(keyword).split()
    if _COMPARISON_CUE.intersection(words):
        return None
    padded = f" {' '.join(words)} "
    for comp in competitors:
        name = normalize_keyword(comp)
        if name and f" {name} " in padded:
            return name
    return None


def navigational_by_label(intent: str | None) -> bool:
    """True when the data labels the keyword navigational and nothing else that makes a
    page (Ahrefs "Branded" / "Local" alone do not count: "nike socks" is a collection of a
    shop that sells Nike)."""
    labels = {
        p.strip().lower() for p in str(intent or "").replace(";", ",").split(",") if p.strip()
    }
    return "navigational" in labels and not labels & {
        "commercial",
        "transactional",
        "informational",
    }


def list_filter_reasons(
    keywords: Sequence[str], competitors: Sequence[str] = ()
) -> list[str | None]:
    """Unclustered reason per keyword of a list run, None for keywords to cluster.

    URLs, domains and site paths (:data:`REASON_URL`) and competitor brands
    (``competitor brand (<name>)``, cut to the 64 characters of
    ``list_cluster_members.reason``) are left out of clustering.
    """
    out: list[str | None] = []
    for kw in keywords:
        reason = None
        if is_url_like(kw):
            reason = REASON_URL
        elif competitors and (comp := competitor_of(kw, competitors)) is not None:
            reason = f"{REASON_COMPETITOR} ({comp})"
        out.append(reason[:64] if reason else None)
    return out
