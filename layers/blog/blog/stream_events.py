"""Which records of the table's stream mean which of the blog's events.

A record is one item's change (INSERT, MODIFY, REMOVE) with its old and new images. The events:

- a comment item inserted: `comment.created` (any status), and `comment.approved` when it is
  public at once;
- a comment's status going from held (or spam) to approved: `comment.approved`;
- a comment becoming a tombstone, or removed by a write: `comment.deleted`, unless it was spam
  (never public) or its post is being deleted (the post's own event says it; the notifier checks);
  an approved comment marked as spam: `comment.deleted` too (it is no longer public);
  DynamoDB's TTL removing an item is no event at all;
- a post's head: `post.published` when its publication time has come (a scheduled post's time
  comes later: blog.notifying's scheduled job), `thread.closed` and `thread.reopened` when
  `comments_open` flips, `post.deleted` when `deleting_since` appears (the one event of a deletion);
  the last three only for a post that was public at the record's time (a draft's or a scheduled
  post's slug is told to no one);
- a subscription inserted unconfirmed: its confirmation mail.

template.yaml's filter (NotifyFunction, TableStream) passes only records that may be one of these;
this module decides, so that a wider filter never sends anything it should not.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from blog.models import CommentStatus, StoredComment, StoredPostSummary
from blog.store.keys import COMMENT_SK_PREFIX, POST_SK, SUBSCRIPTION_SK_PREFIX, from_item
from blog.store.notifications import Subscription, subscription_of

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
"""The principal of the removals DynamoDB's TTL makes (the record's userIdentity)."""


class EventType(StrEnum):
    """The webhook's event types."""

    COMMENT_CREATED = "comment.created"
    COMMENT_APPROVED = "comment.approved"
    COMMENT_DELETED = "comment.deleted"
    THREAD_CLOSED = "thread.closed"
    THREAD_REOPENED = "thread.reopened"
    POST_PUBLISHED = "post.published"
    POST_DELETED = "post.deleted"


@dataclass(frozen=True)
class CommentEvent:
    """Something happened to a comment (created, approved, deleted)."""

    type: EventType
    comment: StoredComment
    at: datetime
    removed: bool = False
    """The item is gone (REMOVE): whether that is an event depends on its post still standing."""

    @property
    def key(self) -> str:
        """The same for every delivery and retry of the record that tells of this happening; the
        record's time tells it from the same type again (approved, marked as spam, approved again)."""
        moment = int(self.at.timestamp() * 1000)
        return f"{self.type}#{self.comment.post_slug}#{self.comment.id}#{moment}"


@dataclass(frozen=True)
class PostEvent:
    """Something happened to a post or its thread."""

    type: EventType
    slug: str
    at: datetime
    moment: str
    """What tells this happening from another of the same type on the same post (its publication
    time, the moment its thread closed or its deletion began, the stream record's id)."""
    post: StoredPostSummary | None = None
    """The post's public summary, for `post.published`."""

    @property
    def key(self) -> str:
        return f"{self.type}#{self.slug}#{self.moment}"


@dataclass(frozen=True)
class SubscriptionCreated:
    """A reader asked for reply notifications: they get the confirmation mail (double opt-in)."""

    subscription: Subscription
    at: datetime


StreamEvent = CommentEvent | PostEvent | SubscriptionCreated


def record_time(record: Mapping[str, Any]) -> datetime:
    """When the change was made (ApproximateCreationDateTime, in seconds)."""
    return datetime.fromtimestamp(float(record["dynamodb"]["ApproximateCreationDateTime"]), UTC)


def is_ttl_removal(record: Mapping[str, Any]) -> bool:
    """Whether DynamoDB's TTL removed the item (no one did: no event)."""
    identity = record.get("userIdentity") or {}
    return identity.get("type") == "Service" and identity.get("principalId") == TTL_PRINCIPAL


def events_of(record: Mapping[str, Any]) -> list[StreamEvent]:
    """The events one stream record (Lambda's form, typed images) means; most mean none."""
    change = record["dynamodb"]
    sort_key = str(change["Keys"]["sk"]["S"])
    old = from_item(change.get("OldImage", {}))
    new = from_item(change.get("NewImage", {}))
    at = record_time(record)
    if sort_key.startswith(COMMENT_SK_PREFIX):
        return [] if is_ttl_removal(record) else _comment_events(old, new, at)
    if sort_key == POST_SK and new:
        return _post_events(old, new, at, str(record.get("eventID", "")))
    if sort_key.startswith(SUBSCRIPTION_SK_PREFIX) and new and not old and not new.get("confirmed"):
        return [SubscriptionCreated(subscription_of(new), at)]
    return []


def _comment_events(old: dict[str, Any], new: dict[str, Any], at: datetime) -> list[StreamEvent]:
    if not old:
        comment = StoredComment.model_validate(new)
        created = CommentEvent(EventType.COMMENT_CREATED, comment, at)
        if comment.status is CommentStatus.APPROVED:
            return [created, CommentEvent(EventType.COMMENT_APPROVED, comment, at)]
        return [created]
    was = CommentStatus(old["status"])
    if not new:
        if was is CommentStatus.SPAM:
            return []  # never public
        return [CommentEvent(EventType.COMMENT_DELETED, StoredComment.model_validate(old), at, removed=True)]
    comment = StoredComment.model_validate(new)
    if comment.status is CommentStatus.APPROVED and was in (CommentStatus.PENDING, CommentStatus.SPAM):
        return [CommentEvent(EventType.COMMENT_APPROVED, comment, at)]
    if comment.status is CommentStatus.DELETED and was is not CommentStatus.DELETED:
        return [CommentEvent(EventType.COMMENT_DELETED, comment, at)]
    if comment.status is CommentStatus.SPAM and was is CommentStatus.APPROVED:
        return [CommentEvent(EventType.COMMENT_DELETED, comment, at)]  # public no more
    return []  # a reply counted, an edit: nothing to tell


def _is_public_at(head: Mapping[str, Any], moment: datetime) -> bool:
    published_at = head.get("published_at")
    return (
        published_at is not None
        and "deleting_since" not in head
        and datetime.fromisoformat(str(published_at)) <= moment
    )


def _post_events(old: dict[str, Any], new: dict[str, Any], at: datetime, record_id: str) -> list[StreamEvent]:
    slug = str(new["slug"])
    was_public = bool(old) and _is_public_at(old, at)
    if "deleting_since" in new:
        if "deleting_since" in old or not was_public:
            return []
        return [PostEvent(EventType.POST_DELETED, slug, at, str(new["deleting_since"]))]
    events: list[StreamEvent] = []
    if _is_public_at(new, at) and not was_public:
        post = StoredPostSummary.model_validate(new)
        events.append(PostEvent(EventType.POST_PUBLISHED, slug, at, str(new["published_at"]), post))
    if not (was_public or _is_public_at(new, at)):
        return events
    if old and old.get("comments_open") is True and new.get("comments_open") is False:
        events.append(PostEvent(EventType.THREAD_CLOSED, slug, at, str(new.get("closed_at", record_id))))
    if old and old.get("comments_open") is False and new.get("comments_open") is True:
        events.append(PostEvent(EventType.THREAD_REOPENED, slug, at, record_id))
    return events
