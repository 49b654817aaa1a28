"""DynamoDB round trips per route: every route of the HTTP API, one successful request each, its HTTP
requests to DynamoDB counted with botocore's event hooks. Target: 1 for every route that reads or
writes data (GET /openapi.json reads none).

Where one request cannot answer, DESIGN.md allows two reads in flight at once: one round trip of
latency. Those requests are reported apart (CONCURRENT_READS), with their reason, the requests
they send and the round trips those cost: requests whose times on the wire overlap count once.
"""

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from bench.data import check, comment, comments_like, now, publish, read_item
from bench.environment import BenchEnvironment
from bench.inprocess import Answer, DynamoDBCall
from blog import reading
from blog import store as blog_store
from blog.action_tokens import MailAction, action_url, issue_action_token
from blog.store.keys import comment_key
from blogctl.bulk import BulkStore

SLUG = "bench-runde"
THREE_LINKS = "Drei Verweise: http://a.example http://b.example www.c.example"
NO_DATA = frozenset({"GET /openapi.json", "GET /actions/{token}"})
"""Routes that answer without reading or writing data (a mail link's page reads only its token)."""
LATER_COMMENT_PAGE = "GET /posts/{slug}/comments?cursor="
POST_COMMENT_FEED = "GET /posts/{slug}/comments.atom"
CONCURRENT_READS = {
    LATER_COMMENT_PAGE: "a page reached by cursor must also learn that the post is still public, and"
    " its Query reads one contiguous key range, which holds the post's item only on the first page:"
    " the post's publication (GetItem) is read beside the page's Query",
    POST_COMMENT_FEED: "the feed's Query reads the post's comment range alone, never the post's body"
    " (up to 400 KB) that lies between the head and the comments: the post's title and publication"
    " (GetItem) are read beside it",
}
"""Requests that read twice at once, and why one read cannot answer."""
COMPANION_WAIT_SECONDS = 1.0
SECOND_READ = {
    "GET /comments/recent": "the newest comments name their posts, whose titles and publication a"
    " second read learns: one BatchGetItem of those posts' heads (DESIGN.md allows it)",
    "GET /comments.atom": "as GET /comments/recent: the comments' posts are read after the comments"
    " (DESIGN.md allows it)",
    "GET /feed.atom": "the list indexes project summaries only (a list page never reads bodies), so"
    " the entries' content is a second read: one BatchGetItem of the listed posts' bodies. One Query"
    " would need an index of published bodies, and even then a Query page ends at 1 MB, which holds"
    " fewer of the largest posts than the feed's 20 (the table below)",
    "GET /feed.rss": "as GET /feed.atom",
    "POST /admin/readers/forget": "an erasure must learn what it erases (a Query of the reader's"
    " ReaderData partition) before it writes: a transaction cannot read. Then one transaction per"
    " 16 comments; the bench's reader has one",
}
"""Routes that read a second time, after the first read told them what: the reason of each."""
ALLOWED_SECOND_READ = frozenset({"GET /comments/recent", "GET /comments.atom", "POST /admin/readers/forget"})
"""Of those, the ones DESIGN.md allows two sequential round trips (the erasure: its amendment is due,
as no single request can find and erase a reader's items)."""
DELETED_SLUG = "bench-weg"
BATCHED_WRITES = {
    "DELETE /posts/{slug}": "a post's items cannot go in one request (a transaction takes 100, a batch"
    " 25): the head is marked first (gone for readers), the collection read a page at a time and"
    " removed in batches (25 items each, four in flight), the mark read again after each page (a post"
    " made since is left alone), the head last. The bench's post, with two comments, takes 6; a post"
    " with n comments about 3 + 3n/25 requests and two per page (DESIGN.md's decision log)",
}
"""Routes whose requests grow with the data they remove: the reason of each."""
BATCHED_ROUND_TRIPS = {"DELETE /posts/{slug}": 6}
"""What the bench's request of each costs: the mark, a Query, the guards' and the items' batches,
the mark read again, the head."""
READER = "lena.fischer@example.org"


@dataclass(frozen=True)
class ConcurrentReads:
    """What a request that reads twice at once sends, and the round trips of latency it costs."""

    requests: int
    round_trips: int
    reason: str


