"""The project form of the Projects page: identity, brand profile, WordPress and market,
site type (URL patterns of suggested pages) and composite-score weights."""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.core.slugs import SITE_TYPE_LABELS, SITE_TYPES
from services.projects.api import KEEP_SECRET
from services.providers.base import BrandProfile

PRICE_POINTS = ["", "budget", "mid-range", "premium", "luxury"]
SITE_TYPE_HELP = (
    "Decides the URL of each suggested page: Shopify /collections/<handle>, WooCommerce "
    "/product-category/<slug>/, WordPress blog /<slug>/, publisher /<section>/<slug>/, or your "
    "own pattern with {slug} and optional {parent}."
)


def _brand_fields(brand: BrandProfile) -> dict[str, Any]:
    """The brand profile inputs; returns them as ``BrandProfile.from_dict`` input."""
    st.markdown("**Brand profile** (context for every cluster, never keyword text)")
    b1, b2 = st.columns(2)
    company = b1.text_input("Company name", value=brand.company_name)
    price_point = b2.selectbox(
        "Price point",
        PRICE_POINTS,
        index=PRICE_POINTS.index(brand.price_point) if brand.price_point in PRICE_POINTS else 0,
    )
    products = st.text_area("Products (one per line)", value="\n".join(brand.products))
    persona = st.text_input("Primary persona", value=brand.primary_persona)
    competitors = st.text_input("Competitors (comma-separated)", value=", ".join(brand.competitors))
    return {
        "company_name": company,
        "products": products,
        "price_point": price_point,
        "primary_persona": persona,
        "competitors": competitors,
    }


def _wordpress_fields(current: Any) -> dict[str, Any]:
    """The WordPress and market inputs, as ``save_project`` keyword arguments."""
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
    return {
        "wordpress_url": wp_url,
        "wordpress_username": wp_user,
        "wordpress_app_password": wp_pass if wp_pass else KEEP_SECRET,
        "location_name": location,
        "language_name": language,
    }


def _site_fields(current: Any) -> dict[str, Any]:
    """The site type, URL pattern and score weight inputs, as ``save_project`` arguments."""
    st.markdown("**Site and scoring**")
    s1, s2 = st.columns(2)
    site_type = s1.selectbox(
        "Site type",
        SITE_TYPES,
        index=SITE_TYPES.index(current.site_type) if current else 0,
        format_func=SITE_TYPE_LABELS.__getitem__,
        help=SITE_TYPE_HELP,
    )
    pattern = s2.text_input(
        "Custom URL pattern",
        value=current.url_pattern if current else "",
        placeholder="/guides/{parent}/{slug}/",
        help="Only for the custom site type.",
    )
    weights = current.score_weights if current else (0.50, 0.35, 0.15)
    k1, k2, k3 = st.columns(3)
    wv = k1.number_input("Volume weight", 0.0, 1.0, float(round(weights[0], 2)), 0.05)
    wr = k2.number_input("Relevance weight", 0.0, 1.0, float(round(weights[1], 2)), 0.05)
    wc = k3.number_input("Competition weight", 0.0, 1.0, float(round(weights[2], 2)), 0.05)
    evidence = st.checkbox(
        "Group keywords by the evidence in the data",
        value=current.use_evidence if current else True,
        help="Keywords with the same Parent Keyword / Parent Topic, the same ranking URL or "
        "overlapping SERPs become one page, on top of the wording rules (new clusters, "
        "keyword lists and Send to review). Turn off to group by wording only.",
    )
    return {
        "site_type": site_type,
        "url_pattern": pattern,
        "score_weights": (wv, wr, wc),
        "use_evidence": evidence,
    }


def project_form(current: Any) -> dict[str, Any] | None:
    """Render the form; on submit return the keyword arguments of ``save_project``.

    Parameters
    ----------
    current : services.projects.api.ProjectView or None
        The project being edited (None: a new project).
    """
    brand = current.brand if current else BrandProfile()
    with st.form("project_form"):
        c1, c2 = st.columns(2)
        name = c1.text_input("Project name", value=current.name if current else "")
        domain = c2.text_input(
            "Domain", value=current.domain if current else "", placeholder="shop.example.com"
        )
        profile = _brand_fields(brand)
        wordpress = _wordpress_fields(current)
        site = _site_fields(current)
        submitted = st.form_submit_button("Save project", type="primary")
    if not submitted:
        return None
    return {
        "name": name,
        "domain": domain,
        "brand": BrandProfile.from_dict(profile),
        **wordpress,
        "project_id": current.id if current else None,
        **site,
    }
