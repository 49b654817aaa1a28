"""Bytes written per comment: what DynamoDB writes for one approved comment on a 1 KB post and on a
200 KB post (their items' sizes). Target: the second at most 1.1 times the first, because a comment
changes the post's small head item, never its body.

What is counted is what DynamoDB bills a write by, the size of each item written: the table's items
that the comment's transaction creates or changes (the comment, the post's head with its new count,
the rate-limit counter, the duplicate guard), each at its full size after the write (an update is
billed by the size of the whole item, not of the change), and each index's copy of them (an index
rewrites its copy when an attribute it projects changes: `Visible` projects all of an item, the
list indexes a few, `OpenThreads` only keys). The items and indexes are compared before and after
the comment, on a table holding the post alone, with the indexes as the table declares them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.data import comment, now, publish, text_of_length
from bench.environment import BenchEnvironment
from blog.models import POST_CONTENT_MAX_BYTES
from blogctl.bulk import ItemKey, item_size, key_of

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SHORT_BODY = 400
"""Bytes of Markdown of the short post: with its rendering and head, about 1 KB of items."""
LONG_BODY = POST_CONTENT_MAX_BYTES
"""Bytes of Markdown of the long post, the most a post may have: about 200 KB of items."""
SLUG = "kommentiert"
COMMENT = "Ein Kommentar von typischer Länge, mit „Anführungszeichen“ und einer Frage: kommt ihr auch?"
_KINDS = {
    "#POST": "post head",
    "#POST#BODY": "post body",
    "RATE": "rate-limit counter",
    "DUPLICATE": "duplicate guard",
    "IDEMPOTENCY": "idempotency record",
}


@dataclass(frozen=True)
class Index:
    name: str
    keys: frozenset[str]
    """The table's and the index's key attributes: an item is in the index when it has them all."""
    projected: frozenset[str] | None
    """The other attributes the index holds; None for all of them."""

    def copy_of(self, item: Mapping[str, Any]) -> dict[str, Any] | None:
        """The index's copy of a table item, None when the item is not in the index."""
        if not self.keys <= set(item):
            return None
        return {
            name: value
            for name, value in item.items()
            if self.projected is None or name in self.keys or name in self.projected
        }


@dataclass(frozen=True)
class CommentWrites:
    post_bytes: int
    """The post's items (head and body), as the table holds them."""
    parts: dict[str, int]
    """Bytes written, by what was written ("comment", "Visible: post head", ...)."""

    @property
    def total(self) -> int:
        return sum(self.parts.values())


@dataclass(frozen=True)
class CommentWriteSizes:
    short: CommentWrites
    long: CommentWrites

    @property
    def ratio(self) -> float:
        return self.long.total / self.short.total


def indexes_of(client: "DynamoDBClient", table: str) -> list[Index]:
    """The secondary indexes of a table, as DynamoDB describes them."""
    described = client.describe_table(TableName=table)["Table"]
    table_keys = {key["AttributeName"] for key in described["KeySchema"]}
    indexes = []
    for index in [*described.get("LocalSecondaryIndexes", []), *described.get("GlobalSecondaryIndexes", [])]:
        projection: Mapping[str, Any] = index["Projection"]
        kind = projection.get("ProjectionType", "ALL")
        indexes.append(
            Index(
                name=index["IndexName"],
                keys=frozenset(table_keys | {key["AttributeName"] for key in index["KeySchema"]}),
                projected=None if kind == "ALL" else frozenset(projection.get("NonKeyAttributes", [])),
            )
        )
    return indexes


def _items(client: "DynamoDBClient", table: str) -> dict[ItemKey, dict[str, Any]]:
    items: dict[ItemKey, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.update({key_of(item): dict(item) for item in page["Items"]})
    return items


def _kind(key: ItemKey) -> str:
    sk = key[1]
    return "comment" if sk.startswith("COMMENT#") else _KINDS.get(sk, sk)


def written(
    before: Mapping[ItemKey, Mapping[str, Any]],
    after: Mapping[ItemKey, Mapping[str, Any]],
    indexes: list[Index],
) -> dict[str, int]:
    """The bytes DynamoDB writes to go from `before` to `after`: each new or changed item at its full
    size, and each index's copy of it where the copy changed."""
    parts: dict[str, int] = {}
    for key, item in after.items():
        old = before.get(key)
        if old == item:
            continue
        kind = _kind(key)
        parts[kind] = parts.get(kind, 0) + item_size(item)
        for index in indexes:
            copy = index.copy_of(item)
            if copy is not None and copy != (None if old is None else index.copy_of(old)):
                part = f"{index.name}: {kind}"
                parts[part] = parts.get(part, 0) + item_size(copy)
    return parts


def _comment_writes(
    bench: BenchEnvironment, table: str, body_bytes: int, client_address: str
) -> CommentWrites:
    with bench.table(table):
        publish(bench.api, SLUG, text_of_length(body_bytes), published_at=now() - timedelta(days=1))
        before = _items(bench.admin, table)
        with bench.recorder.recording() as calls:
            comment(bench.api, SLUG, COMMENT, source_ip=client_address)
        if len(calls) != 1:
            raise RuntimeError(f"a comment took {len(calls)} DynamoDB requests, not one transaction")
        after = _items(bench.admin, table)
        post_bytes = sum(item_size(item) for key, item in before.items() if key[1].startswith("#POST"))
        return CommentWrites(
            post_bytes=post_bytes, parts=written(before, after, indexes_of(bench.admin, table))
        )


def measure(bench: BenchEnvironment) -> CommentWriteSizes:
    return CommentWriteSizes(
        short=_comment_writes(bench, "bench-comment-short", SHORT_BODY, "192.0.2.201"),
        long=_comment_writes(bench, "bench-comment-long", LONG_BODY, "192.0.2.202"),
    )
