"""The DynamoDB client, made on first use and never at import (import time is cold start)."""

from functools import cache
from typing import TYPE_CHECKING

from blog.store.table import BlogStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@cache
def dynamodb_client() -> "DynamoDBClient":
    """This process's client. The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when it is set."""
    import boto3
    from botocore.config import Config

    # Bounded retries and timeouts, so that a struggling DynamoDB ends in a 503 well inside the
    # function's timeout.
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=1,
        read_timeout=2,
        tcp_keepalive=True,
    )
    return boto3.client("dynamodb", config=config)


def get_store() -> BlogStore:
    """The store of this process."""
    from blog.settings import get_settings

    return BlogStore(dynamodb_client(), get_settings().table_name)
