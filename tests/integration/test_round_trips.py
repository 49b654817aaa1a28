"""Every request is exactly one DynamoDB round trip, counted with botocore's event hooks.

Exceptions, as DESIGN.md allows: a page of comments reached by cursor and a post's comment feed read
the post beside their Query (a Query cannot also read the post's item), two requests in flight at
once; recent comments and the post feeds read a second time, after the first read.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from blog import store as blog_store

THREE_LINKS = "http://a.example http://b.example www.c.example"


@pytest.fixture
def dynamodb_calls(api) -> Iterator[list[str]]:
    """The DynamoDB operations the handlers' client makes, in order."""
    calls: list[str] = []

    def record(model, **_):
        calls.append(model.name)

    client = blog_store.dynamodb_client()
    client.meta.events.register("before-call.dynamodb", record)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", record)


@pytest.fixture
def thread(api, publish, monkeypatch):
    monkeypatch.setattr("blog.reading.COMMENTS_PER_PAGE", 1)
    publish("runde")
    first = api.post("/posts/runde/comments", json_body={"author_name": "Ada", "content": "Eins"}).json()
    api.post(
        "/posts/runde/comments", json_body={"author_name": "Bob", "content": "Zwei"}, source_ip="192.0.2.2"
    )
    return first


def count(dynamodb_calls, request):
    dynamodb_calls.clear()
    response = request()
    assert response.status < 500, response.body
    return list(dynamodb_calls)


def test_each_route_is_one_round_trip(api, thread, dynamodb_calls):
    post = {
        "title": "T",
        "content": "C",
        "author": "A",
        "category": "K",
        "published_at": "2026-01-01T00:00:00Z",
    }

    expectations = {
        "GET /posts": (lambda: api.get("/posts"), ["Query"]),
        "GET /posts?category=": (lambda: api.get("/posts", query={"category": "K"}), ["Query"]),
        "GET /posts/{slug}": (lambda: api.get("/posts/runde"), ["Query"]),
        "GET /posts/{slug}/comments": (lambda: api.get("/posts/runde/comments"), ["Query"]),
        "POST /posts/{slug}/comments": (
            lambda: api.post("/posts/runde/comments", json_body={"author_name": "C", "content": "Drei"},
                             source_ip="192.0.2.3"),
            ["TransactWriteItems"],
        ),
        "POST /posts/{slug}/comments (reply)": (
            lambda: api.post("/posts/runde/comments", source_ip="192.0.2.4",
                             json_body={"author_name": "D", "content": "Antwort", "parent_id": thread["id"]}),
            ["TransactWriteItems"],
        ),
        "POST /posts/{slug}/comments (held)": (
            lambda: api.post("/posts/runde/comments", source_ip="192.0.2.5",
                             json_body={"author_name": "E", "content": THREE_LINKS}),
            ["TransactWriteItems"],
        ),
        "PUT /posts/{slug}": (
            lambda: api.put("/posts/neu", json_body=post, signed=True), ["TransactWriteItems"]
        ),
        "POST /posts/{slug}/close": (lambda: api.post("/posts/runde/close", signed=True), ["UpdateItem"]),
        "POST /posts/{slug}/reopen": (lambda: api.post("/posts/runde/reopen", signed=True), ["UpdateItem"]),
        "GET /comments/counts": (
            lambda: api.get("/comments/counts?slug=runde&slug=neu&slug=runde"), ["BatchGetItem"]
        ),
    }  # fmt: skip

    counted = {route: count(dynamodb_calls, request) for route, (request, _) in expectations.items()}

    assert counted == {route: calls for route, (_, calls) in expectations.items()}


@contextmanager
def both_in_flight() -> Iterator[None]:
    """Each DynamoDB request waits until another is issued: requests made one after the other
    break the barrier (BrokenBarrierError fails the request)."""
    client = blog_store.dynamodb_client()
    barrier = threading.Barrier(2, timeout=5)

    def wait_for_the_other(**_):
        barrier.wait()

    client.meta.events.register("before-call.dynamodb", wait_for_the_other)
    try:
        yield
    finally:
        client.meta.events.unregister("before-call.dynamodb", wait_for_the_other)


def test_a_comment_page_by_cursor_reads_the_post_and_the_page_at_once(api, thread, dynamodb_calls):
    cursor = api.get("/posts/runde").json()["comments_next_cursor"]

    with both_in_flight():
        calls = count(dynamodb_calls, lambda: api.get("/posts/runde/comments", query={"cursor": cursor}))

    assert sorted(calls) == ["GetItem", "Query"]


def test_a_posts_comment_feed_reads_the_post_and_its_comments_at_once(api, thread, dynamodb_calls):
    # The comments' Query reads the comment range alone (never the post's body), so the post's
    # head (title, publication) is a GetItem issued beside it.
    with both_in_flight():
        calls = count(dynamodb_calls, lambda: api.get("/posts/runde/comments.atom"))

    assert sorted(calls) == ["GetItem", "Query"]


