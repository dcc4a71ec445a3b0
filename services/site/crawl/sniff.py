"""Sniffing a body before extraction: a trusted charset (never UTF-7) and binary content.

Used by :mod:`services.site.crawl.fetch`. Pure.
"""

from __future__ import annotations

import codecs

#: Charsets a page may declare (WHATWG Encoding Standard labels commonly served); anything else
#: (UTF-7, EBCDIC, unknown labels) is ignored and the page read as UTF-8, so a declared
#: ``utf-7`` cannot turn ``+ADw-script+AD4-`` into ``<script>``.
TRUSTED_CHARSETS = frozenset(
    {
        "utf-8",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "ascii",
        "iso8859-1",
        "iso8859-2",
        "iso8859-3",
        "iso8859-4",
        "iso8859-5",
        "iso8859-6",
        "iso8859-7",
        "iso8859-8",
        "iso8859-9",
        "iso8859-10",
        "iso8859-13",
        "iso8859-14",
        "iso8859-15",
        "iso8859-16",
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "cp874",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "shift_jis",
        "cp932",
        "euc_jp",
        "iso2022_jp",
        "euc_kr",
        "cp949",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "big5hkscs",
    }
)


def trusted_charset(label: str | None) -> str | None:
    """The Python codec name of ``label`` when it is in :data:`TRUSTED_CHARSETS`, else None."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return name if name in TRUSTED_CHARSETS else None


def looks_binary(head: bytes) -> bool:
    """True when the first bytes of a body are not text: a NUL byte, or more than 10 % of
    control bytes other than tab/CR/LF/FF (the rule of the WHATWG MIME Sniffing Standard's
    "binary data byte" set)."""
    sample = head[:1024]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(sample) // 10
