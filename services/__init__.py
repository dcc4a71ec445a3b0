"""Cluster Planner service layer: the product logic. Never imports streamlit."""
