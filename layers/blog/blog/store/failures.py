"""DynamoDB's and the network's failures, as domain errors."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from blog.errors import ContentTooLarge, ServiceUnavailable

_RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn throttling, server errors, timeouts and oversized items into domain errors."""
    try:
        yield
    except ClientError as error:
        message = str(error.response.get("Error", {}).get("Message", ""))
        if error_code(error) in _RETRYABLE_CODES:
            raise ServiceUnavailable from error
        if error_code(error) == "ValidationException" and "size" in message.lower():
            raise ContentTooLarge from error
        raise
    except BotoCoreError as error:
        # Timeouts and connection errors, after botocore's own bounded retries.
        raise ServiceUnavailable from error


def cancellation_codes(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """The code of each part of a cancelled transaction, in order (`None` for parts that held)."""
    return [str(reason.get("Code", "None")) for reason in reasons]
