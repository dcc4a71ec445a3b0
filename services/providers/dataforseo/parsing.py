"""Reading DataForSEO answers tolerantly: numbers range-checked, keywords checked against
Google Ads' rules, result items turned into :class:`~services.providers.base.KeywordData`."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, overload

from services.core.text import normalize_keyword
from services.providers.base import KeywordData

PROVIDER = "dataforseo"
#: Largest search volume we accept (searches/month); Google's biggest terms are ~10⁹.
MAX_SEARCH_VOLUME = 10**10
#: Largest volume the ``search_volume`` INTEGER columns hold (2³¹ − 1, PostgreSQL's limit);
#: an accepted volume above it is stored clamped, with a note.
STORABLE_SEARCH_VOLUME = 2**31 - 1
#: Largest CPC we accept (USD).
MAX_CPC_USD = 10_000.0
# Limits of the search_volume/live ``keywords`` field (NOTES.md §1).
MAX_KEYWORDS_PER_REQUEST = 1000
MAX_KEYWORD_CHARS = 80
MAX_KEYWORD_WORDS = 10
#: Characters Google Ads accepts besides letters, digits, combining marks and spaces
#: (Google AdWords API advisor on INVALID_KEYWORD_TEXT: ' ', '#', '$', '&', '_', '-', '"',
#: '[', ']', "'", '+', '.', '/', ':'). Anything else (emoji, ! @ % , * ( ) = ; < > ? …) is
#: rejected by Google, so we do not send it.
ALLOWED_SYMBOLS = frozenset(" #$&_-\"[]'+./:")


@overload
def _number(value: Any) -> float | None: ...
@overload
def _number(value: Any, default: float) -> float: ...
@overload
def _number(value: Any, default: None) -> float | None: ...
def _number(value: Any, default: float | None = None) -> float | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    return default


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None or number != number else int(number)


def _cost(value: Any, default: float) -> float:
    """A response's ``cost`` (USD): a finite number ≥ 0, else ``default``."""
    number = _number(value)
    if number is None or number != number or not 0 <= number < 1e6:
        return default
    return number


def _volume(value: Any, keyword: str, notes: dict[str, str]) -> int | None:
    """Search volume (searches/month) range-checked to 0..:data:`MAX_SEARCH_VOLUME`.

    A negative, NaN or absurd value (e.g. 10¹²) is a provider fault: stored as unknown (None)
    with a note in ``notes[keyword]`` instead of crashing a later write on PostgreSQL; a value
    between 2³¹ − 1 and 10¹⁰ is clamped to :data:`STORABLE_SEARCH_VOLUME`, with a note.
    """
    number = _number(value)
    if number is None:
        return None
    if number != number or not 0 <= number <= MAX_SEARCH_VOLUME:
        notes[keyword] = (
            f"search volume {value!r} out of range 0..{MAX_SEARCH_VOLUME:.0e}: stored as unknown"
        )
        return None
    if number > STORABLE_SEARCH_VOLUME:
        notes[keyword] = (
            f"search volume {value!r} stored as {STORABLE_SEARCH_VOLUME:,} (column limit)"
        )
        return STORABLE_SEARCH_VOLUME
    return int(number)


def _cpc(value: Any) -> float | None:
    """CPC in USD range-checked to 0..:data:`MAX_CPC_USD` (else unknown)."""
    number = _number(value)
    if number is None or number != number or not 0 <= number <= MAX_CPC_USD:
        return None
    return number


def _percent(value: Any) -> float | None:
    """A 0-100 value (keyword difficulty), None when not a number or out of range."""
    number = _number(value)
    if number is None or number != number or not 0 <= number <= 100:
        return None
    return number


def _unit(value: Any) -> float | None:
    """A 0-1 value (competition), clamped; None when not a number."""
    number = _number(value)
    if number is None or number != number:
        return None
    return max(0.0, min(1.0, number))


def keyword_problem(keyword: str) -> str | None:
    """Why Google Ads would reject ``keyword``, or None when it can be sent.

    Parameters
    ----------
    keyword : str
        A normalised (lowercase) keyword.

    Returns
    -------
    str or None
        e.g. "longer than 80 characters", "more than 10 words", "contains '!'".
    """
    if not keyword:
        return "empty"
    if len(keyword) > MAX_KEYWORD_CHARS:
        return f"longer than {MAX_KEYWORD_CHARS} characters"
    if len(keyword.split()) > MAX_KEYWORD_WORDS:
        return f"more than {MAX_KEYWORD_WORDS} words"
    for ch in keyword:
        if ch in ALLOWED_SYMBOLS or ch.isalnum() or unicodedata.category(ch).startswith("M"):
            continue
        return f"contains {ch!r}, which Google Ads does not accept"
    return None


def _sendable(keyword: str) -> str:
    """The form we send: lowercase, typographic apostrophes made plain."""
    return normalize_keyword(keyword).replace("\u2019", "'").replace("\u2018", "'")


def _chunks(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _parse_search_volume(
    result: list[Any], notes: dict[str, str] | None = None
) -> dict[str, KeywordData]:
    """search_volume/live result items → sent keyword → metrics (tolerant of missing keys).

    Values are range-checked (:func:`_volume`, :func:`_cpc`); out-of-range volumes become
    None with a note in ``notes``.
    """
    notes = {} if notes is None else notes
    out: dict[str, KeywordData] = {}
    for item in result:
        if not isinstance(item, dict) or not item.get("keyword"):
            continue
        kw = _sendable(str(item["keyword"]))
        index = _number(item.get("competition_index"))
        level = item.get("competition")
        out[kw] = KeywordData(
            keyword=kw,
            search_volume=_volume(item.get("search_volume"), kw, notes),
            cpc=_cpc(item.get("cpc")),
            competition=None if index is None else _unit(index / 100.0),
            competition_level=level.upper() if isinstance(level, str) else None,
            source=PROVIDER,
        )
    return out


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _labs_keyword(row: Any, notes: dict[str, str] | None = None) -> KeywordData | None:
    """One Labs ``KeywordDataInfo`` → ``KeywordData`` (None when it has no keyword)."""
    if not isinstance(row, dict) or not row.get("keyword"):
        return None
    info = _object(row.get("keyword_info"))
    props = _object(row.get("keyword_properties"))
    intent = _object(row.get("search_intent_info"))
    level = info.get("competition_level")
    keyword = normalize_keyword(str(row["keyword"]))
    return KeywordData(
        keyword=keyword,
        search_volume=_volume(info.get("search_volume"), keyword, {} if notes is None else notes),
        cpc=_cpc(info.get("cpc")),
        competition=_unit(info.get("competition")),
        competition_level=level.upper() if isinstance(level, str) else None,
        keyword_difficulty=_percent(props.get("keyword_difficulty")),
        intent=intent.get("main_intent"),
        source=PROVIDER,
    )
