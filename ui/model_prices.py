"""Settings: prices of models without a list price (OpenAI-compatible servers, new models)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.spend.budget import delete_model_price, get_model_prices, set_model_price
from ui.safe import plain


def model_prices_section(engine: Any) -> None:
    """Table of entered prices, a form to add one (0/0 for a local server), and removal.

    A paid run on a model with neither a list price nor an entered one is refused, so the
    budget stays a ceiling (issue 11 §2).
    """
    st.subheader("Model prices")
    st.caption(
        "USD per million tokens, for models without a list price (any OpenAI-compatible "
        "server, newer Claude models). Enter 0 and 0 for a local server such as Ollama."
    )
    prices = get_model_prices(engine)
    if prices:
        st.dataframe(
            [
                {
                    "Model": m,
                    "Input (USD/M tokens)": p["input"],
                    "Output (USD/M tokens)": p["output"],
                }
                for m, p in sorted(prices.items())
            ],
            hide_index=True,
            width="stretch",
        )
    with st.form("model_price"):
        c1, c2, c3 = st.columns(3)
        model = c1.text_input("Model id (as sent to the API)")
        input_usd = c2.number_input("Input USD / M tokens", 0.0, 1_000.0, 0.0, step=0.1)
        output_usd = c3.number_input("Output USD / M tokens", 0.0, 1_000.0, 0.0, step=0.1)
        if st.form_submit_button("Save price"):
            try:
                set_model_price(engine, model, input_usd, output_usd)
            except ClusterPlannerError as exc:
                st.error(plain(exc))
            else:
                st.rerun()  # show the saved price in the table
    if prices:
        gone = st.selectbox("Remove the price of", ["", *sorted(prices)])
        if gone and st.button("Remove price"):
            delete_model_price(engine, gone)
            st.rerun()
