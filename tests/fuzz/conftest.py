"""The fuzz tier: schemathesis against `python -m local serve` and the API's own /openapi.json."""

from collections.abc import Iterator

import pytest

from tests.local_server import LocalServer, start_server


@pytest.fixture(scope="session")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The local runtime with the demo blog; a rate limit high enough for thousands of comments, and
    the stage's throttling lifted, so that requests sent back to back reach the functions (the
    gateway's 429 is tested in tests/local_runtime)."""
    running = start_server(
        tmp_path_factory.mktemp("serve-fuzz"),
        "--parameter-overrides",
        "CommentsPerMinutePerClient=1000",
        "ThrottlingRateLimit=100000",
        "ThrottlingBurstLimit=100000",
    )
    yield running
    assert running.stop() == 0
