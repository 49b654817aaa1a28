"""The key design: how the blog's things are named in the table, and items to and from Python."""

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

POST_SK = "#POST"
COMMENT_SK_PREFIX = "COMMENT#"
PUBLISHED_PK = "PUBLISHED"
OPEN_PK = "OPEN"
PENDING_PK = "PENDING"
VISIBLE_INDEX = "Visible"
PUBLISHED_INDEX = "PublishedPosts"
CATEGORY_INDEX = "PostsByCategory"
PENDING_INDEX = "PendingComments"
OPEN_THREADS_INDEX = "OpenThreads"

POST_LIST_POSITION = frozenset({"published_at", "slug"})
"""What a cursor of the post list holds."""
THREAD_POSITION = frozenset({"id"})
"""What a cursor of a post's comments holds."""
PENDING_LIST_POSITION = frozenset({"created_at", "slug", "id"})
"""What a cursor of the moderation queue holds."""

Item = dict[str, Any]
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def post_pk(slug: str) -> str:
    return f"POST#{slug}"


def comment_sk(comment_id: str) -> str:
    return f"{COMMENT_SK_PREFIX}{comment_id}"


def category_pk(category: str) -> str:
    return f"CATEGORY#{category}"


def post_key(slug: str) -> Item:
    return to_item({"pk": post_pk(slug), "sk": POST_SK})


def comment_key(slug: str, comment_id: str) -> Item:
    return to_item({"pk": post_pk(slug), "sk": comment_sk(comment_id)})


def to_item(values: Mapping[str, Any]) -> Item:
    """DynamoDB's typed form of `values`; None values are left out."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python values of a DynamoDB item."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
