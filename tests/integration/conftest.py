"""Fixtures of the integration tier."""

import io
import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def logs(function_environment: dict[str, str]) -> Iterator[io.StringIO]:
    """What the functions log, one JSON object per line."""
    # Imported here: Powertools reads its settings from the environment when the logger is made.
    from blog.telemetry import logger

    stream = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    # Set directly: setStream() flushes the stream it replaces, which an earlier test may have closed.
    previous, handler.stream = handler.stream, stream
    yield stream
    handler.stream = previous
