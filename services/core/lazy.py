"""Lazy re-exports for a package's facade (PEP 562), so importing the facade stays cheap.

A facade (``services/<feature>/api.py``) re-exports its submodules' public names; several of
those import pandas or an SDK at module level. The facade lists them in a mapping
name → defining module and imports them under ``if TYPE_CHECKING:`` for readers and mypy;
:func:`lazy_exports` makes the module ``__getattr__``/``__dir__`` that import the defining
module on first use (``from services.site.api import covered_by`` works as before).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def by_module(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{module: names}`` → ``{name: module}``.

    Raises:
        ValueError: a name listed under two modules.
    """
    exports: dict[str, str] = {}
    for module, names in groups.items():
        for name in names:
            if name in exports:
                raise ValueError(f"{name} is listed under {exports[name]} and {module}")
            exports[name] = module
    return exports


def lazy_exports(
    namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a facade whose names in ``exports`` (name →
    defining module) are imported on first access, then cached in ``namespace`` (the facade's
    ``globals()``).

    Raises (from ``__getattr__``):
        AttributeError: a name neither defined in the facade nor in ``exports``.
    """
    module_name = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
