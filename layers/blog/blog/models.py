"""The shapes of the API (docs/API.md, "Shapes") and of what the table stores.

Input models forbid unknown fields. Text is kept as sent, byte for byte; only single-line fields
such as names are trimmed. Control characters (but tab and line breaks in longer text) and lone
surrogates are refused, and text must show something. A reader's name needs a letter or a digit
and holds no bidirectional controls; a comment holds them only in code.
"""

import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from blog.content import BIDI_CONTROLS, has_bidi_control_outside_code
from blog.ids import COMMENT_ID_MAX_LENGTH, COMMENT_ID_PATTERN
from blog.timestamps import Timestamp

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
COMMENT_NAME_MAX_LENGTH = 80
COMMENT_CONTENT_MAX_LENGTH = 5000
POST_CONTENT_MAX_BYTES = 100_000
"""A post's Markdown, in UTF-8 bytes (a character limit would let four-byte characters through)."""
POST_BODY_MAX_BYTES = 400_000
"""A post's Markdown and rendered HTML together, in UTF-8 bytes. Both live in one item (the post's
body), and DynamoDB refuses an item over 400 KB (409,600 bytes, names and values): the body's keys
and attribute names take under 200 bytes, so over 9 KB are left as margin. The HTML is checked, not
only the Markdown, because rendering can make text longer (`<` becomes `&lt;`, a reference link
repeats its address wherever it is used)."""


def fits_in_post_body(content: str, content_html: str) -> bool:
    """Whether a post's Markdown and HTML fit its body item (POST_BODY_MAX_BYTES)."""
    return len(content.encode()) + len(content_html.encode()) <= POST_BODY_MAX_BYTES


# The JSON Schema of the API states each rule the validators below apply (schemathesis holds the
# API to its schema), and tests/unit/test_models.py checks that the two agree. Lone surrogates are
# refused by pydantic itself, before any validator. Two rules no pattern can state exactly are said
# in the field's description instead, and the validator applies them on top of the pattern: a name
# needs a letter or a digit (a Unicode category), and a comment holds bidirectional controls only
# in code (Markdown). tests/fuzz/hooks.py keeps schemathesis's valid cases within them.
# Character classes are spelled out, never \s: Python's and JavaScript's \s differ. Characters
# beyond U+FFFF stand in the patterns as themselves: \U is Python's escape, \u{...} JavaScript's.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NOT_LINE = r"\x00-\x1f\x7f-\x9f"
_SPACES = r"\x20\t\n\r\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_TAGS = "\U000e0000-\U000e007f"
_EMOJI_TAG_SEQUENCE = "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
"""A subdivision flag (UTS #51), such as Scotland's: a black flag, tag letters, a cancel tag."""
# What shows nothing: Unicode's default-ignorable code points (format characters such as zero-width
# space and joiner, fillers, variation selectors, tags) and the blank Braille pattern.
_INVISIBLE = (
    rf"{BIDI_CONTROLS}\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u206f"
    r"\u2800\u3164\ufe00-\ufe0f\uffa0"
    "\U0001bca0-\U0001bca3\U000e0000-\U000e0fff"
)
_FILLERS = "\u115f\u1160\u3164\uffa0"
"""Hangul fillers: letters by their Unicode category, blank to the eye."""
_VISIBLE_CHARACTER = f"[^{_CONTROL}{_SPACES}{_INVISIBLE}]"
TEXT_PATTERN = rf"^[^{_CONTROL}]*{_VISIBLE_CHARACTER}[^{_CONTROL}]*$"
"""Text: no control characters but tab and line breaks, something visible."""
LINE_PATTERN = rf"^[^{_NOT_LINE}]*{_VISIBLE_CHARACTER}[^{_NOT_LINE}]*$"
"""A line of text: no control characters at all, something visible."""
_NAME_CHARACTER = f"(?:[^{_NOT_LINE}{BIDI_CONTROLS}{_TAGS}]|{_EMOJI_TAG_SEQUENCE})"
NAME_PATTERN = f"^{_NAME_CHARACTER}*{_VISIBLE_CHARACTER}{_NAME_CHARACTER}*$"
"""A reader's name: a line, no bidirectional controls, tag characters only in an emoji flag."""
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
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")
_TAG = re.compile(f"[{_TAGS}]")
_EMOJI_TAG_SEQUENCES = re.compile(_EMOJI_TAG_SEQUENCE)


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


