"""Latency as the data grows: `GET /posts` and `GET /posts/{slug}` with 100, 1,000 and 10,000 posts,
and with 1, 100 and 1,000 comments on the post read. Each size is loaded into a table of its own
(items copied from ones the API wrote) and measured warm, in this process: the handler's time, the
time of its one DynamoDB request, and the bytes that request answered with.

What the blog reads does not grow with the table: the bytes stay those of one page. moto, though,
scans a whole table for every Query, so its own time grows with the table where DynamoDB's does not;
the handler's part (handler minus DynamoDB) is what this code controls.
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bench.data import (
    check,
    comment,
    comments_like,
    now,
    posts_like,
    publish,
    read_item,
    set_comment_count,
    text_of_length,
)
from bench.environment import BenchEnvironment
from blog.store.keys import comment_key, post_body_key, post_key
from blogctl.bulk import BulkStore

POSTS_TABLE = "bench-growth-posts"
COMMENTS_TABLE = "bench-growth-comments"
SLUG = "diskussion"
BODY = 3_000
"""A post body of a typical length (bytes)."""


@dataclass(frozen=True)
class Point:
    """One route at one size: medians over the requests."""

    ms: float
    dynamodb_ms: float
    response_bytes: int

    @property
    def handler_ms(self) -> float:
        return self.ms - self.dynamodb_ms


@dataclass(frozen=True)
class Size:
    list: Point
    get: Point


def _measure(bench: BenchEnvironment, path: str, requests: int) -> Point:
    check(bench.api.get(path), f"GET {path}")  # warm
    totals, dynamodb, sizes = [], [], []
    for _ in range(requests):
        with bench.recorder.recording() as calls:
            answer = check(bench.api.get(path), f"GET {path}")
        (call,) = calls
        totals.append(answer.ms)
        dynamodb.append(call.ms)
        sizes.append(call.response_bytes)
    return Point(statistics.median(totals), statistics.median(dynamodb), int(statistics.median(sizes)))


def _size(bench: BenchEnvironment, requests: int, progress: Callable[[str], None], label: str) -> Size:
    size = Size(list=_measure(bench, "/posts", requests), get=_measure(bench, f"/posts/{SLUG}", requests))
    progress(f"{label}: list {size.list.ms:.1f} ms, get {size.get.ms:.1f} ms (DynamoDB included)")
    return size


def posts(
    bench: BenchEnvironment, sizes: list[int], *, requests: int, progress: Callable[[str], None]
) -> dict[int, Size]:
    """List and get with `sizes` posts in the table (loaded in steps, smallest first)."""
    measured = {}
    with bench.table(POSTS_TABLE):
        store = BulkStore(bench.admin, POSTS_TABLE)
        newest = now() - timedelta(hours=1)
        publish(bench.api, SLUG, text_of_length(BODY), published_at=newest)
        head = read_item(bench.admin, POSTS_TABLE, post_key(SLUG))
        body = read_item(bench.admin, POSTS_TABLE, post_body_key(SLUG))
        loaded = 1
        for size in sorted(sizes):
            store.put(list(posts_like(head, body, first=loaded, count=size - loaded, newest=newest)))
            loaded = size
            measured[size] = _size(bench, requests, progress, f"{size:>6} posts")
    return measured


def comments(
    bench: BenchEnvironment, sizes: list[int], *, requests: int, progress: Callable[[str], None]
) -> dict[int, Size]:
    """List and get with `sizes` comments on the post read (loaded in steps, smallest first)."""
    measured = {}
    with bench.table(COMMENTS_TABLE):
        store = BulkStore(bench.admin, COMMENTS_TABLE)
        publish(bench.api, SLUG, text_of_length(BODY), published_at=now() - timedelta(days=1))
        first = comment(
            bench.api,
            SLUG,
            "Ein Kommentar von typischer Länge, mit „Anführungszeichen“.",
            source_ip="192.0.2.99",
        )
        prototype = read_item(bench.admin, COMMENTS_TABLE, comment_key(SLUG, first["id"]))
        loaded = 1
        oldest = now() - timedelta(hours=20)
        for size in sorted(sizes):
            batch = list(
                comments_like(prototype, SLUG, count=size - loaded, oldest=oldest + timedelta(seconds=loaded))
            )
            store.put(batch)
            loaded += len(batch)
            set_comment_count(bench.admin, COMMENTS_TABLE, SLUG, loaded)
            measured[size] = _size(bench, requests, progress, f"{size:>6} comments")
    return measured
