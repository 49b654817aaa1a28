"""What an editor sees and does beyond writing: drafts, scheduled posts, previews, deleting a post."""

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from blog.cursor import decode_cursor, encode_cursor
from blog.errors import PostNotFound, ServiceUnavailable
from blog.models import EditorialPostPage, EditorialPostSummary, PostPreview, PostStatus
from blog.reading import COMMENTS_PER_PAGE, post_of, public_comment, summary_of, thread_list_id
from blog.settings import Settings
from blog.store import DRAFT_LIST_POSITION, POST_LIST_POSITION, BlogStore

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def post_status(published_at: datetime | None, now: datetime) -> PostStatus:
    """Where a post stands at `now`: never stored, since time alone moves a post from scheduled to
    published."""
    if published_at is None:
        return PostStatus.DRAFT
    return PostStatus.SCHEDULED if published_at > now else PostStatus.PUBLISHED


def _list_id(status: PostStatus) -> str:
    return f"admin:posts:{status.value}"


def editorial_posts(
    store: BlogStore,
    settings: Settings,
    status: PostStatus,
    *,
    limit: int,
    cursor: str | None,
    now: datetime,
) -> EditorialPostPage:
    """A page of the drafts (the latest changed first), the scheduled posts (the soonest first) or
    the published posts (the newest first), each with its status."""
    list_id = _list_id(status)
    fields = DRAFT_LIST_POSITION if status is PostStatus.DRAFT else POST_LIST_POSITION
    after = None if cursor is None else decode_cursor(cursor, list_id=list_id, fields=fields)
    if status is PostStatus.DRAFT:
        posts, next_position = store.list_drafts(limit=limit, after=after)
    elif status is PostStatus.SCHEDULED:
        posts, next_position = store.list_scheduled(limit=limit, after=after, now=now)
    else:
        posts, next_position = store.list_published(category=None, limit=limit, after=after, now=now)
    return EditorialPostPage(
        items=[
            EditorialPostSummary(
                **summary_of(post, settings).model_dump(), status=post_status(post.published_at, now)
            )
            for post in posts
        ],
        next_cursor=None if next_position is None else encode_cursor(next_position, list_id=list_id),
    )


def preview_post(store: BlogStore, settings: Settings, slug: str, *, now: datetime) -> PostPreview:
    """A post as the public will see it once published (drafts and scheduled posts included), with
    its first page of comments and its status; a post being deleted is not found."""
    # A post being deleted has left the Visible index the thread is read from: it is None here.
    page = store.read_thread(slug, limit=COMMENTS_PER_PAGE, after=None)
    if page.post is None:
        raise PostNotFound("No post has this slug.")
    next_cursor = (
        None
        if page.next_position is None
        else encode_cursor(page.next_position, list_id=thread_list_id(slug))
    )
    post = post_of(page.post, settings, [public_comment(comment) for comment in page.comments], next_cursor)
    return PostPreview(**post.model_dump(), status=post_status(page.post.published_at, now))


TIME_KEPT_SECONDS = 3.0
"""What a run keeps of its time, past the deletion's deadline, to hand the rest off and answer."""


def deadline_of(context: "LambdaContext") -> float:
    """The time.monotonic() by which a deletion stops, for the run `context` belongs to."""
    return time.monotonic() + context.get_remaining_time_in_millis() / 1000 - TIME_KEPT_SECONDS


HandOff = Callable[[str, str], None]
"""Hands the rest of a post's deletion (its slug, and the `deleting_since` its head is marked with)
to an asynchronous run of `continue_post_deletion`; raises if it cannot."""


def delete_post(store: BlogStore, slug: str, *, now: datetime, deadline: float, hand_off: HandOff) -> None:
    """Delete a post, its comments and what they left (duplicate guards, idempotency records,
    subscriptions); deleting it again, or a post that never was, changes nothing.

    The post is gone for every reader at the first write. What is not deleted by `deadline`
    (time.monotonic()) is handed off; if that fails, ServiceUnavailable: another DELETE goes on.
    """
    deleting_since = store.delete_post(slug, now=now, deadline=deadline)
    if deleting_since is not None:
        _hand_off(slug, deleting_since, hand_off)


def continue_post_deletion(
    store: BlogStore, slug: str, *, deleting_since: str | None, deadline: float, hand_off: HandOff
) -> None:
    """Go on with the deletion of a post whose head is marked `deleting_since`, that a DELETE
    handed off, handing it on again if need be; a post made since is left alone."""
    unfinished = store.continue_post_deletion(slug, deleting_since=deleting_since, deadline=deadline)
    if unfinished is not None:
        _hand_off(slug, unfinished, hand_off)


def _hand_off(slug: str, deleting_since: str, hand_off: HandOff) -> None:
    try:
        hand_off(slug, deleting_since)
    except Exception as error:
        raise ServiceUnavailable(
            "The post is deleted for readers, but not all of its comments yet: send the DELETE again."
        ) from error
