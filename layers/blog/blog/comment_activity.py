"""What a static site shows of the blog's comments beside its posts: counts for a post list and
the newest approved comments, each read in one request."""

from collections.abc import Sequence
from datetime import datetime

from blog.ids import parent_of
from blog.models import CommentCounts, CommentStatus, RecentComment, RecentComments, StoredPostBrief
from blog.store import BlogStore

MAX_COUNTED_POSTS = 100
"""Slugs one counts request may name: what one BatchGetItem reads."""
RECENT_OVERREAD = 2
"""Recent comments read this many times the limit, so that comments of posts withdrawn since
rarely leave the list short; they are dropped after the posts are read."""


def _is_public(head: StoredPostBrief | None, now: datetime) -> bool:
    return head is not None and head.published_at is not None and head.published_at <= now


def comment_counts(store: BlogStore, slugs: Sequence[str], *, now: datetime) -> CommentCounts:
    """Approved comments of each post named; 0 for one that does not exist or is not public yet,
    so that a count never tells a draft or a scheduled post from a post that does not exist."""
    unique = list(dict.fromkeys(slugs))
    heads = store.read_post_heads(unique)
    return CommentCounts(
        counts={slug: heads[slug].comment_count if _is_public(heads.get(slug), now) else 0 for slug in unique}
    )


def recent_comments(store: BlogStore, *, limit: int, now: datetime) -> RecentComments:
    """The blog's newest approved comments, newest first, each with its post's slug and title;
    comments of posts that are no longer public are left out."""
    comments = store.newest_approved_comments(limit=limit * RECENT_OVERREAD)
    heads = store.read_post_heads({comment.post_slug for comment in comments})
    items = []
    for comment in comments:
        head = heads.get(comment.post_slug)
        if head is None or not _is_public(head, now):
            continue
        items.append(
            RecentComment(
                id=comment.id,
                parent_id=parent_of(comment.id),
                author_name=comment.author_name,
                author_url=comment.author_url,
                content_html=comment.content_html,
                created_at=comment.created_at,
                status=CommentStatus.APPROVED,
                post_slug=comment.post_slug,
                post_title=head.title,
            )
        )
    return RecentComments(items=items[:limit])
