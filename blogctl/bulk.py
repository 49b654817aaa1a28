"""Bulk reads and writes for the operator's tools (WordPress import, backup and restore), never on a
request path: BatchGetItem, BatchWriteItem, a Scan for backups, and a comment written into a thread
that exists with its counts in one transaction, as a reader's comment is.

The items written are built by blog.store.keys (post_items, comment_item), the same code the API's
own writes use, so an imported post or comment is indistinguishable from one written through the
API. DynamoDB may leave part of a batch unprocessed (throttling, a busy partition); that part is
sent again after a growing pause, a bounded number of times, and then the operation fails with
ServiceUnavailable, so that nothing is dropped silently.
"""

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from blog.errors import PostNotFound, ServiceUnavailable
from blog.ids import parent_of
from blog.models import CommentStatus, StoredComment, StoredPostBody
from blog.store.failures import (
    CONDITION_FAILED,
    TRANSACTION_ATTEMPTS,
    cancellation_codes,
    run_transaction,
    translated_errors,
)
from blog.store.keys import (
    COMMENT_SK_PREFIX,
    POST_BODY_ATTRIBUTES,
    POST_BODY_SK,
    POST_PK_PREFIX,
    POST_SK,
    Item,
    comment_item,
    comment_key,
    counter_update,
    from_item,
    is_post_head_of_old_layout,
    post_body_item,
    post_key,
    slug_of,
    to_item,
)
from blog.store.pages import every_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WriteRequestTypeDef

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's limit on one item: names and values, in bytes."""
ATTEMPTS = 8
"""Tries of one batch (the first and 7 retries of what is left), pausing 0.05 s, then twice as
long each time up to 5 s: about 12 s in all before giving up."""
_FIRST_PAUSE_SECONDS = 0.05
_LONGEST_PAUSE_SECONDS = 5.0


class PostLayout(StrEnum):
    """How a post is stored: one item (the layout before the split), head and body, or not at all."""

    OLD = "old"
    NEW = "new"
    ABSENT = "absent"


ItemKey = tuple[str, str]
"""An item's `pk` and `sk`."""


def key_of(item: Mapping[str, Any]) -> ItemKey:
    """The `pk` and `sk` of an item in DynamoDB's typed form."""
    return str(item["pk"]["S"]), str(item["sk"]["S"])


def is_post_or_comment(key: ItemKey) -> bool:
    """Whether a key names a post (its head or body) or a comment (not a rate counter, guard or
    idempotency record)."""
    pk, sk = key
    return pk.startswith(POST_PK_PREFIX) and (
        sk in (POST_SK, POST_BODY_SK) or sk.startswith(COMMENT_SK_PREFIX)
    )


