"""A comment's transaction: what it writes, what it checks, and how to read why it failed."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blog.errors import (
    CommentsClosed,
    DuplicateComment,
    IdempotencyKeyReused,
    ParentNotFound,
    PostNotFound,
    RateLimited,
    ServiceUnavailable,
)
from blog.ids import parent_of
from blog.models import CommentStatus, StoredComment
from blog.store.failures import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes
from blog.store.keys import (
    comment_item,
    comment_key,
    duplicate_guard_pk,
    from_item,
    idempotency_record_pk,
    post_key,
    subscription_item,
    to_item,
)
from blog.timestamps import format_timestamp


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
class DuplicateGuard:
    """The item that refuses the same text by the same author on the same post, for a while.

    A guard stands for its comment: once that comment is deleted or marked as spam, the guard no
    longer refuses anything. A transaction cannot read, so the submission that meets a guard learns
    its comment from the cancellation (`held_by`) and tries again, checking that comment.
    """

    key: str
    expires_at: int
    held_by: str | None = None
    """The comment a guard found by an earlier attempt stands for."""


@dataclass(frozen=True)
class ReplySubscription:
    """The author's wish to be mailed about replies: written with the comment, unconfirmed."""

    email: str
    email_hash: str


@dataclass(frozen=True)
class CommentSubmission:
    """Everything one comment's transaction writes and checks."""

    comment: StoredComment
    now: datetime
    oldest_open_publication: datetime | None
    rate_limit: RateLimit
    duplicate_guard: DuplicateGuard | None
    """None for spam: a bot must not block a person's comment by sending it first."""
    idempotency: IdempotencyRecord | None
    purge_at: int | None = None
    """When the comment is removed (TTL), with its email address: set for spam and held comments."""
    reader: str | None = None
    """The comment's `ReaderData` partition (blog.store.keys.reader_pk): set when it has an email."""
    subscription: ReplySubscription | None = None
    """None for spam, and when the author did not ask to be told of replies."""


def _pk_of(record: DuplicateGuard | IdempotencyRecord | None) -> str | None:
    """The key a comment keeps of its duplicate guard or idempotency record (None: it has none)."""
    if record is None:
        return None
    if isinstance(record, DuplicateGuard):
        return duplicate_guard_pk(record.key)
    return idempotency_record_pk(record.record_key)


@dataclass(frozen=True)
class GuardHeld:
    """The duplicate guard of another comment refused the submission: try again, checking that one."""

    comment_id: str


@dataclass(frozen=True)
class Replay:
    """The first response to a request whose Idempotency-Key was seen before."""

    response_body: str


