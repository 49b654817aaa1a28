"""What the test table holds, read and cleared behind the API's back (the dynamodb fixture's table)."""

from typing import Any

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
