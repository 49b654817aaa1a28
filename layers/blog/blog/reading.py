"""The public reads: the post list, a post with its comments, and further pages of comments."""

from datetime import datetime

from blog import rules
from blog.cursor import decode_cursor, encode_cursor
from blog.errors import PostNotFound
from blog.ids import parent_of
from blog.models import (
    Comment,
    CommentPage,
    CommentStatus,
    Post,
    PostPage,
    PostSummary,
    StoredComment,
    StoredPost,
    StoredPostSummary,
)
from blog.settings import Settings
from blog.store import POST_LIST_POSITION, THREAD_POSITION, BlogStore

COMMENTS_PER_PAGE = 50


def _post_list_id(category: str | None) -> str:
    return "posts" if category is None else f"posts:category:{category}"


def thread_list_id(slug: str) -> str:
    """The list a cursor of a post's comments belongs to."""
    return f"comments:{slug}"


def summary_of(post: StoredPostSummary, settings: Settings) -> PostSummary:
    """A post as the public list shows it."""
    return PostSummary.model_validate(
        {**post.model_dump(), "closes_at": rules.closes_at(post.published_at, settings)}
    )


def public_comment(comment: StoredComment) -> Comment:
    """A comment as the public sees it; a tombstone keeps its place but not its words."""
    deleted = comment.status is CommentStatus.DELETED
    return Comment(
        id=comment.id,
        parent_id=parent_of(comment.id),
        author_name="" if deleted else comment.author_name,
        author_url=None if deleted else comment.author_url,
        content_html="" if deleted else comment.content_html,
        created_at=comment.created_at,
        status=comment.status,
    )


def _is_public(published_at: datetime | None, now: datetime) -> bool:
    return published_at is not None and published_at <= now


def list_posts(
    store: BlogStore,
    settings: Settings,
    *,
    limit: int,
    cursor: str | None,
    category: str | None,
    now: datetime,
) -> PostPage:
    """Published posts, newest first, optionally of one category."""
    list_id = _post_list_id(category)
    after = None if cursor is None else decode_cursor(cursor, list_id=list_id, fields=POST_LIST_POSITION)
    posts, next_position = store.list_published(category=category, limit=limit, after=after, now=now)
    return PostPage(
        items=[summary_of(post, settings) for post in posts],
        next_cursor=None if next_position is None else encode_cursor(next_position, list_id=list_id),
    )


def get_post(store: BlogStore, settings: Settings, slug: str, *, now: datetime) -> Post:
    """A published post with its first page of comments in thread order."""
    page = store.read_thread(slug, limit=COMMENTS_PER_PAGE, after=None)
    if page.post is None or not _is_public(page.published_at, now):
        raise PostNotFound
    next_cursor = (
        None
        if page.next_position is None
        else encode_cursor(page.next_position, list_id=thread_list_id(slug))
    )
    return post_of(page.post, settings, [public_comment(comment) for comment in page.comments], next_cursor)


def post_of(
    post: StoredPost, settings: Settings, comments: list[Comment], comments_next_cursor: str | None
) -> Post:
    """A post as the public reads it, with a page of its comments."""
    return Post.model_validate(
        {
            **summary_of(post, settings).model_dump(),
            "content_html": post.content_html,
            "comments": comments,
            "comments_next_cursor": comments_next_cursor,
        }
    )


def list_comments(store: BlogStore, slug: str, *, cursor: str | None, now: datetime) -> CommentPage:
    """A page of a published post's comments in thread order.

    Every page learns whether the post is public (the first reads it with its comments, a later
    one alongside them): a cursor handed out while it was public does not outlive its publication.
    A later page also needs a cursor signed for this post's list.
    """
    list_id = thread_list_id(slug)
    after = None if cursor is None else decode_cursor(cursor, list_id=list_id, fields=THREAD_POSITION)
    page = store.read_thread(slug, limit=COMMENTS_PER_PAGE, after=after)
    if not _is_public(page.published_at, now):
        raise PostNotFound
    return CommentPage(
        items=[public_comment(comment) for comment in page.comments],
        next_cursor=None
        if page.next_position is None
        else encode_cursor(page.next_position, list_id=list_id),
    )
