import base64
import json

import pytest

from blog.cursor import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from blog.errors import InvalidCursor

KEY = b"k" * 32
FIELDS = frozenset({"published_at", "slug"})
POSITION = {"published_at": "2026-03-14T09:30:00Z", "slug": "fruehjahrsputz"}


def test_a_cursor_returns_its_position():
    cursor = encode_cursor(POSITION, list_id="posts", key=KEY)

    assert decode_cursor(cursor, list_id="posts", fields=FIELDS, key=KEY) == POSITION


def test_a_cursor_is_opaque_and_url_safe():
    cursor = encode_cursor(POSITION, list_id="posts", key=KEY)

    assert "fruehjahrsputz" not in cursor
    assert all(c.isalnum() or c in "-_." for c in cursor)


def test_a_cursor_of_another_list_is_refused():
    cursor = encode_cursor(POSITION, list_id="posts:category:Veranstaltungen", key=KEY)

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS, key=KEY)


def test_a_cursor_signed_with_another_key_is_refused():
    cursor = encode_cursor(POSITION, list_id="posts", key=b"x" * 32)

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS, key=KEY)


def test_an_altered_position_is_refused():
    payload, signature = encode_cursor(POSITION, list_id="posts", key=KEY).split(".")
    altered = json.dumps({**POSITION, "slug": "anderer-beitrag"}).encode()
    forged = base64.urlsafe_b64encode(altered).decode().rstrip("=") + "." + signature

    assert forged.split(".")[0] != payload
    with pytest.raises(InvalidCursor):
        decode_cursor(forged, list_id="posts", fields=FIELDS, key=KEY)


def test_a_position_with_other_fields_is_refused_even_when_signed():
    cursor = encode_cursor({"pk": "POST#x", "sk": "#POST"}, list_id="posts", key=KEY)

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS, key=KEY)


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "abc", "a.b.c", "!!!.???", "e30.AAAA", "x" * (MAX_CURSOR_LENGTH + 1), "ä.ö"],
)
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidCursor):
        decode_cursor(garbage, list_id="posts", fields=FIELDS, key=KEY)
