"""Pieces of the seed-cluster pages: confirm buttons, archive/restore, table columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.core.wording import number_or_missing
from services.seed_clusters.site_rules import page_label
from ui.safe import plain

if TYPE_CHECKING:
    import pandas as pd

#: Review-table columns as the Cluster Review page shows them.
REVIEW_COLUMN_CONFIG: dict[str, Any] = {
    "approve": st.column_config.CheckboxColumn("Approve", pinned=True),
    "role": st.column_config.SelectboxColumn("Role", options=["parent", "child"], required=True),
    "page_type": st.column_config.TextColumn("Page type"),
    "keyword": st.column_config.TextColumn("Keyword", required=True, pinned=True),
    "url_slug": st.column_config.TextColumn(
        "URL path", help="Type a path to keep it exactly as typed (validated on save)."
    ),
    "search_volume": st.column_config.TextColumn(
        "Search volume", help="Searches/month; — = no volume data for this keyword."
    ),
    "composite_score": st.column_config.NumberColumn("Score", format="%.1f"),
    "volume_points": st.column_config.NumberColumn("Volume pts", format="%.1f"),
    "relevance_points": st.column_config.NumberColumn("Relevance pts", format="%.1f"),
    "competition_points": st.column_config.NumberColumn("Competition pts", format="%.1f"),
    "source": st.column_config.TextColumn(
        "Source", help="data = your import · dataforseo = DataForSEO · llm_idea = an LLM idea"
    ),
    "secondary_keywords": st.column_config.TextColumn("Secondary keywords"),
    "covered_by": st.column_config.TextColumn("Already covered by"),
    "cpc": st.column_config.NumberColumn("CPC (USD)", format="$%.2f"),
    "competition": st.column_config.NumberColumn("Competition", format="%.2f"),
    "expansion_strategy": st.column_config.TextColumn("Strategy"),
    "reasoning": st.column_config.TextColumn("Why"),
}


def review_display(table: pd.DataFrame, site_type: str = "shopify") -> pd.DataFrame:
    """The review table as shown: a missing search volume reads "—", never "None"; the page
    type as the site type names it (:func:`services.seed_clusters.site_rules.page_label`:
    "service page", "location page", "hub", "supporting article"). The column is read-only,
    so the stored page type is never written back from it."""
    labels = [
        page_label(str(pt), site_type, str(kw))
        for pt, kw in zip(table["page_type"], table["keyword"], strict=True)
    ]
    return table.assign(
        search_volume=table["search_volume"].map(number_or_missing), page_type=labels
    )


def confirm_button(label: str, key: str, question: str) -> bool:
    """A button that asks ``question`` with Confirm / Cancel before it counts.

    Returns
    -------
    bool
        True on the run where the user confirmed.
    """
    flag = f"_confirm_{key}"
    if not st.session_state.get(flag):
        if st.button(label, key=key):
            st.session_state[flag] = True
            st.rerun()
        return False
    st.warning(question)
    yes, no = st.columns(2)
    if yes.button("Confirm", key=f"{key}_yes", type="primary"):
        st.session_state.pop(flag, None)
        return True
    if no.button("Cancel", key=f"{key}_no"):
        st.session_state.pop(flag, None)
        st.rerun()
    return False


def run_action(action: Callable[[], Any], flash_key: str, message: str) -> None:
    """Call an api function; show a typed error, else store ``message`` and rerun."""
    try:
        action()
    except ClusterPlannerError as exc:
        st.error(plain(exc))
        return
    st.session_state[flash_key] = message
    st.rerun()


def restore_list(
    rows: pd.DataFrame | list[tuple[str, str]],
    label: str,
    restore: Callable[[str], Any],
    flash_key: str,
) -> None:
    """Archived items — a frame with ``id`` and ``name`` columns, or (id, name) pairs — each
    with a Restore button, in a collapsed expander."""
    pairs = (
        list(zip(rows["id"].astype(str), rows["name"], strict=True))
        if not isinstance(rows, list)  # a DataFrame
        else list(rows)
    )
    if not pairs:
        return
    with st.expander(f"Archived {label} ({len(pairs)})"):
        for item_id, name in pairs:
            c1, c2 = st.columns([4, 1])
            c1.text(str(name))
            if c2.button("Restore", key=f"restore_{item_id}"):
                run_action(lambda rid=item_id: restore(rid), flash_key, f"Restored '{name}'.")


def suggestion_rows(suggestions: list[Any], site_type: str = "shopify") -> list[dict[str, Any]]:
    """The New Cluster result table (one dict per page); page types as the site type names
    them (:func:`services.seed_clusters.site_rules.page_label`), as in Cluster Review."""
    return [
        {
            "role": s.role,
            "page type": page_label(str(s.page_type), site_type, str(s.keyword)),
            "keyword": s.keyword,
            "URL path": s.url_slug,
            "search volume": s.search_volume,
            "score": s.composite_score,
            "volume pts": s.score_parts.get("volume"),
            "relevance pts": s.score_parts.get("relevance"),
            "competition pts": s.score_parts.get("competition"),
            "source": s.source,
            "pre-selected": s.preselected,
            "secondary keywords": ", ".join(s.secondary_keywords),
            "strategy": s.expansion_strategy,
        }
        for s in suggestions
    ]
