import base64
import json

import pytest

from blog.cursor import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from blog.errors import InvalidCursor
from tests.unit.conftest import K1, K2

FIELDS = frozenset({"published_at", "slug"})
POSITION = {"published_at": "2026-03-14T09:30:00Z", "slug": "fruehjahrsputz"}


@pytest.fixture(autouse=True)
def _key_ring(signing_secret):
    return signing_secret


def test_a_cursor_returns_its_position():
    cursor = encode_cursor(POSITION, list_id="posts")

    assert decode_cursor(cursor, list_id="posts", fields=FIELDS) == POSITION


def test_a_cursor_is_opaque_and_url_safe():
    cursor = encode_cursor(POSITION, list_id="posts")

    assert "fruehjahrsputz" not in cursor
    assert all(c.isalnum() or c in "-_." for c in cursor)


def test_a_cursor_of_another_list_is_refused():
    cursor = encode_cursor(POSITION, list_id="posts:category:Veranstaltungen")

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS)


def test_a_cursor_names_its_key_and_stays_valid_while_the_ring_has_it(signing_secret, monkeypatch):
    from blog import keys

    cursor = encode_cursor(POSITION, list_id="posts")
    signing_secret.update({"current": "k2", "k2": K2})
    rotated = keys.KeyRing(lambda: dict(signing_secret))
    monkeypatch.setattr(keys, "key_ring", lambda: rotated)

    assert cursor.startswith("k1.")
    assert encode_cursor(POSITION, list_id="posts").startswith("k2.")
    assert decode_cursor(cursor, list_id="posts", fields=FIELDS) == POSITION


def test_a_cursor_signed_with_another_key_is_refused(signing_secret, monkeypatch):
    from blog import keys

    signing_secret["k1"] = K2
    cursor = encode_cursor(POSITION, list_id="posts")
    signing_secret["k1"] = K1
    monkeypatch.setattr(keys, "key_ring", lambda: keys.KeyRing(lambda: dict(signing_secret)))

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS)


def test_a_cursor_whose_key_id_was_changed_is_refused(signing_secret):
    signing_secret.update({"k2": K1})
    _, payload, signature = encode_cursor(POSITION, list_id="posts").split(".")

    with pytest.raises(InvalidCursor):
        decode_cursor(f"k2.{payload}.{signature}", list_id="posts", fields=FIELDS)


def test_an_altered_position_is_refused():
    key_id, payload, signature = encode_cursor(POSITION, list_id="posts").split(".")
    altered = json.dumps({**POSITION, "slug": "anderer-beitrag"}).encode()
    forged = f"{key_id}.{base64.urlsafe_b64encode(altered).decode().rstrip('=')}.{signature}"

    assert forged.split(".")[1] != payload
    with pytest.raises(InvalidCursor):
        decode_cursor(forged, list_id="posts", fields=FIELDS)


def test_a_position_with_other_fields_is_refused_even_when_signed():
    cursor = encode_cursor({"pk": "POST#x", "sk": "#POST"}, list_id="posts")

    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, list_id="posts", fields=FIELDS)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "abc",
        "a.b.c",
        "k1.!!!.???",
        "e30.AAAA",
        "k1.e30.AAAA",
        "x" * (MAX_CURSOR_LENGTH + 1),
        "ä.ö.ü",
        "k1..",
        "K1.e30.AAAA",
    ],
)
def test_garbage_is_refused(garbage):
    with pytest.raises(InvalidCursor):
        decode_cursor(garbage, list_id="posts", fields=FIELDS)
