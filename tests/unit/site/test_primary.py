"""Primary keyword per page: candidates, confidence, unique assignment, table edits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.core.scoring import calculate_score
from services.site.primary import (
    ALTERNATIVES,
    Candidate,
    PageInput,
    assign_primaries,
    ranking_candidates,
    relevance_from_cosine,
    score_candidate,
    to_decisions,
    universe_matches,
)


def _page(pid: str, url: str, title: str = "", h1: str = "") -> PageInput:
    return PageInput(page_id=pid, url=url, normalized_url=url, title=title, h1=h1)


def _cand(keyword: str, score: float, confidence: float = 0.9, source: str = "rankings"):
    c = Candidate(keyword=keyword, source=source)
    c.score, c.confidence, c.relevance = score, confidence, confidence
    return c


def test_confidence_is_raised_by_the_square_root_of_the_share_and_never_lowered():
    c = Candidate(keyword="trail shoes", source="rankings", search_volume=1000, share=0.5)
    c.relevance = 0.4
    score_candidate(c)
    assert c.confidence == pytest.approx(0.4 + 0.6 * 0.5**0.5)
    assert c.score == calculate_score(1000, c.confidence, None)
    alone = Candidate(keyword="trail shoes", source="universe", search_volume=1000)
    alone.relevance = 0.4
    assert score_candidate(alone).confidence == pytest.approx(0.4)


def test_ranking_candidates_share_uses_clicks_before_traffic():
    rows = pd.DataFrame(
        {
            "keyword": ["a", "b", "c"],
            "clicks": [30.0, 10.0, 0.0],
            "impressions": [100.0, 900.0, 50.0],
            "estimated_traffic": [np.nan, 500.0, np.nan],
            "search_volume": [np.nan, np.nan, np.nan],
            "position": [3.0, 8.0, 20.0],
        }
    )
    cands = ranking_candidates(rows)
    assert [c.keyword for c in cands] == ["a", "b", "c"]
    assert [c.share for c in cands] == pytest.approx([0.75, 0.25, 0.0])
    no_clicks = rows.assign(clicks=np.nan)
    shares = {c.keyword: c.share for c in ranking_candidates(no_clicks)}
    assert shares == {"b": 1.0, "a": 0.0, "c": 0.0}  # estimated traffic comes next


def test_universe_matches_need_every_content_word_on_the_page():
    pages = [
        _page("1", "https://x.com/collections/trail-running-shoes", "Trail Running Shoes | Acme"),
        _page("2", "https://x.com/blog/how-to-clean-shoes", "How to clean your shoes"),
    ]
    universe = pd.DataFrame(
        {
            "keyword": ["trail running shoes", "running shoe", "clean shoes", "road shoes"],
            "search_volume": [1000.0, 5000.0, 300.0, 800.0],
        }
    )
    matched = universe_matches(pages, universe)
    assert matched[0] == ["running shoe", "trail running shoes"]  # highest volume first
    assert matched[1] == ["clean shoes"]


def test_greedy_assignment_gives_a_keyword_to_its_best_page_and_falls_back():
    pages = [
        _page("p1", "https://x.com/a", h1="Trail Shoes"),
        _page("p2", "https://x.com/b", title="Trail Shoe Guide | Acme"),
        _page("p3", "https://x.com/c", title="Contact us"),
    ]
    cands = [
        [_cand("trail shoes", 60.0), _cand("trail shoe", 40.0)],
        [_cand("trail shoes", 70.0), _cand("trail shoe guide", 50.0)],
        [_cand("weak", 80.0, confidence=0.1)],  # below MIN_CONFIDENCE: does not qualify
    ]
    out = assign_primaries(pages, cands)
    assert [a.keyword for a in out] == ["trail shoe", "trail shoes", "contact us"]
    assert out[2].is_fallback and out[2].source == "title_fallback"
    # The alternative held by another page says which one.
    alt = {a["keyword"]: a for a in out[0].alternatives}
    assert alt["trail shoes"]["taken_by"] == "https://x.com/b"
    assert len({a.keyword for a in out}) == 3


def test_taken_keywords_and_fallback_collisions_leave_no_duplicate():
    pages = [_page("p1", "https://x.com/a", h1="Boots"), _page("p2", "https://x.com/b", h1="Boots")]
    out = assign_primaries(pages, [[], []], taken={"hiking boots": "other"})
    assert [a.keyword for a in out] == ["boots", None]
    out = assign_primaries(
        [_page("p1", "https://x.com/a")], [[_cand("hiking boots", 50.0)]], {"hiking boots": "x"}
    )
    assert out[0].keyword == "a"  # slug fallback: the keyword is another page's primary


def test_alternatives_are_the_next_five_by_score():
    cands = [_cand(f"kw {i}", float(i)) for i in range(10)]
    out = assign_primaries([_page("p", "https://x.com/p")], [cands])
    assert out[0].keyword == "kw 9"
    assert [a["keyword"] for a in out[0].alternatives] == ["kw 8", "kw 7", "kw 6", "kw 5", "kw 4"]
    assert len(out[0].alternatives) == ALTERNATIVES


def test_relevance_rescales_cosine_and_clips():
    assert relevance_from_cosine(np.array([0.1, 0.5, 0.9])) == pytest.approx([0.0, 0.5, 1.0])


def test_fallback_cuts_brand_suffix_and_long_titles():
    page = _page("p", "https://x.com/p", title="Best Waterproof Hiking Boots for Women – Acme")
    assert page.fallback_keyword() == "best waterproof hiking boots for women"
    assert _page("p", "https://x.com/blog/clean-shoes.html").fallback_keyword() == "clean shoes"
    assert _page("p", "https://x.com/d", h1="1.2.3. Control flow").fallback_keyword() == (
        "control flow"
    )
    assert _page("p", "https://x.com/d", h1="1. Intro").fallback_keyword() == "intro"
    assert _page("p", "https://x.com/d", h1="2026 Trail Shoes").fallback_keyword() == (
        "2026 trail shoes"
    )


def test_to_decisions_pick_typed_priority_and_approve():
    alts = [{"keyword": "alt one"}, {"keyword": "alt two"}]
    original = pd.DataFrame(
        {
            "page_id": ["1", "2", "3", "4"],
            "primary": ["a", "b", "c", "d"],
            "pick": ["", "", "", ""],
            "alternatives": [alts, alts, alts, alts],
            "is_priority": [False, False, False, False],
            "approve": [False, False, False, False],
        }
    )
    edited = original.copy()
    edited.loc[0, "pick"] = "2"
    edited.loc[1, "primary"] = "  Typed Keyword "
    edited.loc[2, "is_priority"] = True
    got = {d.page_id: d for d in to_decisions(original, edited)}
    assert set(got) == {"1", "2", "3"}  # row 4 unchanged
    assert got["1"].keyword == "alt two" and got["1"].typed
    assert got["2"].keyword == "typed keyword" and got["2"].typed
    assert got["3"].keyword == "c" and not got["3"].typed and got["3"].is_priority


def test_a_blank_primary_shown_as_empty_text_is_no_edit():
    """The page shows a page without a primary as "" (never "None"); unchanged, it makes no
    decision, and typing one makes a typed decision."""
    original = pd.DataFrame(
        {
            "page_id": ["1", "2"],
            "primary": ["", ""],
            "pick": ["", ""],
            "alternatives": [[], []],
            "is_priority": [False, False],
            "approve": [False, False],
        }
    )
    edited = original.copy()
    edited.loc[1, "primary"] = "trail shoes"
    got = to_decisions(original, edited)
    assert [(d.page_id, d.keyword, d.typed) for d in got] == [("2", "trail shoes", True)]
