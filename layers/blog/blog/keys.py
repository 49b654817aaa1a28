"""The keys the API signs and hashes with, derived from one secret: a key ring in Secrets Manager.

The secret (template.yaml, SigningSecret) is JSON: `{"current": "k2", "k1": "...", "k2": "..."}`.
Rotation adds a key and makes it current (docs/OPERATIONS.md). What is signed carries the id of its
key, so what an older key signed stays valid while that key is in the ring.

Each use has a key of its own, derived from a key of the ring by HKDF-Expand (RFC 5869, one block):
a cursor key says nothing about a hash key. Hashes that must stay comparable over time (rate-limit
clients) use STABLE_KEY_ID, the first key, which rotation never removes.

The secret is read on first need with Powertools' parameters utility and kept for the container's
life. An id the ring does not know (a key added after this container read it, or a forgery) makes
it read the secret once more, at most once every REFETCH_INTERVAL_SECONDS, so forged ids cannot
turn every request into a call to Secrets Manager.
"""

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from blog.errors import ServiceUnavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

CURSOR = "cursor"
"""The use of list cursors."""
CLIENT_ADDRESS = "client-address"
"""The use of the rate limit's hash of a client address."""
EMAIL_ADDRESS = "email-address"
"""The use of the hash that names a reader's email address in the table (subscriptions, the
suppression list, a reader's data)."""
MAIL_ACTION = "mail-action"
"""The use of the signatures of mail-action links (blog.action_tokens)."""
STABLE_KEY_ID = "k1"
"""The key of hashes that must stay comparable: generated with the secret, never rotated away."""
CURRENT = "current"
REFETCH_INTERVAL_SECONDS = 60.0
KEY_ID = re.compile(r"k[1-9][0-9]{0,5}")
MIN_KEY_LENGTH = 32

# Secrets Manager answers in milliseconds; a struggling one ends in a 503 within the function's
# timeout, as DynamoDB does (blog/store/client.py).
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.5


class MalformedKeyRing(ValueError):
    """The secret is not a key ring: an operator's mistake, not the client's."""


def derive(key: bytes, use: str) -> bytes:
    """The key of one use (`cursor`, `client-address`) derived from a key of the ring."""
    return hmac.new(key, use.encode() + b"\x01", hashlib.sha256).digest()


def parse_key_ring(value: Any) -> tuple[str, dict[str, bytes]]:
    """The current key id and every key of a secret value; MalformedKeyRing when it is not one."""
    if not isinstance(value, Mapping):
        raise MalformedKeyRing("the signing secret is not a JSON object")
    keys = {name: key for name, key in value.items() if name != CURRENT}
    current = str(value.get(CURRENT))
    if not all(KEY_ID.fullmatch(name) for name in keys):
        raise MalformedKeyRing("key ids are k1, k2, ...")
    if not all(isinstance(key, str) and len(key) >= MIN_KEY_LENGTH for key in keys.values()):
        raise MalformedKeyRing(f"every key is a string of at least {MIN_KEY_LENGTH} characters")
    if current not in keys or STABLE_KEY_ID not in keys:
        raise MalformedKeyRing(f'"current" names a key of the ring, and {STABLE_KEY_ID} is in it')
    return current, {name: key.encode() for name, key in keys.items()}


class KeyRing:
    """The ring of one process: read on first need, read again once for a key id it does not know."""

    def __init__(self, read_secret: Callable[[], Any], clock: Callable[[], float] = time.time) -> None:
        self._read_secret = read_secret
        self._clock = clock
        self._lock = threading.Lock()
        self._current = ""
        self._keys: dict[str, bytes] = {}
        self._read_at: float | None = None

    def _read(self) -> None:
        self._current, self._keys = parse_key_ring(self._read_secret())
        self._read_at = self._clock()

    def _keys_with(self, key_id: str | None = None) -> tuple[str, dict[str, bytes]]:
        """The ring, read on first need, or read again for `key_id` when it is not in it and the
        last read is REFETCH_INTERVAL_SECONDS old."""
        with self._lock:
            if self._read_at is None or (
                key_id is not None
                and key_id not in self._keys
                # Wall-clock time, and a negative age counts as old: a monotonic clock need not go on
                # from where it stood when a SnapStart snapshot was taken.
                and not 0 <= self._clock() - self._read_at < REFETCH_INTERVAL_SECONDS
            ):
                self._read()
            return self._current, self._keys

    def signing_key(self, use: str) -> tuple[str, bytes]:
        """The current key's id and its key for `use`: what new cursors are signed with."""
        current, keys = self._keys_with()
        return current, derive(keys[current], use)

    def verifying_key(self, use: str, key_id: str) -> bytes | None:
        """The key for `use` of the key `key_id`, or None when the ring has no such key."""
        if not KEY_ID.fullmatch(key_id):
            return None
        key = self._keys_with(key_id)[1].get(key_id)
        return None if key is None else derive(key, use)

    def stable_key(self, use: str) -> bytes:
        """The key for `use` of hashes that must stay comparable across rotations."""
        return derive(self._keys_with()[1][STABLE_KEY_ID], use)


@cache
def secrets_provider() -> "SecretsProvider":
    """This process's Secrets Manager provider, made on first need. The endpoint comes from
    AWS_ENDPOINT_URL_SECRETS_MANAGER when it is set."""
    # Imported here: only the functions that sign or hash pay for it, on their first need.
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    # boto3's default session, which the DynamoDB client made already: a session of its own (what
    # SecretsProvider makes when given none) loads botocore's data files again, some 200 ms.
    return SecretsProvider(boto3_client=boto3.client("secretsmanager", config=config))


def read_signing_secret() -> Any:
    """The secret SIGNING_SECRET_ARN names, parsed from JSON; never cached by Powertools, which
    would hand a rotated ring back stale for a few seconds: the key ring is the cache."""
    from aws_lambda_powertools.utilities.parameters.exceptions import (
        GetParameterError,
        TransformParameterError,
    )

    from blog.settings import get_settings

    secret_id = get_settings().signing_secret_arn
    if secret_id is None:
        raise RuntimeError("no SIGNING_SECRET_ARN: template.yaml gives it to the functions that sign")
    try:
        return secrets_provider().get(secret_id, transform="json", force_fetch=True)
    except TransformParameterError as error:
        raise MalformedKeyRing("the signing secret is not JSON") from error
    except GetParameterError as error:
        raise ServiceUnavailable from error


@cache
def key_ring() -> KeyRing:
    """The key ring of this process."""
    return KeyRing(read_signing_secret)


def email_hash(address: str, ring: KeyRing | None = None) -> str:
    """A keyed hash of an email address: the same for every spelling that reaches the same mailbox
    in practice (surrounding space, letter case), comparable for ever (its key never rotates), and
    no way back to the address without the secret. `ring`: another ring than this process's (an
    operator's tool that reads the secret with its own credentials)."""
    key = (ring or key_ring()).stable_key(EMAIL_ADDRESS)
    return hmac.new(key, address.strip().casefold().encode(), hashlib.sha256).hexdigest()[:32]
