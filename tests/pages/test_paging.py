"""ui.paging: a long table is shown a page at a time, a short one whole."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script(n: int) -> None:
    import pandas as pd
    import streamlit as st

    from ui.paging import paged

    st.dataframe(paged(pd.DataFrame({"i": range(n)}), "p", rows=500))


def test_long_table_pages_and_short_table_whole():
    at = AppTest.from_function(_script, args=(1201,)).run()
    assert not at.exception
    assert list(at.dataframe[0].value["i"])[:2] == [0, 1] and len(at.dataframe[0].value) == 500
    assert at.number_input[0].label == "Page (of 3)"
    at.number_input[0].set_value(3).run()
    assert list(at.dataframe[0].value["i"]) == list(range(1000, 1201))
    assert any("Rows 1,001–1,201 of 1,201" in c.value for c in at.caption)

    short = AppTest.from_function(_script, args=(20,)).run()
    assert len(short.dataframe[0].value) == 20 and not short.number_input
