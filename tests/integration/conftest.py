"""Fixtures of the integration tier."""

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TABLE_NAME


def table_items(dynamodb: Any) -> list[dict[str, Any]]:
    """Every item of the test table, in the order a scan returns them."""
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE_NAME):
        items += page["Items"]
    return items


def wipe(dynamodb: Any) -> None:
    """Delete every item of the test table."""
    for item in table_items(dynamodb):
        dynamodb.delete_item(TableName=TABLE_NAME, Key={"pk": item["pk"], "sk": item["sk"]})


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
