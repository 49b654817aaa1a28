"""The api tier: one `python -m local serve` per set of parameter overrides serves the session."""

from collections.abc import Iterator

import pytest

from tests.local_server import LocalServer, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The local runtime with the template's defaults and the demo content."""
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="session")
def moderated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The local runtime with every comment held for moderation and a short cache max-age."""
    running = start_server(
        tmp_path_factory.mktemp("serve-moderated"),
        "--parameter-overrides",
        "CommentModeration=all",
        "CacheMaxAgeSeconds=5",
        "--no-demo",
    )
    yield running
    assert running.stop() == 0
