"""A reader's data on request (GDPR Art. 15 and 17): everything stored under an email address,
found by its keyed hash in one Query (the `ReaderData` index), exported or erased."""

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from blog import rules
from blog.ids import parent_of
from blog.keys import email_hash
from blog.models import (
    CommentStatus,
    ExpiringRecord,
    ReaderComment,
    ReaderData,
    ReaderErasure,
    ReaderSubscription,
    ReaderSuppression,
    TtlRecord,
)
from blog.store import BlogStore
from blog.store.keys import reader_pk, slug_of


def export_reader_data(store: BlogStore, address: str) -> ReaderData:
    """Everything the blog stores under `address`, oldest first: comments (with their post and
    status, as written), subscriptions, and whether the address is suppressed."""
    found = store.reader_items(reader_pk(email_hash(address)))
    return ReaderData(
        email=address,
        comments=[
            ReaderComment.model_validate(
                {**item, "post_slug": slug_of(str(item["pk"])), "parent_id": parent_of(str(item["id"]))}
            )
            for item in found.comments
        ],
        subscriptions=[
            ReaderSubscription.model_validate(
                {**item, "post_slug": item.get("post_slug", slug_of(str(item["pk"])))}
            )
            for item in found.subscriptions
        ],
        suppression=None
        if found.suppression is None
        else ReaderSuppression.model_validate(found.suppression),
    )


def forget_reader(store: BlogStore, address: str, *, now: datetime) -> ReaderErasure:
    """Erase what the blog stores under `address` and keep it from being mailed again.

    Comments lose name, email, URL and text: removed where no one replied, a tombstone where
    others did (threads keep their shape, counts stay exact). Subscriptions go, and the duplicate
    guards and idempotency records the comments name. The suppression entry (the address's keyed
    hash only) stays. Running it again finds nothing more to erase.
    """
    hashed = email_hash(address)
    reader = reader_pk(hashed)
    found = store.reader_items(reader)
    expiring = sorted(_expiring_records(found.comments, now), key=lambda r: (r.expires_at, r.comment_id))
    counts = store.erase_reader(hashed, reader, found, now=now)
    return ReaderErasure(
        comments_removed=counts.comments_removed,
        comments_tombstoned=counts.comments_tombstoned,
        subscriptions_removed=counts.subscriptions_removed,
        duplicate_guards_removed=counts.duplicate_guards_removed,
        idempotency_records_removed=counts.idempotency_records_removed,
        suppressed_now=counts.suppressed_now,
        expiring=expiring,
    )


def _expiring_records(comments: list[dict[str, Any]], now: datetime) -> Iterator[ExpiringRecord]:
    """The records of comments that do not name them (written before comments carried `guard_pk`
    and `idempotency_pk`), which may still exist until their TTL: a duplicate guard for a comment
    that was not spam, an idempotency record if it was sent with an Idempotency-Key (which such a
    comment does not tell: it may have none). A comment that names its guard but no record was
    written since, without an Idempotency-Key: it has no record."""
    for comment in comments:
        created_at = datetime.fromisoformat(str(comment["created_at"]))
        if "guard_pk" not in comment and comment["status"] != CommentStatus.SPAM.value:
            yield from _until(
                comment, TtlRecord.DUPLICATE_GUARD, created_at + rules.DUPLICATE_GUARD_RETENTION, now
            )
        if "idempotency_pk" not in comment and "guard_pk" not in comment:
            yield from _until(
                comment, TtlRecord.IDEMPOTENCY_RECORD, created_at + rules.IDEMPOTENCY_RETENTION, now
            )


def _until(
    comment: Mapping[str, Any], record: TtlRecord, expires_at: datetime, now: datetime
) -> Iterator[ExpiringRecord]:
    if expires_at > now:
        yield ExpiringRecord(
            record=record,
            post_slug=slug_of(str(comment["pk"])),
            comment_id=str(comment["id"]),
            expires_at=expires_at,
        )
