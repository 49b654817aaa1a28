"""A reader's data by the keyed hash of their address: read from `ReaderData`, erased in transactions.

The erasure follows the moderation delete's rules (blog.store.moderation_writes): a comment with
replies by others stays as a tombstone, so its thread keeps its shape; one without is removed; the
post's `comment_count` and the parent's `reply_count` follow in the same transaction. It also
removes the reader's subscriptions and the duplicate guards and idempotency records its comments
name, and writes the suppression entry, so the address is never mailed again.

A transaction cannot read, and holds at most 100 items, each once. So the erasure plans from what
one Query read: the reader's comments deepest first, as many as surely fit in one transaction
(their posts' and parents' counts summed into one update each); a comment whose reply is erased
in the same transaction counts that reply as gone. Each comment is conditioned on the state it was
read in; when another write changed it meanwhile, the cancellation returns it as it is now and the
batch is planned again from that. What one transaction committed stays: an erasure stopped midway
is finished by running it again.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blog.ids import depth_of, parent_of
from blog.models import CommentStatus
from blog.store.failures import CONDITION_FAILED, cancellation_codes
from blog.store.keys import (
    COMMENT_SK_PREFIX,
    DUPLICATE_GUARD_SK,
    IDEMPOTENCY_SK,
    READER_DATA_INDEX,
    SUBSCRIPTION_SK_PREFIX,
    SUPPRESSED_SK,
    comment_key,
    counter_update,
    from_item,
    post_key,
    slug_of,
    subscription_key,
    suppression_key,
    to_item,
)
from blog.store.moderation_writes import tombstone_update
from blog.store.subscriptions import UNSUBSCRIBED
from blog.timestamps import format_timestamp

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit of items in one transaction."""
_PARTS_PER_COMMENT = 6
"""At most what one comment adds to a transaction: itself, its parent's and its post's counts, its
reply subscription, its duplicate guard and its idempotency record."""


@dataclass(frozen=True)
class ReaderItems:
    """Everything `ReaderData` holds under one address, in plain values, oldest first."""

    comments: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]
    suppression: dict[str, Any] | None


def reader_items_request(table: str, reader: str) -> dict[str, Any]:
    """The Query of everything stored under the `ReaderData` partition `reader`."""
    return {
        "TableName": table,
        "IndexName": READER_DATA_INDEX,
        "KeyConditionExpression": "reader_pk = :reader",
        "ExpressionAttributeValues": to_item({":reader": reader}),
    }


def sorted_reader_items(items: Iterable[Mapping[str, Any]]) -> ReaderItems:
    """The items of a reader's partition (DynamoDB's typed form), by kind."""
    comments, subscriptions, suppression = [], [], None
    for item in items:
        values = from_item(item)
        sort_key = str(values["sk"])
        if sort_key.startswith(COMMENT_SK_PREFIX):
            comments.append(values)
        elif sort_key.startswith(SUBSCRIPTION_SK_PREFIX):
            subscriptions.append(values)
        elif sort_key == SUPPRESSED_SK:
            suppression = values
    return ReaderItems(comments=comments, subscriptions=subscriptions, suppression=suppression)


@dataclass
class _Comment:
    """What decides how a reader's comment is erased."""

    slug: str
    id: str
    status: CommentStatus
    replies: int
    guard_pk: str | None
    idempotency_pk: str | None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> "_Comment":
        return cls(
            slug=slug_of(str(item["pk"])),
            id=str(item["id"]),
            status=CommentStatus(item["status"]),
            replies=int(item.get("reply_count", 0)),
            guard_pk=item.get("guard_pk"),
            idempotency_pk=item.get("idempotency_pk"),
        )

    @property
    def key(self) -> tuple[str, str]:
        return self.slug, self.id


@dataclass
class ErasureCounts:
    """What an erasure did."""

    comments_removed: int = 0
    comments_tombstoned: int = 0
    subscriptions_removed: int = 0
    duplicate_guards_removed: int = 0
    idempotency_records_removed: int = 0
    suppressed_now: bool = False


@dataclass(frozen=True)
class _Part:
    """One operation of a transaction, and what its condition stands for."""

    operation: dict[str, Any]
    comment: tuple[str, str] | None = None
    post: str | None = None
    parent: tuple[str, str] | None = None
    guard: tuple[str, tuple[str, ...]] | None = None
    """The duplicate guard deleted and the comments it was deleted for."""
    record: tuple[str, tuple[str, ...]] | None = None
    """The idempotency record deleted and the comments it was deleted for."""
    suppression: bool = False