def test_recent_comments_read_the_index_then_the_heads_of_their_posts(api, thread, dynamodb_calls):
    # As DESIGN allows: the comments name their posts, whose titles and publication a second,
    # sequential read learns, one BatchGetItem for all of them.
    assert count(dynamodb_calls, lambda: api.get("/comments/recent")) == ["Query", "BatchGetItem"]


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss", "/feed.rss?category=Kooperation+%26+Netzwerke"])
def test_a_post_feed_reads_the_list_index_then_the_bodies_of_its_posts(api, thread, dynamodb_calls, path):
    # The list indexes project summaries only (listing never reads bodies), so the feed's content
    # is a second, sequential read: one BatchGetItem of the listed posts' bodies.
    assert count(dynamodb_calls, lambda: api.get(path)) == ["Query", "BatchGetItem"]


def test_the_comment_feed_reads_the_index_then_the_heads_of_their_posts(api, thread, dynamodb_calls):
    assert count(dynamodb_calls, lambda: api.get("/comments.atom")) == ["Query", "BatchGetItem"]


def test_refusals_are_one_round_trip_too(api, thread, dynamodb_calls):
    api.post("/posts/runde/close", signed=True)

    assert count(dynamodb_calls, lambda: api.get("/posts/gibt-es-nicht")) == ["Query"]
    assert count(dynamodb_calls, lambda: api.post("/posts/runde/close", signed=True)) == ["UpdateItem"]
    closed = lambda: api.post("/posts/runde/comments", json_body={"author_name": "X", "content": "Zu spät"})  # noqa: E731
    assert count(dynamodb_calls, closed) == ["TransactWriteItems"]


def test_a_duplicate_is_refused_in_two_transactions_the_first_naming_the_comment_it_repeats(
    api, thread, dynamodb_calls
):
    # A transaction cannot read: the guard's comment, which must still stand for the guard to
    # refuse, is learned from the first transaction's cancellation and checked by the second.
    again = lambda: api.post(  # noqa: E731
        "/posts/runde/comments", json_body={"author_name": "Ada", "content": "Eins"}, source_ip="192.0.2.9"
    )

    assert count(dynamodb_calls, again) == ["TransactWriteItems", "TransactWriteItems"]


def test_invalid_requests_never_reach_dynamodb(api, thread, dynamodb_calls):
    assert count(dynamodb_calls, lambda: api.get("/posts", query={"limit": "0"})) == []
    assert count(dynamodb_calls, lambda: api.get("/posts", query={"cursor": "kaputt"})) == []
    assert count(dynamodb_calls, lambda: api.get("/posts/UNGÜLTIG")) == []
    assert count(dynamodb_calls, lambda: api.post("/posts/runde/comments", json_body={})) == []
    assert count(dynamodb_calls, lambda: api.get("/openapi.json")) == []
    assert count(dynamodb_calls, lambda: api.get("/comments/counts?slug=UNGÜLTIG")) == []


def test_updating_a_post_takes_a_second_transaction_after_the_cancelled_create(api, thread, dynamodb_calls):
    post = {"title": "Neu", "content": "Geändert.", "author": "A", "category": "K"}
    update = lambda: api.put("/posts/runde", json_body=post, signed=True)  # noqa: E731

    assert count(dynamodb_calls, update) == ["TransactWriteItems", "TransactWriteItems"]


def test_moderating_a_comment_from_the_queue_is_one_round_trip(api, thread, dynamodb_calls):
    def hold(n):
        body = {"author_name": f"Held {n}", "content": THREE_LINKS}
        return api.post("/posts/runde/comments", json_body=body, source_ip=f"192.0.2.{50 + n}").json()["id"]

    to_approve, to_spam = hold(1), hold(2)

    assert count(dynamodb_calls, lambda: api.get("/comments", signed=True)) == ["Query"]
    approve = lambda: api.post(f"/posts/runde/comments/{to_approve}/approve", signed=True)  # noqa: E731
    assert count(dynamodb_calls, approve) == ["TransactWriteItems"]
    spam = lambda: api.post(f"/posts/runde/comments/{to_spam}/spam", signed=True)  # noqa: E731
    assert count(dynamodb_calls, spam) == ["TransactWriteItems"]
    delete = lambda: api.request("DELETE", f"/posts/runde/comments/{to_approve}", signed=True)  # noqa: E731
    assert count(dynamodb_calls, delete) == ["TransactWriteItems"]


@pytest.mark.parametrize("status", ["draft", "scheduled", "published"])
def test_an_editors_list_is_one_query(api, thread, dynamodb_calls, status):
    listing = lambda: api.get("/admin/posts", query={"status": status}, signed=True)  # noqa: E731

    assert count(dynamodb_calls, listing) == ["Query"]


def test_a_preview_is_one_query(api, thread, dynamodb_calls):
    assert count(dynamodb_calls, lambda: api.get("/admin/posts/runde", signed=True)) == ["Query"]


def test_deleting_a_post_marks_it_reads_its_collection_removes_it_in_batches_and_the_head_last(
    api, thread, dynamodb_calls
):
    # Not one round trip: a post's items cannot go in one request (DESIGN.md's decision log). Readers
    # lose the post at the first write; the rest grows with the comments, 25 items a batch.
    delete = lambda: api.request("DELETE", "/posts/runde", signed=True)  # noqa: E731

    assert count(dynamodb_calls, delete) == [
        "UpdateItem",  # deleting_since: gone for readers, comments refused, PUT 409
        "Query",  # the collection, a page at a time
        "GetItem",  # the head again, still marked by this deletion (not a post made since)
        "BatchWriteItem",  # the duplicate guards the comments name
        "BatchWriteItem",  # the comments and the body
        "DeleteItem",  # the head
    ]
