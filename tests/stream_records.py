"""Stream records (Lambda's form) of the blog's items, built with boto3's TypeSerializer."""

from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeSerializer

_serializer = TypeSerializer()


def record(old: dict[str, Any] | None, new: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """A stream record (Lambda's form) of an item's change from `old` to `new`."""
    image = new or old
    assert image is not None
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": datetime.now(UTC).timestamp(),
        "Keys": {"pk": _serializer.serialize(image["pk"]), "sk": _serializer.serialize(image["sk"])},
        "SequenceNumber": "1",
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        change["OldImage"] = {name: _serializer.serialize(value) for name, value in old.items()}
    if new is not None:
        change["NewImage"] = {name: _serializer.serialize(value) for name, value in new.items()}
    name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    return {"eventID": "1", "eventName": name, "eventSource": "aws:dynamodb", "dynamodb": change, **extra}


COMMENT = {
    "pk": "POST#beet",
    "sk": "COMMENT#01KBN0000000TEST",
    "id": "01KBN0000000TEST",
    "post_slug": "beet",
    "author_name": "Jürgen",
    "content": "Text",
    "content_html": "<p>Text</p>",
    "created_at": "2026-01-01T00:00:00Z",
    "status": "pending",
}
HEAD = {
    "pk": "POST#beet",
    "sk": "#POST",
    "slug": "beet",
    "title": "Beet",
    "excerpt": "Beet",
    "author": "A",
    "category": "K",
    "tags": [],
    "published_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "created_at": "2026-01-01T00:00:00Z",
    "comment_count": 0,
    "comments_open": True,
    "revision": 1,
}
SUBSCRIPTION = {
    "pk": "POST#beet",
    "sk": "SUBSCRIPTION#01KBN0000000TEST",
    "post_slug": "beet",
    "comment_id": "01KBN0000000TEST",
    "email": "a@example.org",
    "email_hash": "0" * 32,
    "confirmed": False,
    "created_at": "2026-01-01T00:00:00Z",
}
approved = {**COMMENT, "status": "approved"}
TTL = {"userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}}
