"""The shapes of the API (docs/API.md, "Shapes") and of what the table stores.

Input models forbid unknown fields. Text is kept as sent, byte for byte; only single-line fields
such as names are trimmed. Control characters (but tab and line breaks in longer text) and lone
surrogates are refused.
"""

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from blog.ids import COMMENT_ID_MAX_LENGTH, COMMENT_ID_PATTERN
from blog.timestamps import Timestamp

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
COMMENT_NAME_MAX_LENGTH = 80
COMMENT_CONTENT_MAX_LENGTH = 5000
POST_CONTENT_MAX_LENGTH = 100_000

# The JSON Schema of the API states each rule the validators below apply (schemathesis holds the
# API to its schema), and tests/unit/test_models.py checks that the two agree. Lone surrogates are
# refused by pydantic itself, before any validator.
# Character classes are spelled out, never \s: Python's and JavaScript's \s differ.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NOT_LINE = r"\x00-\x1f\x7f-\x9f"
_SPACES = r"\x20\t\n\r\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_VISIBLE_CHARACTER = rf"[^{_CONTROL}{_SPACES}]"
TEXT_PATTERN = rf"^[^{_CONTROL}]*{_VISIBLE_CHARACTER}[^{_CONTROL}]*$"
"""Text: no control characters but tab and line breaks, not blank."""
LINE_PATTERN = rf"^[^{_NOT_LINE}]*{_VISIBLE_CHARACTER}[^{_NOT_LINE}]*$"
"""A line of text: no control characters at all, not blank."""
_ADDRESS_CHARACTER = r"[^@\x00-\x20\x7f-\x9f]"
EMAIL_PATTERN = rf"^{_ADDRESS_CHARACTER}+@{_ADDRESS_CHARACTER}+\.{_ADDRESS_CHARACTER}+$"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
"""An Idempotency-Key: printable ASCII without spaces (a UUID, as a rule)."""
IDEMPOTENCY_KEY_MAX_LENGTH = 255
WEB_URL_PATTERN = r"^https?://[^\x00-\x20\x7f-\x9f/?#@:]+(?::[0-9]{1,5})?(?:[/?#][^\x00-\x20\x7f-\x9f]*)?$"

_SLUG = re.compile(SLUG_PATTERN)
_CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")
_VISIBLE = re.compile(_VISIBLE_CHARACTER)


def _check_text(text: str) -> str:
    if _CONTROL_CHARACTERS.search(text):
        raise ValueError("control characters are not allowed")
    if not _VISIBLE.search(text):
        raise ValueError("must not be blank")
    return text


def _check_line(text: str) -> str:
    # JSON Schema patterns are searched, and a pattern's `$` also matches before one last line
    # break: that one is dropped, not refused. Surrounding spaces are trimmed.
    text = text.removesuffix("\n")
    if _LINE_BREAKS.search(text):
        raise ValueError("must be one line (no tabs or line breaks)")
    return _check_text(text).strip(" ")


def _check_pattern(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        value = value.removesuffix("\n")  # as in _check_line
        if not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _documented(pattern: str) -> Any:
    """The pattern in the JSON Schema, where the validator beside it says what failed in words."""
    return Field(json_schema_extra={"pattern": pattern})


def is_slug(value: str) -> bool:
    """Whether `value` can name a post: lowercase ASCII words joined by single hyphens."""
    return len(value) <= SLUG_MAX_LENGTH and _SLUG.fullmatch(value) is not None


CommentId = Annotated[str, StringConstraints(pattern=COMMENT_ID_PATTERN, max_length=COMMENT_ID_MAX_LENGTH)]

CommentName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=COMMENT_NAME_MAX_LENGTH),
    AfterValidator(_check_line),
    _documented(LINE_PATTERN),
]
CommentText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=COMMENT_CONTENT_MAX_LENGTH),
    AfterValidator(_check_text),
    _documented(TEXT_PATTERN),
]
EmailAddress = Annotated[
    str,
    StringConstraints(max_length=254),
    _check_pattern(EMAIL_PATTERN, "must be an email address"),
    _documented(EMAIL_PATTERN),
]
WebUrl = Annotated[
    str,
    StringConstraints(max_length=300),
    _check_pattern(WEB_URL_PATTERN, "must be an http or https URL"),
    _documented(WEB_URL_PATTERN),
]
Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_check_line),
    _documented(LINE_PATTERN),
]
ShortLine = Annotated[
    str,
    StringConstraints(min_length=1, max_length=80),
    AfterValidator(_check_line),
    _documented(LINE_PATTERN),
]
PostText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=POST_CONTENT_MAX_LENGTH),
    AfterValidator(_check_text),
    _documented(TEXT_PATTERN),
]
Excerpt = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    AfterValidator(_check_text),
    _documented(TEXT_PATTERN),
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