def measure(bench: BenchEnvironment) -> dict[str, int]:
    """The number of DynamoDB requests of one request to each route, keyed `"METHOD /path"`."""
    api = bench.api
    publish(api, SLUG, "Eine Runde zum Zählen.", published_at=now() - timedelta(days=1))
    first = comment(api, SLUG, "Der erste Kommentar.", source_ip="192.0.2.1")
    comment(api, SLUG, "Der zweite Kommentar.", source_ip="192.0.2.2")

    def held(number: int) -> str:
        body = {"author_name": f"Gehalten {number}", "content": THREE_LINKS}
        answer = api.post(f"/posts/{SLUG}/comments", json_body=body, source_ip=f"192.0.2.{10 + number}")
        comment_id: str = check(answer, "a held comment").json()["id"]
        return comment_id

    to_approve, to_spam = held(1), held(2)
    readers_comment = {"author_name": "Lena Fischer", "author_email": READER, "content": "Meine Daten."}
    check(api.post(f"/posts/{SLUG}/comments", json_body=readers_comment, source_ip="192.0.2.30"), "a reader")
    approve_link = action_url("", issue_action_token(MailAction.APPROVE, SLUG, held(3), now=now()))
    publish(api, DELETED_SLUG, "Ein Beitrag, der gelöscht wird.", published_at=now() - timedelta(days=1))
    comment(api, DELETED_SLUG, "Ein Kommentar, der mitgeht.", source_ip="192.0.2.30")
    comment(api, DELETED_SLUG, "Noch einer, der mitgeht.", source_ip="192.0.2.31")
    post = {
        "title": "Neu",
        "content": "Ein neuer Beitrag.",
        "author": "Miriam Albers",
        "category": "Kooperation & Netzwerke",
        "published_at": "2026-01-01T00:00:00Z",
    }
    comments = f"/posts/{SLUG}/comments"
    requests: dict[str, Callable[[], Answer]] = {
        "GET /posts": lambda: api.get("/posts"),
        "GET /posts/{slug}": lambda: api.get(f"/posts/{SLUG}"),
        "GET /posts/{slug}/comments": lambda: api.get(comments),
        "GET /openapi.json": lambda: api.get("/openapi.json"),
        "POST /posts/{slug}/comments": lambda: api.post(
            comments,
            json_body={"author_name": "Ada", "content": "Eine Antwort.", "parent_id": first["id"]},
            source_ip="192.0.2.3",
        ),
        "PUT /posts/{slug}": lambda: api.put("/posts/bench-neu", json_body=post, signed=True),
        "POST /posts/{slug}/close": lambda: api.post(f"/posts/{SLUG}/close", signed=True),
        "POST /posts/{slug}/reopen": lambda: api.post(f"/posts/{SLUG}/reopen", signed=True),
        "GET /comments": lambda: api.get("/comments", signed=True),
        "POST /posts/{slug}/comments/{comment_id}/approve": lambda: api.post(
            f"{comments}/{to_approve}/approve", signed=True
        ),
        "POST /posts/{slug}/comments/{comment_id}/spam": lambda: api.post(
            f"{comments}/{to_spam}/spam", signed=True
        ),
        "DELETE /posts/{slug}/comments/{comment_id}": lambda: api.request(
            "DELETE", f"{comments}/{to_approve}", signed=True
        ),
        "GET /comments/counts": lambda: api.get(
            "/comments/counts", query=[("slug", SLUG), ("slug", "bench-neu"), ("slug", SLUG)]
        ),
        "GET /comments/recent": lambda: api.get("/comments/recent"),
        "GET /actions/{token}": lambda: api.get(approve_link),
        "POST /actions/{token}": lambda: api.post(approve_link),
        "GET /feed.atom": lambda: api.get("/feed.atom"),
        "GET /feed.rss": lambda: api.get("/feed.rss", query={"category": "Kooperation & Netzwerke"}),
        "GET /posts/{slug}/comments.atom": lambda: api.get(f"/posts/{SLUG}/comments.atom"),
        "GET /comments.atom": lambda: api.get("/comments.atom"),
        "GET /admin/posts": lambda: api.get("/admin/posts", query={"status": "scheduled"}, signed=True),
        "GET /admin/posts/{slug}": lambda: api.get(f"/admin/posts/{SLUG}", signed=True),
        "DELETE /posts/{slug}": lambda: api.request("DELETE", f"/posts/{DELETED_SLUG}", signed=True),
        "POST /admin/readers/data": lambda: api.post(
            "/admin/readers/data", json_body={"email": READER}, signed=True
        ),
        "POST /admin/readers/forget": lambda: api.post(
            "/admin/readers/forget", json_body={"email": READER}, signed=True
        ),
    }
    routes = [route.route_key for route in api.routes]
    missing = sorted(set(routes) - set(requests))
    if missing:
        raise RuntimeError(f"the bench has no request for these routes of template.yaml: {missing}")
    counted = {}
    for route in routes:
        if route in CONCURRENT_READS:
            # Counted as round trips of latency; measure_concurrent reports its requests and why.
            with bench.recorder.recording() as calls, _companions_awaited():
                check(requests[route](), route)
            counted[route] = round_trips_of(calls)
        else:
            with bench.recorder.recording() as calls:
                check(requests[route](), route)
            counted[route] = len(calls)
    return counted


