"""The planning of a reader's erasure (blog.store.reader_erasure) from what its transactions answer."""

from datetime import UTC, datetime, timedelta

from blog.ids import new_comment_id
from blog.store.failures import CONDITION_FAILED
from blog.store.keys import DUPLICATE_GUARD_SK, comment_sk, post_pk
from blog.store.reader_erasure import Batch, ReaderErasure, ReaderItems

READER = "READER#lena"
GUARD = "DUPLICATE#gartenfest-wann-geht-es-los"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def comment_of(comment_id, **fields):
    return {
        "pk": post_pk("gartenfest"),
        "sk": comment_sk(comment_id),
        "id": comment_id,
        "status": "approved",
        "reader_pk": READER,
        **fields,
    }


def guard_deletes(batch: Batch):
    return [
        part.operation["Delete"]
        for part in batch.parts
        if "Delete" in part.operation and part.operation["Delete"]["Key"]["sk"] == {"S": DUPLICATE_GUARD_SK}
    ]


def test_a_guard_another_comment_of_the_reader_took_over_is_deleted_with_that_comment():
    # Her first comment A was marked as spam and her comment B, the same text, took its duplicate
    # guard over: both name it. A goes in the first transaction, B (of the 20) in a later one.
    ids = [new_comment_id(None, NOW + timedelta(seconds=number)) for number in range(20)]
    first, taken_over = ids[0], ids[-1]
    comments = [comment_of(comment_id) for comment_id in ids[1:-1]]
    comments += [
        comment_of(first, status="spam", guard_pk=GUARD),
        comment_of(taken_over, guard_pk=GUARD),
    ]
    erasure = ReaderErasure(
        "blog", "hash", READER, ReaderItems(comments=comments, subscriptions=[], suppression=None), now=NOW
    )

    batch = erasure.next_batch()
    assert batch is not None
    (refused,) = [index for index, part in enumerate(batch.parts) if part.guard is not None]
    reasons = [{"Code": "None"} for _ in batch.parts]
    reasons[refused] = {"Code": CONDITION_FAILED}
    assert erasure.cancelled(batch, reasons)
    again = erasure.next_batch()
    assert again is not None
    assert guard_deletes(again) == []
    erasure.committed(again)
    rest = erasure.next_batch()

    assert rest is not None
    assert ("gartenfest", taken_over) in rest.comments
    (guard,) = guard_deletes(rest)
    assert guard["Key"]["pk"] == {"S": GUARD}
    assert {"S": taken_over} in guard["ExpressionAttributeValues"].values()
    assert rest.counts.duplicate_guards_removed == 1