@dataclass
class Batch:
    """One transaction of an erasure and what it does when it commits."""

    parts: list[_Part] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    decrements: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Replies this batch removes under comments of the reader that a later batch erases."""
    counts: ErasureCounts = field(default_factory=ErasureCounts)
    suppression: bool = False

    @property
    def operations(self) -> list[dict[str, Any]]:
        return [part.operation for part in self.parts]


class ReaderErasure:
    """The erasure of one reader's data, planned a transaction at a time from what was read."""

    def __init__(
        self, table: str, email_hash: str, reader: str, found: ReaderItems, *, now: datetime
    ) -> None:
        self._table = table
        self._email_hash = email_hash
        self._reader = reader
        self._now = now
        self._comments = {comment.key: comment for comment in map(_Comment.of, found.comments)}
        self._subscriptions = list(found.subscriptions)
        self._suppression_due = found.suppression is None
        self._suppression_unindexed = False
        """The entry exists without `reader_pk` (written before entries carried it): index it."""
        self._posts_gone: set[str] = set()
        self._parents_gone: set[tuple[str, str]] = set()
        self._guards_kept: set[tuple[str, str]] = set()
        """(guard, comment) pairs whose guard another comment holds now: not that comment's to delete."""
        self._records_kept: set[tuple[str, str]] = set()
        """(record, comment) pairs whose idempotency record is another submission's now."""
        self.counts = ErasureCounts()

    def next_batch(self) -> Batch | None:
        """The next transaction, or None when everything is erased."""
        if not (self._comments or self._subscriptions or self._suppression_due):
            return None
        batch = Batch()
        if self._suppression_due:
            batch.parts.append(_Part(self._suppression(), suppression=True))
            batch.suppression = True
        deepest_first = sorted(self._comments.values(), key=lambda c: (-depth_of(c.id), c.slug, c.id))
        room = (MAX_TRANSACTION_ITEMS - len(batch.parts)) // _PARTS_PER_COMMENT
        self._plan_comments(batch, deepest_first[:room])
        # A comment's subscription went with it; the others (of comments erased before) go now.
        gone_with_their_comments = {
            (key["pk"], key["sk"])
            for key in (from_item(subscription_key(*comment)) for comment in batch.comments)
        }
        room = MAX_TRANSACTION_ITEMS - len(batch.parts)
        for subscription in self._subscriptions:
            if (subscription["pk"], subscription["sk"]) in gone_with_their_comments:
                batch.subscriptions.append(subscription)
            elif room:
                key = to_item({"pk": subscription["pk"], "sk": subscription["sk"]})
                batch.parts.append(_Part({"Delete": {"TableName": self._table, "Key": key}}))
                batch.subscriptions.append(subscription)
                room -= 1
        batch.counts.subscriptions_removed = len(batch.subscriptions)
        return batch

    def _plan_comments(self, batch: Batch, chosen: Sequence[_Comment]) -> None:
        in_batch = {comment.key for comment in chosen}
        replies_removed: Counter[tuple[str, str]] = Counter()
        parents: Counter[tuple[str, str]] = Counter()
        posts: Counter[str] = Counter()
        guards: dict[str, list[str]] = {}
        records: dict[str, list[str]] = {}
        for comment in chosen:
            remaining = comment.replies - replies_removed[comment.key]
            batch.parts.append(_Part(self._comment_write(comment, remaining), comment=comment.key))
            batch.comments.append(comment.key)
            # Whether or not the index knows it (a subscription of an earlier release), as the
            # moderation delete does.
            subscription = {"TableName": self._table, "Key": subscription_key(comment.slug, comment.id)}
            batch.parts.append(_Part({"Delete": subscription}))
            if remaining:
                batch.counts.comments_tombstoned += 1
            else:
                batch.counts.comments_removed += 1
                parent_id = parent_of(comment.id)
                if parent_id is not None:
                    parent = (comment.slug, parent_id)
                    (replies_removed if parent in in_batch else parents)[parent] += 1
            if comment.status is CommentStatus.APPROVED and comment.slug not in self._posts_gone:
                posts[comment.slug] += 1
            if comment.guard_pk is not None and (comment.guard_pk, comment.id) not in self._guards_kept:
                guards.setdefault(comment.guard_pk, []).append(comment.id)
            if comment.idempotency_pk is not None and (
                (comment.idempotency_pk, comment.id) not in self._records_kept
            ):
                records.setdefault(comment.idempotency_pk, []).append(comment.id)
        for parent, removed in sorted(parents.items()):
            if parent in self._comments:
                batch.decrements[parent] = removed
            if parent not in self._parents_gone:
                update = counter_update(self._table, comment_key(*parent), "reply_count", -removed)
                batch.parts.append(_Part(update, parent=parent))
        for slug, removed in sorted(posts.items()):
            update = counter_update(self._table, post_key(slug), "comment_count", -removed)
            batch.parts.append(_Part(update, post=slug))
        for guard_pk, comment_ids in sorted(guards.items()):
            operation = self._owned_delete(guard_pk, DUPLICATE_GUARD_SK, comment_ids)
            batch.parts.append(_Part(operation, guard=(guard_pk, tuple(comment_ids))))
        for record_pk, comment_ids in sorted(records.items()):
            operation = self._owned_delete(record_pk, IDEMPOTENCY_SK, comment_ids, written_before=True)
            batch.parts.append(_Part(operation, record=(record_pk, tuple(comment_ids))))
        batch.counts.duplicate_guards_removed = len(guards)
        batch.counts.idempotency_records_removed = len(records)

    def _comment_write(self, comment: _Comment, remaining: int) -> dict[str, Any]:
        """The comment removed, or made a tombstone with `remaining` replies, on the condition that
        it is still as read and still the reader's."""
        condition = "#status = :seen AND reader_pk = :reader AND " + (
            "reply_count = :replies"
            if comment.replies
            else "(attribute_not_exists(reply_count) OR reply_count = :replies)"
        )
        common = {
            "TableName": self._table,
            "Key": comment_key(comment.slug, comment.id),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        values: dict[str, Any] = {
            ":seen": comment.status.value,
            ":reader": self._reader,
            ":replies": comment.replies,
        }
        if not remaining:
            return {"Delete": {**common, "ExpressionAttributeValues": to_item(values)}}
        assignments, removals, tombstone_values = tombstone_update(comment.id)
        return {
            "Update": {
                **common,
                "UpdateExpression": f"{assignments}, reply_count = :remaining REMOVE "
                f"{', '.join([*removals, 'guard_pk', 'idempotency_pk'])}",
                "ExpressionAttributeValues": to_item({**values, **tombstone_values, ":remaining": remaining}),
            }
        }

    def _owned_delete(
        self, pk: str, sk: str, comment_ids: Sequence[str], *, written_before: bool = False
    ) -> dict[str, Any]:
        """A duplicate guard or idempotency record removed if it still stands for one of these
        comments (or is gone); `written_before`: or it names no comment (an idempotency record
        written before records named theirs, which expires within a day)."""
        names = [f":comment{number}" for number in range(len(comment_ids))]
        condition = f"attribute_not_exists(pk) OR comment_id IN ({', '.join(names)})"
        if written_before:
            condition += " OR attribute_not_exists(comment_id)"
        return {
            "Delete": {
                "TableName": self._table,
                "Key": to_item({"pk": pk, "sk": sk}),
                "ConditionExpression": condition,
                "ExpressionAttributeValues": to_item(dict(zip(names, comment_ids, strict=True))),
            }
        }

    def _suppression(self) -> dict[str, Any]:
        """The suppression entry, written where there is none; one there already (a bounce, say)
        keeps its reason and time and is only given its place in `ReaderData`."""
        key = suppression_key(self._email_hash)
        if self._suppression_unindexed:
            update = {
                "UpdateExpression": "SET reader_pk = :reader",
                "ExpressionAttributeValues": to_item({":reader": self._reader}),
            }
            return {"Update": {"TableName": self._table, "Key": key, **update}}
        return {
            "Update": {
                "TableName": self._table,
                "Key": key,
                "UpdateExpression": "SET email_hash = :hash, reader_pk = :reader, reason = :reason, "
                "created_at = :now",
                "ConditionExpression": "attribute_not_exists(pk)",
                "ExpressionAttributeValues": to_item(
                    {
                        ":hash": self._email_hash,
                        ":reader": self._reader,
                        # It asked to hear nothing more.
                        ":reason": UNSUBSCRIBED,
                        ":now": format_timestamp(self._now),
                    }
                ),
            }
        }

    def committed(self, batch: Batch) -> None:
        """Take note of what a batch's transaction did."""
        for key in batch.comments:
            del self._comments[key]
        for parent, removed in batch.decrements.items():
            if parent in self._comments:
                self._comments[parent].replies -= removed
        done = {(s["pk"], s["sk"]) for s in batch.subscriptions}
        self._subscriptions = [s for s in self._subscriptions if (s["pk"], s["sk"]) not in done]
        if batch.suppression:
            self._suppression_due = False
            self.counts.suppressed_now = not self._suppression_unindexed
        for name in (
            "comments_removed",
            "comments_tombstoned",
            "subscriptions_removed",
            "duplicate_guards_removed",
            "idempotency_records_removed",
        ):
            setattr(self.counts, name, getattr(self.counts, name) + getattr(batch.counts, name))

    def cancelled(self, batch: Batch, reasons: Sequence[Mapping[str, Any]]) -> bool:
        """Learn from a cancelled batch what changed; False when nothing did (a race: try again)."""
        learned = False
        for part, code, reason in zip(batch.parts, cancellation_codes(reasons), reasons, strict=False):
            if code != CONDITION_FAILED:
                continue
            learned = True
            if part.comment is not None:
                now = from_item(reason.get("Item", {}))
                if now.get("reader_pk") == self._reader:
                    self._comments[part.comment] = _Comment.of(now)
                else:
                    # Gone, or no longer the reader's (a moderator's tombstone): nothing to erase.
                    del self._comments[part.comment]
            elif part.post is not None:
                self._posts_gone.add(part.post)
            elif part.parent is not None:
                self._parents_gone.add(part.parent)
            elif part.guard is not None:
                guard_pk, comment_ids = part.guard
                self._guards_kept.update((guard_pk, comment_id) for comment_id in comment_ids)
            elif part.record is not None:
                record_pk, comment_ids = part.record
                self._records_kept.update((record_pk, comment_id) for comment_id in comment_ids)
            elif part.suppression:
                self._suppression_unindexed = True
        return learned
