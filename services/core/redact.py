"""One redaction step for error texts that came from outside (providers, WordPress, sites).

A server may echo the request back in its error body: a 401 page that prints the
``Authorization`` header puts ``Basic <base64 user:password>`` into the message the CLI prints,
the page shows and the job row stores. Every provider or WordPress error text goes through
:func:`redact` before it is shown, logged or stored.

What is replaced by ``[redacted]``:

- the value of an ``Authorization`` / ``Proxy-Authorization`` header, and any ``Basic …`` or
  ``Bearer …`` credential;
- values of ``password``, ``passwd``, ``pwd``, ``secret``, ``token``, ``api_key``, ``apikey``,
  ``access_token``, ``client_secret``, ``x-api-key`` (as ``key=value``, ``key: value`` or JSON
  ``"key": "value"``);
- well-known key shapes (``sk-…``, ``sk-ant-…``, ``ghp_…``, ``AKIA…``, ``xox…-``);
- credentials in URLs (``https://user:pass@host``);
- any exact secret the caller passes (the application password itself, with and without its
  spaces, and its ``user:password`` base64 form).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

MASK = "[redacted]"

_KEYS = (
    r"password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|"
    r"client[_-]?secret|x-api-key|app[_-]?password|application[_-]?password"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: <scheme> <credentials>   (header lines, JSON, repr of dicts)
    (
        re.compile(
            r"""((?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+""", re.IGNORECASE
        ),
        rf"\1{MASK}",
    ),
    # a credential has a digit or one of + / = . (plain words such as "Basic authentication"
    # stay readable)
    (
        re.compile(r"\b(Basic|Bearer)\s+(?=[A-Za-z~_-]*[0-9+/=.])[A-Za-z0-9+/=._~-]{6,}"),
        rf"\1 {MASK}",
    ),
    # "password": "…" / password=… / password: …
    (
        re.compile(
            rf"""(["']?\b(?:{_KEYS})\b["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}}]+)""",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    (re.compile(r"\b(sk-(?:ant-)?[A-Za-z0-9_-]{8,})"), MASK),
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{16,})"), MASK),
    (re.compile(r"\b(AKIA[0-9A-Z]{16})\b"), MASK),
    (re.compile(r"\b(xox[abprs]-[A-Za-z0-9-]{8,})"), MASK),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE), rf"\1{MASK}@"),
)


def secret_forms(username: str, password: str) -> list[str]:
    """The forms a credential pair can take in an echoed request: the password with and
    without spaces, and the Basic-auth base64 of ``user:password`` (both password forms)."""
    forms: list[str] = []
    for pw in dict.fromkeys([password, password.replace(" ", "")]):
        if not pw:
            continue
        forms.append(pw)
        forms.append(base64.b64encode(f"{username}:{pw}".encode()).decode())
    return forms


def redact(text: object, secrets: Iterable[str] = ()) -> str:
    """``text`` with credentials replaced by :data:`MASK`.

    Parameters
    ----------
    text : object
        An error message or response body (``str(text)`` is used; None gives ``""``).
    secrets : iterable of str
        Exact values to remove wherever they appear (ignored when shorter than 4 characters,
        which would mask ordinary words).

    Returns
    -------
    str
        The text with every match of the module's patterns and every secret masked.
    """
    out = "" if text is None else str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out
