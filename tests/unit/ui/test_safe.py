"""ui.safe.plain: user text shown literally inside Markdown-rendering elements (issue 11, item 6)."""

from __future__ import annotations

import re
import string

import pytest

from ui.safe import plain

ATTACKS = [
    "![p](http://127.0.0.1:8765/x.png)",
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` ~~s~~ # heading",
    ":red[alarm] :material/home: $x^2$",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x","y") @SUM(1)',
    "line one\nline two\r\n- item",
]


MARKERS = "`*_[]<>~$|"


def _unescape(text: str) -> str:
    return re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", text)


@pytest.mark.parametrize("text", ATTACKS)
def test_inline_markdown_markers_are_escaped_and_lines_joined(text):
    escaped = plain(text)

    bare = re.findall(r"(?<!\\)[" + re.escape(MARKERS) + "]", escaped)
    assert bare == []  # every link, image, emphasis, HTML, LaTeX or table marker escaped
    assert "\n" not in escaped and "\r" not in escaped
    assert _unescape(escaped) == " ".join(re.split(r"[\r\n]+", text))


def test_a_leading_block_marker_is_escaped():
    assert plain("# heading") == "\\# heading"
    assert plain("- item") == "\\- item"
    assert plain("1. first") == "\\1. first"
    assert plain("wordpress 1. theme") == "wordpress 1. theme"


def test_plain_text_passes_through_and_none_is_empty():
    assert plain("trail running shoes 2025") == "trail running shoes 2025"
    assert plain("Saved project 'Acme'.") == "Saved project 'Acme'."
    assert plain(None) == ""
    assert plain(ValueError("bad [x]")) == "bad \\[x\\]"


def test_the_built_in_table_download_is_off():
    """Streamlit's dataframe toolbar would export cells like =HYPERLINK(…) raw (1.67:
    ``client.disableDataExport`` hides its CSV download for st.dataframe/st.data_editor)."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads(
        (Path(__file__).resolve().parents[3] / ".streamlit" / "config.toml").read_text()
    )
    assert config["client"]["disableDataExport"] is True
