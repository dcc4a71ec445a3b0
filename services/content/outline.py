"""Outline (H2/H3 and FAQ) of a brief from the sub-topics in the project's data (pure).

Sub-topics are *other* real searches of the project: keywords that carry every content word
of the page's primary keyword (plural-insensitive) but

* are not the same search as the primary keyword (the same-search key of
  :func:`services.clustering.variants.same_search_key`, with question auxiliaries such as
  do/does/is/are ignored, so "how do payday loans work" = "how does payday loans work");
* do not belong to a sibling page: not a sibling's primary or secondary keyword (or the same
  search as one), and not carrying every word of a sibling's more specific primary
  ("best waterproof trail running shoes" belongs to the "waterproof trail running shoes"
  page, not to "trail running shoes");
* name no other site (a domain, a label of a SERP result's domain, or a brand-profile
  competitor).

Each search gives one heading (its best-worded, highest-volume variant, written as a
natural heading by :mod:`services.content.casing`); questions become the FAQ, once each.
When the data has fewer than :data:`MIN_SUBTOPICS` sub-topics the outline keeps the
template's sections only and says so, rather than repeating the keyword.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.clustering.intent_rules import QUESTION_PATTERN
from services.clustering.lexical import MARKET_WORDS
from services.clustering.word_order import head_noun
from services.content.casing import Casing
from services.content.facets import facets
from services.content.heading_words import (
    DATED_WORDS,
    FOREIGN_WORDS,
    RETAILERS,
    order_penalty,
    without_market,
)
from services.content.places import only_places
from services.content.templates import TEMPLATES
from services.content.topics import (
    AUX_WORDS,
    ClusterTopics,
    Sibling,
    TopicIndex,
    cached_tokens,
    is_question,
    topic_words,
)
from services.core.text import STOP_WORDS, content_tokens, normalize_keyword, singularize, tokens
from services.core.wording import count_noun, plural

#: Sub-topic H2s per page (the rest stay in the brief's keyword list).
MAX_H2 = 8
#: FAQ questions per page.
MAX_FAQ = 6
#: Non-question searches longer than this (words) are pasted lists, not headings.
MAX_HEADING_WORDS = 8
#: Fewer sub-topics than this: the outline is the template's sections only, flagged.
MIN_SUBTOPICS = 2

_QUESTION = re.compile(QUESTION_PATTERN)
#: Two headings whose words (question words aside) overlap this much say the same thing.
NEAR_DUPLICATE = 0.7
_SAME = {
    "website": "site",
    "websites": "site",
    "web": "",
    "migrate": "move",
    "migration": "move",
    "migrating": "move",
    "transfer": "move",
    "moving": "move",
    "switch": "move",
    "switching": "move",
    "percentage": "percent",
}
_DOMAIN = re.compile(r"\b[a-z0-9-]+\.(com|net|org|co|io|uk|de|in|au|ca)\b|\bwww\b")
#: Ungrammatical variants the data is full of ("how does payday loans work", "what is a
#: payday loans"): a singular verb or article right before a plural noun phrase.
_BAD_GRAMMAR = re.compile(r"\b(does|is|a|an)\s+(\w+\s+)?\w+[^s\W]s\b(?!\s+(of|for)\b)")


@dataclass
class OutlinePlan:
    """What :func:`plan_outline` returns.

    Attributes:
        outline: ``[{"level", "text", "source", "search_volume"}]`` in page order.
        faq: the FAQ questions (also in ``outline`` as H3s under "FAQ").
        facets: facet words for a collection's "Shop by" ([] elsewhere).
        subtopics: sub-topic searches used (heading keyword, searches/month of the search).
        notes: data gaps worth telling the writer.
    """

    outline: list[dict[str, object]] = field(default_factory=list)
    faq: list[str] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)
    subtopics: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _gist(keyword: str) -> frozenset[str]:
    """Words that carry a heading's meaning (question words, stop words out; website = site)."""
    words = (_SAME.get(t, t) for t in tokens(AUX_WORDS.sub(" ", keyword)))
    return frozenset(singularize(w) for w in words if w and w not in STOP_WORDS and w not in _WH)


