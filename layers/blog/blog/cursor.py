"""Opaque, signed list cursors.

A cursor carries a position in one list (the key values of the last item shown), the id of the key
that signed it, and an HMAC over both and the list's identity: `<key id>.<position>.<signature>`.
The data layer rebuilds the start key from the position and the list the request names, so a
cursor can only move within the list it was issued for: one that was altered, or issued for
another list (another post's comments, another category), is refused. The key is the cursor key of
the signing secret's current key (blog.keys); a cursor of a key the ring no longer or never had is
refused too.
"""

import base64
import binascii
import hashlib
import hmac
import json

from blog import keys
from blog.errors import InvalidCursor

_SIGNATURE_BYTES = 16
MAX_CURSOR_LENGTH = 1024

Position = dict[str, str]


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, key_id: str, list_id: str, payload: bytes) -> bytes:
    message = f"{key_id}\n{list_id}\n".encode() + payload
    return hmac.new(key, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode_cursor(position: Position, *, list_id: str) -> str:
    """A cursor that continues `list_id` after `position`."""
    key_id, key = keys.key_ring().signing_key(keys.CURSOR)
    payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return f"{key_id}.{_b64encode(payload)}.{_b64encode(_signature(key, key_id, list_id, payload))}"


def decode_cursor(cursor: str, *, list_id: str, fields: frozenset[str]) -> Position:
    """The position a cursor of `list_id` holds; InvalidCursor for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 2:
        raise InvalidCursor
    key_id, encoded_payload, encoded_signature = cursor.split(".")
    try:
        payload = _b64decode(encoded_payload)
        signature = _b64decode(encoded_signature)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor from error
    key = keys.key_ring().verifying_key(keys.CURSOR, key_id)
    if key is None or not hmac.compare_digest(signature, _signature(key, key_id, list_id, payload)):
        raise InvalidCursor
    try:
        position = json.loads(payload)
    except ValueError as error:
        raise InvalidCursor from error
    if (
        not isinstance(position, dict)
        or set(position) != fields
        or not all(isinstance(value, str) for value in position.values())
    ):
        raise InvalidCursor
    return position
