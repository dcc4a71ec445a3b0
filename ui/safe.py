"""User text shown as plain text inside Streamlit's Markdown-rendering elements.

``st.caption``, ``st.success``/``st.error``/``st.warning``/``st.info``, ``st.expander`` and
widget labels render Markdown: a keyword, seed, hub name, file name or provider message
such as ``![p](http://host/x.png)`` would make the browser fetch that URL, and ``**``,
``[…](…)``, ``:red[…]`` or ``$…$`` would change what the user reads. Every piece of stored
or uploaded text goes through :func:`plain` before it is put into such a string; text shown
on its own can use ``st.text`` / ``st.code`` / a dataframe instead.

CommonMark lets a backslash escape any ASCII punctuation character, which then renders as
itself (https://spec.commonmark.org/0.31.2/#backslash-escapes). :func:`plain` escapes the
ones that open Markdown inside a line — links and images (``[``, ``]``), emphasis and code
(``*``, ``_``, `````, ``~``), raw HTML and autolinks (``<``, ``>``), Streamlit's LaTeX
(``$``) and tables (``|``), the backslash itself — plus a block marker (``#``, ``-``,
``+``, ``>``, ``1.``) at the start, and joins lines, so ordinary punctuation ("Saved
project 'Acme'.") stays readable in tests and logs.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"[\\`*_\[\]<>~$|]")
_BLOCK_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def plain(value: object) -> str:
    """``value`` as text that Streamlit's Markdown shows literally, on one line.

    Parameters
    ----------
    value : object
        Any value; ``str(value)`` is escaped (None → ``""``).

    Returns
    -------
    str
        Markdown's inline markers backslash-escaped, a leading block marker escaped and
        line breaks turned into spaces, e.g. ``"![p](http://x/a.png)"`` →
        ``"!\\[p\\](http://x/a.png)"`` (shown as typed, no image fetched).
    """
    if value is None:
        return ""
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def show_outcome(status: str, text: object) -> None:
    """Show a batch's end state in its colour (:mod:`services.core.outcome`): completed
    green, partial amber, failed red; ``text`` as plain text."""
    import streamlit as st

    show = {"partial": st.warning, "failed": st.error}.get(status, st.success)
    show(plain(text))
