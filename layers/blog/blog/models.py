"""The shapes of the API (DESIGN.md "Data shapes") and of what the table stores.

Input models forbid unknown fields. Text is kept as sent, byte for byte; only single-line fields
such as names are trimmed. Control characters other than tab and line breaks are refused.
"""

import re
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from blog.ids import COMMENT_ID_MAX_LENGTH, COMMENT_ID_PATTERN
from blog.timestamps import Timestamp

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
COMMENT_NAME_MAX_LENGTH = 80
COMMENT_CONTENT_MAX_LENGTH = 5000
POST_CONTENT_MAX_LENGTH = 100_000

_SLUG = re.compile(SLUG_PATTERN)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _refuse_control_characters(text: str) -> str:
    if _CONTROL_CHARACTERS.search(text):
        raise ValueError("control characters are not allowed")
    return text


def _check_web_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError("must be an http or https URL")
    return url


def _check_email(address: str) -> str:
    if not _EMAIL.fullmatch(address):
        raise ValueError("must be an email address")
    return address


def is_slug(value: str) -> bool:
    """Whether `value` can name a post: lowercase ASCII words joined by single hyphens."""
    return len(value) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(value) is not None


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]
CommentId = Annotated[str, StringConstraints(pattern=COMMENT_ID_PATTERN, max_length=COMMENT_ID_MAX_LENGTH)]


CommentName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_NAME_MAX_LENGTH),
    AfterValidator(_refuse_control_characters),
]
CommentText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=COMMENT_CONTENT_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_refuse_control_characters),
]
EmailAddress = Annotated[str, StringConstraints(max_length=254), AfterValidator(_check_email)]
WebUrl = Annotated[str, StringConstraints(max_length=300), AfterValidator(_check_web_url)]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_refuse_control_characters),
]
ShortLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(_refuse_control_characters),
]
PostText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=POST_CONTENT_MAX_LENGTH, pattern=r"\S"),
    AfterValidator(_refuse_control_characters),
]
Excerpt = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_refuse_control_characters),
]


class _Model(BaseModel):
    # Each function validates and answers with a few of these models: the others' validators and
    # serializers are never built (import time is cold-start time), the used ones on first use.
    model_config = ConfigDict(defer_build=True)


class CommentStatus(StrEnum):
    """Where a comment stands. Only `approved` ones and tombstones (`deleted`) are public."""

    APPROVED = "approved"
    PENDING = "pending"
    SPAM = "spam"
    DELETED = "deleted"


class _Input(_Model):
    model_config = ConfigDict(extra="forbid")


class NewComment(_Input):
    """A reader's comment, as submitted."""

    author_name: CommentName
    author_email: EmailAddress | None = Field(default=None, description="Kept private, never returned.")
    author_url: WebUrl | None = None
    content: CommentText = Field(description="Markdown; raw HTML is shown as text.")
    parent_id: CommentId | None = Field(default=None, description="An approved comment of the same post.")
    website: str = Field(
        default="",
        max_length=300,
        description="Leave empty: a field people never see and bots fill in (a honeypot).",
    )


class PostInput(_Input):
    """A post as the admin route `PUT /posts/{slug}` takes it."""

    title: Title
    content: PostText = Field(description="Markdown; inline HTML is allowed and sanitized.")
    excerpt: Excerpt | None = Field(default=None, description="Derived from the content when absent.")
    author: ShortLine
    category: ShortLine
    tags: list[ShortLine] = Field(default_factory=list, max_length=20)
    published_at: Timestamp | None = Field(default=None, description="Absent: a draft, not public.")
    comments_open: bool = True


class Comment(_Model):
    """A comment as the public sees it: never the email or the client address."""

    id: str
    parent_id: str | None
    author_name: str
    author_url: str | None
    content_html: str
    created_at: Timestamp
    status: CommentStatus


class PostSummary(_Model):
    """A post in a list: everything but its body."""

    slug: str
    title: str
    excerpt: str
    author: str
    category: str
    tags: list[str]
    published_at: Timestamp | None = Field(description="Null for a draft, which only admin answers show.")
    updated_at: Timestamp
    comment_count: int = Field(description="Approved comments.")
    comments_open: bool
    closes_at: Timestamp | None = Field(description="When the age limit closes the thread, if it will.")


class Post(PostSummary):
    """A post with its body and its first page of comments in thread order."""

    content_html: str
    comments: list[Comment]
    comments_next_cursor: str | None


class PostPage(_Model):
    """One page of the post list, newest first."""

    items: list[PostSummary]
    next_cursor: str | None


class CommentPage(_Model):
    """One page of a post's comments in thread order."""

    items: list[Comment]
    next_cursor: str | None


class PendingComment(Comment):
    """A comment in the moderation queue, with the post it belongs to."""

    post_slug: str


class PendingPage(_Model):
    """One page of the moderation queue, oldest first."""

    items: list[PendingComment]
    next_cursor: str | None


class ModeratedComment(_Model):
    """A comment after approve or spam: which one it is and its new status.

    Not the whole comment: the write that changes it and its post's count in one transaction
    returns nothing, and reading it back would be a second round trip.
    """

    post_slug: str
    id: str
    parent_id: str | None
    status: CommentStatus


class ThreadState(_Model):
    """Whether a post takes comments, after a close or a reopen."""

    slug: str
    comments_open: bool
    closed_at: Timestamp | None = None


class StoredPostSummary(_Model):
    """The summary attributes the list indexes project."""

    model_config = ConfigDict(extra="ignore")

    slug: str
    title: str
    excerpt: str
    author: str
    category: str
    tags: list[str] = Field(default_factory=list)
    published_at: Timestamp | None = None
    updated_at: Timestamp
    comment_count: int = 0
    comments_open: bool


class StoredPost(StoredPostSummary):
    """A post item as the table holds it."""

    content: str
    content_html: str
    created_at: Timestamp
    closed_at: Timestamp | None = None
    revision: int


class StoredComment(_Model):
    """A comment item as the table holds it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    post_slug: str
    author_name: str
    author_email: str | None = None
    author_url: str | None = None
    content: str
    content_html: str
    created_at: Timestamp
    status: CommentStatus
    reply_count: int = 0
