"""The step of `blogctl migrate` that fills the `ReaderData` index (DESIGN.md, "Schema changes"):
comments with an email address, subscriptions and suppression entries written before the release
that added it lack its key, `reader_pk` (blog.store.keys.reader_pk: the keyed hash of the address).

Every write since sets it, so this step only gives it to the items that have none. A comment's
address is hashed with the signing secret's stable key (blog.keys.email_hash), which the operator's
credentials read from Secrets Manager; subscriptions and suppression entries hold the hash already.
It is idempotent and resumable: a Scan finds the items still without the key, and each is updated on
the condition that it still holds the same address and still has no key, so an item erased or
moderated into a tombstone meanwhile is left as that made it.
"""

from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from blog.store.failures import error_code, translated_errors
from blog.store.keys import (
    COMMENT_SK_PREFIX,
    SUBSCRIPTION_SK_PREFIX,
    SUPPRESSED_SK,
    from_item,
    reader_pk,
    to_item,
)
from blog.store.pages import every_item
from blogctl.progress import Progress

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def backfill_reader_index(
    client: "DynamoDBClient",
    table_name: str,
    hash_address: Callable[[str], str],
    progress_stream: IO[str],
) -> int:
    """Give `reader_pk` to every item that names a reader by address and has none; how many were
    given it. `hash_address` is blog.keys.email_hash with the blog's key ring, called only when a
    comment needs it."""
    request = {
        "TableName": table_name,
        "FilterExpression": "attribute_not_exists(reader_pk) AND ("
        "(begins_with(sk, :comment) AND attribute_exists(author_email)) OR "
        "((begins_with(sk, :subscription) OR sk = :suppressed) AND attribute_exists(email_hash)))",
        "ExpressionAttributeValues": to_item(
            {
                ":comment": COMMENT_SK_PREFIX,
                ":subscription": SUBSCRIPTION_SK_PREFIX,
                ":suppressed": SUPPRESSED_SK,
            }
        ),
        "ProjectionExpression": "pk, sk, author_email, email_hash",
    }
    found = [from_item(item) for item in every_item(client.scan, request)]
    hashes: dict[str, str] = {}
    given = 0
    with Progress(progress_stream, len(found), label="reader data") as progress:
        for done, item in enumerate(found, start=1):
            if "email_hash" in item:
                hashed = str(item["email_hash"])
                condition, values = "email_hash = :hash", {":hash": hashed}
            else:
                address = str(item["author_email"])
                if address not in hashes:
                    hashes[address] = hash_address(address)
                hashed = hashes[address]
                condition, values = "author_email = :address", {":address": address}
            if _give_key(client, table_name, item, reader_pk(hashed), condition, values):
                given += 1
            progress.update(done, f"{given} indexed")
        progress.finish(f"{given} indexed")
    return given


def _give_key(
    client: "DynamoDBClient",
    table_name: str,
    item: dict[str, Any],
    reader: str,
    condition: str,
    values: dict[str, Any],
) -> bool:
    try:
        with translated_errors():
            client.update_item(
                TableName=table_name,
                Key=to_item({"pk": item["pk"], "sk": item["sk"]}),
                UpdateExpression="SET reader_pk = :reader",
                ConditionExpression=f"attribute_not_exists(reader_pk) AND {condition}",
                ExpressionAttributeValues=to_item({":reader": reader, **values}),
            )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return False
    return True