def has_letter_or_digit(text: str) -> bool:
    """Whether `text` has a letter or a digit (Unicode categories L and N) that is not blank."""
    return any(unicodedata.category(character)[0] in "LN" and character not in _FILLERS for character in text)


def _check_name(text: str) -> str:
    text = _check_line(text)
    if _BIDI_CONTROL.search(text):
        raise ValueError("bidirectional control characters are not allowed")
    if _TAG.search(_EMOJI_TAG_SEQUENCES.sub("", text)):
        raise ValueError("tag characters are allowed only in an emoji flag")
    if not has_letter_or_digit(text):
        raise ValueError("must have a letter or a digit")
    return text


def _check_comment_text(text: str) -> str:
    text = _check_text(text)
    if has_bidi_control_outside_code(text):
        raise ValueError("bidirectional control characters are allowed only in code")
    return text


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
    AfterValidator(_check_name),
    _documented(NAME_PATTERN),
]
CommentText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=COMMENT_CONTENT_MAX_LENGTH),
    AfterValidator(_check_comment_text),
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
    # The cap is in bytes (POST_CONTENT_MAX_BYTES), checked where the post is rendered, so that
    # content over it is a 413 content-too-large, as when its rendering is too large to store.
    StringConstraints(min_length=1),
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


class PostStatus(StrEnum):
    """Where a post stands, worked out from `published_at` when it is read (never stored)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class ModerationAction(StrEnum):
    """What an operator does with a comment."""

    APPROVE = "approve"
    SPAM = "spam"
    DELETE = "delete"


class _Input(_Model):
    model_config = ConfigDict(extra="forbid")


class NewComment(_Input):
    """A reader's comment, as submitted."""

    author_name: CommentName = Field(description="Has a letter or a digit.")
    author_email: EmailAddress | None = Field(default=None, description="Kept private, never returned.")
    author_url: WebUrl | None = None
    content: CommentText = Field(
        description=(
            "Markdown; raw HTML is shown as text. Bidirectional control characters (U+061C, U+200E, "
            "U+200F, U+202A-U+202E, U+2066-U+2069) only in code spans and code blocks."
        )
    )
    parent_id: CommentId | None = Field(default=None, description="An approved comment of the same post.")
    website: str = Field(
        default="",
        max_length=300,
        description="Leave empty: a field people never see and bots fill in (a honeypot).",
    )
    notify_replies: StrictBool = Field(
        default=False,
        description="Mail the author about each approved reply to this comment, once they have "
        "confirmed the address through the link of a first mail. Needs `author_email`.",
    )

    @model_validator(mode="after")
    def _replies_are_mailed_to_the_author(self) -> "NewComment":
        if self.notify_replies and self.author_email is None:
            raise ValueError("notify_replies needs author_email: replies are mailed to it")
        return self


class PostInput(_Input):
    """A post as the admin route `PUT /posts/{slug}` takes it."""

    title: Title
    content: PostText = Field(
        description=(
            "Markdown; inline HTML is allowed and sanitized. At most 100,000 bytes in UTF-8, and"
            " with its rendered HTML at most 400,000: beyond, 413 `content-too-large`."
        )
    )
    excerpt: Excerpt | None = Field(default=None, description="Derived from the content when absent.")
    author: ShortLine
    category: ShortLine
    tags: list[ShortLine] = Field(default_factory=list, max_length=20)
    published_at: Timestamp | None = Field(default=None, description="Absent: a draft, not public.")
    # Strict: pydantic would take 0, 1 or "true" for a boolean, which the schema does not allow.
    comments_open: StrictBool = True


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


class EditorialPostSummary(PostSummary):
    """A post in an editor's list: a summary and where the post stands."""

    status: PostStatus


class EditorialPostPage(_Model):
    """One page of an editor's list of drafts, scheduled or published posts."""

    items: list[EditorialPostSummary]
    next_cursor: str | None


class PostPreview(Post):
    """A post as the public will see it once published, with where it stands now."""

    status: PostStatus


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


class RecentComment(Comment):
    """An approved comment in the list of the blog's newest, with the post it belongs to."""

    post_slug: str
    post_title: str


class RecentComments(_Model):
    """The blog's newest approved comments, newest first."""

    items: list[RecentComment]


class CommentCounts(_Model):
    """Approved comments per post asked for."""

    counts: dict[str, int] = Field(
        description="Each slug asked for, once; 0 for a post that does not exist or is not published."
    )


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


