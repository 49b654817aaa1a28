"""Bytes per list page: what DynamoDB answers to the Query of `GET /posts` (a page of 20) when the
posts' bodies are 200 bytes, and when they are 100 KB. Target: the long page at most 1.1 times the
short one, because the list reads a summaries index that holds no bodies. (moto would end the long
page after five posts, at 1 MB of whole items; bench/dynamodb_server.py says why it does not.)
"""

from dataclasses import dataclass
from datetime import timedelta

from bench.data import check, now, publish, text_of_length
from bench.environment import BenchEnvironment

PAGE = 20
SHORT_BODY = 200
LONG_BODY = 100_000


@dataclass(frozen=True)
class ListPage:
    short_bytes: int
    long_bytes: int

    @property
    def ratio(self) -> float:
        return self.long_bytes / self.short_bytes


def _page_bytes(bench: BenchEnvironment, table: str, body_length: int) -> int:
    with bench.table(table):
        content = text_of_length(body_length)
        # One more post than the page, so that the page is full and has a next one.
        for number in range(PAGE + 1):
            published_at = now() - timedelta(hours=number + 1)
            publish(bench.api, f"lang-{number:02d}", content, published_at=published_at)
        with bench.recorder.recording() as calls:
            page = check(bench.api.get("/posts", query={"limit": str(PAGE)}), "GET /posts").json()
    assert len(page["items"]) == PAGE, page
    (query,) = calls
    return query.response_bytes


def measure(bench: BenchEnvironment) -> ListPage:
    return ListPage(
        short_bytes=_page_bytes(bench, "bench-list-short", SHORT_BODY),
        long_bytes=_page_bytes(bench, "bench-list-long", LONG_BODY),
    )
