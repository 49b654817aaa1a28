"""The step of `blogctl migrate` that fills the `ApprovedComments` index (DESIGN.md, "Schema
changes"): approved comments written before the release that added it lack its key, `approved_pk`.

Every write since sets and removes the key with the comment's status (blog.store.keys), so this step
only gives it to the approved comments that have none. It is idempotent and resumable: a Scan finds
the comments still without it, and each is updated on the condition that it is still approved and
still without it, so a comment moderated meanwhile is left as its moderation made it.
"""

from typing import IO, TYPE_CHECKING

from botocore.exceptions import ClientError

from blog.models import CommentStatus
from blog.store.failures import error_code, translated_errors
from blog.store.keys import APPROVED_PK, COMMENT_SK_PREFIX, to_item
from blog.store.pages import every_item
from blogctl.progress import Progress

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def backfill_approved_comments(client: "DynamoDBClient", table_name: str, progress_stream: IO[str]) -> int:
    """Give `approved_pk` to every approved comment without it; how many were given it."""
    request = {
        "TableName": table_name,
        "FilterExpression": (
            "begins_with(sk, :comment) AND #status = :approved AND attribute_not_exists(approved_pk)"
        ),
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": to_item(
            {":comment": COMMENT_SK_PREFIX, ":approved": CommentStatus.APPROVED.value}
        ),
        "ProjectionExpression": "pk, sk",
    }
    keys = list(every_item(client.scan, request))
    given = 0
    with Progress(progress_stream, len(keys), label="approved comments") as progress:
        for done, key in enumerate(keys, start=1):
            try:
                with translated_errors():
                    client.update_item(
                        TableName=table_name,
                        Key=key,
                        UpdateExpression="SET approved_pk = :approved_pk",
                        ConditionExpression="#status = :approved AND attribute_not_exists(approved_pk)",
                        ExpressionAttributeNames={"#status": "status"},
                        ExpressionAttributeValues=to_item(
                            {":approved_pk": APPROVED_PK, ":approved": CommentStatus.APPROVED.value}
                        ),
                    )
                given += 1
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
            progress.update(done, f"{given} indexed")
        progress.finish(f"{given} indexed")
    return given