def _near(a: tuple[frozenset[str], bool], b: tuple[frozenset[str], bool]) -> bool:
    """Two headings say the same thing: the same words beyond the primary keyword's (and
    both questions or both not), one word more than the other, or words overlapping by
    :data:`NEAR_DUPLICATE`."""
    (wa, qa), (wb, qb) = a, b
    if not wa or not wb:
        return wa == wb and qa == qb
    small, big = sorted((wa, wb), key=len)
    if small <= big and len(big) - len(small) <= 1:  # "install ssl" = "install ssl certificate"
        return True
    return len(wa & wb) >= NEAR_DUPLICATE * len(wa | wb)


_WH = frozenset(
    ["how", "what", "why", "when", "where", "who", "which", "should", "will", "need", "than"]
)


#: A question asked after its topic ("car accident should i get a lawyer"): no heading, and
#: not a question a writer can quote either (its words are not in question order).
_TRAILING_QUESTION = re.compile(r"\s(should|do|does|can|will|would|could|is|are)\s+(i|you|we|my)\b")


_NEED = (frozenset(["need"]), frozenset(["needs"]))
_ARTICLES = frozenset(["a", "an", "the"])


def _grammar_penalty(keyword: str) -> int:
    return 1 if _BAD_GRAMMAR.search(keyword) else 0


#: Verbs that make a question a sentence ("what is …", "how do …", "can i …").
_VERBS = frozenset(
    ["do", "does", "did", "is", "are", "was", "were", "can", "could", "should", "will",
     "would", "has", "have"]
)  # fmt: skip


#: A product listing's title pasted as a search: a version number ("werkstatt v1.3.1 …") or
#: a spaced dash between a product name and its tagline ("topseo - seo digital marketing …").
_LISTING_TITLE = re.compile(r"\bv?\d+\.\d+(\.\d+)*\b| [-–—|] ")


def _fragment(keyword: str, primary: str) -> bool:
    """A question word in front of the page's own words and nothing else ("what wordpress
    plugins", "how many wordpress plugins"): a truncated search, no question a section can
    answer."""
    toks = cached_tokens(keyword)
    if _VERBS & set(toks):
        return False
    own = {singularize(t) for t in cached_tokens(primary)}
    rest = {singularize(t) for t in toks if t not in _WH and t not in STOP_WORDS}
    return rest - {"many", "much"} <= own


def _unusable(keyword: str, primary: str, is_q: bool) -> bool:
    """Searches that make no heading a writer would keep: an ungrammatical question ("can
    replit build a wordpress plugins"; the group's best wording is already chosen), a
    question fragment (:func:`_fragment`), a keyword in another language's grammar
    (:data:`FOREIGN_WORDS`), a question after its topic (:data:`_TRAILING_QUESTION`), a
    product listing's title (:data:`_LISTING_TITLE`), a dated search on an undated page
    ("wordpress security vulnerability october", "… update today": news,
    :data:`DATED_WORDS`)."""
    if _LISTING_TITLE.search(keyword) and not _LISTING_TITLE.search(primary):
        return True
    added = set(cached_tokens(keyword)) - set(cached_tokens(primary))
    if FOREIGN_WORDS & added or DATED_WORDS & added:
        return True
    if not is_q and (_TRAILING_QUESTION.search(keyword) or (added - _ARTICLES) in _NEED):
        return True  # ... or the page's words with "need" put in: "car accident need lawyer"
    return is_q and (_grammar_penalty(keyword) > 0 or _fragment(keyword, primary))


_FILLER = frozenset(["in", "for", "of", "the", "best", "top", "a"])


