"""Which stream records mean which events (blog.stream_events), on records as Lambda hands them over."""

from datetime import UTC, datetime, timedelta

from blog.stream_events import CommentEvent, EventType, PostEvent, SubscriptionCreated, events_of
from tests.stream_records import COMMENT, HEAD, SUBSCRIPTION, TTL, approved, record

NOW = datetime.now(UTC)


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def types(change: dict) -> list[str]:
    return [event.type for event in events_of(change) if isinstance(event, CommentEvent | PostEvent)]


def test_a_comment_public_at_once_is_created_and_approved_a_held_one_only_created():
    assert types(record(None, approved)) == [EventType.COMMENT_CREATED, EventType.COMMENT_APPROVED]
    assert types(record(None, COMMENT)) == [EventType.COMMENT_CREATED]


def test_approval_later_is_an_event_and_so_is_a_tombstone():
    assert types(record(COMMENT, approved)) == [EventType.COMMENT_APPROVED]
    assert types(record(approved, {**approved, "status": "deleted"})) == [EventType.COMMENT_DELETED]
    assert types(record({**approved, "status": "deleted"}, {**approved, "status": "deleted"})) == []


def test_an_approved_comment_marked_as_spam_is_deleted_in_public_a_held_one_is_no_event():
    assert types(record(approved, {**approved, "status": "spam"})) == [EventType.COMMENT_DELETED]
    assert types(record(COMMENT, {**COMMENT, "status": "spam"})) == []


def test_approved_again_after_spam_is_an_event_of_its_own():
    first = events_of(record(COMMENT, approved))[0]
    later = record({**approved, "status": "spam"}, approved)
    later["dynamodb"]["ApproximateCreationDateTime"] += 60
    (again,) = events_of(later)

    assert isinstance(first, CommentEvent)
    assert isinstance(again, CommentEvent)
    assert again.type is EventType.COMMENT_APPROVED
    assert first.key != again.key


def test_spam_is_never_deleted_in_public_and_ttl_removes_nothing_that_counts():
    assert types(record({**COMMENT, "status": "spam"}, None)) == []
    assert types(record(approved, None, **TTL)) == []
    (removed,) = events_of(record(approved, None))
    assert isinstance(removed, CommentEvent)
    assert removed.removed  # whether it counts depends on the post (the notifier reads it)


def test_a_post_is_published_when_its_time_has_come_not_before_and_not_twice():
    scheduled = {**HEAD, "published_at": at(NOW + timedelta(hours=1))}
    public = {**HEAD, "published_at": at(NOW - timedelta(minutes=1))}

    assert types(record(None, scheduled)) == []
    assert types(record(None, public)) == [EventType.POST_PUBLISHED]
    assert types(record(scheduled, public)) == [EventType.POST_PUBLISHED]
    assert types(record(public, {**public, "title": "Neu"})) == []
    assert types(record({**HEAD, "published_at": None}, public)) == [EventType.POST_PUBLISHED]


def test_the_same_publication_has_one_key_whichever_record_tells_of_it():
    public = {**HEAD, "published_at": at(NOW - timedelta(minutes=1))}
    (first,) = events_of(record(None, public))
    (again,) = events_of(record({**HEAD, "published_at": at(NOW + timedelta(days=1))}, public))

    assert isinstance(first, PostEvent)
    assert isinstance(again, PostEvent)
    assert first.key == again.key


def test_threads_close_and_reopen():
    closed = {**HEAD, "comments_open": False, "closed_at": at(NOW)}

    assert types(record(HEAD, closed)) == [EventType.THREAD_CLOSED]
    assert types(record(closed, HEAD)) == [EventType.THREAD_REOPENED]
    assert types(record(None, {**closed, "published_at": at(NOW + timedelta(days=1))})) == []


def test_a_post_deletion_is_one_event_at_its_first_write():
    deleting = {**HEAD, "deleting_since": at(NOW), "published_at": None, "comments_open": False}
    deleting = {name: value for name, value in deleting.items() if value is not None}

    assert types(record(HEAD, deleting)) == [EventType.POST_DELETED]
    assert types(record(deleting, {**deleting, "comment_count": 0})) == []
    assert types(record(deleting, None)) == []


def test_a_new_unconfirmed_subscription_asks_for_confirmation_and_nothing_else_does():
    (created,) = events_of(record(None, SUBSCRIPTION))

    assert isinstance(created, SubscriptionCreated)
    assert created.subscription.email == "a@example.org"
    assert events_of(record(SUBSCRIPTION, {**SUBSCRIPTION, "confirmed": True})) == []
    assert events_of(record(None, {**SUBSCRIPTION, "confirmed": True})) == []


def test_a_post_never_public_closes_reopens_and_is_deleted_in_silence():
    for unpublished in (at(NOW + timedelta(days=1)), None):
        draft = {**HEAD, "published_at": unpublished}
        draft = {name: value for name, value in draft.items() if value is not None}
        closed = {**draft, "comments_open": False, "closed_at": at(NOW)}
        deleting = {**closed, "deleting_since": at(NOW)}

        assert types(record(draft, closed)) == []
        assert types(record(closed, draft)) == []
        assert types(record(draft, deleting)) == []
