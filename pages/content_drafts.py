"""Content Drafts: briefs, drafts, statuses, downloads and WordPress for an approved cluster."""

import streamlit as st

from services.content import api, publish
from services.core.errors import ClusterPlannerError
from services.core.wording import count_noun
from services.providers.registry import structured_generator
from ui.frame import page
from ui.jobs import job_panel, submit
from ui.safe import plain, show_outcome
from ui.wordpress import wordpress_connection

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

app, project_id = page("Content Drafts")
clusters = dict(api.approved_clusters(app.engine, project_id))
if not clusters:
    st.info("No approved cluster yet: approve one on Cluster Review first.")
    st.stop()
cluster_id = st.selectbox("Approved cluster", list(clusters), format_func=clusters.__getitem__)

if st.button("Generate briefs", help="Offline, from your keyword data; rebuilding keeps the old"):
    try:
        made = api.generate_briefs(app.engine, cluster_id)
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        st.success(f"{count_noun(made.created, 'brief')} created, {made.regenerated:,} rebuilt.")

views = api.list_content(app.engine, cluster_id)
if not views:
    st.info("Generate the briefs to start.")
    st.stop()
READ_HELP = "Top 10 of each brief's SERP, read politely: robots.txt, 1 request/s per site, 10 s"
if st.button("Analyse competitors", help=READ_HELP):
    with st.spinner("Reading the ranking pages…"):
        try:
            serp = api.serp_client_of(app.providers())
            st.text(api.analyse_competitors(app.engine, cluster_id, serp_client=serp).message)
        except ClusterPlannerError as exc:
            st.error(plain(exc))
cost = {"cost_usd": st.column_config.NumberColumn("Cost (USD)", format="$%.4f")}
st.dataframe(api.content_table(views), hide_index=True, width="stretch", column_config=cost)

st.subheader("Drafts")
llm = structured_generator(app.providers())
only_failed = st.checkbox("Retry failed pages only")
preview = api.drafts_preview(app.engine, cluster_id, llm, only_failed=only_failed)
st.text(preview.message)
if st.button("Generate drafts", disabled=preview.pages == 0 or not preview.fits):
    submit(
        lambda: api.start_drafts(app.engine, project_id, cluster_id, llm, only_failed=only_failed)
    )
job_panel(app.engine, project_id, "drafts")

st.subheader("Open a page")
labels = {str(v.id): f"{v.primary_keyword} ({v.status})" for v in views}
chosen = st.selectbox("Page", list(labels), format_func=labels.__getitem__)
view = api.get_content(app.engine, chosen)
brief, draft = view.brief, view.draft
if view.error:
    st.text(f"Failed: {view.error}")
tab_brief, tab_draft = st.tabs(["Brief", "Draft"])
with tab_brief:
    st.text(api.brief_summary(brief))
    with st.form("brief"):
        b_title = st.text_input("Title (≤ 60)", brief["title"], max_chars=60)
        b_meta = st.text_area("Meta description (≤ 155)", brief["meta_description"], max_chars=155)
        b_h1 = st.text_input("H1", brief["h1"])
        if st.form_submit_button("Save brief"):
            api.save_brief(
                app.engine, chosen, {"title": b_title, "meta_description": b_meta, "h1": b_h1}
            )
            st.rerun()
    for label, frame in api.brief_tables(brief):
        st.text(label)
        st.dataframe(frame, hide_index=True, width="stretch")
    if brief.get("missing"):
        st.text("Missing from the data: " + "; ".join(brief["missing"]))
with tab_draft:
    if draft.get("kind") != "llm":
        st.info("No draft yet." if not draft else draft.get("label", ""))
        if draft:
            st.code(draft.get("body_html", ""), language="html")
    else:
        st.text(f"{view.status} · {view.model} · prompts {view.prompt_version}")
        for finding in draft.get("checks") or []:
            st.text(f"⚠ Check: {finding}")
        with st.form("draft"):
            title = st.text_input("Title", draft["title"])
            meta = st.text_area("Meta description", draft["meta_description"])
            h1 = st.text_input("H1", draft["h1"])
            body = st.text_area("Body (HTML)", draft["body_html"], height=300)
            social = {
                k: st.text_area(k.replace("_", " ").title(), v)
                for k, v in (draft.get("social") or {}).items()
            }
            if st.form_submit_button("Save draft"):
                edits = {"title": title, "meta_description": meta, "h1": h1, "body_html": body}
                api.save_draft(app.engine, chosen, {**edits, "social": social})
                st.rerun()
        if st.button("Approve this draft", disabled=view.status == "approved"):
            api.set_status(app.engine, chosen, "approved")
            st.rerun()
    if llm is not None and draft and st.button("Regenerate this draft (the current one is kept)"):
        try:
            api.regenerate_draft(app.engine, chosen, llm)
        except ClusterPlannerError as exc:
            st.error(plain(exc))
        else:
            st.rerun()

st.subheader("Downloads")
name = clusters[cluster_id].replace(" ", "-")
st.download_button(
    "Download XLSX", api.workbook_xlsx(app.engine, cluster_id), f"{name}-drafts.xlsx", XLSX
)
for filename, data in api.workbook_csvs(app.engine, cluster_id).items():
    st.download_button(f"Download {filename}", data, f"{name}-{filename}", "text/csv")
matrixify = api.matrixify_csv(app.engine, cluster_id)
st.download_button(
    "Download Matrixify Custom Collections CSV", matrixify, f"{name} Custom Collections.csv"
)

st.subheader("WordPress")
wordpress_connection(app.engine, project_id)
written = [str(v.id) for v in views if v.draft.get("kind") == "llm"]
to_send = st.multiselect("Pages to send", written, written, format_func=labels.__getitem__)
post_type = st.radio("Publish as", ["posts", "pages"], horizontal=True)
if st.button("Send drafts to WordPress (status draft)"):
    try:
        sent = publish.publish_wordpress(
            app.engine, cluster_id, content_ids=to_send, post_type=post_type
        )
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        import pandas as pd

        st.dataframe(pd.DataFrame(sent.rows()), hide_index=True, width="stretch")
        show_outcome(sent.outcome.status, sent.outcome.summary())
