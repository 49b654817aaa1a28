"""Signed mail-action tokens: the links in owner and reader mails (approve, spam, delete, confirm,
unsubscribe).

A token carries what its action needs and nothing to look up: the action, the post's slug, the
comment's id, when it expires (none for unsubscribe: RFC 8058 expects an unsubscribe link to keep
working) and, for the reader actions, the keyed hash of the reader's address (blog.keys.email_hash),
which unsubscribing writes into the suppression list without reading anything first. Its form is
`<key id>.<payload>.<signature>`, all URL-safe: the payload is base64url text, the signature an HMAC
over the key id and the payload with the mail-action key of that key (blog.keys), so a token stays
valid while the ring holds the key that signed it, and an altered one is refused.
"""

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from blog import keys
from blog.errors import ActionTokenExpired, InvalidActionToken
from blog.ids import is_comment_id
from blog.models import is_slug


class MailAction(StrEnum):
    """What a mail link does."""

    APPROVE = "approve"
    SPAM = "spam"
    DELETE = "delete"
    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"


LIFETIME = timedelta(days=7)
"""How long every link but unsubscribe works: a held comment waits about a week for its owner."""
NEVER_EXPIRES: frozenset[MailAction] = frozenset({MailAction.UNSUBSCRIBE})
READER_ACTIONS: frozenset[MailAction] = frozenset({MailAction.CONFIRM, MailAction.UNSUBSCRIBE})
"""The actions of a reader's mail: their tokens name the reader by the hash of the address."""
MAX_TOKEN_LENGTH = 1024

_SIGNATURE_BYTES = 16
_FIELD_SEPARATOR = "~"  # in no slug, comment id, number or hex hash
_EMAIL_HASH = re.compile(r"[0-9a-f]{32}")
TOKEN_PATTERN = r"^k[1-9][0-9]{0,5}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"  # noqa: S105 (a form, not a secret)
"""The form of a token: a key id, then base64url payload and signature. Only base64url characters:
the decoder would skip others, and a token has one spelling."""
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class ActionToken:
    """What a valid token asks for."""

    action: MailAction
    slug: str
    comment_id: str
    expires_at: datetime | None
    email_hash: str | None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, key_id: str, payload: bytes) -> bytes:
    return hmac.new(key, f"{key_id}\n".encode() + payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def issue_action_token(
    action: MailAction, slug: str, comment_id: str, *, now: datetime, email_hash: str | None = None
) -> str:
    """A token for `action` on the comment `comment_id` of the post `slug`, signed now.

    Approve, spam and delete name the comment the owner is mailed about. Confirm and unsubscribe
    name the comment whose subscription it is (the reader's own comment, not the reply a mail is
    about) and the reader (`email_hash`, from blog.keys.email_hash); the owner's actions name no
    reader. ValueError for anything else.
    """
    if not is_slug(slug) or not is_comment_id(comment_id):
        raise ValueError("a mail action names a post's slug and one of its comment ids")
    if (action in READER_ACTIONS) != (email_hash is not None):
        raise ValueError("confirm and unsubscribe name the reader's email hash, other actions do not")
    if email_hash is not None and not _EMAIL_HASH.fullmatch(email_hash):
        raise ValueError("email_hash names the reader by blog.keys.email_hash of the address")
    expires = "" if action in NEVER_EXPIRES else str(int((now + LIFETIME).timestamp()))
    fields = (str(action), slug, comment_id, expires, email_hash or "")
    payload = _FIELD_SEPARATOR.join(fields).encode("ascii")
    key_id, key = keys.key_ring().signing_key(keys.MAIL_ACTION)
    return f"{key_id}.{_b64encode(payload)}.{_b64encode(_signature(key, key_id, payload))}"


def action_url(base_url: str, token: str) -> str:
    """The link of a token: `<base>/actions/<token>` (`base_url` is the public API's URL)."""
    return f"{base_url.rstrip('/')}/actions/{token}"


def _fields(payload: bytes) -> ActionToken:
    try:
        action, slug, comment_id, expires, email_hash = payload.decode("ascii").split(_FIELD_SEPARATOR)
        mail_action = MailAction(action)
        expires_at = None if expires == "" else datetime.fromtimestamp(int(expires), UTC)
    except (UnicodeDecodeError, ValueError, OverflowError, OSError) as error:
        raise InvalidActionToken from error
    if (
        not is_slug(slug)
        or not is_comment_id(comment_id)
        or (expires_at is None) != (mail_action in NEVER_EXPIRES)
        or (mail_action in READER_ACTIONS) != bool(email_hash)
        or (email_hash and not _EMAIL_HASH.fullmatch(email_hash))
    ):
        raise InvalidActionToken
    return ActionToken(mail_action, slug, comment_id, expires_at, email_hash or None)


def read_action_token(token: str, *, now: datetime) -> ActionToken:
    """What a token asks for: InvalidActionToken when it is malformed, altered or signed with a key
    the ring does not hold; ActionTokenExpired when it was valid but its time is over."""
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        raise InvalidActionToken
    key_id, encoded_payload, encoded_signature = token.split(".")
    try:
        payload = _b64decode(encoded_payload)
        signature = _b64decode(encoded_signature)
    except (binascii.Error, ValueError) as error:
        raise InvalidActionToken from error
    key = keys.key_ring().verifying_key(keys.MAIL_ACTION, key_id)
    if key is None or not hmac.compare_digest(signature, _signature(key, key_id, payload)):
        raise InvalidActionToken
    action_token = _fields(payload)
    if action_token.expires_at is not None and now >= action_token.expires_at:
        raise ActionTokenExpired
    return action_token
