"""Why a post feed is two reads: how many of the largest posts one Query page can hold.

A post feed shows its 20 newest posts with their whole HTML. The list indexes hold summaries only
(a list page never reads bodies), so the feed reads the bodies with a second request. One Query
could answer only from an index whose entries hold a post's summary and its HTML together, and a
Query page stops at 1 MB of items read: this measures a post at the content cap (100 KB of text)
and one at the body cap (Markdown whose HTML is four times longer), written through the API, and
counts how many of each one page would hold.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bench.data import now, publish, read_item, text_of_length
from bench.environment import BenchEnvironment
from blog.content import render_post
from blog.models import POST_CONTENT_MAX_BYTES, fits_in_post_body
from blog.store.keys import post_body_key, post_key
from blog.syndication import POSTS_PER_FEED

QUERY_PAGE_BYTES = 1024 * 1024
"""DynamoDB ends a Query page after 1 MB of items read."""
SUMMARY = ("slug", "title", "excerpt", "author", "category", "tags", "published_at", "updated_at")
"""What a feed entry shows of a post besides its HTML (the list indexes' projection)."""
INDEX_KEYS = ("pk", "sk", "published_pk", "published_at")


@dataclass(frozen=True)
class LargestPost:
    content_bytes: int
    html_bytes: int
    entry_bytes: int
    """An index entry of it: keys, summary and HTML, as DynamoDB counts item size."""

    @property
    def per_query_page(self) -> int:
        return QUERY_PAGE_BYTES // self.entry_bytes


@dataclass(frozen=True)
class FeedPage:
    text: LargestPost
    markup: LargestPost
    feed_entries: int = POSTS_PER_FEED


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it (its names and values in UTF-8; typed form)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = len(str(Decimal(data)).lstrip("-").replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(_value_bytes(element) + 1 for element in data)
    if kind == "M":
        return 3 + item_bytes(data) + len(data)
    if kind == "SS":
        return sum(len(str(element).encode()) for element in data)
    raise ValueError(f"no size for a value of type {kind}")


def _largest_markup() -> str:
    """Markdown whose HTML is four times longer (`<` is `&lt;`), as long as the body cap allows."""
    fitting, too_long = 0, POST_CONTENT_MAX_BYTES + 1
    while too_long - fitting > 1:
        length = (fitting + too_long) // 2
        if fits_in_post_body("<" * length, render_post("<" * length)):
            fitting = length
        else:
            too_long = length
    return "<" * fitting


def _largest(bench: BenchEnvironment, table: str, slug: str, content: str) -> LargestPost:
    publish(bench.api, slug, content, published_at=now() - timedelta(hours=1))
    head = read_item(bench.admin, table, post_key(slug))
    body = read_item(bench.admin, table, post_body_key(slug))
    entry = {
        **{name: head[name] for name in (*INDEX_KEYS, *SUMMARY) if name in head},
        "content_html": body["content_html"],
    }
    return LargestPost(
        content_bytes=len(body["content"]["S"].encode()),
        html_bytes=len(body["content_html"]["S"].encode()),
        entry_bytes=item_bytes(entry),
    )


def measure(bench: BenchEnvironment) -> FeedPage:
    table = "bench-feed-page"
    with bench.table(table):
        return FeedPage(
            text=_largest(bench, table, "groesster-text", text_of_length(POST_CONTENT_MAX_BYTES)),
            markup=_largest(bench, table, "groesstes-markup", _largest_markup()),
        )
