"""Unit tests run without network: a test that reaches for a socket fails."""

from collections.abc import Iterator

import pytest
from pytest_socket import disable_socket, enable_socket


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    disable_socket()
    yield
    enable_socket()