def _local_variant(keyword: str, own_words: frozenset[str], places: frozenset[str]) -> bool:
    """True when the keyword only adds a place to the page's words (a city or state page of
    its own, not a section of this one; :func:`services.content.places.only_places`)."""
    rest = [
        t for t in cached_tokens(keyword) if singularize(t) not in own_words and t not in _FILLER
    ]
    return 0 < len(rest) <= 4 and only_places(rest, places)


def _foreign(keyword: str, other_sites: set[str]) -> bool:
    """True when the keyword names another site: a domain, a retailer or marketplace
    (:data:`RETAILERS`), a SERP result's domain label or a brand-profile competitor."""
    if _DOMAIN.search(keyword) or RETAILERS.search(keyword):
        return True
    return bool(other_sites) and bool(other_sites & set(cached_tokens(keyword)))


def _groups(
    primary: str,
    candidates: Sequence[tuple[str, int, frozenset[str]]],
    cluster: ClusterTopics,
    page_id: str,
    other_sites: set[str],
    local: set[str],
) -> list[tuple[str, int]]:
    """(best-worded keyword, total searches/month) per same-search group, by volume; local
    variants ("houston personal injury lawyer") go to ``local`` instead."""
    index = cluster.index
    head = head_noun(primary)
    own_key = index.key(primary)
    own_words = topic_words(primary)
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for kw, volume, _words in candidates:
        words = topic_words(kw)
        if not own_words <= words:
            continue
        key = index.key(kw)
        if key == own_key and is_question(kw) and not is_question(primary):
            key = "q:" + key  # "what are trail running shoes" on the collection: its FAQ
        if key == own_key or cluster.taken(key, page_id):
            continue
        if cluster.belongs_elsewhere(words, page_id, own_words) or _foreign(kw, other_sites):
            continue
        if _local_variant(kw, own_words, index.places):
            local.add(kw)
            continue
        groups[key].append((kw, volume))
    out = []
    for members in groups.values():
        best = (
            members[0]
            if len(members) == 1
            else min(
                members,
                key=lambda m: (
                    _unusable(m[0], primary, is_question(m[0])),
                    _grammar_penalty(m[0]),
                    order_penalty(m[0], head),
                    -m[1],
                    len(m[0]),
                    m[0],
                ),
            )
        )
        out.append((best[0], sum(v for _k, v in members)))
    out.sort(key=lambda g: (-g[1], g[0]))
    return out


def plan_outline(
    fmt: str,
    primary: str,
    *,
    index: TopicIndex,
    casing: Casing,
    secondary: Sequence[tuple[str, int | None]] = (),
    siblings: Sequence[Sibling] = (),
    other_sites: Iterable[str] = (),
    cluster: ClusterTopics | None = None,
    page_id: str = "",
) -> OutlinePlan:
    """The outline of one page: the format's sections with the data's sub-topics slotted in.

    Parameters
    ----------
    fmt : str
        A :data:`services.content.templates.FORMATS` value.
    primary : str
        The page's primary keyword (its H1; never repeated as a heading).
    index : TopicIndex
        The project's keywords.
    casing : Casing
        Published word forms for the headings.
    secondary : sequence of (keyword, searches/month or None)
        The page's own secondary keywords (sub-topic candidates as well).
    siblings : sequence of Sibling
        The cluster's other approved pages.
    other_sites : iterable of str
        Lowercase words naming other sites (SERP domains' labels, competitors).
    cluster, page_id : ClusterTopics, str, optional
        The cluster's pages prepared once for a batch (then ``siblings`` is not needed) and
        this page's id in it.

    Returns
    -------
    OutlinePlan
    """
    primary = normalize_keyword(primary)
    pool = {kw: (kw, vol, words) for kw, vol, words in index.carrying(primary)}
    for kw, vol in secondary:
        k = normalize_keyword(kw)
        pool.setdefault(k, (k, int(vol or 0), frozenset(content_tokens(k))))
    foreign = set(other_sites) - set(tokens(primary))
    if cluster is None:
        page_id = "\x00this page"
        cluster = ClusterTopics(
            index, [(str(i), s.primary, s.secondary) for i, s in enumerate(siblings)]
        )
    local: set[str] = set()
    groups = _groups(primary, list(pool.values()), cluster, page_id, foreign, local)
    plan = OutlinePlan()
    h2s, faqs = _pick(groups, primary, casing, plan)
    plan.faq = [text for text, _v in faqs]
    if len(plan.subtopics) < MIN_SUBTOPICS:
        found = len(plan.subtopics)
        plan.notes.append(
            f"{'no' if not found else f'only {found:,}'} related "
            f"{plural('search', found)} in the project's data for this topic: the outline "
            "holds the format's sections only; import a broader keyword export (or add SERP "
            "data) for sub-topics"
        )
    if local:
        plan.notes.append(
            f"{count_noun(len(local), 'local variant')} left out (e.g. “{sorted(local)[0]}”): "
            "city and state searches are local landing pages, not sections of this one"
        )
    if fmt == "collection":
        plan.facets = facets(primary, plan.subtopics, casing)
    _assemble(plan, fmt, h2s, faqs)
    return plan


