"""Every route of template.yaml over real HTTP, against `python -m local serve` with the demo blog."""

from typing import Any
from urllib.parse import quote

import pytest

from local.template import http_routes
from tests.local_server import LocalServer, client_address

OPEN = "willkommen-im-netzwerk-haselbacher-initiativen"
THREE_LINKS = "Drei Links: https://example.org/a https://example.org/b https://example.org/c"


def new_post(server: LocalServer, slug: str, **fields: Any) -> dict[str, Any]:
    post = {
        "title": f"Test „{slug}“",
        "content": "Ein Beitrag für die Tests – mit Umlauten: äöüß.",
        "author": "Test",
        "category": "Tests",
        "tags": ["Test"],
        "published_at": "2026-01-01T08:00:00Z",
        "comments_open": True,
        **fields,
    }
    answer = server.request("PUT", f"/posts/{slug}", json_body=post, signed=True)
    assert answer.status == 201, answer.body
    created: dict[str, Any] = answer.json()
    return created


def comment(server: LocalServer, slug: str, content: str, **fields: Any) -> dict[str, Any]:
    body = {"author_name": "Leserin", "content": content, **fields}
    answer = server.request(
        "POST", f"/posts/{slug}/comments", json_body=body, source_address=client_address()
    )
    assert answer.status == 201, answer.body
    stored: dict[str, Any] = answer.json()
    return stored


def test_get_posts_lists_the_newest_first_with_cache_headers(server: LocalServer) -> None:
    answer = server.request("GET", "/posts")

    assert answer.status == 200
    published = [item["published_at"] for item in answer.json()["items"]]
    assert published == sorted(published, reverse=True)
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    assert answer.headers["ETag"]


def test_an_unchanged_list_is_a_304(server: LocalServer) -> None:
    etag = server.request("GET", "/posts?limit=2").headers["ETag"]

    assert server.request("GET", "/posts?limit=2", headers={"If-None-Match": etag}).status == 304


def test_the_list_pages_with_its_cursor(server: LocalServer) -> None:
    first = server.request("GET", "/posts?limit=2").json()
    second = server.request("GET", f"/posts?limit=2&cursor={quote(first['next_cursor'])}").json()

    assert len(first["items"]) == len(second["items"]) == 2
    assert {item["slug"] for item in first["items"]}.isdisjoint(item["slug"] for item in second["items"])


def test_a_bad_limit_and_a_tampered_cursor_are_client_errors(server: LocalServer) -> None:
    assert server.request("GET", "/posts?limit=0").status == 422
    assert server.request("GET", "/posts?cursor=bm90LWEtY3Vyc29y").status == 400


def test_the_list_filters_by_category(server: LocalServer) -> None:
    category = "Kooperation & Netzwerke"

    answer = server.request("GET", f"/posts?category={quote(category)}")

    items = answer.json()["items"]
    assert items
    assert {item["category"] for item in items} == {category}


def test_get_post_has_its_html_and_comments(server: LocalServer) -> None:
    post = server.request("GET", f"/posts/{OPEN}").json()

    assert post["slug"] == OPEN
    assert post["content_html"].startswith("<")
    assert post["comments"]


def test_an_unknown_post_is_a_404_problem(server: LocalServer) -> None:
    answer = server.request("GET", "/posts/gibt-es-nicht")

    assert answer.status == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 404


def test_get_comments_pages_a_posts_comments(server: LocalServer) -> None:
    answer = server.request("GET", f"/posts/{OPEN}/comments")

    assert answer.status == 200
    assert answer.json()["items"]


def test_the_openapi_document_describes_every_route_of_the_template(
    server: LocalServer, template: dict[str, Any]
) -> None:
    document = server.request("GET", "/openapi.json").json()

    documented = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    routes = {route.route_key for route in http_routes(template)}
    # The document leaves itself out.
    assert routes - {"GET /openapi.json"} <= documented


def test_a_comment_is_stored_and_located(server: LocalServer) -> None:
    slug = "test-kommentar"
    new_post(server, slug)

    answer = server.request(
        "POST",
        f"/posts/{slug}/comments",
        json_body={"author_name": "Jörg", "content": "Schön – „wirklich“ schön!"},
        source_address=client_address(),
    )

    assert answer.status == 201
    stored = answer.json()
    assert stored["status"] == "approved"
    assert answer.headers["Location"] == f"/posts/{slug}/comments/{stored['id']}"
    assert "„wirklich“" in stored["content_html"]


