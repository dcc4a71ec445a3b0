"""The lazy facades (issue 22): every re-exported name still imports, is the defining module's
object, and the facade's ``TYPE_CHECKING`` imports (what readers and mypy see), its lazy map
and its ``__all__`` list the same names."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from services.core.lazy import by_module, lazy_exports

REPO = Path(__file__).resolve().parents[2]
FACADES = ("services.site.api", "services.seed_clusters.api", "services.content.api")


def type_checking_imports(module: str) -> dict[str, str]:
    """Name → module of the ``from X import name`` statements under ``if TYPE_CHECKING:``."""
    path = REPO / (module.replace(".", "/") + ".py")
    names: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                names.update({a.asname or a.name: stmt.module for a in stmt.names})
    return names


@pytest.mark.parametrize("facade", FACADES)
def test_type_checking_imports_match_the_lazy_map(facade: str) -> None:
    api = importlib.import_module(facade)
    assert type_checking_imports(facade) == api._EXPORTS


@pytest.mark.parametrize("facade", FACADES)
def test_every_name_resolves_to_the_defining_modules_object(facade: str) -> None:
    api = importlib.import_module(facade)
    exported = getattr(api, "__all__", list(api._EXPORTS))
    assert set(api._EXPORTS) <= set(exported)
    for name in exported:
        value = getattr(api, name)
        if name in api._EXPORTS:
            assert value is getattr(importlib.import_module(api._EXPORTS[name]), name), name
    assert set(api._EXPORTS) <= set(dir(api))
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018


def test_names_used_from_the_facades_exist() -> None:
    """``from <facade> import X`` anywhere in the repo names something the facade has."""
    for path in [*REPO.glob("*.py"), *REPO.glob("[!.]*/**/*.py")]:
        if ".venv" in path.parts or ".local" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in FACADES:
                api = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(api, alias.name), f"{path}: {node.module}.{alias.name}"


def test_lazy_exports_import_on_first_use_and_cache() -> None:
    namespace: dict[str, object] = {"__name__": "fake_facade"}
    getattr_, dir_ = lazy_exports(namespace, by_module({"json": ("dumps",)}))
    assert "dumps" not in namespace
    import json

    assert getattr_("dumps") is json.dumps
    assert namespace["dumps"] is json.dumps
    assert dir_() == ["__name__", "dumps"]
    with pytest.raises(AttributeError, match="fake_facade"):
        getattr_("loads")


def test_a_name_under_two_modules_is_refused() -> None:
    with pytest.raises(ValueError, match="dumps"):
        by_module({"json": ("dumps",), "pickle": ("dumps",)})
