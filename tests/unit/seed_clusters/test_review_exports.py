import io

import pandas as pd
import pytest

from services.core.errors import InvalidInputError
from services.seed_clusters.export import neutralise_cell, to_csv_bytes, to_xlsx_bytes
from services.seed_clusters.review import to_decisions

IDS = [
    "0b3c7a3e-0000-4000-8000-000000000001",
    "0b3c7a3e-0000-4000-8000-000000000002",
    "0b3c7a3e-0000-4000-8000-000000000003",
]


def _table():
    return pd.DataFrame(
        {
            "id": IDS,
            "approve": [False, False, False],
            "role": ["parent", "child", "child"],
            "keyword": [
                "trail running shoes",
                "waterproof trail running shoes",
                "cheap trail running shoes",
            ],
            "url_slug": [
                "/collections/trail-running-shoes",
                "/collections/waterproof-trail-running-shoes",
                "/collections/cheap-trail-running-shoes",
            ],
        }
    )


def test_to_decisions_cleans_edits():
    original = _table()
    edited = original.copy()
    edited["approve"] = [True, True, False]
    edited.loc[1, "keyword"] = "  Waterproof Trail Running SHOES "
    edited.loc[2, "url_slug"] = "/collections/budget-trail-shoes"
    decisions = to_decisions(original, edited)
    assert [d.approve for d in decisions] == [True, True, False]
    assert decisions[1].keyword == "waterproof trail running shoes"
    assert decisions[2].url_slug == "/collections/budget-trail-shoes"  # kept as typed
    assert decisions[2].slug_typed


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.assign(approve=True, role="child"), "Exactly one approved parent"),
        (lambda t: t.assign(approve=True, role="parent"), "Exactly one approved parent"),
        (lambda t: t.assign(url_slug="/collections/same"), "unique"),
        (lambda t: t.assign(url_slug=["/a", "/b", "Budget Trail Shoes"]), "starts with '/'"),
        (lambda t: t.assign(keyword=["", "a", "b"]), "keyword"),
        (lambda t: t.assign(role=["parent", "hub", "child"]), "Role must be"),
        (lambda t: t.iloc[:2], "added or removed"),
    ],
)
def test_to_decisions_rejects_bad_edits(mutate, message):
    with pytest.raises(InvalidInputError, match=message):
        to_decisions(_table(), mutate(_table()))


@pytest.mark.parametrize("bad", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_neutralise_cell_defuses_formulas(bad):
    assert neutralise_cell(bad) == "'" + bad


def test_neutralise_cell_leaves_numbers_and_plain_text():
    assert neutralise_cell(-5) == -5
    assert neutralise_cell("trail shoes") == "trail shoes"


def test_csv_and_xlsx_exports_are_neutralised():
    df = pd.DataFrame({"keyword": ["=cmd|' /C calc'!A0", "ok"], "search_volume": [-1, 10]})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=cmd" in text
    back = pd.read_csv(io.StringIO(text))
    assert back.loc[0, "keyword"].startswith("'=")
    assert back.loc[0, "search_volume"] == -1
    xlsx = pd.read_excel(io.BytesIO(to_xlsx_bytes(df)))
    assert xlsx.loc[0, "keyword"].startswith("'=")
