"""The router's source: the menu is declared before any heavy import (a page's first paint
does not wait for the database or the providers)."""

from pathlib import Path

APP = Path(__file__).resolve().parents[3] / "app.py"


def test_navigation_is_declared_before_any_heavy_import():
    source = APP.read_text()
    nav = source.index("st.navigation(")
    for heavy in ("services.app.context", "services.projects.api", "services.core.errors"):
        assert source.index(heavy) > nav, heavy
