"""Comment ids: the comment's place in its thread, built from time-sortable segments.

A top-level comment's id is one segment; a reply's id is its parent's id, a dot, and a segment of
its own (`01JD….01JE…`). A segment is the creation time in milliseconds (10 Crockford base32
characters) and 6 random characters, so siblings sort by time. Because the id carries the path,
sorting ids gives thread order (a reply follows its parent), the depth of a new reply is known
from its parent's id alone, and a comment is written in one transaction without reading its parent
first.
"""

import re
import secrets
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TIME_CHARS = 10
_RANDOM_CHARS = 6
_TAIL_VALUES = 32**_RANDOM_CHARS
SEGMENT_LENGTH = _TIME_CHARS + _RANDOM_CHARS
SEPARATOR = "."
MAX_DEPTH = 10
"""The deepest nesting an id may express; `MaxCommentDepth` may allow up to this."""

_SEGMENT = f"[{_ALPHABET}]{{{SEGMENT_LENGTH}}}"
COMMENT_ID_PATTERN = rf"^{_SEGMENT}(?:\.{_SEGMENT}){{0,{MAX_DEPTH - 1}}}$"
COMMENT_ID_MAX_LENGTH = MAX_DEPTH * (SEGMENT_LENGTH + 1) - 1
_COMMENT_ID = re.compile(COMMENT_ID_PATTERN)


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, remainder = divmod(number, 32)
        chars.append(_ALPHABET[remainder])
    return "".join(reversed(chars))


def _segment(created: datetime, tail: int) -> str:
    milliseconds = int(created.timestamp() * 1000)
    return _encode(milliseconds, _TIME_CHARS) + _encode(tail % _TAIL_VALUES, _RANDOM_CHARS)


def _under(parent_id: str | None, segment: str) -> str:
    return segment if parent_id is None else f"{parent_id}{SEPARATOR}{segment}"


def new_segment(created: datetime) -> str:
    """A segment for a comment created at `created`: time first, so that siblings sort by time."""
    return _segment(created, secrets.randbits(5 * _RANDOM_CHARS))


def new_comment_id(parent_id: str | None, created: datetime) -> str:
    """The id of a new comment, under `parent_id` when it is a reply."""
    return _under(parent_id, new_segment(created))


def imported_comment_id(parent_id: str | None, created: datetime, source_number: int) -> str:
    """The id of a comment brought over from another blog (WordPress), under `parent_id`.

    The segment's last 6 characters are the comment's number there instead of random ones, so
    importing the same comment again gives the same id, and two comments of one post never share
    one (numbers below 2**30, about a billion, are kept whole).
    """
    return _under(parent_id, _segment(created, source_number))


def is_comment_id(value: str) -> bool:
    """Whether `value` has the form of a comment id."""
    return _COMMENT_ID.fullmatch(value) is not None


def parent_of(comment_id: str) -> str | None:
    """The id of the comment this one replies to, or None for a top-level comment."""
    parent, separator, _ = comment_id.rpartition(SEPARATOR)
    return parent if separator else None


def depth_of(comment_id: str) -> int:
    """1 for a top-level comment, 2 for a reply to it, and so on."""
    return comment_id.count(SEPARATOR) + 1
