"""One redaction step for outside error texts (issue 20 §10)."""

from __future__ import annotations

import base64

from services.core.redact import MASK, redact, secret_forms


def test_credentials_in_headers_json_urls_and_key_shapes_are_masked():
    token = base64.b64encode(b"editor:abcd efgh").decode()
    cases = {
        f"Authorization: Basic {token}": "Authorization: [redacted]",
        f'{{"Authorization": "Basic {token}"}}': '{"Authorization": "[redacted]"}',
        f"echo Basic {token} end": "echo Basic [redacted] end",
        "Bearer eyJhbGciOiJIUzI1NiJ9.payload": "Bearer [redacted]",
        "password=hunter22&next=1": "password=[redacted]&next=1",
        '"api_key": "k-123456"': '"api_key": [redacted]',
        "key sk-ant-api03-abcdefghijkl leaked": "key [redacted] leaked",
        "https://bob:pw123@example.com/x": "https://[redacted]@example.com/x",
    }
    for text, expected in cases.items():
        assert redact(text) == expected


def test_plain_words_stay_readable():
    for text in (
        "Sorry, you are not allowed to create posts as this user.",
        "token expired",
        "Basic authentication required",
        "WordPress failed with a server error 500",
    ):
        assert redact(text) == text


def test_exact_secrets_in_every_form_are_masked():
    forms = secret_forms("editor", "abcd efgh ijkl")
    echoed = base64.b64encode(b"editor:abcdefghijkl").decode()
    text = f"pw abcd efgh ijkl / abcdefghijkl / {echoed}"
    out = redact(text, forms)
    assert "abcd" not in out and echoed not in out and out.count(MASK) == 3
    assert redact(None) == ""


def test_every_provider_error_text_is_redacted():
    from services.core.errors import BadResponseError, ProviderError

    token = base64.b64encode(b"user:secret-pass").decode()
    for cls in (ProviderError, BadResponseError):
        err = cls(f"401 from the API: Authorization: Basic {token}", provider="dataforseo")
        assert token not in str(err) and "[redacted]" in str(err)
