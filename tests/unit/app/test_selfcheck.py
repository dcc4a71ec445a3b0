"""The start-up self-check names what to install when an optional-at-import stack is missing."""

from __future__ import annotations

import importlib

import pytest

from services.app import selfcheck


def failing(*modules: str):
    """An importer for which ``modules`` raise ImportError, as when not installed."""

    def importer(name: str):
        if name in modules:
            raise ImportError(f"No module named {name!r}")
        return importlib.import_module(name)

    return importer


def test_all_stacks_import_in_this_environment():
    statuses = selfcheck.run_selfcheck()
    assert [s.name for s in statuses] == list(selfcheck.STACKS)
    assert all(s.ok and not s.install for s in statuses), statuses


def test_missing_lxml_html_clean_names_only_that_package_with_its_bounds():
    # pip 23.2 leaves out lxml's html_clean extra: justext and trafilatura then fail to import too
    status = selfcheck.check_stack(
        "Crawl extraction", failing("lxml_html_clean", "justext", "trafilatura")
    )
    assert not status.ok
    assert status.missing == ["lxml_html_clean"]
    assert status.install == 'pip install "lxml_html_clean>=0.4,<1"'
    assert status.error.startswith("lxml_html_clean: ImportError")


def test_a_package_that_is_not_installed_is_named_even_after_an_earlier_failure(monkeypatch):
    monkeypatch.setattr(selfcheck, "_installed", lambda module: module != "faiss")
    status = selfcheck.check_stack("Embeddings", failing("onnxruntime", "faiss"))
    assert status.missing == ["onnxruntime", "faiss-cpu"]
    assert (
        status.install.startswith('pip install "onnxruntime>=') and '"faiss-cpu>=' in status.install
    )


def test_xlsx_and_unknown_stack():
    status = selfcheck.check_stack("XLSX export", failing("xlsxwriter"))
    assert status.install == 'pip install "xlsxwriter>=3.2,<4"'
    with pytest.raises(KeyError):
        selfcheck.check_stack("Nope")


def test_requirement_without_a_requirements_file_is_the_bare_name(tmp_path):
    assert selfcheck._requirement("jusText", tmp_path / "missing.txt") == "jusText"
    req = tmp_path / "r.txt"
    req.write_text("# c\nlxml[html_clean] >=5.2, <7  # why\n", encoding="utf-8")
    assert selfcheck._requirement("LXML", req) == "lxml>=5.2,<7"
