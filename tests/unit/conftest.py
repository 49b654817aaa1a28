"""Unit tests run without network: a test that reaches for a socket fails."""

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket()
    yield
    enable_socket()


K1 = "a" * 64
K2 = "b" * 64


@pytest.fixture
def signing_secret(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The signing secret's value as this process reads it: change it to rotate, and clear
    blog.keys' ring to read it again, as a new container would."""
    from blog import keys

    value = {"current": "k1", "k1": K1}
    ring = keys.KeyRing(lambda: dict(value))
    monkeypatch.setattr(keys, "key_ring", lambda: ring)
    return value
