"""Alternatives come from the page's own rankings and content (issue 18 §4), not from the
slug words of another page's keyword ("point me" offered to a Hilton page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.site.primary import PageInput
from services.site.primary_api import _candidates


def _ranked(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["normalized_url", "keyword", "estimated_traffic"])
    frame["page_url"] = "https://" + frame["normalized_url"]
    for column in ("clicks", "impressions", "position", "search_volume"):
        frame[column] = np.nan
    return frame


def test_a_slug_word_does_not_bring_another_pages_keyword() -> None:
    hilton = PageInput("h", "https://s.com/points-me/hilton", "s.com/points-me/hilton")
    crawled = PageInput(
        "c", "https://s.com/guide", "s.com/guide", title="Point me to the best cards"
    )
    ranked = _ranked(
        [
            ("s.com/points-me/hilton", "hilton honors", 500.0),
            ("s.com/point-me", "point me", 900.0),
        ]
    )
    universe = pd.DataFrame(
        {"keyword": ["point me", "hilton points"], "search_volume": [9000.0, 100.0]}
    )
    hilton_cands, crawled_cands = _candidates([hilton, crawled], ranked, universe)
    assert [c.keyword for c in hilton_cands] == ["hilton honors", "hilton points"]
    # A page whose own title says it may still be offered the keyword.
    assert "point me" in [c.keyword for c in crawled_cands]
