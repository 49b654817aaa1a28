"""DynamoDB's and the network's failures, as domain errors."""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from blog.errors import ContentTooLarge, ServiceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

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
TRANSACTION_ATTEMPTS = 3
"""Tries of a transaction that lost a race with another write on the same items."""


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


def run_transaction(
    client: "DynamoDBClient", operations: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]] | None:
    """Run a transaction: None when it committed, else its cancellation reasons."""
    try:
        with translated_errors():
            client.transact_write_items(
                TransactItems=cast("list[TransactWriteItemTypeDef]", list(operations)),
                # Makes botocore's own retry of a request that timed out safe to repeat.
                ClientRequestToken=str(uuid.uuid4()),
            )
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        return list(error.response.get("CancellationReasons", []))
    return None
