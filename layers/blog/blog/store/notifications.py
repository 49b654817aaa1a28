"""What the notify function reads and writes: claims on deliveries, subscriptions, suppressions,
the posts a mail names, and the scheduled-publication mark.

| item | pk | sk | attributes |
| --- | --- | --- | --- |
| delivery claim | `CLAIM#<delivery key>` | `CLAIM` | `expires_at` (TTL), `released` |
| subscription | `POST#<slug>` | `SUBSCRIPTION#<id>` | `email`, `email_hash`, `confirmed` |
| suppression (mail actions) | `SUPPRESSED#<email hash>` | `SUPPRESSED` | `reason` |
| publication mark | `SCHEDULE#post.published` | `SCHEDULE` | `checked_until` |

A claim is taken with a conditional write before a mail or a webhook delivery is sent and released
when the send fails: a redelivered stream record finds its claims and sends nothing twice, a retry
after a failure finds none and sends.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from blog.models import StoredPostSummary
from blog.store.failures import error_code, translated_errors
from blog.store.keys import (
    PUBLISHED_INDEX,
    PUBLISHED_PK,
    from_item,
    post_key,
    subscription_key,
    suppression_key,
    to_item,
)
from blog.store.pages import every_item
from blog.timestamps import format_timestamp

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CLAIM_PK_PREFIX = "CLAIM#"
CLAIM_SK = "CLAIM"
PUBLICATION_MARK_KEY = {"pk": "SCHEDULE#post.published", "sk": "SCHEDULE"}


@dataclass(frozen=True)
class Subscription:
    """A reader's wish to hear of replies to their comment."""

    post_slug: str
    comment_id: str
    email: str
    email_hash: str
    confirmed: bool


def subscription_of(values: dict[str, Any]) -> Subscription:
    """A subscription from its item's plain values."""
    return Subscription(
        post_slug=str(values["post_slug"]),
        comment_id=str(values["comment_id"]),
        email=str(values["email"]),
        email_hash=str(values["email_hash"]),
        confirmed=bool(values.get("confirmed", False)),
    )


def _claim_key(delivery: str) -> dict[str, Any]:
    return to_item({"pk": CLAIM_PK_PREFIX + delivery, "sk": CLAIM_SK})


class NotificationStore:
    """The table as the notify function uses it. Each method is one request."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, delivery: str, *, expires_at: int, now: int) -> bool:
        """Take the claim on one delivery (an event to one recipient); False when it is held (the
        delivery was sent, or is being sent). It ends at `expires_at` (epoch seconds), when
        DynamoDB's TTL drops it: TTL deletes days late, so a claim past it at `now` is free."""
        try:
            with translated_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_claim_key(delivery),
                    UpdateExpression="SET expires_at = :expires REMOVE released",
                    ConditionExpression=(
                        "attribute_not_exists(pk) OR released = :released OR expires_at < :now"
                    ),
                    ExpressionAttributeValues=to_item(
                        {":expires": expires_at, ":released": True, ":now": now}
                    ),
                )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, delivery: str) -> None:
        """Give a claim back after its send failed, so that a retry sends. Marked, not deleted: the
        table's writers are UpdateItem and transactions, whose throttling the table's alarm watches."""
        with translated_errors():
            self._client.update_item(
                TableName=self._table,
                Key=_claim_key(delivery),
                UpdateExpression="SET released = :released",
                ExpressionAttributeValues=to_item({":released": True}),
            )

    def is_suppressed(self, email_hash: str) -> bool:
        """Whether the address of this hash asked for no more mail (or bounced, or complained)."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=suppression_key(email_hash),
                ProjectionExpression="pk",
            )
        return "Item" in response

    def subscription(self, slug: str, comment_id: str) -> Subscription | None:
        """The subscription to replies to a comment, if its author asked for one."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=subscription_key(slug, comment_id),
                ConsistentRead=True,
            )
        item = response.get("Item")
        return None if item is None else subscription_of(from_item(item))

    def post_head(self, slug: str) -> dict[str, Any] | None:
        """A post's head item in plain values (title, publication, `deleting_since`), or None."""
        with translated_errors():
            response = self._client.get_item(TableName=self._table, Key=post_key(slug), ConsistentRead=True)
        item = response.get("Item")
        return None if item is None else from_item(item)

    def published_between(self, start: datetime, end: datetime) -> list[StoredPostSummary]:
        """Posts whose publication time lies in [start, end], from the sparse list index (summaries)."""
        request = {
            "TableName": self._table,
            "IndexName": PUBLISHED_INDEX,
            "KeyConditionExpression": "published_pk = :published AND published_at BETWEEN :start AND :end",
            "ExpressionAttributeValues": to_item(
                {
                    ":published": PUBLISHED_PK,
                    ":start": format_timestamp(start),
                    ":end": format_timestamp(end),
                }
            ),
        }
        return [
            StoredPostSummary.model_validate(from_item(item))
            for item in every_item(self._client.query, request)
        ]

    def publication_checked_until(self) -> datetime | None:
        """Up to when the scheduled job last looked for posts that became public."""
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table, Key=to_item(PUBLICATION_MARK_KEY), ConsistentRead=True
            )
        value = from_item(response.get("Item", {})).get("checked_until")
        return None if value is None else datetime.fromisoformat(str(value))

    def mark_publication_checked(self, until: datetime) -> None:
        """Record that posts public by `until` were announced."""
        with translated_errors():
            self._client.update_item(
                TableName=self._table,
                Key=to_item(PUBLICATION_MARK_KEY),
                UpdateExpression="SET checked_until = :until",
                ExpressionAttributeValues=to_item({":until": format_timestamp(until)}),
            )


def get_notification_store() -> NotificationStore:
    """The notify function's store, on this process's DynamoDB client."""
    from blog.settings import get_settings
    from blog.store.client import dynamodb_client

    return NotificationStore(dynamodb_client(), get_settings().table_name)
