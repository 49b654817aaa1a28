"""Reads that DynamoDB answers a page at a time, read to the end."""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from blog.store.failures import translated_errors


def every_item(
    read: Callable[..., Mapping[str, Any]], request: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every item a Query or Scan (`read`) finds, page after page, in DynamoDB's typed form."""
    page_request = dict(request)
    while True:
        with translated_errors():
            response = read(**page_request)
        yield from response["Items"]
        if "LastEvaluatedKey" not in response:
            return
        page_request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
