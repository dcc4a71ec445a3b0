"""Primary Keywords: one primary keyword per page of the site; edit, pick, approve."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.core.wording import number_or_missing
from services.site import api
from ui.frame import page
from ui.jobs import job_panel, submit
from ui.safe import plain

app, project_id = page("Primary Keywords")

with st.expander("Import a rankings export (Search Console, Ahrefs, Semrush)"):
    upload = st.file_uploader(
        "Query + page export: Search Console (Date, Page, Query, Clicks…), Ahrefs Organic "
        "keywords, Semrush Organic Positions",
        type=["csv", "tsv", "txt"],
    )
    if upload is not None and st.button("Import rankings"):
        try:
            r = api.import_rankings(app.engine, project_id, upload.getvalue(), upload.name)
        except ClusterPlannerError as exc:
            st.error(plain(exc))
        else:
            st.success(
                f"{r.tool}: {r.rows_imported:,} page-query rows, {r.pages:,} pages "
                f"({r.pages_created:,} new), {r.keywords:,} keywords; {r.skipped:,} rows skipped."
            )

with st.expander("The site's URL patterns (new pages follow them)"):
    # Read from every page of the site: only when asked, not on every rerun (issue 22).
    if st.toggle("Show the URL patterns", key="primary_patterns"):
        patterns = api.url_patterns_table(app.engine, project_id)
        if patterns:
            st.dataframe(
                [{"Pattern": p, "URLs": n, "Page type": t or "unknown"} for p, n, t in patterns],
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption("No pattern yet: crawl the site or import rankings (3+ URLs per section).")

if st.button("Suggest primary keywords", type="primary"):
    submit(lambda: api.start_primary_keywords_job(app.engine, project_id))
job_panel(app.engine, project_id, api.JOB_KIND)

if flash := st.session_state.pop("primary_flash", None):
    st.success(plain(flash))
table = api.primary_keywords_table(app.engine, project_id)
# Shown as text: an empty primary is blank and a missing volume "—", never "None".
table = table.assign(
    primary=table["primary"].fillna(""),
    search_volume=[number_or_missing(v) for v in table["search_volume"]],
)
if table.empty:
    st.info("No suggestions yet: crawl the site or import rankings, then suggest.")
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Pages", len(table))
m2.metric("Approved", int(table["is_approved"].sum()))
m3.metric("Labels to verify", int(table["is_fallback"].sum()))
m4.metric("Keyword moves", int((table["moves_from"] != "").sum()))
st.caption(
    "Pick 1-5 to take an alternative, or type a primary keyword. A keyword can be the "
    "primary of one page only; 'taken' alternatives belong to another page. “Moves from” "
    "means another page earns that keyword's visits today: approving retargets it."
)
if table["is_fallback"].any():
    st.info(api.LABEL_HELP)
edited = st.data_editor(
    table,
    key=f"primary_editor_{len(table)}",
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(table), 38 + 35 * 20),
    column_order=[
        "url",
        "approve",
        "primary",
        "moves_from",
        "note",
        "pick",
        "options",
        "score",
        "search_volume",
        "source",
        "is_fallback",
        "is_priority",
    ],
    disabled=[
        "url",
        "moves_from",
        "note",
        "options",
        "score",
        "search_volume",
        "source",
        "is_fallback",
    ],
    column_config={
        "url": st.column_config.TextColumn("Page", pinned=True),
        "primary": st.column_config.TextColumn("Primary keyword"),
        "moves_from": st.column_config.TextColumn("Moves from"),
        "note": st.column_config.TextColumn("Note"),
        "pick": st.column_config.SelectboxColumn("Pick", options=["", "1", "2", "3", "4", "5"]),
        "options": st.column_config.TextColumn("Alternatives (score, volume)"),
        "score": st.column_config.NumberColumn("Score (0-85)", format="%.1f"),
        "search_volume": st.column_config.TextColumn("Search volume"),
        "source": "Source",
        "is_fallback": st.column_config.CheckboxColumn("Label"),
        "is_priority": st.column_config.CheckboxColumn("Priority"),
        "approve": st.column_config.CheckboxColumn("Approve", pinned=True),
    },
)

confirm = st.checkbox(
    "Approve keyword moves too (a page other than the one earning the visits gets the keyword)"
)
c1, c2 = st.columns(2)
if c1.button("Save edits and approve checked"):
    try:
        result = api.save_primary_decisions(
            app.engine, project_id, api.to_decisions(table, edited), confirm_moves=confirm
        )
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        st.session_state["primary_flash"] = "\n".join(
            [f"Saved {result.updated} pages; {result.approved} newly approved.", *result.moves]
        )
        st.rerun()
if c2.button("Approve all suggestions"):
    try:
        result = api.bulk_approve_primaries(app.engine, project_id, confirm_moves=confirm)
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        st.session_state["primary_flash"] = f"Approved {result.approved} primary keywords."
        st.rerun()