def item_size(item: Mapping[str, Any]) -> int:
    """The size DynamoDB counts for an item (typed form): names and values in UTF-8 bytes."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    (kind, content), *_ = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return len(str(content).lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _value_size(element) for name, element in content.items())
    # String, number and binary sets.
    return sum(len(str(element).encode()) for element in content)


def _pauses() -> Iterator[float]:
    pause = _FIRST_PAUSE_SECONDS
    for _ in range(ATTEMPTS - 1):
        yield pause
        pause = min(pause * 2, _LONGEST_PAUSE_SECONDS)


class BulkStore:
    """The blog's table as the operator's tools use it: many items at a time."""

    def __init__(
        self, client: "DynamoDBClient", table_name: str, *, pause: Callable[[float], None] = time.sleep
    ) -> None:
        self._client = client
        self.table_name = table_name
        self._pause = pause

    @property
    def client(self) -> "DynamoDBClient":
        """The DynamoDB client, for a step of its own (blogctl.approved_index)."""
        return self._client

    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, Item]:
        """The items the table holds of `keys` (strongly consistent), by key; missing ones are absent."""
        found: dict[ItemKey, Item] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.table_name: {
                    "Keys": [
                        to_item({"pk": pk, "sk": sk}) for pk, sk in wanted[start : start + BATCH_GET_LIMIT]
                    ],
                    "ConsistentRead": True,
                }
            }
            responses = self._until_processed(
                lambda keys: self._client.batch_get_item(RequestItems=keys), request, "UnprocessedKeys"
            )
            for response in responses:
                for item in response.get("Responses", {}).get(self.table_name, []):
                    found[key_of(item)] = item
        return found

    def put(self, items: Sequence[Item]) -> None:
        """Write `items` (whole items, keys included), 25 to a request; an item there is replaced."""
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]]
            self._write(requests)

    def _write(self, requests: list[dict[str, Any]]) -> None:
        responses = self._until_processed(
            lambda pending: self._client.batch_write_item(
                RequestItems=cast("dict[str, Sequence[WriteRequestTypeDef]]", pending)
            ),
            {self.table_name: requests},
            "UnprocessedItems",
        )
        for _ in responses:
            pass  # a write's answer holds nothing but what is left, and that is sent again

    def _until_processed(
        self, send: Callable[[dict[str, Any]], Mapping[str, Any]], request: dict[str, Any], unprocessed: str
    ) -> Iterator[Mapping[str, Any]]:
        """The responses to a batch request and to each resending of what the one before left in
        `unprocessed`, after a growing pause; ServiceUnavailable when the last try still leaves some."""
        for pause in (*_pauses(), None):
            with translated_errors():
                response = send(request)
            yield response
            request = dict(response.get(unprocessed) or {})
            if not request:
                return
            if pause is None:
                raise ServiceUnavailable
            self._pause(pause)

    def add_to_thread(self, comment: StoredComment) -> bool:
        """Write a comment into a post that exists, with the post's `comment_count` (when approved)
        and its parent's `reply_count` in the same transaction, as the API writes a reader's comment.

        False when the comment was there already (nothing is written then). PostNotFound when the
        post, or the parent of a reply, is missing.
        """
        operations: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": comment_item(comment),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        post = post_key(comment.post_slug)
        if comment.status is CommentStatus.APPROVED:
            operations.append(counter_update(self.table_name, post, "comment_count", 1))
        else:
            condition = {
                "TableName": self.table_name,
                "Key": post,
                "ConditionExpression": "attribute_exists(pk)",
            }
            operations.append({"ConditionCheck": condition})
        parent_id = parent_of(comment.id)
        if parent_id is not None:
            key = comment_key(comment.post_slug, parent_id)
            operations.append(counter_update(self.table_name, key, "reply_count", 1))
        for attempt in range(TRANSACTION_ATTEMPTS):
            reasons = run_transaction(self._client, operations)
            if reasons is None:
                return True
            codes = cancellation_codes(reasons)
            if codes[0] == CONDITION_FAILED:
                return False
            if CONDITION_FAILED in codes:
                raise PostNotFound
            # Another write on the same items won the race; nothing was written.
            self._pause(_FIRST_PAUSE_SECONDS * (attempt + 1))
        raise ServiceUnavailable

    def split_post(self, partition: str) -> PostLayout:
        """Rewrite a post of the layout before the split (one item holding its body) as its head and
        body items, in one transaction conditioned on the head's revision, so that a concurrent
        update of the post is never undone. Idempotent: a post already split is left as it is.

        The post's layout before this call: OLD (it was rewritten), NEW or ABSENT (comments whose post
        is gone).
        """
        slug = slug_of(partition)
        for attempt in range(TRANSACTION_ATTEMPTS):
            with translated_errors():
                found = self._client.get_item(
                    TableName=self.table_name, Key=post_key(slug), ConsistentRead=True
                )
            head = found.get("Item")
            if head is None:
                return PostLayout.ABSENT
            if not is_post_head_of_old_layout(head):
                return PostLayout.NEW
            values = from_item(head)
            removal = {
                "Update": {
                    "TableName": self.table_name,
                    "Key": post_key(slug),
                    "UpdateExpression": f"REMOVE {', '.join(POST_BODY_ATTRIBUTES)}",
                    "ConditionExpression": "revision = :seen",
                    "ExpressionAttributeValues": to_item({":seen": values["revision"]}),
                }
            }
            body = post_body_item(slug, StoredPostBody.model_validate(values))
            split = [removal, {"Put": {"TableName": self.table_name, "Item": body}}]
            if run_transaction(self._client, split) is None:
                return PostLayout.OLD
            # An update changed the post since it was read, or another write on it won the race.
            self._pause(_FIRST_PAUSE_SECONDS * (attempt + 1))
        raise ServiceUnavailable

    def post_partitions(self) -> list[str]:
        """The partition keys of every post's item collection (`POST#<slug>`), sorted.

        A Scan that keeps only post and comment items and only their `pk`: an operator's backup,
        not a request path. A collection whose post item is gone is listed too.
        """
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": "pk",
            "FilterExpression": "begins_with(pk, :post)",
            "ExpressionAttributeValues": to_item({":post": POST_PK_PREFIX}),
        }
        return sorted({str(item["pk"]["S"]) for item in every_item(self._client.scan, request)})

    def collection(self, partition: str) -> Iterator[Item]:
        """Every item of one post's collection in key order: the post's head (`#POST`) and body
        (`#POST#BODY`, absent from a post of the layout before the split), then its comments in
        thread order. Strongly consistent."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": partition}),
            "ConsistentRead": True,
        }
        for item in every_item(self._client.query, request):
            if is_post_or_comment(key_of(item)):
                yield item
