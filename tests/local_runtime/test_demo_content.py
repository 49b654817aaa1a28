"""The demo blog `serve` loads through the API: original German posts in several categories, and a
closed thread with a comment and the author's threaded reply."""

from typing import Any

from tests.local_server import LocalServer, client_address

CLOSED = "rueckblick-auf-das-nachbarschaftsfest-2026"
NBSP = "\u00a0"


def all_posts(server: LocalServer) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = server.request("GET", "/posts?limit=50").json()["items"]
    return items


def test_there_are_at_least_six_posts_in_at_least_two_categories(server: LocalServer) -> None:
    posts = all_posts(server)

    assert len(posts) >= 6
    categories = {post["category"] for post in posts}
    assert len(categories) >= 2
    assert "Kooperation & Netzwerke" in categories


def test_the_text_is_german_byte_for_byte(server: LocalServer) -> None:
    text = "".join(
        server.request("GET", f"/posts/{post['slug']}").body.decode() for post in all_posts(server)
    )

    for character in ("ä", "ö", "ü", "ß", "„", "“", "–", NBSP):
        assert character in text, character


def test_a_closed_thread_has_a_comment_and_the_authors_threaded_reply(server: LocalServer) -> None:
    post = server.request("GET", f"/posts/{CLOSED}").json()

    assert post["comments_open"] is False
    first, reply = post["comments"][:2]
    assert first["parent_id"] is None
    assert reply["parent_id"] == first["id"]
    assert reply["author_name"] == post["author"]


def test_the_closed_thread_takes_no_comment(server: LocalServer) -> None:
    answer = server.request(
        "POST",
        f"/posts/{CLOSED}/comments",
        json_body={"author_name": "Nachzügler", "content": "Zu spät?"},
        source_address=client_address(),
    )

    assert (answer.status, answer.json()["type"]) == (403, "/problems/comments-closed")


def test_loading_is_reported(server: LocalServer) -> None:
    log = server.log()

    assert "Loading the demo content" in log
    assert "Demo content loaded" in log
    assert "1 closed thread" in log