def _pick(
    groups: Sequence[tuple[str, int]], primary: str, casing: Casing, plan: OutlinePlan
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Headings (H2s) and FAQ questions, best searches first, one per meaning: no repeated
    text, no near-duplicate (:func:`_near`), at most :data:`MAX_H2` and :data:`MAX_FAQ`; the
    searches used are appended to ``plan.subtopics``."""
    keep_year = bool(re.search(r"\b(19|20)\d\d\b", primary))
    kept: list[tuple[frozenset[str], bool]] = []
    own_gist = _gist(primary)
    h2s: list[tuple[str, int]] = []
    faqs: list[tuple[str, int]] = []
    seen: set[str] = set()
    names_market = bool(MARKET_WORDS & set(cached_tokens(primary)))
    for kw, volume in groups:
        is_q = is_question(kw)
        shown = kw if names_market else without_market(kw)
        text = casing.sentence(shown, keep_year=keep_year).rstrip("?") + ("?" if is_q else "")
        if text.lower() in seen or len(faqs if is_q else h2s) >= (MAX_FAQ if is_q else MAX_H2):
            continue
        if not is_q and len(kw.split()) > MAX_HEADING_WORDS:  # a pasted list, not a topic
            continue
        if _unusable(kw, primary, is_q):
            continue
        gist = (_gist(kw) - own_gist, is_q)
        if any(_near(gist, k) for k in kept):
            continue
        seen.add(text.lower())
        kept.append(gist)
        plan.subtopics.append((kw, volume))
        (faqs if is_q else h2s).append((text, volume))
    return h2s, faqs


def _assemble(
    plan: OutlinePlan,
    fmt: str,
    h2s: Sequence[tuple[str, int]],
    faqs: Sequence[tuple[str, int]],
) -> None:
    def add(level: int, text: str, source: str, volume: int | None = None) -> None:
        plan.outline.append(
            {"level": level, "text": text, "source": source, "search_volume": volume}
        )

    for section in TEMPLATES[fmt].sections:
        if section == "{topics}":
            if fmt == "collection" and h2s:
                add(2, "Buying guide (below the product grid)", "structure")
            tasks = [(t, v) for t, v in h2s if fmt == "how_to" and t.lower().startswith("how to ")]
            if tasks:
                add(2, "Related tasks (short answers, link where a page exists)", "structure")
            for text, volume in h2s:
                nested = fmt == "collection" or (text, volume) in tasks
                add(3 if nested else 2, text, "related search", volume)
        elif section == "{faq}":
            if faqs:
                add(2, "FAQ", "structure")
                for text, volume in faqs:
                    add(3, text, "question", volume)
        elif section == "Shop by":
            if plan.facets:
                add(2, "Shop by: " + ", ".join(plan.facets), "structure")
        else:
            add(2, section, "structure")
