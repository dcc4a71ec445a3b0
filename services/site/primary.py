"""Primary keyword per page: candidates, score, unique assignment. Pure (values in and out).

Flow (``shared/design/primary-keywords-design.md``; issue 9 §3):

1. **Candidates** per page: the page's own ranking keywords (rankings import, at most
   :data:`MAX_RANKING_CANDIDATES`, most clicks / traffic / impressions first), keywords of the
   project's universe whose content words all occur in the page's title, H1 and headings (its
   URL slug only for a page known from rankings alone, and then not keywords another page
   ranks for: :func:`universe_matches` and ``primary_api``; at most
   :data:`MAX_UNIVERSE_CANDIDATES`, highest volume first) and, with an LLM on, the
   generate-then-filter keywords (done by the api).
2. **Relevance** (0-1): the LLM filter's confidence when there is one; offline the cosine
   between the keyword and the page text (title + H1 + headings + body summary, or the URL
   slug's words for a page known only from rankings), rescaled linearly from
   [:data:`COSINE_FLOOR`, :data:`COSINE_CEIL`] to [0, 1]. The floor is the MiniLM cosine of a
   median unrelated keyword pair (0.22, measured in ``services.providers.embeddings``).
3. **Confidence** — clicks/impressions raise it: ``confidence = relevance + (1 - relevance) ·
   sqrt(share)``, where ``share`` (0-1) is the keyword's part of the page's Search Console
   clicks; when the page has no clicks, of its estimated organic traffic (Semrush/Ahrefs); when
   it has neither, of its impressions; 0 for keywords the page does not rank for. A keyword
   that brings a page all its traffic has confidence 1; one that brings a quarter of it closes
   half the gap between relevance and 1 (the square root: a page's traffic is spread over many
   long-tail queries, so a quarter is already a main keyword). A keyword the page does not
   rank for keeps its relevance; confidence never goes down. Measured on the development
   rankings sets (``bench/primary_quality.py``), the square root beat the linear share on
   top-1 and top-5 for all four; a cross-page ownership factor (× the page's part of the
   keyword's traffic) was tried and was worse on all four.
4. **Score**: :func:`services.core.scoring.calculate_score` (50 % volume, 35 % confidence,
   15 % competition) — the one formula of the app.
5. **Assignment**: greedy over all (page, candidate) pairs by score, best first: a pair is
   taken when its page has no primary yet and its keyword is not used by another page of the
   project, so a keyword goes to the page it suits best. Candidates below
   :data:`MIN_CONFIDENCE` do not qualify; a page left without a primary gets its H1 (else title)
   as a flagged fallback. The database's unique constraint is the final guard.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

from services.core.scoring import calculate_score
from services.core.text import content_tokens, normalize_keyword
from services.site.labels import page_label

#: Ranking keywords kept per page (most clicks / traffic / impressions first).
MAX_RANKING_CANDIDATES = 30
#: Universe keywords kept per page (highest volume first).
MAX_UNIVERSE_CANDIDATES = 20
#: Alternatives stored per page (the design's "top 5").
ALTERNATIVES = 5
#: MiniLM cosine mapped to relevance 0 (≈ a median unrelated keyword pair, 0.22).
COSINE_FLOOR = 0.20
#: MiniLM cosine mapped to relevance 1 (a keyword that restates the page's topic).
COSINE_CEIL = 0.80
#: Candidates below this confidence (0-1) do not qualify as a primary.
MIN_CONFIDENCE = 0.25
#: Characters of the body summary used in the page text for relevance (MiniLM's cost grows
#: with the text: 500 pages of title + H1 + 8 headings + 300 characters embed in ≈ 5 s).
SUMMARY_CHARS = 300
#: Headings (H2-H6, document order) used in the page text.
MAX_HEADINGS = 8

_SLUG_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class PageInput:
    """What the primary-keyword step knows of a page.

    Attributes
    ----------
    page_id : Any
        ``CrawledPage.id``.
    url : str
        The page URL.
    normalized_url : str
        ``services.core.urls.normalize_url`` of it (the rankings join key).
    title, h1 : str
        Crawled title and first H1 ("" when unknown).
    headings : list of str
        H2-H6 texts.
    summary : str
        A body summary (first :data:`SUMMARY_CHARS` characters are used).
    """

    page_id: Any
    url: str
    normalized_url: str
    title: str = ""
    h1: str = ""
    headings: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def has_content(self) -> bool:
        """True when the page's own text is known (crawled title, H1 or headings)."""
        return bool(self.title.strip() or self.h1.strip() or self.headings)

    @property
    def slug_words(self) -> str:
        """Words of the URL path ("/agency/web-design/" → "agency web design")."""
        path = unquote(urlsplit(self.url).path or self.url)
        path = re.sub(r"\.(html?|php|aspx?)$", "", path)
        return " ".join(_SLUG_WORDS.findall(path.replace("_", " ")))

    @property
    def text(self) -> str:
        """Text embedded for relevance: title, H1, headings, summary; else the slug words."""
        parts = [self.title, self.h1, *self.headings[:MAX_HEADINGS], self.summary[:SUMMARY_CHARS]]
        body = " . ".join(p.strip() for p in parts if p and p.strip())
        return body or self.slug_words or self.url

    def match_tokens(self) -> set[str]:
        """Content tokens of the page's own text (title, H1, headings) for universe matching;
        of its URL slug only when its text is unknown (a page known from rankings only)."""
        words: set[str] = set()
        parts = [self.title, self.h1, *self.headings] if self.has_content else [self.slug_words]
        for part in parts:
            words.update(content_tokens(part or ""))
        return words

    def fallback_keyword(self) -> str:
        """The page's label (:func:`services.site.labels.page_label`: H1, else title, else
        slug, cut to a phrase; a one-word label takes its URL section)."""
        return page_label(self.url, self.h1, self.title)


