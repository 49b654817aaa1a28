"""Parser bombs and text that is no text: a clear 4xx problem on every route, never a 500."""

import json
from datetime import UTC, datetime

import pytest

from blog.ids import new_comment_id
from tests.hostile_input import LONE_SURROGATE, UNREADABLE_BODIES

ROUTES = [
    ("GET", "/posts", False),
    ("GET", "/posts/sommerfest", False),
    ("GET", "/posts/sommerfest/comments", False),
    ("GET", "/openapi.json", False),
    ("POST", "/posts/sommerfest/comments", False),
    ("PUT", "/posts/sommerfest", True),
    ("POST", "/posts/sommerfest/close", True),
    ("POST", "/posts/sommerfest/reopen", True),
    ("GET", "/comments", True),
    ("POST", "/posts/sommerfest/comments/{comment}/approve", True),
    ("POST", "/posts/sommerfest/comments/{comment}/spam", True),
    ("DELETE", "/posts/sommerfest/comments/{comment}", True),
]
ADA = {"author_name": "Ada", "content": "Schöner Beitrag – danke!"}
COMMENTS = "/posts/sommerfest/comments"
POST = {"title": "Sommerfest", "content": "Text", "author": "Miriam", "category": "Feste"}


@pytest.fixture
def post(publish):
    return publish("sommerfest")


def send(api, method, path, body, *, signed=False):
    comment_id = new_comment_id(None, datetime.now(UTC))
    return api.request(
        method,
        path.format(comment=comment_id),
        body=body,
        headers={"content-type": "application/json"},
        signed=signed,
    )


def assert_problem(response, status, problem_type):
    assert (response.status, response.headers["content-type"]) == (status, "application/problem+json")
    problem = response.json()
    assert problem["type"] == problem_type
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize("name", UNREADABLE_BODIES)
def test_an_unreadable_body_is_a_400_on_every_route(api, post, name):
    for method, path, signed in ROUTES:
        response = send(api, method, path, UNREADABLE_BODIES[name], signed=signed)

        problem = assert_problem(response, 400, "/problems/malformed-json")
        assert problem["detail"].startswith("The request body is not valid JSON"), (method, path)
        assert "Traceback" not in response.body


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("deeply nested arrays", "nested too deeply"),
        ("a number of 4,400 digits", "too many digits"),
        ("a key twice", "the same key twice"),
    ],
)
def test_the_problem_says_why_the_body_cannot_be_read(api, post, name, reason):
    response = send(api, "POST", "/posts/sommerfest/comments", UNREADABLE_BODIES[name])

    assert reason in response.json()["detail"]


def test_a_key_twice_stores_nothing_under_either_value(api, post):
    send(api, "POST", "/posts/sommerfest/comments", UNREADABLE_BODIES["a key twice"])

    assert api.get("/posts/sommerfest/comments").json()["items"] == []


def test_nesting_the_parser_reads_is_still_a_clear_422(api, post):
    body = json.dumps({**ADA, "extra": json.loads("[" * 500 + "]" * 500)}).encode()

    response = send(api, "POST", "/posts/sommerfest/comments", body)

    problem = assert_problem(response, 422, "/problems/validation-error")
    assert problem["errors"][0]["loc"] == ["body", "extra"]


@pytest.mark.parametrize("field", ["author_name", "content"])
def test_a_lone_surrogate_in_a_comment_is_a_422_naming_the_field(api, post, field):
    body = json.dumps({**ADA, field: f"Hallo {LONE_SURROGATE}"}).encode()

    response = send(api, "POST", "/posts/sommerfest/comments", body)

    problem = assert_problem(response, 422, "/problems/validation-error")
    assert problem["errors"][0]["loc"] == ["body", field]
    assert "unicode" in problem["errors"][0]["msg"]


def test_a_lone_surrogate_in_a_post_or_a_key_is_a_422(api, post):
    title = json.dumps({**POST, "title": LONE_SURROGATE}).encode()
    key = json.dumps({**ADA, LONE_SURROGATE: 1}).encode()

    for response in (
        send(api, "PUT", "/posts/sommerfest", title, signed=True),
        send(api, "POST", "/posts/sommerfest/comments", key),
    ):
        assert_problem(response, 422, "/problems/validation-error")


@pytest.mark.parametrize(
    ("method", "path", "body", "signed", "status", "problem_type"),
    [
        # Under the 64 KB body limit: the field's length limit speaks.
        ("POST", COMMENTS, {**ADA, "content": "ü" * 30_000}, False, 422, "validation-error"),
        ("POST", COMMENTS, {**ADA, "x" * 60_000: 1}, False, 422, "validation-error"),
        # A post's content is capped in bytes by the store's item limit, not by a field length.
        ("PUT", "/posts/sommerfest", {**POST, "content": "x" * 400_000}, True, 413, "content-too-large"),
        # Over it: refused before anything parses the body.
        ("POST", COMMENTS, {**ADA, "content": "x" * 70_000}, False, 413, "request-too-large"),
        ("GET", "/posts", {"x": "x" * 70_000}, False, 413, "request-too-large"),
        ("PUT", "/posts/sommerfest", {**POST, "content": "x" * 600_000}, True, 413, "request-too-large"),
    ],
)
def test_a_huge_string_is_a_clear_4xx(api, post, method, path, body, signed, status, problem_type):
    response = send(api, method, path, json.dumps(body, ensure_ascii=False).encode(), signed=signed)

    assert_problem(response, status, f"/problems/{problem_type}")


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("author_name", "\u200b\u200b"),
        ("author_name", "\u2800"),
        ("author_name", "\u3164"),
        ("author_name", "".join(chr(0xE0000 + ord(character)) for character in "Admin")),
        ("author_name", "Ada\u202enimdA"),
        ("author_name", "\u2067Ada\u2069"),
        ("content", "Überweise an \u202eDE12 3456\u202c bitte"),
    ],
)
def test_invisible_names_and_reordering_controls_are_a_422_naming_the_field(api, post, field, text):
    response = api.post(COMMENTS, json_body={**ADA, field: text})

    problem = assert_problem(response, 422, "/problems/validation-error")
    assert problem["errors"][0]["loc"] == ["body", field]


def test_names_with_joiners_and_flags_and_controls_in_code_are_published(api, post):
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    name = f"Ada {scotland} \U0001f469\u200d\U0001f4bb"
    content = "Trojan Source sieht so aus: `if (a\u202e) {`"

    response = api.post(COMMENTS, json_body={"author_name": name, "content": content})

    assert response.status == 201
    assert response.json()["author_name"] == name
    assert "\u202e" in response.json()["content_html"]