class StoredPostHead(StoredPostSummary):
    """A post's head item: everything but its body, small whatever the post's length, so that the
    writes a comment makes (the count) do not grow with the post."""

    created_at: Timestamp
    closed_at: Timestamp | None = None
    revision: int
    deleting_since: Timestamp | None = None
    """Set by the first write of the post's deletion, which removes its head last."""


class StoredPostBody(_Model):
    """A post's body item: its Markdown and the HTML rendered from it."""

    model_config = ConfigDict(extra="ignore")

    content: str
    content_html: str


class StoredPost(StoredPostHead, StoredPostBody):
    """A whole post: its head and its body."""


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


class StoredPostBrief(_Model):
    """What a read of many posts at once projects of each (blog.store.keys.POST_BRIEF_ATTRIBUTES)."""

    model_config = ConfigDict(extra="ignore")

    slug: str
    title: str
    published_at: Timestamp | None = None
    comment_count: int = 0


class StoredFeedContent(_Model):
    """What a feed reads of a post beyond its summary (blog.store.keys.FEED_CONTENT_ATTRIBUTES)."""

    model_config = ConfigDict(extra="ignore")

    slug: str
    content_html: str
    created_at: Timestamp


class StoredFeedHead(_Model):
    """What a post's comment feed reads of the post (blog.store.keys.FEED_HEAD_ATTRIBUTES)."""

    model_config = ConfigDict(extra="ignore")

    slug: str
    title: str
    published_at: Timestamp | None = None
    updated_at: Timestamp


class StoredFeedComment(_Model):
    """What a post's comment feed reads of an approved comment (blog.store.keys.FEED_COMMENT_ATTRIBUTES)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    author_name: str
    content_html: str
    created_at: Timestamp


class StoredApprovedComment(_Model):
    """An approved comment as the `ApprovedComments` index projects it: never the email."""

    model_config = ConfigDict(extra="ignore")

    id: str
    post_slug: str
    author_name: str
    author_url: str | None = None
    content_html: str
    created_at: Timestamp


class ReaderRequest(_Input):
    """Whose data an operator asks for: an email address, sent in the body so that no access log
    records it."""

    email: EmailAddress = Field(
        description="The reader's address; letter case and surrounding space do not matter."
    )


class ReaderComment(_Model):
    """A comment stored under a reader's address, as the reader wrote it."""

    post_slug: str
    id: str
    parent_id: str | None
    author_name: str
    author_email: str | None = None
    author_url: str | None = None
    content: str = Field(description="The Markdown as sent.")
    created_at: Timestamp
    status: CommentStatus


class ReaderSubscription(_Model):
    """A reader's subscription to the replies to one of their comments."""

    post_slug: str
    comment_id: str
    confirmed: bool
    created_at: Timestamp


class ReaderSuppression(_Model):
    """The entry that keeps an address from being mailed again (it holds the address's keyed hash only)."""

    reason: str = Field(description="`unsubscribed`, `bounce` or `complaint`.")
    created_at: Timestamp


class ReaderData(_Model):
    """Everything the blog stores under one email address (GDPR Art. 15), oldest first."""

    email: str
    comments: list[ReaderComment]
    subscriptions: list[ReaderSubscription]
    suppression: ReaderSuppression | None = Field(description="Null: the address may be mailed.")


class TtlRecord(StrEnum):
    """Records an erasure cannot find by address, which DynamoDB's TTL deletes."""

    DUPLICATE_GUARD = "duplicate-guard"
    IDEMPOTENCY_RECORD = "idempotency-record"


class ExpiringRecord(_Model):
    """A record of an erased comment that may still exist, and when its TTL deletes it at the latest."""

    record: TtlRecord
    post_slug: str
    comment_id: str
    expires_at: Timestamp


class ReaderErasure(_Model):
    """What erasing a reader's data did (GDPR Art. 17); a second erasure finds nothing more to do."""

    comments_removed: int = Field(description="Comments without replies, gone with everything in them.")
    comments_tombstoned: int = Field(
        description="Comments with replies by others: kept as tombstones (no name, email, URL or text)."
    )
    subscriptions_removed: int
    duplicate_guards_removed: int
    idempotency_records_removed: int
    suppressed_now: bool = Field(
        description="Whether this erasure wrote the suppression entry; false when it was there already."
    )
    expiring: list[ExpiringRecord] = Field(
        description="Records of comments written before comments named them, which TTL deletes."
    )
