"""Start-up self-check: can each optional-at-import stack the app needs be imported? (issue 19)

Some libraries are imported only when a feature runs: crawl extraction (trafilatura → justext →
``lxml.html.clean``, which lxml 5.2 split into the ``lxml_html_clean`` package and which pip
23.2 may leave out), embeddings (onnxruntime, tokenizers, model2vec, faiss) and XLSX downloads
(xlsxwriter). A missing one used to surface as a failure on every crawled page; this check
imports each stack once at start-up and names the exact ``pip install`` command instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

#: requirements.txt, for the version bounds in the suggested command.
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"

#: stack name -> what it is for, and (module to import, distribution on PyPI) in import order:
#: a dependency comes before what needs it, so the first failure names the real culprit.
STACKS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "Crawl extraction": (
        "main text of crawled pages (Site Crawl, Primary Keywords)",
        (
            ("lxml.html", "lxml"),
            ("lxml_html_clean", "lxml_html_clean"),
            ("justext", "jusText"),
            ("trafilatura", "trafilatura"),
        ),
    ),
    "Embeddings": (
        "keyword relevance and list clustering",
        (
            ("onnxruntime", "onnxruntime"),
            ("tokenizers", "tokenizers"),
            ("model2vec", "model2vec"),
            ("faiss", "faiss-cpu"),
        ),
    ),
    "XLSX export": ("spreadsheet downloads", (("xlsxwriter", "xlsxwriter"),)),
}


@dataclass(frozen=True)
class StackStatus:
    """One stack's result.

    Attributes
    ----------
    name : str
        e.g. ``"Crawl extraction"``.
    purpose : str
        What stops working without it, in the user's words.
    ok : bool
        Every module imported.
    missing : list of str
        Distributions whose module failed to import (PyPI names).
    error : str
        The first import error (``""`` when ok).
    install : str
        The command to run (``""`` when ok).
    """

    name: str
    purpose: str
    ok: bool
    missing: list[str] = field(default_factory=list)
    error: str = ""
    install: str = ""


def _requirement(dist: str, requirements: Path = REQUIREMENTS) -> str:
    """``dist`` with its bounds from requirements.txt (``"lxml_html_clean>=0.4,<1"``)."""
    norm = re.sub(r"[-_.]+", "-", dist).lower()
    try:
        lines = requirements.read_text(encoding="utf-8").splitlines()
    except OSError:
        return dist
    for line in lines:
        spec = line.split("#", 1)[0].strip()
        match = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)", spec)
        if match and re.sub(r"[-_.]+", "-", match.group(1)).lower() == norm:
            return f"{match.group(1)}{match.group(3).replace(' ', '')}"
    return dist


def _installed(module: str) -> bool:
    """Whether ``module`` is installed (found on the path), without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def check_stack(
    name: str, importer: Callable[[str], ModuleType] = importlib.import_module
) -> StackStatus:
    """Import every module of one stack of :data:`STACKS`.

    Parameters
    ----------
    name : str
        A key of :data:`STACKS`.
    importer : callable, optional
        ``importlib.import_module`` (tests pass one that fails for chosen modules).

    Returns
    -------
    StackStatus

    Raises
    ------
    KeyError
        Unknown stack name.
    """
    purpose, modules = STACKS[name]
    missing: list[str] = []
    first_error = ""
    for module, dist in modules:
        try:
            importer(module)
        except Exception as exc:  # ImportError, or a broken build raising anything else
            # An installed module failing after an earlier one failed is that one's doing
            # (justext without lxml_html_clean): name only what is really not installed.
            if not missing or not _installed(module):
                missing.append(dist)
            first_error = first_error or f"{module}: {type(exc).__name__}: {exc}"
    if not missing:
        return StackStatus(name, purpose, True)
    args = " ".join(f'"{_requirement(d)}"' for d in missing)
    return StackStatus(name, purpose, False, missing, first_error, f"pip install {args}")


def run_selfcheck(
    importer: Callable[[str], ModuleType] = importlib.import_module,
) -> list[StackStatus]:
    """Check every stack of :data:`STACKS` (about 1 s the first time, then cached imports).

    Parameters
    ----------
    importer : callable, optional
        See :func:`check_stack`.

    Returns
    -------
    list of StackStatus
        In :data:`STACKS` order.
    """
    return [check_stack(name, importer) for name in STACKS]