def test_a_reply_nests_under_its_parent(server: LocalServer) -> None:
    slug = "test-antwort"
    new_post(server, slug)
    parent = comment(server, slug, "Erster!")

    reply = comment(server, slug, "Zweiter.", parent_id=parent["id"])

    assert reply["parent_id"] == parent["id"]
    thread = server.request("GET", f"/posts/{slug}").json()["comments"]
    assert [item["id"] for item in thread] == [parent["id"], reply["id"]]


def test_the_rate_limit_counts_comments_per_client_address(server: LocalServer) -> None:
    slug = "test-rate-limit"
    new_post(server, slug)
    address = client_address()

    statuses = [
        server.request(
            "POST",
            f"/posts/{slug}/comments",
            json_body={"author_name": "Eilig", "content": f"Kommentar {number}"},
            source_address=address,
        )
        for number in range(4)
    ]

    assert [answer.status for answer in statuses] == [201, 201, 201, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0
    assert (
        server.request(
            "POST",
            f"/posts/{slug}/comments",
            json_body={"author_name": "Andere", "content": "Von woanders"},
            source_address=client_address(),
        ).status
        == 201
    )


def test_put_post_creates_then_updates(server: LocalServer) -> None:
    slug = "test-anlegen"
    created = new_post(server, slug)

    updated = server.request(
        "PUT", f"/posts/{slug}", json_body={**created_input(created), "title": "Neu"}, signed=True
    )

    assert updated.status == 200
    assert updated.json()["title"] == "Neu"


def created_input(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": post["title"],
        "content": "Neu geschrieben.",
        "author": post["author"],
        "category": post["category"],
        "tags": post["tags"],
        "published_at": post["published_at"],
        "comments_open": post["comments_open"],
    }


def test_close_and_reopen_a_thread(server: LocalServer) -> None:
    slug = "test-schliessen"
    new_post(server, slug)

    closed = server.request("POST", f"/posts/{slug}/close", signed=True)
    refused = server.request(
        "POST",
        f"/posts/{slug}/comments",
        json_body={"author_name": "Spät", "content": "Noch was"},
        source_address=client_address(),
    )
    reopened = server.request("POST", f"/posts/{slug}/reopen", signed=True)

    assert (closed.status, closed.json()["comments_open"]) == (200, False)
    assert (refused.status, refused.json()["type"]) == (403, "/problems/comments-closed")
    assert (reopened.status, reopened.json()["comments_open"]) == (200, True)


def test_moderation_queue_approve_spam_and_delete(server: LocalServer) -> None:
    slug = "test-moderation"
    new_post(server, slug)
    held = comment(server, slug, THREE_LINKS)
    spam = comment(server, slug, THREE_LINKS + " und mehr")
    assert held["status"] == spam["status"] == "pending"

    queue = server.request("GET", "/comments?status=pending", signed=True)
    approved = server.request("POST", f"/posts/{slug}/comments/{held['id']}/approve", signed=True)
    marked = server.request("POST", f"/posts/{slug}/comments/{spam['id']}/spam", signed=True)
    deleted = server.request("DELETE", f"/posts/{slug}/comments/{held['id']}", signed=True)

    assert queue.status == 200
    assert {held["id"], spam["id"]} <= {item["id"] for item in queue.json()["items"]}
    assert (approved.status, approved.json()["status"]) == (200, "approved")
    assert (marked.status, marked.json()["status"]) == (200, "spam")
    assert deleted.status == 204
    assert deleted.body == b""


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/nothing"),
        ("DELETE", "/posts"),
        ("GET", "/posts/"),
        ("PATCH", f"/posts/{OPEN}"),
    ],
)
def test_what_no_route_serves_is_api_gateways_404(server: LocalServer, method: str, path: str) -> None:
    answer = server.request(method, path)

    assert (answer.status, answer.json()) == (404, {"message": "Not Found"})


def test_each_request_is_one_line_of_the_log(server: LocalServer) -> None:
    server.request("GET", "/posts?limit=1&line=log")

    line = next(line for line in server.log().splitlines() if "line=log" in line)
    assert line.startswith("GET /posts?limit=1&line=log 200 ")
    assert " ms ListPostsFunction" in line


def test_a_mail_link_is_logged_as_its_route_never_with_its_token(server: LocalServer) -> None:
    token = "k1.bG9nZ2VkLW5ldmVy.c2lnbmF0dXJl"

    answer = server.request("GET", f"/actions/{token}")

    assert answer.status == 400  # signed with no key of this server's ring
    assert token not in server.log()
    assert any(line.startswith("GET /actions/{token} 400 ") for line in server.log().splitlines())
