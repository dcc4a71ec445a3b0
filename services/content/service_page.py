"""A service business's page (custom site type): the sections its data supports (pure).

A service page (:data:`services.content.templates.TEMPLATES` ``"service"``) has two sections
that only the data can justify:

* **Fees and pricing** — kept when a search of the page asks about cost ("car accident
  lawyer fee", "how much do … charge"); a writer cannot invent prices, so without such a
  search the section is left out and the gap is listed in the brief's ``missing``;
* **Areas served** — kept when the search is local: the page is a location page
  (:func:`services.seed_clusters.site_rules.page_label`) or one of its searches names a
  place (:func:`services.content.places.is_place`, "car accident lawyer in myrtle beach");
  those searches go under it as H3s, not among the service's own sections.
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
_NEAR_ME = re.compile(r"\bnear me\b")
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
    return _places_under_areas(kept), notes


def _places_under_areas(outline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Searches naming a place ("Covington workers compensation lawyer") as H3s under
    "Areas served" rather than H2 sections of the service (each city may earn a location
    page of its own); unchanged when the outline has no "Areas served"."""
    at = next(
        (i for i, o in enumerate(outline) if o.get("source") == "structure"
         and o.get("text") == AREAS_SECTION),
        None,
    )  # fmt: skip
    if at is None:
        return outline
    local = [
        o
        for o in outline
        if o.get("source") == "related search" and _names_place(str(o.get("text", "")).lower())
    ]
    if not local:
        return outline
    rest = [o for o in outline if all(o is not x for x in local)]
    at = next(i for i, o in enumerate(rest) if o.get("text") == AREAS_SECTION and
              o.get("source") == "structure")  # fmt: skip
    return rest[: at + 1] + [{**o, "level": 3} for o in local] + rest[at + 1 :]


def shown_keyword(keyword: str) -> str:
    """The service page's keyword as its title and H1 say it: "near me" is how the searcher
    asks, the page answers "near you" ("Personal Injury Lawyer Near You")."""
    return _NEAR_ME.sub("near you", keyword)
