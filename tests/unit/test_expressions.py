"""Every write and read the store plans names exactly the placeholders its expressions use.

DynamoDB refuses a request whose ExpressionAttributeValues or ExpressionAttributeNames hold one
its expressions do not use; moto does not check, so this does.
"""

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from blog.errors import CommentDeleted
from blog.models import CommentStatus, ModerationAction, StoredComment
from blog.store import BlogStore
from blog.store.keys import to_item
from blog.store.moderation_writes import CommentState, plan
from blog.store.submission import (
    CommentSubmission,
    CommentTransaction,
    DuplicateGuard,
    IdempotencyRecord,
    RateLimit,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
_PLACEHOLDER = re.compile(r"[:#][A-Za-z_][A-Za-z0-9_]*")


def unused_placeholders(request: dict[str, Any]) -> set[str]:
    expressions = " ".join(value for key, value in request.items() if key.endswith("Expression"))
    used = set(_PLACEHOLDER.findall(expressions))
    given = set(request.get("ExpressionAttributeValues", {})) | set(
        request.get("ExpressionAttributeNames", {})
    )
    return given - used


def parts(transaction: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [request for operation in transaction for request in operation.values()]


@pytest.mark.parametrize(
    ("action", "state"),
    list(
        itertools.product(
            ModerationAction,
            [CommentState(status, replies) for status in CommentStatus for replies in (0, 2)],
        )
    ),
)
def test_moderation_uses_every_value_it_gives(action, state):
    try:
        transaction = plan(
            "blog", "post", "01ABCDEFGHJKMNPQ.01ABCDEFGHJKMNPR", action, state, spam_purged_at=1
        )
    except CommentDeleted:  # a deleted comment cannot be approved or marked as spam
        return
    for request in parts(transaction):
        assert unused_placeholders(request) == set(), request


@pytest.mark.parametrize("status", list(CommentStatus))
@pytest.mark.parametrize("reply", [False, True])
@pytest.mark.parametrize("age_limit", [None, NOW - timedelta(days=30)])
@pytest.mark.parametrize(
    "guard",
    [None, DuplicateGuard(key="dup", expires_at=1), DuplicateGuard(key="dup", expires_at=1, held_by="01X")],
)
def test_a_comment_transaction_uses_every_value_it_gives(status, reply, age_limit, guard):
    comment_id = "01ABCDEFGHJKMNPQ.01ABCDEFGHJKMNPR" if reply else "01ABCDEFGHJKMNPQ"
    submission = CommentSubmission(
        comment=StoredComment(
            id=comment_id,
            post_slug="post",
            author_name="Ada",
            content="Hallo",
            content_html="<p>Hallo</p>",
            created_at=NOW,
            status=status,
        ),
        now=NOW,
        oldest_open_publication=age_limit,
        rate_limit=RateLimit(client="abc", window_start=0, limit=3, retry_after_seconds=10),
        duplicate_guard=guard,
        idempotency=IdempotencyRecord(
            record_key="k", request_fingerprint="f", response_body="{}", expires_at=1
        ),
        purge_at=1 if status is CommentStatus.SPAM else None,
    )

    for request in parts(CommentTransaction("blog", submission).items):
        assert unused_placeholders(request) == set(), request


HEAD = {
    "slug": "post", "title": "T", "excerpt": "E", "author": "A", "category": "K", "tags": [],
    "updated_at": "2026-05-01T12:00:00Z", "comment_count": 0, "comments_open": True,
    "created_at": "2026-05-01T12:00:00Z", "revision": 1,
}  # fmt: skip


class RecordingClient:
    """Stands for DynamoDB: records each request and answers with an empty result; with
    `post_exists`, a transaction that creates a post is cancelled as DynamoDB would."""

    def __init__(self, *, post_exists: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self._post_exists = post_exists

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"Attributes": to_item(HEAD)}

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        self.requests += parts(request["TransactItems"])
        creates = any("attribute_not_exists" in str(part) for part in request["TransactItems"])
        if self._post_exists and creates:
            reasons = [{"Code": "ConditionalCheckFailed", "Item": to_item(HEAD)}, {"Code": "None"}]
            error = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}
            raise ClientError(error, "TransactWriteItems")  # type: ignore[arg-type]
        return {}

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"Items": []}

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {}

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        return {"Responses": {}}


@pytest.mark.parametrize("post_exists", [False, True])
@pytest.mark.parametrize("published", [True, False])
@pytest.mark.parametrize("comments_open", [True, False])
def test_the_store_uses_every_value_it_gives(published, comments_open, post_exists):
    client = RecordingClient(post_exists=post_exists)
    store = BlogStore(client, "blog")  # type: ignore[arg-type]
    fields = {"title": "T", "content": "C", "content_html": "<p>C</p>", "excerpt": "E", "author": "A",
              "category": "K", "tags": [], "comments_open": comments_open}  # fmt: skip

    store.put_post("post", fields, published_at="2026-05-01T12:00:00Z" if published else None, now=NOW)
    for open_, only_if_open in ((True, False), (False, False), (False, True)):
        store.set_comments_open("post", comments_open=open_, now=NOW, only_if_open=only_if_open)
    store.list_published(category=None, limit=5, after=None, now=NOW)
    store.list_published(
        category="K", limit=5, after={"published_at": "2026-05-01T12:00:00Z", "slug": "p"}, now=NOW
    )
    store.read_thread("post", limit=5, after={"id": "01ABCDEFGHJKMNPQ"})
    store.read_comment_feed("post")
    store.list_pending(limit=5, after=None)
    list(store.open_threads_published_by(NOW))

    updates = [r for r in client.requests if r.get("ConditionExpression") == "#revision = :seen"]
    assert len(updates) == post_exists  # an existing post is updated by a second transaction
    for request in client.requests:
        assert unused_placeholders(request) == set(), request


def comment_update(transaction: list[dict[str, Any]]) -> dict[str, Any]:
    (update,) = [
        part["Update"] for part in transaction if "COMMENT#" in str(part.get("Update", {}).get("Key"))
    ]
    return update


def test_spam_is_set_to_expire_unless_replies_hang_from_it_and_anything_else_never_expires():
    def update(action, status, replies):
        transaction = plan(
            "blog",
            "post",
            "01ABCDEFGHJKMNPQ",
            action,
            CommentState(status, replies),
            spam_purged_at=1_800_000_000,
        )
        return comment_update(transaction)

    alone = update(ModerationAction.SPAM, CommentStatus.APPROVED, 0)
    answered = update(ModerationAction.SPAM, CommentStatus.APPROVED, 2)
    approved = update(ModerationAction.APPROVE, CommentStatus.SPAM, 0)

    assert "expires_at = :expires_at" in alone["UpdateExpression"]
    assert alone["ExpressionAttributeValues"][":expires_at"] == {"N": "1800000000"}
    assert "expires_at = " not in answered["UpdateExpression"]
    assert "expires_at" in answered["UpdateExpression"].split("REMOVE")[1]
    assert "expires_at" in approved["UpdateExpression"].split("REMOVE")[1]