def measure_concurrent(bench: BenchEnvironment) -> dict[str, ConcurrentReads]:
    """The requests and round trips of each request of CONCURRENT_READS (after `measure`)."""
    api = bench.api
    first = check(api.get(f"/posts/{SLUG}"), "GET /posts/{slug}").json()
    # A later page needs a thread longer than the first page: comments written behind the API's back.
    table = bench.database.table_name
    prototype = read_item(bench.admin, table, comment_key(SLUG, first["comments"][0]["id"]))
    missing = reading.COMMENTS_PER_PAGE + 1 - len(first["comments"])
    BulkStore(bench.admin, table).put(
        list(comments_like(prototype, SLUG, count=missing, oldest=now() - timedelta(hours=1)))
    )
    cursor = check(api.get(f"/posts/{SLUG}"), "GET /posts/{slug}").json()["comments_next_cursor"]
    if cursor is None:
        raise RuntimeError("the bench's thread has no second page of comments")
    with bench.recorder.recording() as page_calls, _companions_awaited():
        check(api.get(f"/posts/{SLUG}/comments", query={"cursor": cursor}), LATER_COMMENT_PAGE)
    with bench.recorder.recording() as feed_calls, _companions_awaited():
        check(api.get(f"/posts/{SLUG}/comments.atom"), POST_COMMENT_FEED)
    return {
        request: ConcurrentReads(len(calls), round_trips_of(calls), CONCURRENT_READS[request])
        for request, calls in ((LATER_COMMENT_PAGE, page_calls), (POST_COMMENT_FEED, feed_calls))
    }


@contextmanager
def _companions_awaited() -> Iterator[None]:
    """Each request, once its sending is recorded, waits (at most a second) for a second one: two
    requests issued at once are then both on the wire before either is answered, however the
    threads are scheduled, and requests issued one after the other still follow each other."""
    companion = threading.Barrier(2, timeout=COMPANION_WAIT_SECONDS)

    def await_companion(**_: object) -> None:
        # When none comes, the barrier breaks and this request goes alone.
        with suppress(threading.BrokenBarrierError):
            companion.wait()

    events = blog_store.dynamodb_client().meta.events
    # Registered after the recorder's own before-send, so it runs after that records the sending.
    events.register("before-send.dynamodb", await_companion)
    try:
        yield
    finally:
        events.unregister("before-send.dynamodb", await_companion)


def round_trips_of(calls: Sequence[DynamoDBCall]) -> int:
    """Round trips of latency: a request sent while an earlier one is still on the wire adds none."""
    round_trips, answered_by = 0, float("-inf")
    for call in sorted(calls, key=lambda call: call.sent):
        if call.sent >= answered_by:
            round_trips += 1
            answered_by = call.ended
        else:
            answered_by = max(answered_by, call.ended)
    return round_trips


def target_met(route: str, round_trips: int) -> bool:
    """One round trip per route, none where a route needs no data, two where DESIGN.md allows a
    second, sequential read, and those of BATCHED_ROUND_TRIPS where a request removes many items."""
    if route in BATCHED_ROUND_TRIPS:
        return round_trips == BATCHED_ROUND_TRIPS[route]
    return round_trips == (0 if route in NO_DATA else 2 if route in ALLOWED_SECOND_READ else 1)
