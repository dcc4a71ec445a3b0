"""The Keyword Lists treemap overview: top hubs by volume, drill-down into one hub."""

import pandas as pd

from ui.keyword_lists import top_of_tree


def _tree(n_hubs):
    rows = []
    for h in range(n_hubs):
        rows.append({"id": f"h:{h}", "parent": "", "label": f"hub {h}", "value": 1000.0 + h})
        rows.append({"id": f"c:{h}", "parent": f"h:{h}", "label": f"c {h}", "value": 1000.0 + h})
        rows.append({"id": f"k:{h}", "parent": f"c:{h}", "label": f"k {h}", "value": 1000.0 + h})
    rows.append({"id": "c:solo", "parent": "", "label": "solo", "value": 5000.0})
    return pd.DataFrame(rows)


def test_overview_keeps_the_largest_top_level_nodes_with_their_subtrees():
    out = top_of_tree(_tree(800), 15, None)
    roots = set(out.loc[out["parent"] == "", "id"])
    assert len(roots) == 15 and "c:solo" in roots and "h:799" in roots and "h:0" not in roots
    assert len(out) == 1 + 14 * 3


def test_drill_down_keeps_one_hub():
    out = top_of_tree(_tree(800), 15, "h:3")
    assert set(out["id"]) == {"h:3", "c:3", "k:3"}
