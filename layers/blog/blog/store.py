"""Data access: the only module that talks to DynamoDB.

It owns the key design and turns DynamoDB's errors into domain errors. Every public method is one
round trip on the happy path.

Key design (one table):

| item | pk | sk | index attributes |
| --- | --- | --- | --- |
| post | `POST#<slug>` | `#POST` | `visible_sk`; if published: `published_pk`, `category_pk`, `published_at` |
| comment | `POST#<slug>` | `COMMENT#<id>` | `visible_sk` when public; `pending_pk`, `created_at` when held |
| rate-limit counter | `RATE#<client hash>#<window>` | `RATE` | `expires_at` (TTL) |
| duplicate guard | `DUPLICATE#<hash of post, author, text>` | `DUPLICATE` | |
| idempotency record | `IDEMPOTENCY#<hash of post, key>` | `IDEMPOTENCY` | `expires_at` (TTL) |

Comment ids carry their thread path (blog.ids), so `COMMENT#<id>` sorts in thread order, and the
sparse `Visible` index (the post and its public comments) reads a post with its first page of
comments in one Query.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from blog.cursor import Position
from blog.errors import (
    CommentsClosed,
    ContentTooLarge,
    DuplicateComment,
    IdempotencyKeyReused,
    ParentNotFound,
    PostNotFound,
    RateLimited,
    ServiceUnavailable,
)
from blog.models import CommentStatus, StoredComment, StoredPost, StoredPostSummary, ThreadState
from blog.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

POST_SK = "#POST"
COMMENT_SK_PREFIX = "COMMENT#"
PUBLISHED_PK = "PUBLISHED"
PENDING_PK = "PENDING"
VISIBLE_INDEX = "Visible"
PUBLISHED_INDEX = "PublishedPosts"
CATEGORY_INDEX = "PostsByCategory"

POST_LIST_POSITION = frozenset({"published_at", "slug"})
THREAD_POSITION = frozenset({"id"})

_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_TRANSACTION_ATTEMPTS = 3
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def post_pk(slug: str) -> str:
    return f"POST#{slug}"


def comment_sk(comment_id: str) -> str:
    return f"{COMMENT_SK_PREFIX}{comment_id}"


def category_pk(category: str) -> str:
    return f"CATEGORY#{category}"


def _to_item(values: Mapping[str, Any]) -> Item:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn DynamoDB's and the network's failures into domain errors."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        if code in _RETRYABLE_CODES:
            raise ServiceUnavailable from error
        if code == "ValidationException" and "size" in message.lower():
            raise ContentTooLarge from error
        raise
    except BotoCoreError as error:
        # Timeouts and connection errors, after botocore's own bounded retries.
        raise ServiceUnavailable from error


@dataclass(frozen=True)
class RateLimit:
    """The per-client counter a submission increments, and what to tell a client over the limit."""

    client: str
    window_start: int
    limit: int
    retry_after_seconds: int


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a submission with an Idempotency-Key records, so that a retry gets the same answer."""

    record_key: str
    request_fingerprint: str
    response_body: str
    expires_at: int


@dataclass(frozen=True)
class CommentSubmission:
    """Everything one comment's transaction writes and checks."""

    comment: StoredComment
    now: datetime
    oldest_open_publication: datetime | None
    rate_limit: RateLimit
    duplicate_key: str
    idempotency: IdempotencyRecord | None


@dataclass(frozen=True)
class Replay:
    """The first response to a request whose Idempotency-Key was seen before."""

    response_body: str


