"""Reply subscriptions and the suppression list: what the links of a reader's mail change.

A subscription sits beside its comment (`POST#<slug>`, `SUBSCRIPTION#<comment id>`): the comment's
transaction writes it, unconfirmed, and the comment's deletion removes it (blog.store.submission,
blog.store.moderation_writes). The suppression list names an address by its keyed hash only
(`SUPPRESSED#<hash>`): nothing is ever mailed to a suppressed address again.
"""

from datetime import datetime
from typing import Any

from blog.store.keys import reader_pk, subscription_key, suppression_key, to_item
from blog.timestamps import format_timestamp

UNSUBSCRIBED = "unsubscribed"
"""The suppression reason of a reader who unsubscribed (the others come from SES: bounce, complaint)."""


def confirmation(table: str, slug: str, comment_id: str, email_hash: str) -> dict[str, Any]:
    """The UpdateItem that confirms a subscription, only if it exists and names this address: a
    confirmation never creates one (its comment may have been deleted since)."""
    return {
        "TableName": table,
        "Key": subscription_key(slug, comment_id),
        "UpdateExpression": "SET confirmed = :confirmed",
        "ConditionExpression": "attribute_exists(pk) AND email_hash = :email_hash",
        "ExpressionAttributeValues": to_item({":confirmed": True, ":email_hash": email_hash}),
    }


def unsubscription(
    table: str, slug: str, comment_id: str, email_hash: str, *, now: datetime
) -> list[dict[str, Any]]:
    """The transaction that ends a subscription and puts its address on the suppression list.

    Unconditional, so that doing it again changes nothing and fails never: the subscription may be
    gone already, and an address suppressed before (a bounce) keeps its first reason and time.
    """
    return [
        {"Delete": {"TableName": table, "Key": subscription_key(slug, comment_id)}},
        {
            "Update": {
                "TableName": table,
                "Key": suppression_key(email_hash),
                "UpdateExpression": "SET email_hash = :email_hash, reader_pk = :reader, "
                "reason = if_not_exists(reason, :reason), created_at = if_not_exists(created_at, :now)",
                "ExpressionAttributeValues": to_item(
                    {
                        ":email_hash": email_hash,
                        ":reader": reader_pk(email_hash),
                        ":reason": UNSUBSCRIBED,
                        ":now": format_timestamp(now),
                    }
                ),
            }
        },
    ]
