"""Deleting a post: its head marked first, every item of its collection removed, the head last.

The first write sets `deleting_since` on the head and removes `published_at` and every index key, so
that at once the post is gone from the public API, a comment's transaction (which checks the
publication) is refused, and a `PUT` of the slug (which reads the head) answers 409. That write is
the deletion's one event on the table's stream; the removals that follow are not events of their
own. Then the collection (`POST#<slug>`: the body, comments, subscriptions) is read a page at a time
and removed in batches, each comment's duplicate guard and idempotency record before the comment
that names them, so that an interrupted deletion leaves nothing a later one cannot find. The head
goes last: while it stands, the deletion can be resumed, by the job it handed the rest to or by
another DELETE.

Every run of a deletion carries the head's `deleting_since` and reads the head again before each
page: once another run has finished the deletion and the slug was given to a new post, the
collection `POST#<slug>` is that post's, and a run that went on would delete it.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from blog.store.failures import error_code, translated_errors
from blog.store.keys import (
    DUPLICATE_GUARD_SK,
    IDEMPOTENCY_SK,
    POST_INDEX_ATTRIBUTES,
    POST_SK,
    from_item,
    post_key,
    post_pk,
    to_item,
)
from blog.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BATCH_SIZE = 25
"""BatchWriteItem's limit of requests per call."""
PARALLEL_BATCHES = 4
"""Batches in flight at once: a deletion of thousands of items fits a function's timeout, and
stays well below what on-demand capacity absorbs without throttling."""
FIRST_RETRY_DELAY_SECONDS = 0.05
MAX_RETRY_DELAY_SECONDS = 1.0


def mark_deleting(client: "DynamoDBClient", table: str, slug: str, *, now: datetime) -> str | None:
    """The deletion's first write: `deleting_since` set, the publication and every index key removed.

    Only the first DELETE writes it (a post already being deleted, or none, is left as it is), so
    the stream carries one event per deleted post. The revision moves on, so that a `PUT` that read
    the head before this write fails its condition and reads it again. Returns the head's
    `deleting_since` (this write's, or that of the DELETE before), None when there is no post.
    """
    deleting_since = format_timestamp(now)
    # Out of every index, `Visible` too: the head is found by its key alone from now on.
    removed = ", ".join(["published_at", "visible_sk", *POST_INDEX_ATTRIBUTES])
    try:
        with translated_errors():
            client.update_item(
                TableName=table,
                Key=post_key(slug),
                UpdateExpression=f"SET deleting_since = :now REMOVE {removed} ADD revision :one",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(deleting_since)",
                ExpressionAttributeValues=to_item({":now": deleting_since, ":one": 1}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        # Only on ConditionalCheckFailed: the head as it was, absent when there is no post.
        old_head: Mapping[str, Any] = error.response.get("Item", {})  # type: ignore[assignment]
        return from_item(old_head).get("deleting_since")
    return deleting_since


def current_deletion(client: "DynamoDBClient", table: str, slug: str) -> str | None:
    """The `deleting_since` of the post's head, read consistently: None when there is no head or
    it is not being deleted."""
    with translated_errors():
        response = client.get_item(
            TableName=table, Key=post_key(slug), ProjectionExpression="deleting_since", ConsistentRead=True
        )
    return from_item(response.get("Item", {})).get("deleting_since")


def remove_collection(
    client: "DynamoDBClient", table: str, slug: str, *, deleting_since: str, deadline: float
) -> bool:
    """Remove every item of the post's collection but its head, and what its comments name, while
    the head is still marked `deleting_since`; False when `deadline` (time.monotonic()) came first,
    with the rest still there for another run. True when done, or when the head no longer carries
    that mark (another run finished this deletion: what is there now is not this run's to delete)."""
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND sk > :head",
        "ExpressionAttributeValues": to_item({":pk": post_pk(slug), ":head": POST_SK}),
        "ProjectionExpression": "pk, sk, guard_pk, idempotency_pk",
        "ConsistentRead": True,
    }
    with ThreadPoolExecutor(max_workers=PARALLEL_BATCHES) as executor:
        while True:
            if time.monotonic() >= deadline:
                return False
            with translated_errors():
                response = client.query(**request)
            # Read after the page, so that a page read after the slug was given anew is not deleted.
            if current_deletion(client, table, slug) != deleting_since:
                return True
            items = [from_item(item) for item in response["Items"]]
            # What a comment names goes first: once the comment is gone, nothing leads to it.
            for keys in (_named_records(items), [{"pk": item["pk"], "sk": item["sk"]} for item in items]):
                batches = [keys[start : start + BATCH_SIZE] for start in range(0, len(keys), BATCH_SIZE)]
                finished = executor.map(lambda batch: _delete_batch(client, table, batch, deadline), batches)
                if not all(list(finished)):
                    return False
            if "LastEvaluatedKey" not in response:
                return True
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def remove_head(client: "DynamoDBClient", table: str, slug: str, *, deleting_since: str) -> None:
    """The deletion's last write: the head, if this deletion's mark is still on it (not a post made
    since, nor the deletion of one)."""
    try:
        with translated_errors():
            client.delete_item(
                TableName=table,
                Key=post_key(slug),
                ConditionExpression="deleting_since = :since",
                ExpressionAttributeValues=to_item({":since": deleting_since}),
            )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise


def _named_records(items: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """The duplicate guards and idempotency records the comments among `items` name, each once
    (BatchWriteItem refuses a key twice in one call)."""
    keys = {(item["guard_pk"], DUPLICATE_GUARD_SK) for item in items if "guard_pk" in item}
    keys |= {(item["idempotency_pk"], IDEMPOTENCY_SK) for item in items if "idempotency_pk" in item}
    return [{"pk": pk, "sk": sk} for pk, sk in sorted(keys)]


def _delete_batch(
    client: "DynamoDBClient", table: str, keys: Sequence[dict[str, str]], deadline: float
) -> bool:
    """Delete up to 25 items, asking again with backoff for those DynamoDB leaves unprocessed
    (throttling); False when `deadline` comes first."""
    requests: list[Any] = [{"DeleteRequest": {"Key": to_item(key)}} for key in keys]
    delay = FIRST_RETRY_DELAY_SECONDS
    while requests:
        with translated_errors():
            response = client.batch_write_item(RequestItems={table: requests})
        requests = list((response.get("UnprocessedItems") or {}).get(table, []))
        if not requests:
            return True
        if time.monotonic() + delay >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_DELAY_SECONDS)
    return True
