"""Moderation transactions: approve, spam and delete keep `comment_count` exact in one write.

A transaction cannot read, so each action is planned for the state the comment is usually in
(approve and spam: held for moderation; delete: published; no replies) and conditioned on it.
When the comment is in another state, the cancellation reasons return it as it is
(ReturnValuesOnConditionCheckFailure), and the action is planned again for that state: the common
case is one round trip, the rest two.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from blog.errors import CommentDeleted
from blog.ids import parent_of
from blog.models import CommentStatus, ModerationAction
from blog.store.keys import (
    COMMENT_INDEX_ATTRIBUTES,
    SUBSCRIPTION_EXPIRES,
    comment_index_attributes,
    comment_key,
    counter_update,
    post_key,
    subscription_key,
    to_item,
)


@dataclass(frozen=True)
class CommentState:
    """What decides how an action changes a comment and its post."""

    status: CommentStatus
    replies: int
    subscription_expires: bool = False
    """Held with a subscription that expires with it (keys.SUBSCRIPTION_EXPIRES): approving it keeps
    the subscription too."""
    subscription_gone: bool = False
    """That subscription is gone already (its TTL ran before the comment's)."""

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> "CommentState":
        return cls(
            status=CommentStatus(item["status"]),
            replies=int(item.get("reply_count", 0)),
            subscription_expires=bool(item.get(SUBSCRIPTION_EXPIRES, False)),
        )

    def without_subscription(self) -> "CommentState":
        """This state once the approval found the subscription gone."""
        return replace(self, subscription_gone=True)


def expected_state(action: ModerationAction) -> CommentState:
    """The state an action usually finds a comment in: approve and spam work the queue, delete
    removes what was published; both mostly unanswered."""
    usual = CommentStatus.APPROVED if action is ModerationAction.DELETE else CommentStatus.PENDING
    return CommentState(status=usual, replies=0)


_COUNTED = {CommentStatus.APPROVED}
_ENDS_THE_SUBSCRIPTION = {None, CommentStatus.DELETED, CommentStatus.SPAM}


def outcome(action: ModerationAction, state: CommentState) -> CommentStatus | None:
    """The comment's status after `action`, or None when the comment is removed altogether."""
    if state.status is CommentStatus.DELETED:
        if action is ModerationAction.DELETE:
            return CommentStatus.DELETED
        raise CommentDeleted
    if action is ModerationAction.APPROVE:
        return CommentStatus.APPROVED
    if action is ModerationAction.SPAM:
        return CommentStatus.SPAM
    # A comment with replies stays as a tombstone, so that the thread keeps its shape.
    return CommentStatus.DELETED if state.replies else None


def plan(
    table: str,
    slug: str,
    comment_id: str,
    action: ModerationAction,
    state: CommentState,
    *,
    spam_purged_at: int | None = None,
) -> list[dict[str, Any]]:
    """The transaction that applies `action` to a comment in `state`; empty when nothing changes.

    Spam is deleted by TTL at `spam_purged_at` (epoch seconds), unless replies hang from it: they
    keep their place in the thread.
    """
    after = outcome(action, state)
    if after is state.status:
        return []
    key = comment_key(slug, comment_id)
    condition = "#status = :expected AND " + (
        "reply_count = :replies"
        if state.replies
        else "(attribute_not_exists(reply_count) OR reply_count = :replies)"
    )
    guard: dict[str, Any] = {":expected": state.status.value, ":replies": state.replies}
    names = {"#status": "status"}
    keeps_subscription = after is CommentStatus.APPROVED
    if keeps_subscription:
        # Only a subscription that expires with the comment needs a write: the mark says which.
        if state.subscription_expires:
            condition += f" AND {SUBSCRIPTION_EXPIRES} = :expiring"
            guard[":expiring"] = True
        else:
            condition += f" AND attribute_not_exists({SUBSCRIPTION_EXPIRES})"
    operations: list[dict[str, Any]] = []
    if after is None:
        operations.append(
            {
                "Delete": {
                    "TableName": table,
                    "Key": key,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_item(guard),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        parent_id = parent_of(comment_id)
        if parent_id is not None:
            operations.append(counter_update(table, comment_key(slug, parent_id), "reply_count", -1))
    else:
        purged_at = spam_purged_at if after is CommentStatus.SPAM and not state.replies else None
        update, values = _becoming(comment_id, after, purged_at)
        if keeps_subscription and state.subscription_expires:
            update += f", {SUBSCRIPTION_EXPIRES}"
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_item({**guard, **values}),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
    count_change = (after in _COUNTED) - (state.status in _COUNTED)
    if count_change:
        operations.append(counter_update(table, post_key(slug), "comment_count", count_change))
    if keeps_subscription and state.subscription_expires and not state.subscription_gone:
        # Approved, the comment is kept: so is its subscription (a Remove-only update of an absent
        # item would make one, so the subscription must exist; table.moderate replans if not).
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": subscription_key(slug, comment_id),
                    "UpdateExpression": "REMOVE expires_at",
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        )
    if after in _ENDS_THE_SUBSCRIPTION:
        # Its address goes with the comment's: deleted now, or (spam) purged with it later.
        operations.append({"Delete": {"TableName": table, "Key": subscription_key(slug, comment_id)}})
    return operations


def subscription_kept_at(operations: list[dict[str, Any]]) -> int | None:
    """The position in a planned transaction of the write that keeps an approved comment's
    subscription, if it has one."""
    for position, operation in enumerate(operations):
        update = operation.get("Update", {})
        if update.get("UpdateExpression") == "REMOVE expires_at":
            return position
    return None


def tombstone_update(comment_id: str) -> tuple[str, list[str], dict[str, Any]]:
    """What makes a comment a tombstone, for a write that adds to it (a reader's erasure): the SET
    clause, the attributes removed and the values."""
    expression, values = _becoming(comment_id, CommentStatus.DELETED, None)
    assignments, removals = expression.split(" REMOVE ")
    return assignments, removals.split(", "), values


def _becoming(comment_id: str, status: CommentStatus, purged_at: int | None) -> tuple[str, dict[str, Any]]:
    """The update expression, and its values, that give a comment `status`: the index attributes of
    that status (blog.store.keys decides them, as for every write), the time TTL deletes it (spam
    only: a comment approved again must not vanish) and, for a tombstone, no words and no author.
    DynamoDB refuses values an expression does not use, so each comes with its use."""
    index = comment_index_attributes(comment_id, status)
    assignments = ["#status = :status", *(f"{name} = :{name}" for name in index)]
    values: dict[str, Any] = {":status": status.value, **{f":{name}": value for name, value in index.items()}}
    removals = [name for name in COMMENT_INDEX_ATTRIBUTES if name not in index]
    if purged_at is None:
        removals.append("expires_at")
    else:
        assignments.append("expires_at = :expires_at")
        values[":expires_at"] = purged_at
    if status is CommentStatus.DELETED:
        # A tombstone keeps its place in the thread and loses its words and its author, and with
        # the address its place among the reader's data (ReaderData).
        assignments += ["author_name = :empty", "content = :empty", "content_html = :empty"]
        values[":empty"] = ""
        removals += ["author_email", "author_url", "reader_pk"]
    return f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}", values
