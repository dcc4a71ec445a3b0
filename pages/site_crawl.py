"""Site Crawl: crawl the project's site politely (background job) and list its pages."""

import streamlit as st

from services.site.crawl import api
from ui.frame import page
from ui.jobs import job_panel, submit
from ui.safe import plain, show_outcome

app, project_id = page("Site Crawl")
engine = app.engine

with st.form("crawl"):
    url = st.text_input("Site address", value=api.default_start_url(engine, project_id))
    c1, c2, c3 = st.columns(3)
    max_pages = c1.number_input("Max pages", 1, 50_000, value=500, step=100)
    max_depth = c2.number_input("Max depth (0 = no limit)", 0, 100, value=0)
    minutes = c3.number_input("Time limit (minutes)", 1, 1_440, value=120, step=10)
    include = st.text_input("Only paths matching (comma-separated, e.g. /blog/*, /collections)")
    exclude = st.text_input("Skip paths matching (comma-separated, e.g. /tag/*, /cart)")
    start = st.form_submit_button("Start crawl", type="primary")
st.caption(
    "Polite: obeys robots.txt and its Crawl-delay, 1 request/s, HTML pages only, at most "
    '15 s and 5 MB per page, User-Agent "ClusterPlanner/1.0 (+site)".'
)
if start:
    limits = api.CrawlLimits(
        max_pages=int(max_pages),
        max_depth=int(max_depth) or None,
        include=include.split(","),
        exclude=exclude.split(","),
        time_limit_s=float(minutes) * 60,
    )
    submit(lambda: api.start_crawl_job(engine, project_id, url, limits))
job_panel(engine, project_id, api.JOB_KIND, summary=lambda job: str(job.result.get("message")))

run = api.latest_run(engine, project_id)
if run is not None:
    stats = run.stats or {}
    if run.status == "running":
        st.info(f"Crawling {plain(run.start_url)}: {run.pages_fetched:,} URLs fetched so far.")
    elif run.status in ("completed", "partial", "failed"):
        show_outcome(
            run.status, stats.get("message") or run.error or f"The last crawl {run.status}."
        )
    for hint in stats.get("hints") or []:
        st.info(plain(hint))
    top = (stats.get("outcome") or {}).get("top_reasons") or []
    if top and run.status != "completed":
        st.caption(
            "Top reasons: " + plain("; ".join(f"{r['reason']} ×{r['count']:,}" for r in top))
        )
    if run.status == "failed" and run.error and run.error not in str(stats.get("message")):
        st.caption(plain(run.error))
    if run.status in ("cancelled", "interrupted"):
        st.warning(f"The last crawl was {run.status} after {run.pages_fetched:,} URLs.")
    if run.status in ("cancelled", "failed", "interrupted") and st.button("Resume the crawl"):
        submit(lambda: api.resume_crawl_job(engine, project_id))

pages = api.list_pages(engine, project_id)
if pages.empty and (run is None or run.status != "running"):
    st.info("No pages yet: start a crawl.")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Pages", len(pages))
m2.metric("OK (2xx)", int((pages["crawl_status"] == "crawled").sum()))
m3.metric("Errors", int((pages["crawl_status"] == "error").sum()))
m4.metric("Gone", int((pages["crawl_status"] == "gone").sum()))
tab_pages, tab_skipped, tab_links = st.tabs(["Pages", "Skipped / Errors", "Internal links"])
with tab_pages:
    types = st.multiselect("Page type", sorted(pages["page_type"].dropna().unique()))
    shown = pages[pages["page_type"].isin(types)] if types else pages
    st.dataframe(
        shown,
        hide_index=True,
        column_order=[
            "url",
            "status",
            "title",
            "h1",
            "word_count",
            "page_type",
            "noindex",
            "canonical",
            "product_count",
            "crawl_status",
            "error",
            "source",
        ],
        column_config={"url": st.column_config.TextColumn("URL")},
    )
with tab_skipped:
    errors = pages[pages["crawl_status"] == "error"][["url", "status", "error"]]
    if not errors.empty:
        st.caption(f"{len(errors):,} pages answered with an HTTP error")
        st.dataframe(errors, hide_index=True)
    st.caption("URLs not crawled, and why")
    st.dataframe(api.skipped_urls(engine, project_id), hide_index=True)
with tab_links:
    st.dataframe(api.internal_links(engine, project_id), hide_index=True)
