"""The admin writes on posts: create or update a post, close and reopen its thread."""

from datetime import datetime

from blog import rules
from blog.content import excerpt_of, render_post
from blog.errors import ContentTooLarge, PostNotFound
from blog.models import (
    POST_BODY_MAX_BYTES,
    POST_CONTENT_MAX_BYTES,
    Post,
    PostInput,
    ThreadState,
    fits_in_post_body,
)
from blog.reading import post_of
from blog.settings import Settings
from blog.store import BlogStore
from blog.timestamps import format_timestamp


def put_post(
    store: BlogStore, settings: Settings, slug: str, post: PostInput, *, now: datetime
) -> tuple[Post, bool]:
    """Create or update the post at `slug`; True when it was created.

    Content is rendered and sanitized here, once, so reads return stored HTML. The answer holds no
    comments: a write reads none (GET /posts/{slug} does). ContentTooLarge when the content, or
    the content with its rendering, is over the caps that keep the post's body within DynamoDB's
    item limit (blog.models.POST_BODY_MAX_BYTES). PostBeingDeleted while a deletion of the slug is
    unfinished, so that a new post never inherits the old one's comments.
    """
    if len(post.content.encode()) > POST_CONTENT_MAX_BYTES:
        raise ContentTooLarge(f"The content is over {POST_CONTENT_MAX_BYTES:,} bytes in UTF-8.")
    content_html = render_post(post.content)
    if not fits_in_post_body(post.content, content_html):
        raise ContentTooLarge(
            f"The content and its rendered HTML are over {POST_BODY_MAX_BYTES:,} bytes in UTF-8 together."
        )
    fields = {
        "title": post.title,
        "content": post.content,
        "content_html": content_html,
        "excerpt": post.excerpt or excerpt_of(content_html),
        "author": post.author,
        "category": post.category,
        "tags": post.tags,
        "comments_open": post.comments_open,
    }
    published_at = None if post.published_at is None else format_timestamp(post.published_at)
    stored, created = store.put_post(slug, fields, published_at=published_at, now=now)
    return post_of(stored, settings, comments=[], comments_next_cursor=None), created


def close_thread(store: BlogStore, slug: str, *, now: datetime) -> ThreadState:
    """Close a post's thread; closing a closed thread changes nothing."""
    return store.set_comments_open(slug, comments_open=False, now=now)


def reopen_thread(store: BlogStore, slug: str, *, now: datetime) -> ThreadState:
    """Open a post's thread again."""
    return store.set_comments_open(slug, comments_open=True, now=now)


def close_expired_threads(store: BlogStore, settings: Settings, *, now: datetime) -> list[str]:
    """Close the threads of posts past `CloseCommentsAfterDays`; the slugs it closed.

    Only open threads old enough are read (a sparse index), and each is closed only if it is still
    open, so running it twice closes nothing twice.
    """
    oldest_open = rules.oldest_open_publication(now, settings)
    if oldest_open is None:
        return []
    closed = []
    for slug in store.open_threads_published_by(oldest_open):
        try:
            store.set_comments_open(slug, comments_open=False, now=now, only_if_open=True)
        except PostNotFound:
            continue  # closed by an operator since the index was read
        closed.append(slug)
    return closed
