"""Shared page pieces (outside ``pages/`` so Streamlit does not list them as pages)."""
