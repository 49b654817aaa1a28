"""The step of `blogctl migrate` that fills the `Drafts` index (release 0.3.0; DESIGN.md, "Schema
changes"): drafts written before the release that added it lack its key, `draft_pk`.

Every write since sets and removes the key with the post's publication (blog.store.keys), so this
step only gives it to the drafts that have none. It is idempotent and resumable: a Scan finds the
heads of drafts still without it, and each is updated on the condition that it is still a draft,
still without it and not being deleted, so a post published or deleted meanwhile is left as it is.
"""

from typing import IO, TYPE_CHECKING

from botocore.exceptions import ClientError

from blog.store.failures import error_code, translated_errors
from blog.store.keys import DRAFT_PK, POST_SK, to_item
from blog.store.pages import every_item
from blogctl.progress import Progress

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_STILL_AN_UNLISTED_DRAFT = (
    "attribute_not_exists(published_at) AND attribute_not_exists(draft_pk)"
    " AND attribute_not_exists(deleting_since)"
)


def backfill_drafts(client: "DynamoDBClient", table_name: str, progress_stream: IO[str]) -> int:
    """Give `draft_pk` to every draft's head without it; how many were given it."""
    request = {
        "TableName": table_name,
        "FilterExpression": f"sk = :head AND {_STILL_AN_UNLISTED_DRAFT}",
        "ExpressionAttributeValues": to_item({":head": POST_SK}),
        "ProjectionExpression": "pk, sk",
    }
    keys = list(every_item(client.scan, request))
    given = 0
    with Progress(progress_stream, len(keys), label="drafts") as progress:
        for done, key in enumerate(keys, start=1):
            try:
                with translated_errors():
                    client.update_item(
                        TableName=table_name,
                        Key=key,
                        UpdateExpression="SET draft_pk = :draft_pk",
                        ConditionExpression=f"attribute_exists(pk) AND {_STILL_AN_UNLISTED_DRAFT}",
                        ExpressionAttributeValues=to_item({":draft_pk": DRAFT_PK}),
                    )
                given += 1
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
            progress.update(done, f"{given} listed")
        progress.finish(f"{given} listed")
    return given