class BlogStore:
    """The blog's table, in the blog's terms."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def list_published(
        self, *, category: str | None, limit: int, after: Position | None, now: datetime
    ) -> tuple[list[StoredPostSummary], Position | None]:
        """Published posts, newest first, from a summaries index: the bodies are never read."""
        index, partition_name, partition = (
            (CATEGORY_INDEX, "category_pk", category_pk(category))
            if category is not None
            else (PUBLISHED_INDEX, "published_pk", PUBLISHED_PK)
        )
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#partition = :partition AND published_at <= :now",
            "ExpressionAttributeNames": {"#partition": partition_name},
            "ExpressionAttributeValues": _to_item({":partition": partition, ":now": format_timestamp(now)}),
            "ScanIndexForward": False,
            # One item more than the page tells whether another page exists.
            "Limit": limit + 1,
        }
        if after is not None:
            request["ExclusiveStartKey"] = _to_item(
                {
                    "pk": post_pk(after["slug"]),
                    "sk": POST_SK,
                    partition_name: partition,
                    "published_at": after["published_at"],
                }
            )
        with _translated_errors():
            response = self._client.query(**request)
        posts = [StoredPostSummary.model_validate(_from_item(item)) for item in response["Items"]]
        if len(posts) <= limit:
            return posts, None
        last = posts[limit - 1]
        assert last.published_at is not None
        return posts[:limit], {"published_at": format_timestamp(last.published_at), "slug": last.slug}

    def read_thread(
        self, slug: str, *, limit: int, after: Position | None
    ) -> tuple[StoredPost | None, list[StoredComment], Position | None]:
        """A page of a post's public comments in thread order.

        Without `after`, the page starts with the post item itself (None when there is no post), so
        the post and its first comments come from one Query.
        """
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": VISIBLE_INDEX,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": _to_item({":pk": post_pk(slug)}),
            "ConsistentRead": True,
            "Limit": limit + (1 if after else 2),
        }
        if after is not None:
            sk = comment_sk(after["id"])
            request["ExclusiveStartKey"] = _to_item({"pk": post_pk(slug), "sk": sk, "visible_sk": sk})
        with _translated_errors():
            response = self._client.query(**request)
        items = [_from_item(item) for item in response["Items"]]
        post = None
        if items and items[0]["sk"] == POST_SK:
            post = StoredPost.model_validate(items.pop(0))
        comments = [StoredComment.model_validate(item) for item in items]
        if len(comments) <= limit:
            return post, comments, None
        return post, comments[:limit], {"id": comments[limit - 1].id}

    def put_post(
        self, slug: str, fields: Mapping[str, Any], *, published_at: str | None, category: str, now: datetime
    ) -> tuple[StoredPost, bool]:
        """Create or update a post in one write; True when it was created.

        The comment count, the creation time and the moment a thread was closed survive updates.
        """
        now_text = format_timestamp(now)
        values: dict[str, Any] = {**fields, "slug": slug, "updated_at": now_text, "visible_sk": POST_SK}
        names = {f"#{name}": name for name in values}
        assignments = [f"#{name} = :{name}" for name in values]
        removals: list[str] = []
        expression_values: dict[str, Any] = {f":{name}": value for name, value in values.items()}
        expression_values.update({":now": now_text, ":zero": 0, ":one": 1})
        names.update(
            {"#created_at": "created_at", "#comment_count": "comment_count", "#revision": "revision"}
        )
        assignments += [
            "#created_at = if_not_exists(#created_at, :now)",
            "#comment_count = if_not_exists(#comment_count, :zero)",
        ]
        listing = {
            "published_at": published_at,
            "published_pk": PUBLISHED_PK,
            "category_pk": category_pk(category),
        }
        for name, value in listing.items():
            names[f"#{name}"] = name
            if published_at is None:
                removals.append(f"#{name}")
            else:
                assignments.append(f"#{name} = :{name}")
                expression_values[f":{name}"] = value
        names["#closed_at"] = "closed_at"
        if fields["comments_open"]:
            removals.append("#closed_at")
        else:
            assignments.append("#closed_at = if_not_exists(#closed_at, :now)")
        expression = f"SET {', '.join(assignments)} ADD #revision :one"
        if removals:
            expression += f" REMOVE {', '.join(removals)}"
        with _translated_errors():
            response = self._client.update_item(
                TableName=self._table,
                Key=_to_item({"pk": post_pk(slug), "sk": POST_SK}),
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_to_item(expression_values),
                ReturnValues="ALL_NEW",
            )
        post = StoredPost.model_validate(_from_item(response["Attributes"]))
        return post, post.revision == 1

    def set_comments_open(self, slug: str, *, comments_open: bool, now: datetime) -> ThreadState:
        """Close or reopen a post's thread in one conditional write; closing twice keeps the first time."""
        if comments_open:
            expression = "SET comments_open = :open REMOVE closed_at"
            values: dict[str, Any] = {":open": True}
        else:
            expression = "SET comments_open = :open, closed_at = if_not_exists(closed_at, :now)"
            values = {":open": False, ":now": format_timestamp(now)}
        try:
            with _translated_errors():
                response = self._client.update_item(
                    TableName=self._table,
                    Key=_to_item({"pk": post_pk(slug), "sk": POST_SK}),
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=_to_item(values),
                    ReturnValues="ALL_NEW",
                )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise PostNotFound from error
            raise
        post = _from_item(response["Attributes"])
        return ThreadState(slug=slug, comments_open=post["comments_open"], closed_at=post.get("closed_at"))

    def insert_comment(self, submission: CommentSubmission) -> Replay | None:
        """Write a comment in one transaction with every check it needs.

        The transaction holds the condition on the post (exists, published, open, within the age
        limit), the comment, the post's count of approved comments, the parent (an approved comment
        of the same post), the client's rate-limit counter, the duplicate guard and the idempotency
        record. Which check failed is read from the cancellation reasons, never from another read.
        Returns the first response when the Idempotency-Key was seen before with the same request.
        """
        operations = _CommentTransaction(self._table, submission)
        for attempt in range(_TRANSACTION_ATTEMPTS):
            try:
                with _translated_errors():
                    self._client.transact_write_items(
                        TransactItems=cast("list[TransactWriteItemTypeDef]", operations.items),
                        ClientRequestToken=str(uuid.uuid4()),
                    )
                return None
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                replay = operations.explain(error.response.get("CancellationReasons", []))
                if replay is not None:
                    return replay
            # Another write on the same post won the race; nothing was written, so try again.
            time.sleep(0.05 * (attempt + 1))
        raise ServiceUnavailable


