"""An outline fitted to its format after planning (pure): what the format's own rules add.

:func:`services.content.outline.plan_outline` slots the data's sub-topics into a format's
sections; this step applies what depends on the format chosen for the search:

* a service page keeps the sections its data supports and puts city searches under
  "Areas served" (:func:`services.content.service_page.fit_sections`);
* a roundup's searches naming one product ("Divi WordPress theme" on "Best WordPress
  Themes") are candidate picks: H3s under "The picks", not H2 sections. A product name is a
  rare word (under :data:`PRODUCT_MAX_SHARE` of the project's keywords) that the data itself
  reviews or compares ("divi wordpress theme review", "elementor vs wordpress");
* a page whose shown keyword differs from its primary (a roundup named "best wordpress chat
  plugins", :func:`services.content.copywriting.shown_keyword`) has no heading that is
  that search again ("Best chat plugin for WordPress"), compared by same-search key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.content import copywriting, service_page
from services.content.outline import OutlinePlan
from services.content.topics import ClusterTopics, Sibling, TopicIndex, topic_words

#: A word held by more than this share of the project's keywords is a topic or feature
#: word ("seo", "free", "blog" on a WordPress export: 1.5-2.7 %), not one product's name
#: (divi 0.3 %, wordfence 0.1 %): measured on the shared Semrush WordPress export.
PRODUCT_MAX_SHARE = 0.01
_PICKS = "The picks"


def fit_to_format(
    plan: OutlinePlan,
    fmt: str,
    primary: str,
    secondary: Sequence[str],
    index: TopicIndex,
    site_type: str,
    intent: str | None,
) -> None:
    """Fit ``plan`` (updated in place) to the format ``fmt``.

    Parameters
    ----------
    plan : OutlinePlan
        The planned outline; ``outline``, ``subtopics`` and ``notes`` may change.
    fmt : str
        The page's format (:data:`services.content.templates.FORMATS`).
    primary : str
        The normalized primary keyword.
    secondary : sequence of str
        The page's secondary keywords.
    index : TopicIndex
        The project's keywords (same-search keys).
    site_type, intent : str, str or None
        The project's site type and the keyword's intent labels (comma-joined).
    """
    if fmt == "service":
        searches = [*secondary, *(k for k, _v in plan.subtopics)]
        plan.outline, gaps = service_page.fit_sections(
            plan.outline, primary, searches, site_type, intent
        )
        plan.notes += gaps
    if fmt == "listicle":
        plan.outline = _products_as_picks(plan.outline, primary, index)
    shown = copywriting.shown_keyword(fmt, primary)[1]
    if shown == primary:
        return
    own = index.key(shown)
    plan.outline = [
        o
        for o in plan.outline
        if not (o.get("source") == "related search" and index.key(str(o["text"]).lower()) == own)
    ]
    plan.subtopics = [(k, v) for k, v in plan.subtopics if index.key(k) != own]


def is_product_word(word: str, index: TopicIndex) -> bool:
    """True when ``word`` names one product: rare in the project's keywords and reviewed or
    compared in them ("divi … review", "vs wordfence")."""
    if not word or index.share(word) > PRODUCT_MAX_SHARE:
        return False
    cue = re.compile(
        rf"\b{re.escape(word)} (\w+ ){{0,2}}reviews?\b|\b{re.escape(word)} vs\b|\bvs {re.escape(word)}\b"
    )
    return any(cue.search(k) for k, _v, _w in index.carrying(word))


def _products_as_picks(
    outline: list[dict[str, Any]], primary: str, index: TopicIndex
) -> list[dict[str, Any]]:
    """A roundup's related searches naming a product moved to H3s under "The picks"."""
    at = next(
        (i for i, o in enumerate(outline)
         if o.get("source") == "structure" and str(o.get("text", "")).startswith(_PICKS)),
        None,
    )  # fmt: skip
    if at is None:
        return outline
    own = topic_words(primary)
    picks = [
        o
        for o in outline
        if o.get("source") == "related search"
        and o.get("level") == 2
        and any(is_product_word(w, index) for w in topic_words(str(o["text"]).lower()) - own)
    ]
    if not picks:
        return outline
    rest = [o for o in outline if all(o is not p for p in picks)]
    return rest[: at + 1] + [{**o, "level": 3} for o in picks] + rest[at + 1 :]


def roundup_taken(
    primary: str,
    page_id: str,
    index: TopicIndex,
    siblings: Sequence[Sibling] = (),
    cluster: ClusterTopics | None = None,
) -> bool:
    """True when a roundup of ``primary`` would be another page's search: the hub "wordpress
    security plugins" shown as "best wordpress security plugins" while the cluster also has
    a "best wordpress security plugins" page (the funnel keeps "best …" a page of its own).
    That hub is then briefed as a guide, so the cluster has no two roundups of one noun.

    Parameters
    ----------
    primary : str
        The page's primary keyword (normalised).
    page_id : str
        The page's id (as in ``cluster``).
    index : TopicIndex
        The project's keywords (same-search keys).
    siblings, cluster : optional
        The cluster's other pages, or all its pages prepared once per batch.
    """
    _noun, shown = copywriting.shown_keyword("listicle", primary)
    if shown == primary:
        return False
    key = index.key(shown)
    if cluster is not None:
        return cluster.taken(key, page_id)
    return any(index.key(kw) == key for s in siblings for kw in (s.primary, *s.secondary))