@dataclass
class Candidate:
    """A candidate primary keyword of one page (units as in ``KeywordMetric``)."""

    keyword: str
    source: str  # rankings | universe | llm
    search_volume: float | None = None  # searches/month
    competition: float | None = None  # 0-1
    clicks: float | None = None
    impressions: float | None = None
    estimated_traffic: float | None = None
    position: float | None = None
    share: float = 0.0  # 0-1 of the page's clicks / traffic / impressions
    relevance: float = 0.0  # 0-1
    confidence: float = 0.0  # 0-1
    score: float = 0.0  # 0-85

    def as_alternative(self, taken_by: str | None = None) -> dict[str, Any]:
        """JSON-ready dict stored in ``PagePrimaryKeyword.alternatives``."""
        return {
            "keyword": self.keyword,
            "score": round(self.score, 2),
            "relevance": round(self.relevance, 3),
            "search_volume": None if _missing(self.search_volume) else int(self.search_volume or 0),
            "source": self.source,
            "taken_by": taken_by,
        }


@dataclass
class Assignment:
    """The primary of one page (``keyword`` None when even the fallback was taken)."""

    page_id: Any
    keyword: str | None
    source: str
    is_fallback: bool
    candidate: Candidate | None
    alternatives: list[dict[str, Any]]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _num(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def ranking_candidates(page_rankings: pd.DataFrame) -> list[Candidate]:
    """Candidates from ONE page's aggregated rankings rows (see :func:`candidates_by_page`)."""
    if page_rankings.empty:
        return []
    frame = page_rankings.assign(normalized_url="page")
    return candidates_by_page(frame).get("page", [])


def candidates_by_page(ranked: pd.DataFrame) -> dict[str, list[Candidate]]:
    """Ranking candidates of every page, with their performance share.

    Parameters
    ----------
    ranked : pandas.DataFrame
        :func:`services.site.rankings.aggregate_rankings` rows (``normalized_url``,
        ``keyword``, ``clicks``, ``impressions``, ``estimated_traffic``, ``search_volume``,
        ``position``).

    Returns
    -------
    dict
        normalized_url → at most :data:`MAX_RANKING_CANDIDATES` candidates, best performing
        first; ``share`` as in the module docstring: the keyword's part of the page's clicks,
        else of its estimated traffic, else of its impressions (0 when the page has none).
    """
    if ranked.empty:
        return {}
    frame = ranked.copy()
    share = pd.Series(0.0, index=frame.index)
    decided = pd.Series(False, index=frame.index)
    for column in ("clicks", "estimated_traffic", "impressions"):
        values = frame[column].fillna(0.0).clip(lower=0.0)
        total = values.groupby(frame["normalized_url"]).transform("sum")
        use = ~decided & (total > 0)
        share = share.where(~use, values / total.where(total > 0))
        decided |= use
    frame["perf_share"] = share.fillna(0.0)
    frame = frame.sort_values(
        ["normalized_url", "perf_share", "search_volume", "position"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="stable",
    )
    frame = frame.groupby("normalized_url", sort=False).head(MAX_RANKING_CANDIDATES)
    out: dict[str, list[Candidate]] = {}
    for row in frame.itertuples(index=False):
        out.setdefault(row.normalized_url, []).append(
            Candidate(
                keyword=row.keyword,
                source="rankings",
                search_volume=_num(row.search_volume),
                clicks=_num(row.clicks),
                impressions=_num(row.impressions),
                estimated_traffic=_num(row.estimated_traffic),
                position=_num(row.position),
                share=float(row.perf_share),
            )
        )
    return out


def universe_matches(
    pages: Sequence[PageInput], universe: pd.DataFrame, limit: int = MAX_UNIVERSE_CANDIDATES
) -> list[list[str]]:
    """Universe keywords whose content words all occur in each page's title/H1/headings/slug.

    Parameters
    ----------
    pages : sequence of PageInput
    universe : pandas.DataFrame
        Columns ``keyword`` and ``search_volume`` (searches/month).
    limit : int
        Keywords kept per page, highest volume first.

    Returns
    -------
    list of list of str
        Per page (same order), the matching keywords.
    """
    if universe.empty or not pages:
        return [[] for _ in pages]
    ordered = universe.sort_values("search_volume", ascending=False, na_position="last")
    keywords = ordered["keyword"].tolist()
    needs: list[int] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for idx, keyword in enumerate(keywords):
        toks = set(content_tokens(keyword))
        needs.append(len(toks))
        for tok in toks:
            postings[tok].append(idx)
    result = []
    for page in pages:
        hits: dict[int, int] = defaultdict(int)
        for tok in page.match_tokens():
            for idx in postings.get(tok, ()):
                hits[idx] += 1
        matched = sorted(idx for idx, n in hits.items() if n == needs[idx] and n > 0)
        result.append([keywords[idx] for idx in matched[:limit]])
    return result


def relevance_from_cosine(cosine: np.ndarray | float) -> np.ndarray:
    """Offline relevance 0-1: cosine rescaled from [COSINE_FLOOR, COSINE_CEIL], clipped."""
    scaled = (np.asarray(cosine, dtype=np.float64) - COSINE_FLOOR) / (COSINE_CEIL - COSINE_FLOOR)
    return np.clip(scaled, 0.0, 1.0)


def score_candidate(candidate: Candidate) -> Candidate:
    """Set ``confidence`` (relevance raised by performance share) and the composite score."""
    rel = max(0.0, min(1.0, candidate.relevance))
    candidate.confidence = rel + (1.0 - rel) * math.sqrt(max(0.0, min(1.0, candidate.share)))
    candidate.score = calculate_score(
        candidate.search_volume, candidate.confidence, candidate.competition
    )
    return candidate


def merge_candidates(groups: Iterable[list[Candidate]]) -> list[Candidate]:
    """One candidate per keyword: the first group's wins (rankings before universe before llm)."""
    seen: dict[str, Candidate] = {}
    for group in groups:
        for cand in group:
            if cand.keyword and cand.keyword not in seen:
                seen[cand.keyword] = cand
    return list(seen.values())


def assign_primaries(
    pages: Sequence[PageInput],
    candidates: Sequence[list[Candidate]],
    taken: dict[str, Any] | None = None,
    urls: dict[Any, str] | None = None,
) -> list[Assignment]:
    """Unique primary per page: global greedy by score, then the title/H1 fallback.

    Parameters
    ----------
    pages : sequence of PageInput
        Pages to assign (locked pages excluded by the caller).
    candidates : sequence of list of Candidate
        Scored candidates, per page in the same order.
    taken : dict, optional
        Keyword → page id of primaries held elsewhere (approved, typed, cluster pages).
    urls : dict, optional
        Page id → URL, to say which page holds a taken alternative.

    Returns
    -------
    list of Assignment
        Per page, same order. ``alternatives``: the next :data:`ALTERNATIVES` candidates by
        score (other than the primary), each with ``taken_by`` (URL of the page holding it).
    """
    owner: dict[str, Any] = dict(taken or {})
    url_of = dict(urls or {})
    url_of.update({p.page_id: p.url for p in pages})
    pairs = [
        (cand.score, -i, cand.keyword, i, cand)
        for i, cands in enumerate(candidates)
        for cand in cands
        if cand.confidence >= MIN_CONFIDENCE
    ]
    pairs.sort(key=lambda p: (p[0], p[1]), reverse=True)
    chosen: dict[int, Candidate] = {}
    for _score, _neg, word, i, best in pairs:
        if i in chosen or (word in owner and owner[word] != pages[i].page_id):
            continue
        chosen[i] = best
        owner[word] = pages[i].page_id
    out = []
    for i, page in enumerate(pages):
        cand: Candidate | None = chosen.get(i)
        keyword: str | None
        if cand is not None:
            keyword, source, fallback = cand.keyword, cand.source, False
        else:
            keyword = page.fallback_keyword() or None
            source, fallback = "title_fallback", True
            if keyword is not None and owner.get(keyword, page.page_id) != page.page_id:
                keyword = None
            if keyword is not None:
                owner[keyword] = page.page_id
        ranked = sorted(candidates[i], key=lambda c: c.score, reverse=True)
        alternatives = [
            c.as_alternative(
                url_of.get(owner[c.keyword])
                if c.keyword in owner and owner[c.keyword] != page.page_id
                else None
            )
            for c in ranked
            if c.keyword != keyword
        ][:ALTERNATIVES]
        out.append(Assignment(page.page_id, keyword, source, fallback, cand, alternatives))
    return out


@dataclass
class PrimaryDecision:
    """The reviewer's edit of one page's primary keyword (cleaned)."""

    page_id: str
    keyword: str | None
    is_priority: bool
    approve: bool
    typed: bool


def to_decisions(original: pd.DataFrame, edited: pd.DataFrame) -> list[PrimaryDecision]:
    """Approval-table edits → decisions (rows that changed, or are marked approve).

    Parameters
    ----------
    original, edited : pandas.DataFrame
        The table as shown and as edited: columns ``page_id``, ``primary`` (str),
        ``pick`` ("" or "1".."5": take that alternative), ``alternatives`` (list of dicts as
        stored), ``is_priority`` (bool), ``approve`` (bool).

    Returns
    -------
    list of PrimaryDecision
        ``keyword`` is the picked alternative when ``pick`` is set, else the (normalised)
        typed primary; ``typed`` is True when it differs from the suggestion.
    """
    decisions = []
    before = original.set_index("page_id")
    for row in edited.to_dict("records"):
        old = before.loc[row["page_id"]]
        keyword = normalize_keyword(str(row.get("primary") or "")) or None
        pick = str(row.get("pick") or "").strip()
        alternatives = list(old["alternatives"] or [])
        if pick.isdigit() and 1 <= int(pick) <= len(alternatives):
            keyword = alternatives[int(pick) - 1]["keyword"]
        old_keyword = old["primary"] if isinstance(old["primary"], str) and old["primary"] else None
        typed = keyword != old_keyword
        priority = bool(row.get("is_priority"))
        approve = bool(row.get("approve"))
        if typed or approve or priority != bool(old["is_priority"]):
            decisions.append(
                PrimaryDecision(str(row["page_id"]), keyword, priority, approve, typed)
            )
    return decisions
