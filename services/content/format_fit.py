"""An outline fitted to its format after planning (pure): what the format's own rules add.

:func:`services.content.outline.plan_outline` slots the data's sub-topics into a format's
sections; this step applies what depends on the format chosen for the search:

* a service page keeps the sections its data supports and puts city searches under
  "Areas served" (:func:`services.content.service_page.fit_sections`);
* a page whose shown keyword differs from its primary (a roundup named "best wordpress chat
  plugins", :func:`services.content.copywriting.shown_keyword`) has no heading that is
  that search again ("Best chat plugin for WordPress"), compared by same-search key.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.content import copywriting, service_page
from services.content.outline import OutlinePlan
from services.content.topics import TopicIndex


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
