"""The DynamoDB client, made on first use and never at import (import time is cold start)."""

from functools import cache
from typing import TYPE_CHECKING

from blog.store.table import BlogStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


# Bounded retries and timeouts, so that a struggling DynamoDB ends in a 503 inside the functions'
# timeout (template.yaml): at worst 3 attempts of 0.5 + 1.5 s and standard mode's backoff between
# them (up to 1 s, then 2 s), 9 s in all. DynamoDB answers in milliseconds when it answers.
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 0.5
READ_TIMEOUT_SECONDS = 1.5


@cache
def dynamodb_client() -> "DynamoDBClient":
    """This process's client. The endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when it is set."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        tcp_keepalive=True,
    )
    return boto3.client("dynamodb", config=config)


def get_store() -> BlogStore:
    """The store of this process."""
    from blog.settings import get_settings

    return BlogStore(dynamodb_client(), get_settings().table_name)
