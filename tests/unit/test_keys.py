import pytest

from blog import keys
from tests.unit.conftest import K1, K2


class Secret:
    """A secret whose reads are counted, on a clock the test moves."""

    def __init__(self, value):
        self.value = value
        self.reads = 0
        self.now = 1000.0

    def read(self):
        self.reads += 1
        return dict(self.value)

    def ring(self):
        return keys.KeyRing(self.read, clock=lambda: self.now)


def test_the_ring_is_read_on_first_need_and_kept():
    secret = Secret({"current": "k1", "k1": K1})
    ring = secret.ring()

    assert secret.reads == 0
    ring.signing_key(keys.CURSOR)
    ring.stable_key(keys.CLIENT_ADDRESS)
    ring.verifying_key(keys.CURSOR, "k1")

    assert secret.reads == 1


def test_each_use_has_a_key_of_its_own_and_none_is_the_secret_itself():
    ring = Secret({"current": "k1", "k1": K1}).ring()

    cursor_id, cursor_key = ring.signing_key(keys.CURSOR)
    client_key = ring.stable_key(keys.CLIENT_ADDRESS)

    assert cursor_id == "k1"
    assert len({cursor_key, client_key, K1.encode()}) == 3
    assert ring.verifying_key(keys.CURSOR, "k1") == cursor_key


def test_new_keys_sign_with_the_current_key_and_hashes_keep_k1():
    ring = Secret({"current": "k2", "k1": K1, "k2": K2}).ring()
    before_rotation = Secret({"current": "k1", "k1": K1}).ring()

    assert ring.signing_key(keys.CURSOR)[0] == "k2"
    assert ring.signing_key(keys.CURSOR)[1] != before_rotation.signing_key(keys.CURSOR)[1]
    assert ring.stable_key(keys.CLIENT_ADDRESS) == before_rotation.stable_key(keys.CLIENT_ADDRESS)


def test_an_unknown_id_reads_the_secret_again_once_a_minute_at_most():
    secret = Secret({"current": "k1", "k1": K1})
    ring = secret.ring()
    ring.signing_key(keys.CURSOR)

    assert ring.verifying_key(keys.CURSOR, "k2") is None
    assert secret.reads == 1, "read a moment ago: a forged id must not make it read again"

    secret.now += keys.REFETCH_INTERVAL_SECONDS
    secret.value.update({"current": "k2", "k2": K2})
    assert ring.verifying_key(keys.CURSOR, "k2") is not None
    assert ring.verifying_key(keys.CURSOR, "k3") is None
    assert secret.reads == 2


@pytest.mark.parametrize("key_id", ["", "k0", "K1", "k1 ", "current", "k" + "9" * 7, "../k1"])
def test_ids_that_no_ring_can_hold_are_unknown_without_reading(key_id):
    secret = Secret({"current": "k1", "k1": K1})
    secret.now += keys.REFETCH_INTERVAL_SECONDS

    assert secret.ring().verifying_key(keys.CURSOR, key_id) is None
    assert secret.reads == 0


@pytest.mark.parametrize(
    "value",
    [
        "k1",
        ["k1"],
        {"k1": K1},
        {"current": "k2", "k1": K1},
        {"current": "k2", "k2": K2},
        {"current": "k1", "k1": "short"},
        {"current": "k1", "k1": K1, "extra": K2},
        {"current": "k1", "k1": 12345678901234567890123456789012345},
    ],
)
def test_a_secret_that_is_no_key_ring_is_refused(value):
    with pytest.raises(keys.MalformedKeyRing):
        keys.KeyRing(lambda: value).signing_key(keys.CURSOR)


def test_an_email_address_hashes_the_same_however_it_is_typed_and_not_like_another(signing_secret):
    typed = {
        keys.email_hash(spelling)
        for spelling in ("Anna@Example.org", " anna@example.org ", "ANNA@EXAMPLE.ORG")
    }

    assert len(typed) == 1
    assert keys.email_hash("anna@example.org") != keys.email_hash("anne@example.org")
    assert "anna" not in typed.pop()


def test_an_email_hash_survives_a_rotation(signing_secret, monkeypatch):
    before = keys.email_hash("anna@example.org")
    rotated = keys.KeyRing(lambda: {**signing_secret, "current": "k2", "k2": K2})
    monkeypatch.setattr(keys, "key_ring", lambda: rotated)

    assert keys.email_hash("anna@example.org") == before