class _CommentTransaction:
    """The operations of one comment's transaction and how to read their cancellation reasons."""

    def __init__(self, table: str, submission: CommentSubmission) -> None:
        self._submission = submission
        comment = submission.comment
        approved = comment.status is CommentStatus.APPROVED
        now = format_timestamp(submission.now)
        self.items: list[dict[str, Any]] = []

        post_condition = "attribute_exists(pk) AND published_at <= :now AND comments_open = :open"
        post_values: dict[str, Any] = {":now": now, ":open": True}
        if submission.oldest_open_publication is not None:
            post_condition += " AND published_at > :oldest"
            post_values[":oldest"] = format_timestamp(submission.oldest_open_publication)
        post_key = _to_item({"pk": post_pk(comment.post_slug), "sk": POST_SK})
        post_check: dict[str, Any] = {
            "TableName": table,
            "Key": post_key,
            "ConditionExpression": post_condition,
            "ExpressionAttributeValues": _to_item(post_values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if approved:
            post_check["UpdateExpression"] = "ADD comment_count :one"
            post_check["ExpressionAttributeValues"] = _to_item({**post_values, ":one": 1})
        self._post = self._add({"Update" if approved else "ConditionCheck": post_check})

        sk = comment_sk(comment.id)
        stored = comment.model_dump(mode="json")
        stored.update({"pk": post_pk(comment.post_slug), "sk": sk})
        if approved:
            stored["visible_sk"] = sk
        else:
            stored["pending_pk"] = PENDING_PK
        self._comment = self._add(
            {
                "Put": {
                    "TableName": table,
                    "Item": _to_item(stored),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

        self._parent: int | None = None
        parent_id = comment.id.rpartition(".")[0]
        if parent_id:
            self._parent = self._add(
                {
                    "Update": {
                        "TableName": table,
                        "Key": _to_item({"pk": post_pk(comment.post_slug), "sk": comment_sk(parent_id)}),
                        "UpdateExpression": "ADD reply_count :one",
                        "ConditionExpression": "#status = :approved",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": _to_item(
                            {":one": 1, ":approved": CommentStatus.APPROVED.value}
                        ),
                    }
                }
            )

        rate = submission.rate_limit
        self._rate = self._add(
            {
                "Update": {
                    "TableName": table,
                    "Key": _to_item({"pk": f"RATE#{rate.client}#{rate.window_start}", "sk": "RATE"}),
                    "UpdateExpression": "ADD hits :one SET expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
                    "ExpressionAttributeValues": _to_item(
                        {":one": 1, ":limit": rate.limit, ":expires": rate.window_start + 120}
                    ),
                }
            }
        )

        self._duplicate = self._add(
            {
                "Put": {
                    "TableName": table,
                    "Item": _to_item(
                        {
                            "pk": f"DUPLICATE#{submission.duplicate_key}",
                            "sk": "DUPLICATE",
                            "post_slug": comment.post_slug,
                            "comment_id": comment.id,
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

        self._idempotency: int | None = None
        record = submission.idempotency
        if record is not None:
            self._idempotency = self._add(
                {
                    "Put": {
                        "TableName": table,
                        "Item": _to_item(
                            {
                                "pk": f"IDEMPOTENCY#{record.record_key}",
                                "sk": "IDEMPOTENCY",
                                "request_fingerprint": record.request_fingerprint,
                                "response_body": record.response_body,
                                "expires_at": record.expires_at,
                            }
                        ),
                        # TTL deletes late, so an expired record counts as absent.
                        "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                        "ExpressionAttributeValues": _to_item({":now": int(submission.now.timestamp())}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )

    def _add(self, operation: dict[str, Any]) -> int:
        self.items.append(operation)
        return len(self.items) - 1

    def explain(self, reasons: Sequence[Mapping[str, Any]]) -> Replay | None:
        """Raise the domain error the cancellation reasons show, return a replay, or None to retry."""
        codes = [reason.get("Code", "None") for reason in reasons]

        def failed(index: int | None) -> bool:
            return index is not None and index < len(codes) and codes[index] == "ConditionalCheckFailed"

        if failed(self._idempotency):
            assert self._idempotency is not None
            assert self._submission.idempotency is not None
            seen = _from_item(reasons[self._idempotency].get("Item", {}))
            if seen.get("request_fingerprint") == self._submission.idempotency.request_fingerprint:
                return Replay(response_body=str(seen["response_body"]))
            raise IdempotencyKeyReused
        if failed(self._post):
            self._explain_post(_from_item(reasons[self._post].get("Item", {})))
        if failed(self._parent):
            raise ParentNotFound
        if failed(self._rate):
            raise RateLimited(self._submission.rate_limit.retry_after_seconds)
        if failed(self._duplicate):
            raise DuplicateComment
        if "TransactionConflict" in codes:
            return None
        # A comment id taken by another comment, or a failure DynamoDB did not name: retryable.
        raise ServiceUnavailable

    def _explain_post(self, post: Mapping[str, Any]) -> None:
        published_at = post.get("published_at")
        if not post or published_at is None or published_at > format_timestamp(self._submission.now):
            raise PostNotFound
        if not post.get("comments_open", False):
            raise CommentsClosed
        raise CommentsClosed(
            "Comments closed automatically: the post is past the age at which threads close."
        )


@cache
def _client() -> DynamoDBClient:
    import boto3
    from botocore.config import Config

    # Bounded retries and timeouts, so that a struggling DynamoDB ends in a 503 well inside the
    # function's timeout. The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when it is set.
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=1,
        read_timeout=2,
        tcp_keepalive=True,
    )
    return boto3.client("dynamodb", config=config)


def get_store() -> BlogStore:
    """The store of this process, its client made on first use (never at import)."""
    from blog.settings import get_settings

    return BlogStore(_client(), get_settings().table_name)
