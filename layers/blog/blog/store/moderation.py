"""Moderation transactions: approve, spam and delete keep `comment_count` exact in one write.

A transaction cannot read, so each action is planned for the state the comment is usually in
(approve and spam: held for moderation; delete: published; no replies) and conditioned on it.
When the comment is in another state, the cancellation reasons return it as it is
(ReturnValuesOnConditionCheckFailure), and the action is planned again for that state: the common
case is one round trip, the rest two.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from blog.errors import CommentDeleted
from blog.ids import parent_of
from blog.models import CommentStatus
from blog.store.keys import comment_key, comment_sk, counter_update, post_key, to_item


class Action(StrEnum):
    APPROVE = "approve"
    SPAM = "spam"
    DELETE = "delete"


@dataclass(frozen=True)
class CommentState:
    """What decides how an action changes a comment and its post."""

    status: CommentStatus
    replies: int

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> "CommentState":
        return cls(status=CommentStatus(item["status"]), replies=int(item.get("reply_count", 0)))


def expected_state(action: Action) -> CommentState:
    """The state an action usually finds a comment in: approve and spam work the queue, delete
    removes what was published; both mostly unanswered."""
    usual = CommentStatus.APPROVED if action is Action.DELETE else CommentStatus.PENDING
    return CommentState(status=usual, replies=0)


_COUNTED = {CommentStatus.APPROVED}


def outcome(action: Action, state: CommentState) -> CommentStatus | None:
    """The comment's status after `action`, or None when the comment is removed altogether."""
    if state.status is CommentStatus.DELETED:
        if action is Action.DELETE:
            return CommentStatus.DELETED
        raise CommentDeleted
    if action is Action.APPROVE:
        return CommentStatus.APPROVED
    if action is Action.SPAM:
        return CommentStatus.SPAM
    # A comment with replies stays as a tombstone, so that the thread keeps its shape.
    return CommentStatus.DELETED if state.replies else None


def plan(table: str, slug: str, comment_id: str, action: Action, state: CommentState) -> list[dict[str, Any]]:
    """The transaction that applies `action` to a comment in `state`; empty when nothing changes."""
    after = outcome(action, state)
    if after is state.status:
        return []
    key = comment_key(slug, comment_id)
    condition = "#status = :expected AND " + (
        "reply_count = :replies"
        if state.replies
        else "(attribute_not_exists(reply_count) OR reply_count = :replies)"
    )
    guard = {":expected": state.status.value, ":replies": state.replies}
    names = {"#status": "status"}
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
        operations.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": _becoming(after),
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": to_item(
                        {**guard, ":status": after.value, ":visible": comment_sk(comment_id), ":empty": ""}
                        if after is not CommentStatus.SPAM
                        else {**guard, ":status": after.value}
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
    count_change = (after in _COUNTED) - (state.status in _COUNTED)
    if count_change:
        operations.append(counter_update(table, post_key(slug), "comment_count", count_change))
    return operations


def _becoming(status: CommentStatus) -> str:
    if status is CommentStatus.APPROVED:
        return "SET #status = :status, visible_sk = :visible REMOVE pending_pk"
    if status is CommentStatus.SPAM:
        return "SET #status = :status REMOVE visible_sk, pending_pk"
    # A tombstone keeps its place in the thread and loses its words and its author.
    return (
        "SET #status = :status, visible_sk = :visible, author_name = :empty, content = :empty, "
        "content_html = :empty REMOVE pending_pk, author_email, author_url"
    )
