"""Update briefs: an approved keyword an existing page covers is optimised there (pure).

Issue 18 §1: approving a cluster page whose keyword a live page of the site already covers
records an "optimise existing page" task (:mod:`services.site.optimise`) instead of a new
page. Its brief is an **update brief**: it names the existing URL (kept: no new slug), shows
the page's current title, H1, headings and meta description from the crawl, lists the
keywords to add (never the page's own primary keyword or its same-search variants; and
which the headings already carry), and proposes only the headings the
page does not have yet — an H2 per keyword to add that no heading carries, then the
outline's sub-topic and question headings minus those whose content words an existing
heading, the title or the H1 already holds. Template sections
("Introduction", "Verdict"…) are not proposed: the page has its own structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from services.core.text import content_tokens

#: Outline entries an update brief never proposes (the page's own structure stays).
_STRUCTURE = "structure"
#: Headings that are an FAQ section already (its questions go under it).
_FAQ = frozenset({"faq", "faqs", "frequently asked questions"})


class CurrentPage(Protocol):
    """What the site package knows of the page to update
    (:class:`services.site.optimise.OptimiseBrief` has these attributes)."""

    @property
    def url(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def h1(self) -> str: ...

    @property
    def meta_description(self) -> str: ...

    @property
    def headings(self) -> tuple[str, ...]: ...

    @property
    def primary_keyword(self) -> str: ...

    @property
    def keywords_to_add(self) -> tuple[str, ...]: ...

    @property
    def already_in_headings(self) -> tuple[str, ...]: ...


def _covered(text: str, existing: Sequence[frozenset[str]]) -> bool:
    """True when every content word of ``text`` is in one existing heading (or the title)."""
    words = frozenset(content_tokens(text))
    return bool(words) and any(words <= have for have in existing)


def headings_to_add(
    outline: Sequence[dict[str, Any]], current: CurrentPage
) -> list[dict[str, Any]]:
    """The outline's headings the page lacks, in outline order.

    Parameters
    ----------
    outline : sequence of dict
        A new-page outline (``{"level", "text", "source", "search_volume"}``).
    current : CurrentPage
        The page as crawled.

    Returns
    -------
    list of dict
        Sub-topic and question headings not already on the page (an "FAQ" H2 only when a
        question stays and the page has no FAQ section), each marked ``"to add": True``.
    """
    existing = [
        frozenset(content_tokens(h)) for h in (current.title, current.h1, *current.headings) if h
    ]
    kept: list[dict[str, Any]] = []
    for entry in outline:
        text = str(entry.get("text") or "")
        if entry.get("source") == _STRUCTURE:
            if text == "FAQ" and not _FAQ & {h.strip().lower() for h in current.headings}:
                kept.append({**entry, "to_add": True})
            continue
        if not _covered(text, existing):
            kept.append({**entry, "to_add": True})
    # an FAQ heading with no question under it is dropped
    return [
        e
        for i, e in enumerate(kept)
        if e.get("text") != "FAQ" or (i + 1 < len(kept) and kept[i + 1].get("source") == "question")
    ]


def new_keywords(current: CurrentPage) -> list[str]:
    """The page's keywords to add minus its own primary keyword and that keyword's
    same-search variants (plural, word order, spelling… by the shared rules of
    :func:`services.clustering.evidence.same_search_groups`): the page targets them already.

    Returns
    -------
    list of str
        In the order of ``current.keywords_to_add``.
    """
    from services.clustering.evidence import same_search_groups

    to_add = list(dict.fromkeys(current.keywords_to_add))
    primary = (current.primary_keyword or "").strip()
    if not primary or not to_add:
        return to_add
    labels = same_search_groups([primary, *to_add]).labels
    return [k for k, label in zip(to_add, labels[1:], strict=True) if label != labels[0]]


def as_update(brief: dict[str, Any], current: CurrentPage) -> dict[str, Any]:
    """A new-page brief (:meth:`services.content.briefs.Brief.to_dict`) as an update brief.

    The URL is the existing page's; ``update`` holds the task line, the page's current
    title / H1 / meta description / headings, the keywords to add with whether the headings
    already carry them; ``outline`` holds only the headings to add.
    """
    covered = set(current.already_in_headings)
    to_add = new_keywords(current)
    same = [k for k in dict.fromkeys(current.keywords_to_add) if k not in to_add]
    out = dict(brief)
    out["url"] = current.url
    proposed = headings_to_add(brief.get("outline") or [], current)
    have = [frozenset(content_tokens(str(e.get("text") or ""))) for e in proposed]
    lead = [
        {
            "level": 2,
            "text": k[:1].upper() + k[1:],
            "source": "keyword to add",
            "search_volume": None,
            "to_add": True,
        }
        for k in to_add
        if k not in covered and not _covered(k, have)
    ]
    out["outline"] = lead + proposed
    out["update"] = {
        "task": f"Update the existing page {current.url} (keep its URL; no new page).",
        "url": current.url,
        "current_title": current.title,
        "current_h1": current.h1,
        "current_meta_description": current.meta_description,
        "current_headings": list(current.headings),
        "page_primary_keyword": current.primary_keyword,
        "keywords_to_add": [{"keyword": k, "in_headings": k in covered} for k in to_add],
        "same_search_as_primary": same,
    }
    if not current.title and not current.h1:
        out["missing"] = [
            *(out.get("missing") or []),
            "current title, H1 and headings (the page is known only from rankings: crawl it)",
        ]
    return out


def update_summary(update: dict[str, Any]) -> list[str]:
    """Plain-text lines of an update brief's task for a person ([] for a new-page brief)."""
    if not update:
        return []
    adds = update.get("keywords_to_add") or []
    todo = [a["keyword"] for a in adds if not a.get("in_headings")]
    done = [a["keyword"] for a in adds if a.get("in_headings")]
    lines = [str(update.get("task") or "")]
    lines.append(
        "Keywords to add: "
        + (", ".join(todo) or "none")
        + f" (the page targets “{update.get('page_primary_keyword') or 'unknown'}”)"
    )
    if done:
        lines.append("Already in the headings: " + ", ".join(done))
    if same := update.get("same_search_as_primary"):
        lines.append(
            "Same search as the page's primary keyword (no new heading; use the wording in "
            "the copy): " + ", ".join(same)
        )
    lines.append(
        f"Current title: {update.get('current_title') or 'unknown'} · "
        f"H1: {update.get('current_h1') or 'unknown'}"
    )
    heads = update.get("current_headings") or []
    lines.append("Current headings: " + (" | ".join(heads) if heads else "none crawled"))
    return lines


def task_line(update: dict[str, Any]) -> str:
    """One cell for exports: the update task and its keywords to add, or "New page"."""
    if not update:
        return "New page"
    adds = [a["keyword"] for a in update.get("keywords_to_add") or [] if not a.get("in_headings")]
    line = f"{update.get('task') or ''} Keywords to add: {', '.join(adds) or 'none'}."
    if same := update.get("same_search_as_primary"):
        line += f" Same search as its primary keyword: {', '.join(same)}."
    return line
