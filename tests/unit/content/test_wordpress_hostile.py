"""The WordPress client against a hostile local wp/v2 server (issue 20 §3, 4, 10): odd answers
after creating a post, non-JSON bodies, a slow answer, an echoed Authorization header. A retry
after each odd answer must update the post created, never create a second one."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from services.core.errors import WordPressBadResponse, WordPressError
from services.core.http_read import parse_json
from services.providers.wordpress import WordPressClient, marker
from tests.unit.content.content_fakes import WordPressServer

PASSWORD = "abcd efgh ijkl mnop"
FIELDS = {"title": "Trail Running Shoes", "content": "<p>x</p>", "slug": "trail-running-shoes"}
PHP_WARNING = (
    '<br />\n<b>Warning</b>:  Undefined array key "x" in '
    "<b>/var/www/html/wp-content/plugins/seo/seo.php</b> on line <b>12</b><br />\n"
)


class HostileWordPress(WordPressServer):
    """:class:`WordPressServer` whose create answers turn odd after the post is created.

    ``odd``: "created_200" (200 instead of 201, no Location), "php_warning" (201 with a PHP
    warning before the JSON), "created_500" (500 HTML after creating), "slow" (answers after
    ``delay`` seconds), "echo_auth" (401 echoing the Authorization header), "me_html"
    (``users/me`` answers 200 HTML).
    """

    def __init__(self) -> None:
        super().__init__(user="editor", password=PASSWORD)
        self.odd = ""
        self.delay = 0.0

    def _answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if self.odd.startswith("echo_auth"):
            auth = next(v for k, v in headers.items() if k.lower() == "authorization")
            if self.odd == "echo_auth_json":
                return 401, {"code": "rest_forbidden", "message": f"Bad header {auth}"}, {}
            return 401, f"<html>Unauthorized. You sent Authorization: {auth}</html>", {}
        if self.odd == "me_html" and "users/me" in path:
            return 200, "<html><body>Welcome to our site</body></html>", {}
        status, body, extra = super()._answer(method, path, headers, raw)
        creating = method == "POST" and re.search(r"/(posts|pages)$", urlsplit(path).path)
        if not creating or status != 201:
            return status, body, extra
        if self.odd == "created_200":
            return 200, body, {}
        if self.odd == "php_warning":
            return 201, PHP_WARNING + json.dumps(body), extra
        if self.odd == "created_500":
            return 500, "<html><h1>Internal Server Error</h1></html>", {}
        if self.odd == "slow":
            time.sleep(self.delay)
        return status, body, extra


@pytest.fixture()
def wp():
    with HostileWordPress() as srv:
        yield srv


def client(wp, timeout: float = 5) -> WordPressClient:
    return WordPressClient(wp.url, "editor", PASSWORD, timeout=timeout)


@pytest.mark.parametrize(
    "odd",
    ["created_200", "php_warning", "created_500", pytest.param("slow", marks=pytest.mark.slow)],
)
def test_a_retry_after_an_odd_create_answer_creates_no_second_post(wp, odd):
    wp.odd, wp.delay = odd, 2.0
    content_id = uuid.uuid4()
    c = client(wp, timeout=1.0)
    started = time.monotonic()
    try:
        first = c.save_draft("posts", FIELDS, content_id=content_id)
    except WordPressError:
        first = None
    assert time.monotonic() - started < 1.0 + 1.5  # the deadline holds
    assert len(wp.posts) == 1  # WordPress created it whatever it answered
    if odd in ("created_200", "php_warning"):  # an answer with an id proves the creation
        assert first is not None and first.id in wp.posts
    else:
        assert first is None
    wp.odd = ""
    again = client(wp).save_draft("posts", {**FIELDS, "title": "New"}, content_id=content_id)
    assert len(wp.posts) == 1 and again.id in wp.posts
    assert wp.posts[again.id]["title"]["raw"] == "New"
    assert marker(content_id) in wp.posts[again.id]["content"]["raw"]


def test_a_post_of_the_same_slug_written_by_a_person_is_not_taken_over(wp):
    human = client(wp).save_draft("posts", FIELDS)  # no marker
    mine = client(wp).save_draft("posts", FIELDS, content_id=uuid.uuid4())
    assert mine.id != human.id and len(wp.posts) == 2


def test_non_json_success_bodies_are_a_typed_error_with_the_status(wp):
    wp.odd = "me_html"
    with pytest.raises(WordPressBadResponse, match="not JSON") as err:
        client(wp).check_auth()
    assert err.value.status_code == 200 and err.value.code == "not_json"
    assert parse_json(PHP_WARNING + '{"id": 7}') == {"id": 7}


@pytest.mark.parametrize("odd", ["echo_auth", "echo_auth_json"])
def test_an_echoed_authorization_header_is_redacted(wp, odd):
    wp.odd = odd
    with pytest.raises(WordPressError) as err:
        client(wp).check_auth()
    text = str(err.value)
    token = base64.b64encode(f"editor:{PASSWORD}".encode()).decode()
    assert token not in text and PASSWORD not in text and "[redacted]" in text


@pytest.mark.slow
def test_a_server_trickling_header_lines_is_a_timeout_within_the_deadline():
    from tests.unit.site.crawl_site import Route, SiteServer

    with SiteServer() as site:
        site.fallback = lambda _path: Route(200, "", header_drip_s=1)
        client = WordPressClient(site.url, "editor", PASSWORD, timeout=1.5)
        started = time.monotonic()
        with pytest.raises(WordPressError, match="did not answer within 1.5 s"):
            client.request("GET", "users/me")
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 2, elapsed
    assert len(site.paths()) == 1  # not retried after the deadline (GETs are retried otherwise)
