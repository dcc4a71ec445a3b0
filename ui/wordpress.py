"""The WordPress connection form of Content Drafts (site URL, user, application password)."""

import streamlit as st
from sqlalchemy import Engine

from services.content import publish
from services.core.errors import ClusterPlannerError


def wordpress_connection(engine: Engine, project_id: object) -> None:
    """Show the stored connection and a form to save and test a new one (password never
    shown; an empty password keeps the stored one)."""
    with st.expander("WordPress connection"):
        wp = publish.wordpress_status(engine, project_id)
        with st.form("wp"):
            url = st.text_input("Site URL (https)", wp.url)
            user = st.text_input("Username (your login, not the application's name)", wp.username)
            kept = " (one is stored; leave empty to keep it)" if wp.password_set else ""
            secret = st.text_input(f"Application Password{kept}", type="password")
            if st.form_submit_button("Save and test the connection"):
                try:
                    ok = publish.connect_wordpress(
                        engine, project_id, url=url, username=user, password=secret
                    )
                except ClusterPlannerError as exc:
                    st.text(f"Not connected: {exc}")
                else:
                    st.text(f"Connected as {ok.user} ({ok.roles}).")
