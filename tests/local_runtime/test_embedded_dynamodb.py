"""The embedded DynamoDB answers a repeated transaction as DynamoDB does (moto alone would apply it
again): botocore retries a transaction that timed out with the same ClientRequestToken."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.embedded_dynamodb import dynamodb_client, embedded_dynamodb
from local.template import create_table_arguments

# moto's state is its process's: each test has a table of its own.
TABLE = f"tokens-{uuid.uuid4().hex}"


@pytest.fixture
def client(template: dict[str, Any]) -> Iterator[Any]:
    with embedded_dynamodb() as endpoint:
        dynamodb = dynamodb_client(endpoint)
        dynamodb.create_table(**create_table_arguments(template, TABLE))
        yield dynamodb
        dynamodb.delete_table(TableName=TABLE)


def add_one(client: Any, token: str, attribute: str = "hits") -> None:
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "COUNTER"}, "sk": {"S": "COUNTER"}},
                    "UpdateExpression": f"ADD {attribute} :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ],
        ClientRequestToken=token,
    )


def hits(client: Any) -> int:
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": "COUNTER"}, "sk": {"S": "COUNTER"}})["Item"]
    return int(item["hits"]["N"])


def test_a_transaction_repeated_with_its_token_succeeds_without_writing_again(client):
    add_one(client, "token-1")
    add_one(client, "token-1")
    add_one(client, "token-2")

    assert hits(client) == 2


def test_the_same_token_with_another_request_is_refused_as_dynamodb_does(client):
    add_one(client, "token-1")

    with pytest.raises(ClientError) as refused:
        add_one(client, "token-1", attribute="other")

    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert hits(client) == 1
