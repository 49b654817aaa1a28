"""Taking a reader's comment: the rules first, then one transaction."""

from dataclasses import dataclass
from datetime import datetime

from blog import keys, rules
from blog.content import render_comment
from blog.ids import new_comment_id
from blog.models import Comment, CommentStatus, NewComment, StoredComment
from blog.reading import public_comment
from blog.settings import Settings
from blog.store import BlogStore
from blog.store.keys import reader_pk
from blog.store.submission import (
    CommentSubmission,
    DuplicateGuard,
    IdempotencyRecord,
    RateLimit,
    ReplySubscription,
)


@dataclass(frozen=True)
class SubmittedComment:
    """The comment as its author sees it, or as first answered when `replayed` (an Idempotency-Key
    seen before), and the status it was stored with."""

    comment: Comment
    replayed: bool
    stored_status: CommentStatus


def _reply_subscription(new_comment: NewComment, status: CommentStatus) -> ReplySubscription | None:
    # Spam gets none: a bot must not sign someone's address up (and nothing would mail it).
    if not new_comment.notify_replies or new_comment.author_email is None or status is CommentStatus.SPAM:
        return None
    return ReplySubscription(
        email=new_comment.author_email, email_hash=keys.email_hash(new_comment.author_email)
    )


def submit_comment(
    store: BlogStore,
    settings: Settings,
    slug: str,
    new_comment: NewComment,
    *,
    client_address: str,
    idempotency_key: str | None,
    now: datetime,
) -> SubmittedComment:
    """Store a comment on a published post whose thread is open, or raise why not."""
    rules.check_depth(new_comment.parent_id, settings)
    content_html = render_comment(new_comment.content)
    stored = StoredComment(
        id=new_comment_id(new_comment.parent_id, now),
        post_slug=slug,
        author_name=new_comment.author_name,
        author_email=new_comment.author_email,
        author_url=new_comment.author_url,
        content=new_comment.content,
        content_html=content_html,
        created_at=now,
        status=rules.moderation_status(new_comment, content_html, settings),
    )
    # A bot is told its comment waits for moderation, as a person would be, and learns nothing.
    comment = public_comment(stored).model_copy(
        update={"status": rules.status_shown_to_author(stored.status)}
    )
    window_start, retry_after = rules.rate_window(now)
    idempotency = None
    if idempotency_key is not None:
        idempotency = IdempotencyRecord(
            record_key=rules.idempotency_record_key(slug, idempotency_key),
            request_fingerprint=rules.request_fingerprint(slug, new_comment),
            response_body=comment.model_dump_json(),
            expires_at=int((now + rules.IDEMPOTENCY_RETENTION).timestamp()),
        )
    replay = store.insert_comment(
        CommentSubmission(
            comment=stored,
            now=now,
            oldest_open_publication=rules.oldest_open_publication(now, settings),
            rate_limit=RateLimit(
                client=rules.client_key(client_address),
                window_start=window_start,
                limit=settings.comments_per_minute_per_client,
                retry_after_seconds=retry_after,
            ),
            # Spam gets no guard: a bot sending someone's words first must not block them.
            duplicate_guard=None
            if stored.status is CommentStatus.SPAM
            else DuplicateGuard(
                key=rules.duplicate_key(slug, new_comment),
                expires_at=int((now + rules.DUPLICATE_GUARD_RETENTION).timestamp()),
            ),
            idempotency=idempotency,
            purge_at=rules.purged_at(stored.status, now, settings),
            reader=None if stored.author_email is None else reader_pk(keys.email_hash(stored.author_email)),
            subscription=_reply_subscription(new_comment, stored.status),
        )
    )
    if replay is not None:
        first = Comment.model_validate_json(replay.response_body)
        return SubmittedComment(comment=first, replayed=True, stored_status=first.status)
    return SubmittedComment(comment=comment, replayed=False, stored_status=stored.status)
