"""WordPress REST client against a local wp/v2 server answering the contract shapes."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidInputError, WordPressError
from services.providers.wordpress import WordPressClient, validate_site_url
from tests.unit.content.content_fakes import WordPressServer

PASSWORD = "abcd efgh ijkl mnop"
FIELDS = {"title": "Trail Running Shoes", "content": "<p>x</p>", "slug": "trail-running-shoes"}


@pytest.fixture()
def wp():
    with WordPressServer(user="editor", password=PASSWORD) as srv:
        yield srv


def client(wp, user="editor", password=PASSWORD) -> WordPressClient:
    return WordPressClient(wp.url, user, password, timeout=5)


def test_https_required_except_localhost():
    assert validate_site_url("http://localhost:8080/") == "http://localhost:8080"
    assert validate_site_url("https://shop.example.com/") == "https://shop.example.com"
    with pytest.raises(InvalidInputError, match="https"):
        validate_site_url("http://shop.example.com")
    with pytest.raises(InvalidInputError):
        WordPressClient("https://shop.example.com", "", "")


def test_create_draft_201_with_id_then_update_same_post(wp):
    c = client(wp)
    assert c.check_auth()["name"] == "editor"
    post = c.save_draft("posts", FIELDS)
    assert post.id in wp.posts and post.link.endswith(f"?p={post.id}")
    created = wp.posts_requests()[0]
    assert created["path"] == "/wp-json/wp/v2/posts" and created["body"]["status"] == "draft"
    again = c.save_draft("posts", {**FIELDS, "title": "New"}, post_id=post.id)
    assert again.id == post.id and len(wp.posts) == 1
    assert wp.posts[post.id]["title"]["raw"] == "New"
    assert wp.posts_requests()[1]["path"] == f"/wp-json/wp/v2/posts/{post.id}"


def test_update_of_a_deleted_post_creates_a_new_one(wp):
    post = client(wp).save_draft("pages", FIELDS, post_id=999)
    assert post.id != 999 and post.type == "pages"
    assert wp.posts[post.id]["type"] == "page"


def test_categories_by_id_looked_up_or_created(wp):
    c = client(wp)
    first = c.term_id("categories", "Trail Guides")
    assert c.term_id("categories", "trail guides") == first
    assert len(wp.terms["categories"]) == 1
    c.save_draft("posts", {**FIELDS, "categories": [first]})
    assert wp.posts_requests()[-1]["body"]["categories"] == [first]


def test_401_wrong_username_says_login_not_application_name(wp):
    with pytest.raises(WordPressError, match="login username, not the name") as err:
        client(wp, user="Cluster Planner").check_auth()
    assert err.value.status_code == 401 and err.value.code == "invalid_username"


def test_401_wrong_password(wp):
    with pytest.raises(WordPressError, match="rejected the application password"):
        client(wp, password="wrong").check_auth()


def test_401_authorization_header_stripped_by_host(wp):
    wp.mode = "no_auth_header"
    with pytest.raises(WordPressError, match="strips the Authorization header"):
        client(wp).check_auth()


def test_role_too_low_is_reported_before_creating(wp):
    wp.mode = "subscriber"
    with pytest.raises(WordPressError, match=r"role: subscriber\) cannot create posts"):
        client(wp).check_auth()
    assert wp.posts_requests() == []


def test_401_rest_cannot_create(wp):
    wp.mode = "create_401"
    with pytest.raises(WordPressError) as err:
        client(wp).save_draft("posts", FIELDS)
    assert err.value.status_code == 401 and err.value.code == "rest_cannot_create"
    assert "not allowed to create posts" in str(err.value)


def test_403_role_cannot_create(wp):
    wp.mode = "create_403"
    with pytest.raises(WordPressError, match="logged in but its role may not") as err:
        client(wp).save_draft("posts", FIELDS)
    assert err.value.status_code == 403


def test_plain_permalinks_fall_back_to_rest_route(wp):
    wp.plain_permalinks = True
    c = client(wp)
    assert c.check_auth()["id"] == 1
    assert c.plain_permalinks
    post = c.save_draft("posts", FIELDS)
    assert post.id in wp.posts
    last = wp.requests[-1]
    assert last["path"] == "/" and last["query"]["rest_route"] == "/wp/v2/posts"


def test_301_on_post_is_never_followed(wp):
    wp.mode = "redirect_post"
    with pytest.raises(WordPressError, match="was not followed") as err:
        client(wp).save_draft("posts", FIELDS)
    assert err.value.status_code == 301
    assert "https://www.example.com/wp-json/wp/v2/posts" in str(err.value)
    assert [r["method"] for r in wp.requests] == ["POST"]  # no GET to the new address
    assert wp.posts == {}


def test_500_is_a_server_error(wp):
    wp.mode = "create_500"
    with pytest.raises(WordPressError, match="server error 500") as err:
        client(wp).save_draft("posts", FIELDS)
    assert err.value.code == "db_insert_error"


def test_200_without_id_is_not_a_success(wp):
    wp.mode = "create_200"
    with pytest.raises(WordPressError, match="200 without an id"):
        client(wp).save_draft("posts", FIELDS)


def test_password_never_in_repr():
    c = WordPressClient("http://127.0.0.1:9", "editor", "secret pass word")
    assert "secret" not in repr(c)
