"""Collection-page URL slugs: ``/collections/<slug>`` (spec Stage 3 "URL slug generation")."""

from __future__ import annotations

from slugify import slugify

COLLECTION_PREFIX = "/collections/"
MAX_SLUG_LENGTH = 60  # characters of the slug part, spec Stage 3


def collection_slug(keyword: str, taken: set[str] | None = None) -> str:
    """``/collections/<slug>`` for a keyword, unique against ``taken``.

    Uses python-slugify (transliterates accents and emoji away, lowercase, hyphens), cut at
    a word boundary to ≤ 60 characters; a clash gets ``-2``, ``-3``… within the limit.

    Args:
        keyword: the page's primary keyword.
        taken: full slugs already used in the cluster; the new slug is added to it.

    Returns:
        e.g. ``/collections/waterproof-trail-running-shoes``.
    """
    base = slugify(keyword, max_length=MAX_SLUG_LENGTH, word_boundary=True) or "page"
    slug = base
    n = 2
    while taken is not None and COLLECTION_PREFIX + slug in taken:
        suffix = f"-{n}"
        slug = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    full = COLLECTION_PREFIX + slug
    if taken is not None:
        taken.add(full)
    return full


def normalize_slug(value: str) -> str:
    """Clean a user-edited slug into ``/collections/<slug>`` form (same rules)."""
    value = (value or "").strip()
    if value.startswith(COLLECTION_PREFIX):
        value = value[len(COLLECTION_PREFIX) :]
    return collection_slug(value.strip("/"))
