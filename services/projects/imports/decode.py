"""Stage 1 of the keyword-export importer: bytes → text.

Byte-order mark (UTF-8/16/32), else strict UTF-8, else ``charset_normalizer``. Workbooks
(``.xlsx``/``.xls``), archives, images and other binary files are refused with an
:class:`~services.core.errors.ImportFormatError`.
"""

from __future__ import annotations

from collections.abc import Iterable

import charset_normalizer

from services.core.errors import ImportFormatError

_BINARY_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or other ZIP archive",
    b"\xd0\xcf\x11\xe0": "a legacy Excel (.xls) workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


#: Longest error message shown to the user (characters); longer ones are cut with "…".
MESSAGE_LIMIT = 300


def _name(filename: str) -> str:
    if len(filename) > 60:
        filename = filename[:59] + "…"
    return f"{filename}: " if filename else ""


def _error(filename: str, message: str) -> ImportFormatError:
    """An :class:`ImportFormatError` for ``filename``, at most :data:`MESSAGE_LIMIT` characters."""
    return ImportFormatError(_clip(_name(filename) + message))


def _clip(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` cut to ``limit`` characters (the last one an ellipsis when cut)."""
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _columns_seen(columns: Iterable[object], limit: int = 8) -> str:
    """The first ``limit`` column names, each cut to 30 characters, and the total count."""
    names = [str(c).strip() for c in columns]
    shown = ", ".join(repr(_clip(n, 30)) for n in names[:limit] if n)
    more = f" … ({len(names):,} columns)" if len(names) > limit else ""
    return f"[{shown}{more}]"


def decode_text(data: bytes, filename: str) -> str:
    """Text of ``data``: BOM, then strict UTF-8, then charset-normalizer."""
    if not data:
        raise _error(filename, "the file is empty (0 bytes).")
    for magic, what in _BINARY_SIGNATURES.items():
        if data.startswith(magic):
            raise _error(
                filename,
                f"this is {what}, not a CSV/TSV export. "
                "Export or save the keywords as CSV and upload that file.",
            )
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _error(
                    filename,
                    f"the file starts with a {encoding} byte-order mark but "
                    f"is not valid {encoding} (byte {exc.start}).",
                ) from exc
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:  # NULs: UTF-16 without a BOM, or binary
            best = charset_normalizer.from_bytes(data).best()
            if best is None:
                raise _error(
                    filename,
                    "cannot detect the text encoding; the file looks "
                    "binary. Upload the CSV/TSV file exported by the tool.",
                )
            text = str(best)
    text = text.lstrip("\ufeff")
    sample = text[:10_000]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    if controls > max(2, len(sample) // 100):
        raise _error(
            filename,
            f"the file holds binary data ({controls} control characters in "
            "its first 10,000), not CSV/TSV text.",
        )
    if not text.strip():
        raise _error(filename, "the file is empty (no text).")
    if "\n" not in text and "\r" in text:  # classic Mac line endings
        text = text.replace("\r", "\n")
    return text
