"""The local_runtime tier: `python -m local` (serve, invoke, its workers, gateway and template
reading) and the demo content it loads; the tooling, not the API it serves."""

from collections.abc import Iterator

import pytest

from tests.local_server import LocalServer, start_server


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
