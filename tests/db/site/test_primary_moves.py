"""Moves are visible (issue 18 §4): a primary given to a page other than the one earning its
traffic is shown and must be confirmed; a swapped primary stays among the alternatives."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidInputError
from services.providers.offline_volume import ImportedVolumeProvider
from services.site import api
from services.site.primary import PrimaryDecision
from tests.fakes.embedder import HashEmbedder
from tests.unit.site.rankings_samples import SEMRUSH_HEADER

SITE = "https://www.example.com/travel"
ROWS = [
    ("is clear worth it", 2, 1900, "/is-clear-worth-the-cost/", 900),
    ("clear vs tsa precheck", 3, 12100, "/is-clear-worth-the-cost/", 649),
    ("tsa precheck", 5, 40500, "/tsa-precheck-vs-clear/", 300),
    ("tsa precheck cost", 6, 8100, "/tsa-precheck-vs-clear/", 100),
]


def _semrush() -> bytes:
    lines = [
        f'{kw},{pos},{pos},{vol},40,1.0,{SITE}{path},{traffic},1.0,10.0,0.5,1000,"[1]",'
        '2025-09-11,"","commercial",Organic'
        for kw, pos, vol, path, traffic in ROWS
    ]
    return ("\n".join([SEMRUSH_HEADER, *lines]) + "\n").encode()


def _table(engine, project_id):
    api.import_rankings(engine, project_id, _semrush(), "positions.csv")
    api.run_primary_keywords(
        engine, project_id, embedder=HashEmbedder(), volume=ImportedVolumeProvider(engine)
    )
    return api.primary_keywords_table(engine, project_id).set_index("url")


def test_a_move_is_shown_asked_for_and_the_swapped_primary_stays(engine, project_id):
    table = _table(engine, project_id)
    target = table.loc[f"{SITE}/tsa-precheck-vs-clear/"]
    assert target["moves_from"] == ""  # its own primary, its own traffic
    old_primary = target["primary"]
    move = PrimaryDecision(target["page_id"], "clear vs tsa precheck", False, True, True)
    with pytest.raises(InvalidInputError, match=r"moves from .*is-clear-worth-the-cost/ \(649"):
        api.save_primary_decisions(engine, project_id, [move])
    # The owner page gives the keyword up first (its own second keyword stays its primary).
    earner = table.loc[f"{SITE}/is-clear-worth-the-cost/"]
    assert earner["primary"] == "is clear worth it"
    result = api.save_primary_decisions(engine, project_id, [move], confirm_moves=True)
    assert result.approved == 1
    assert result.moves == [
        f"“clear vs tsa precheck” moves from {SITE}/is-clear-worth-the-cost/ (649 visits) "
        f"to {SITE}/tsa-precheck-vs-clear/"
    ]
    after = api.primary_keywords_table(engine, project_id).set_index("url")
    row = after.loc[f"{SITE}/tsa-precheck-vs-clear/"]
    assert row["moves_from"] == f"moves from {SITE}/is-clear-worth-the-cost/ (649 visits)"
    assert row["alternatives"][0]["keyword"] == old_primary
    assert "clear vs tsa precheck" not in [a["keyword"] for a in row["alternatives"]]


def test_bulk_approval_asks_for_moves_too(engine, project_id):
    table = _table(engine, project_id)
    assert (table["moves_from"] == "").all()
    assert api.bulk_approve_primaries(engine, project_id).approved == len(table)
