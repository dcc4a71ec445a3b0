"""A service business's page (custom site type): the sections its data supports (pure).

A service page (:data:`services.content.templates.TEMPLATES` ``"service"``) has two sections
that only the data can justify:

* **Fees and pricing** — kept when a search of the page asks about cost ("car accident
  lawyer fee", "how much do … charge"); a writer cannot invent prices, so without such a
  search the section is left out and the gap is listed in the brief's ``missing``;
* **Areas served** — kept when the search is local: the page is a location page
  (:func:`services.seed_clusters.site_rules.page_label`) or one of its searches names a
  place (:func:`services.content.places.is_place`, "car accident lawyer in myrtle beach").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.content.places import is_place
from services.content.templates import AREAS_SECTION, FEES_SECTION
from services.seed_clusters.site_rules import page_label

_COST = re.compile(
    r"\b(cost|costs|price|prices|pricing|fee|fees|charge|charges|rates?|how much|free)\b"
)
#: Longest place name matched inside a keyword (words): "san bernardino ca".
_PLACE_WORDS = 3


def _names_place(keyword: str) -> bool:
    words = keyword.split()
    return any(
        is_place(" ".join(words[i : i + n]))
        for n in range(1, _PLACE_WORDS + 1)
        for i in range(len(words) - n + 1)
    )


def is_local(primary: str, searches: Sequence[str], site_type: str, intent: str | None) -> bool:
    """True when the page's search is local: a location page, or a search naming a place."""
    if page_label("landing", site_type, primary, intent) == "location page":
        return True
    return any(_names_place(k) for k in (primary, *searches))


def fit_sections(
    outline: list[dict[str, Any]],
    primary: str,
    searches: Sequence[str],
    site_type: str,
    intent: str | None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The service page's outline without the sections its data does not support.

    Parameters
    ----------
    outline : list of dict
        The outline of :func:`services.content.outline.plan_outline` for the "service" format.
    primary : str
        The page's primary keyword.
    searches : sequence of str
        Its secondary keywords and outline sub-topics (the data the page covers).
    site_type, intent : str, str or None
        The project's site type and the keyword's intent labels (comma-joined).

    Returns
    -------
    tuple of (list of dict, list of str)
        The outline, and notes for the brief's ``missing`` (a section left out, and why).
    """
    notes: list[str] = []
    drop: set[str] = set()
    if not any(_COST.search(k) for k in (primary, *searches)):
        drop.add(FEES_SECTION)
        notes.append("fees and pricing: no search in the data asks about cost (section left out)")
    if not is_local(primary, searches, site_type, intent):
        drop.add(AREAS_SECTION)
    kept = [o for o in outline if not (o.get("source") == "structure" and o.get("text") in drop)]
    return kept, notes
