"""Projects: create or edit a project and its brand profile; import keyword exports."""

import streamlit as st

from services.core.errors import ClusterPlannerError
from services.projects.api import KEEP_SECRET, get_project, save_project
from services.providers.base import BrandProfile
from ui.frame import page
from ui.imports import import_widget
from ui.safe import plain

app, _ = page("Projects", needs_project=False)
if flash := st.session_state.pop("flash", None):
    st.success(plain(flash))

project_id = st.session_state.get("project_id")
mode = st.radio(
    "Project",
    ["Edit selected", "Create new"],
    horizontal=True,
    index=0 if project_id else 1,
    disabled=not project_id,
)
current = get_project(app.engine, project_id) if project_id and mode == "Edit selected" else None
brand = current.brand if current else BrandProfile()

with st.form("project_form"):
    c1, c2 = st.columns(2)
    name = c1.text_input("Project name", value=current.name if current else "")
    domain = c2.text_input(
        "Domain", value=current.domain if current else "", placeholder="shop.example.com"
    )
    st.markdown("**Brand profile** (used by every cluster)")
    b1, b2 = st.columns(2)
    company = b1.text_input("Company name", value=brand.company_name)
    price_point = b2.selectbox(
        "Price point",
        ["", "budget", "mid-range", "premium", "luxury"],
        index=["", "budget", "mid-range", "premium", "luxury"].index(brand.price_point)
        if brand.price_point in ["", "budget", "mid-range", "premium", "luxury"]
        else 0,
    )
    products = st.text_area("Products (one per line)", value="\n".join(brand.products))
    persona = st.text_input("Primary persona", value=brand.primary_persona)
    competitors = st.text_input("Competitors (comma-separated)", value=", ".join(brand.competitors))
    with st.expander("WordPress and market"):
        w1, w2, w3 = st.columns(3)
        wp_url = w1.text_input("WordPress URL", value=current.wordpress_url if current else "")
        wp_user = w2.text_input(
            "WordPress username", value=current.wordpress_username if current else ""
        )
        wp_pass = w3.text_input(
            "Application password",
            type="password",
            placeholder="•••••••• (saved)" if current and current.wordpress_password_set else "",
            help="Stored encrypted; leave empty to keep the saved one.",
        )
        m1, m2 = st.columns(2)
        location = m1.text_input(
            "Location", value=current.location_name if current else "United States"
        )
        language = m2.text_input("Language", value=current.language_name if current else "English")
    submitted = st.form_submit_button("Save project", type="primary")

if submitted:
    try:
        new_id = save_project(
            app.engine,
            name=name,
            domain=domain,
            brand=BrandProfile.from_dict(
                {
                    "company_name": company,
                    "products": products,
                    "price_point": price_point,
                    "primary_persona": persona,
                    "competitors": competitors,
                }
            ),
            wordpress_url=wp_url,
            wordpress_username=wp_user,
            wordpress_app_password=wp_pass if wp_pass else KEEP_SECRET,
            location_name=location,
            language_name=language,
            project_id=current.id if current else None,
        )
    except ClusterPlannerError as exc:
        st.error(plain(exc))
    else:
        st.session_state["project_id"] = str(new_id)
        st.session_state["flash"] = f"Saved project '{name}'."
        st.rerun()

if project_id:
    st.divider()
    st.subheader("Import keyword data")
    st.caption(
        "Semrush, Ahrefs, Google Ads Keyword Planner or Search Console exports (CSV/TSV). "
        "The tool is detected from the header; duplicates keep the higher volume."
    )
    import_widget(app, project_id, key="project-import")