class CommentTransaction:
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
        post_check: dict[str, Any] = {
            "TableName": table,
            "Key": post_key(comment.post_slug),
            "ConditionExpression": post_condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if approved:
            post_check["UpdateExpression"] = "ADD comment_count :one"
            post_values[":one"] = 1
        post_check["ExpressionAttributeValues"] = to_item(post_values)
        self._post = self._add({"Update" if approved else "ConditionCheck": post_check})

        self._comment = self._add(
            {
                "Put": {
                    "TableName": table,
                    "Item": comment_item(
                        comment,
                        expires_at=submission.purge_at,
                        guard_pk=_pk_of(submission.duplicate_guard),
                        idempotency_pk=_pk_of(submission.idempotency),
                        reader=submission.reader,
                        subscription_expires=submission.subscription is not None
                        and submission.purge_at is not None,
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

        if submission.subscription is not None:
            # Its key is new with the comment's id, which the comment's own Put keeps unique.
            self._add(
                {
                    "Put": {
                        "TableName": table,
                        "Item": subscription_item(
                            comment.post_slug,
                            comment.id,
                            email=submission.subscription.email,
                            email_hash=submission.subscription.email_hash,
                            created_at=now,
                            expires_at=submission.purge_at,
                        ),
                    }
                }
            )

        self._parent: int | None = None
        parent_id = parent_of(comment.id)
        if parent_id is not None:
            self._parent = self._add(
                {
                    "Update": {
                        "TableName": table,
                        "Key": comment_key(comment.post_slug, parent_id),
                        "UpdateExpression": "ADD reply_count :one",
                        "ConditionExpression": "#status = :approved",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
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
                    "Key": to_item({"pk": f"RATE#{rate.client}#{rate.window_start}", "sk": "RATE"}),
                    "UpdateExpression": "ADD hits :one SET expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(hits) OR hits < :limit",
                    "ExpressionAttributeValues": to_item(
                        {":one": 1, ":limit": rate.limit, ":expires": rate.window_start + 120}
                    ),
                }
            }
        )

        self._duplicate: int | None = None
        self._held_by: int | None = None
        guard = submission.duplicate_guard
        if guard is not None:
            self._add_duplicate_guard(table, guard, epoch_now=int(submission.now.timestamp()))

        self._idempotency: int | None = None
        record = submission.idempotency
        if record is not None:
            self._idempotency = self._add(
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_item(
                            {
                                "pk": idempotency_record_pk(record.record_key),
                                "sk": "IDEMPOTENCY",
                                # Whose record it is: after it expired, the key may be another
                                # submission's, which erasing this comment must leave alone.
                                "comment_id": comment.id,
                                "request_fingerprint": record.request_fingerprint,
                                "response_body": record.response_body,
                                "expires_at": record.expires_at,
                            }
                        ),
                        # TTL deletes late, so an expired record counts as absent.
                        "ConditionExpression": "attribute_not_exists(pk) OR expires_at < :now",
                        "ExpressionAttributeValues": to_item({":now": int(submission.now.timestamp())}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )

    def _add_duplicate_guard(self, table: str, guard: DuplicateGuard, *, epoch_now: int) -> None:
        comment = self._submission.comment
        # TTL deletes late, so an expired guard counts as absent.
        condition = "attribute_not_exists(pk) OR expires_at < :now"
        values: dict[str, Any] = {":now": epoch_now}
        if guard.held_by is not None:
            # The guard found before may be taken over if its comment is gone or was marked as spam.
            condition += " OR comment_id = :held_by"
            values[":held_by"] = guard.held_by
            self._held_by = self._add(
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": comment_key(comment.post_slug, guard.held_by),
                        "ConditionExpression": "attribute_not_exists(pk) OR #status IN (:spam, :deleted)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": to_item(
                            {":spam": CommentStatus.SPAM.value, ":deleted": CommentStatus.DELETED.value}
                        ),
                    }
                }
            )
        self._duplicate = self._add(
            {
                "Put": {
                    "TableName": table,
                    "Item": to_item(
                        {
                            "pk": duplicate_guard_pk(guard.key),
                            "sk": "DUPLICATE",
                            "post_slug": comment.post_slug,
                            "comment_id": comment.id,
                            "expires_at": guard.expires_at,
                        }
                    ),
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": to_item(values),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )

    def _add(self, operation: dict[str, Any]) -> int:
        self.items.append(operation)
        return len(self.items) - 1

    def explain(self, reasons: Sequence[Mapping[str, Any]]) -> Replay | GuardHeld | None:
        """Raise the domain error the cancellation reasons show; return a replay, the comment whose
        duplicate guard must be checked, or None to retry."""
        codes = cancellation_codes(reasons)

        def failed(index: int | None) -> bool:
            return index is not None and index < len(codes) and codes[index] == CONDITION_FAILED

        if failed(self._idempotency):
            assert self._idempotency is not None
            assert self._submission.idempotency is not None
            seen = from_item(reasons[self._idempotency].get("Item", {}))
            if seen.get("request_fingerprint") == self._submission.idempotency.request_fingerprint:
                return Replay(response_body=str(seen["response_body"]))
            raise IdempotencyKeyReused
        if failed(self._post):
            self._explain_post(from_item(reasons[self._post].get("Item", {})))
        if failed(self._parent):
            raise ParentNotFound
        if failed(self._rate):
            raise RateLimited(self._submission.rate_limit.retry_after_seconds)
        if failed(self._held_by):
            raise DuplicateComment
        if failed(self._duplicate):
            assert self._duplicate is not None
            held_by = from_item(reasons[self._duplicate].get("Item", {})).get("comment_id")
            guard = self._submission.duplicate_guard
            # The parent this reply answers must be approved, so a guard it holds still refuses
            # (and one transaction cannot both count a reply on it and check it).
            parent_id = parent_of(self._submission.comment.id)
            if held_by is None or held_by in (parent_id, guard.held_by if guard else None):
                raise DuplicateComment
            return GuardHeld(str(held_by))
        if TRANSACTION_CONFLICT in codes:
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
