"""The moderation queue and what an operator does with a comment: approve, spam, delete."""

from datetime import datetime

from blog import rules
from blog.cursor import decode_cursor, encode_cursor
from blog.errors import CommentNotFound
from blog.ids import is_comment_id, parent_of
from blog.models import CommentStatus, ModeratedComment, ModerationAction, PendingComment, PendingPage
from blog.reading import public_comment
from blog.settings import Settings
from blog.store import PENDING_LIST_POSITION, BlogStore

_QUEUE = "comments:pending"


def pending_comments(store: BlogStore, *, limit: int, cursor: str | None) -> PendingPage:
    """Comments held for moderation, oldest first."""
    after = None if cursor is None else decode_cursor(cursor, list_id=_QUEUE, fields=PENDING_LIST_POSITION)
    comments, next_position = store.list_pending(limit=limit, after=after)
    return PendingPage(
        items=[
            PendingComment(**public_comment(comment).model_dump(), post_slug=comment.post_slug)
            for comment in comments
        ],
        next_cursor=None if next_position is None else encode_cursor(next_position, list_id=_QUEUE),
    )


def _check_comment_id(comment_id: str) -> None:
    if not is_comment_id(comment_id):
        raise CommentNotFound


def moderate(
    store: BlogStore,
    settings: Settings,
    slug: str,
    comment_id: str,
    action: ModerationAction,
    *,
    now: datetime,
) -> ModeratedComment:
    """Approve a comment or mark it as spam; the post's count of approved comments follows.

    Spam is kept for `SpamRetentionDays`, then deleted with its email address.
    """
    _check_comment_id(comment_id)
    status = store.moderate(slug, comment_id, action, spam_purged_at=rules.spam_purged_at(now, settings))
    assert status is not None, "approve and spam never remove a comment"
    return ModeratedComment(post_slug=slug, id=comment_id, parent_id=parent_of(comment_id), status=status)


def delete_comment(
    store: BlogStore, slug: str, comment_id: str, *, expected_status: CommentStatus | None = None
) -> None:
    """Delete a comment; one with replies stays as a tombstone so that its thread keeps its shape.

    `expected_status` is the status the caller expects it in (else: published), which saves a
    second round trip when it is right.
    """
    _check_comment_id(comment_id)
    store.moderate(slug, comment_id, ModerationAction.DELETE, expected_status=expected_status)
