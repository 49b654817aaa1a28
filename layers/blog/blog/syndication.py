"""Feeds: the blog's newest posts (Atom 1.0 and RSS 2.0) and its newest approved comments (Atom).

What goes into a feed is decided here; the XML is written by feedgenerator (the standalone form of
Django's syndication framework), which lives in the feeds function's own layer and is imported on
the first feed written, so that no other function (nor the OpenAPI document) needs it.

Entry ids never change when a post is edited or rescheduled: `tag:` URIs (RFC 4151) from the
site's host, the day the post or comment was created and its slug (and comment id). A feed's
`updated` and the answer's Last-Modified are its newest entry's; the ETag is the hash of the
document. Both change when a scheduled post goes live, since the post enters the document then.
"""

import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

from blog.errors import PostNotFound
from blog.models import StoredPostSummary
from blog.settings import FeedSettings
from blog.store import BlogStore

POSTS_PER_FEED = 20
COMMENTS_PER_FEED = 50
NEVER_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""The `updated` of a feed without entries: fixed, so that an empty feed keeps its ETag."""
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot hold."""
_COMMENTS_WORD = {"de": "Kommentare", "en": "Comments", "fr": "Commentaires", "es": "Comentarios"}


class FeedFormat(StrEnum):
    """The formats a feed is written in, with their media types."""

    ATOM = "application/atom+xml; charset=utf-8"
    RSS = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class FeedEntry:
    """One post or comment in a feed."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    content_html: str
    summary: str | None = None
    """Plain text (a post's excerpt); None for comments, whose content is short."""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    """A feed before it is written: what it is, where it points, its entries newest first."""

    id: str
    title: str
    link: str
    entries: list[FeedEntry]
    edited_at: datetime | None = None
    """When what the feed says of itself (its title) last changed, where that is not an entry's."""

    @property
    def updated(self) -> datetime:
        """When its newest entry was published or updated, or the feed itself edited if later."""
        newest = max((max(entry.published, entry.updated) for entry in self.entries), default=NEVER_UPDATED)
        return newest if self.edited_at is None else max(newest, self.edited_at)


@dataclass(frozen=True)
class FeedDocument:
    """A feed as written: the document, its media type and when it last changed."""

    body: str
    media_type: str
    last_modified: datetime


def _site(settings: FeedSettings) -> str:
    parts = urlsplit(settings.post_url_template)
    return f"{parts.scheme}://{parts.netloc}/"


def _tag(settings: FeedSettings, created: datetime, specific: str) -> str:
    host = urlsplit(settings.post_url_template).hostname or "localhost"
    return f"tag:{host},{created:%Y-%m-%d}:{specific}"


def _feed_id(settings: FeedSettings, name: str) -> str:
    # A name-based UUID: stable for as long as the site's address is, and valid for any name.
    return uuid.uuid5(uuid.NAMESPACE_URL, _site(settings) + name).urn


def _comments_word(settings: FeedSettings) -> str:
    return _COMMENTS_WORD.get(settings.blog_language.split("-")[0].lower(), "Comments")


def posts_feed(store: BlogStore, settings: FeedSettings, *, category: str | None, now: datetime) -> Feed:
    """The newest published posts, optionally of one category, with their whole content."""
    summaries, _ = store.list_published(category=category, limit=POSTS_PER_FEED, after=None, now=now)
    bodies = store.read_post_bodies([post.slug for post in summaries])
    entries = [
        _post_entry(post, bodies[post.slug].content_html, bodies[post.slug].created_at, settings)
        for post in summaries
        if post.slug in bodies
    ]
    # The category is the reader's text: what XML 1.0 cannot hold (control characters) is replaced.
    shown = None if category is None else _NOT_XML.sub("\ufffd", category)
    title = settings.blog_title if shown is None else f"{settings.blog_title}: {shown}"
    name = "feed" if category is None else f"feed?category={category}"
    return Feed(id=_feed_id(settings, name), title=title, link=_site(settings), entries=entries)


def _post_entry(
    post: StoredPostSummary, content_html: str, created: datetime, settings: FeedSettings
) -> FeedEntry:
    assert post.published_at is not None  # the list index holds published posts only
    return FeedEntry(
        id=_tag(settings, created, f"posts/{post.slug}"),
        title=post.title,
        link=settings.post_url(post.slug),
        published=post.published_at,
        updated=max(post.updated_at, post.published_at),
        author=post.author,
        content_html=content_html,
        summary=post.excerpt,
        categories=(post.category, *post.tags),
    )


def post_comments_feed(store: BlogStore, settings: FeedSettings, slug: str, *, now: datetime) -> Feed:
    """The newest approved comments of one published post; PostNotFound as for the post itself."""
    post, comments = store.read_comment_feed(slug)
    if post is None or post.published_at is None or post.published_at > now:
        raise PostNotFound
    entries = [
        _comment_entry(slug, post.title, c.id, c.author_name, c.content_html, c.created_at, settings)
        for c in comments[:COMMENTS_PER_FEED]
    ]
    return Feed(
        id=_feed_id(settings, f"posts/{slug}/comments"),
        title=f"{post.title}: {_comments_word(settings)}",
        link=settings.post_url(slug),
        entries=entries,
        # The post's title is in the feed's and every entry's title: an edit changes the document.
        edited_at=post.updated_at,
    )


def comments_feed(store: BlogStore, settings: FeedSettings, *, now: datetime) -> Feed:
    """The blog's newest approved comments; those of posts no longer public are left out."""
    comments = store.newest_approved_comments(limit=COMMENTS_PER_FEED)
    heads = store.read_post_heads({comment.post_slug for comment in comments})
    entries = []
    for comment in comments:
        head = heads.get(comment.post_slug)
        if head is None or head.published_at is None or head.published_at > now:
            continue
        entries.append(
            _comment_entry(
                comment.post_slug,
                head.title,
                comment.id,
                comment.author_name,
                comment.content_html,
                comment.created_at,
                settings,
            )
        )
    return Feed(
        id=_feed_id(settings, "comments"),
        title=f"{settings.blog_title}: {_comments_word(settings)}",
        link=_site(settings),
        entries=entries,
    )


def _comment_entry(
    slug: str,
    post_title: str,
    comment_id: str,
    author: str,
    content_html: str,
    created: datetime,
    settings: FeedSettings,
) -> FeedEntry:
    return FeedEntry(
        id=_tag(settings, created, f"posts/{slug}/comments/{comment_id}"),
        title=f"{author} – {post_title}",
        link=settings.comment_url(slug, comment_id),
        published=created,
        updated=created,
        author=author,
        content_html=content_html,
    )


def self_url(base_url: str, path: str, *, category: str | None) -> str:
    """The address a feed is served at (its self link): `path` under the API's public `base_url`,
    with the category it was asked for, encoded as one query value."""
    query = "" if category is None else f"?category={quote(category, safe='')}"
    return f"{base_url}{path}{query}"


def write_feed(feed: Feed, feed_format: FeedFormat, settings: FeedSettings, *, self_url: str) -> FeedDocument:
    """The feed as an Atom or RSS document; `self_url` is the address it is served at."""
    from blog import feed_writers

    writer: Any = (feed_writers.AtomFeed if feed_format is FeedFormat.ATOM else feed_writers.RssFeed)(
        title=feed.title,
        link=feed.link,
        description=feed.title,
        language=settings.blog_language,
        feed_url=self_url,
        feed_guid=feed.id,
        updated=feed.updated,
    )
    for entry in feed.entries:
        writer.add_item(
            title=entry.title,
            link=entry.link,
            # Summaries are plain text; feeds carry them as HTML, so the text is escaped once.
            description=None if entry.summary is None else html.escape(entry.summary, quote=False),
            content=entry.content_html,
            author_name=entry.author,
            pubdate=entry.published,
            updateddate=entry.updated,
            unique_id=entry.id,
            unique_id_is_permalink=False,
            categories=list(entry.categories),
        )
    body: str = writer.writeString("utf-8")
    return FeedDocument(body=body, media_type=feed_format.value, last_modified=feed.updated)
