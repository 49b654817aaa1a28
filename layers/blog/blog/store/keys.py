"""The key design: how the blog's things are named in the table, and items to and from Python."""

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from blog.models import CommentStatus, StoredComment, StoredPost, StoredPostBody, StoredPostHead

POST_PK_PREFIX = "POST#"
POST_SK = "#POST"
POST_BODY_SK = "#POST#BODY"
"""The body's sort key: after the head's and before every comment's (`#` sorts before `C`), in the
table and in `Visible`, so one Query reads head, body and the first comments in this order."""
POST_BODY_ATTRIBUTES = ("content", "content_html")
"""What the body item holds; a head that holds them is the layout before the split (one item)."""
COMMENT_SK_PREFIX = "COMMENT#"
SUBSCRIPTION_SK_PREFIX = "SUBSCRIPTION#"
SUBSCRIPTION_EXPIRES = "subscription_expires"
"""A held comment's mark: its subscription has the comment's `expires_at` (keys.comment_item)."""
SUPPRESSED_PK_PREFIX = "SUPPRESSED#"
SUPPRESSED_SK = "SUPPRESSED"
PUBLISHED_PK = "PUBLISHED"
DRAFT_PK = "DRAFT"
OPEN_PK = "OPEN"
PENDING_PK = "PENDING"
APPROVED_PK = "APPROVED"
VISIBLE_INDEX = "Visible"
PUBLISHED_INDEX = "PublishedPosts"
CATEGORY_INDEX = "PostsByCategory"
PENDING_INDEX = "PendingComments"
OPEN_THREADS_INDEX = "OpenThreads"
APPROVED_INDEX = "ApprovedComments"
DRAFTS_INDEX = "Drafts"
READER_DATA_INDEX = "ReaderData"
READER_PK_PREFIX = "READER#"
IDEMPOTENCY_SK = "IDEMPOTENCY"
POST_BRIEF_ATTRIBUTES = ("pk", "slug", "title", "published_at", "comment_count")
"""What a read of many posts' heads at once projects: enough to count, name and hide them."""
FEED_CONTENT_ATTRIBUTES = ("pk", "sk", "content_html", "created_at")
"""What a feed reads of each post beyond its summary."""
FEED_HEAD_ATTRIBUTES = ("slug", "title", "published_at", "updated_at")
"""What a post's comment feed reads of the post: its name, whether it is public, its last edit."""
FEED_COMMENT_ATTRIBUTES = ("id", "status", "author_name", "content_html", "created_at")
"""What a post's comment feed reads of each comment: never the email or the Markdown source."""

POST_LIST_POSITION = frozenset({"published_at", "slug"})
"""What a cursor of the post list (and of the scheduled posts) holds."""
DRAFT_LIST_POSITION = frozenset({"updated_at", "slug"})
"""What a cursor of the drafts holds."""
THREAD_POSITION = frozenset({"id"})
"""What a cursor of a post's comments holds."""
PENDING_LIST_POSITION = frozenset({"created_at", "slug", "id"})
"""What a cursor of the moderation queue holds."""

Item = dict[str, Any]
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def post_pk(slug: str) -> str:
    return f"{POST_PK_PREFIX}{slug}"


def slug_of(pk: str) -> str:
    """The slug of the post whose collection `pk` names."""
    return pk.removeprefix(POST_PK_PREFIX)


def comment_sk(comment_id: str) -> str:
    return f"{COMMENT_SK_PREFIX}{comment_id}"


def category_pk(category: str) -> str:
    return f"CATEGORY#{category}"


def reader_pk(email_hash: str) -> str:
    """The `ReaderData` partition of everything stored under one email address (its keyed hash,
    blog.keys.email_hash): comments with that address, subscriptions, the suppression entry."""
    return f"{READER_PK_PREFIX}{email_hash}"


def post_key(slug: str) -> Item:
    return to_item({"pk": post_pk(slug), "sk": POST_SK})


def post_body_key(slug: str) -> Item:
    return to_item({"pk": post_pk(slug), "sk": POST_BODY_SK})


def duplicate_guard_pk(guard_key: str) -> str:
    return f"DUPLICATE#{guard_key}"


DUPLICATE_GUARD_SK = "DUPLICATE"


def idempotency_record_pk(record_key: str) -> str:
    return f"IDEMPOTENCY#{record_key}"


def comment_key(slug: str, comment_id: str) -> Item:
    return to_item({"pk": post_pk(slug), "sk": comment_sk(comment_id)})


def subscription_key(slug: str, comment_id: str) -> Item:
    """The key of the reply subscription of a comment: beside the comment, so that whatever removes
    the comment (its deletion, its post's) removes the subscription and its address with it."""
    return to_item({"pk": post_pk(slug), "sk": f"{SUBSCRIPTION_SK_PREFIX}{comment_id}"})


def subscription_item(
    slug: str, comment_id: str, *, email: str, email_hash: str, created_at: str, expires_at: int | None = None
) -> Item:
    """A new, unconfirmed reply subscription: the address to mail, and its keyed hash to match it
    against the suppression list and to find it among the reader's data (`ReaderData`). A held
    comment's subscription expires with it (`expires_at`, the comment's): the address never outlives
    the comment; approving the comment keeps both."""
    return {
        **subscription_key(slug, comment_id),
        **to_item(
            {
                "post_slug": slug,
                "comment_id": comment_id,
                "email": email,
                "email_hash": email_hash,
                "confirmed": False,
                "created_at": created_at,
                "reader_pk": reader_pk(email_hash),
                "expires_at": expires_at,
            }
        ),
    }


def suppression_key(email_hash: str) -> Item:
    """The key of an address on the suppression list, named by its keyed hash, never by itself."""
    return to_item({"pk": f"{SUPPRESSED_PK_PREFIX}{email_hash}", "sk": SUPPRESSED_SK})


def post_index_attributes(*, published: bool, category: str, comments_open: bool) -> dict[str, str | None]:
    """The sparse index keys of a post in this state; None for each it must not carry.

    A post with a publication time (published or scheduled) is in the list indexes, which filter
    by time; one without (a draft) in `Drafts`; only an open thread in the auto-close one.
    """
    return {
        "published_pk": PUBLISHED_PK if published else None,
        "category_pk": category_pk(category) if published else None,
        "draft_pk": None if published else DRAFT_PK,
        "open_pk": OPEN_PK if comments_open else None,
    }


POST_INDEX_ATTRIBUTES = ("published_pk", "category_pk", "draft_pk", "open_pk")
"""Every index key a post's head may carry besides `visible_sk`: a post being deleted has none of
them, and no `visible_sk` either."""


COMMENT_INDEX_ATTRIBUTES = ("visible_sk", "pending_pk", "approved_pk")
"""Every index attribute a comment may carry; comment_index_attributes says which, by status."""


def comment_index_attributes(comment_id: str, status: CommentStatus) -> dict[str, str]:
    """The index keys of a comment with this status: public ones (approved, and tombstones that
    keep a thread's shape) are in `Visible`, approved ones also in `ApprovedComments` (newest first,
    for recent comments and comment feeds), held ones in `PendingComments`, spam in none."""
    if status is CommentStatus.PENDING:
        return {"pending_pk": PENDING_PK}
    if status is CommentStatus.SPAM:
        return {}
    if status is CommentStatus.APPROVED:
        return {"visible_sk": comment_sk(comment_id), "approved_pk": APPROVED_PK}
    return {"visible_sk": comment_sk(comment_id)}


def post_head_item(post: StoredPostHead) -> Item:
    """The whole head item of a post, with its keys and index attributes, as its writes leave it."""
    published = post.published_at is not None
    return to_item(
        {
            **post.model_dump(mode="json", include=set(StoredPostHead.model_fields)),
            "pk": post_pk(post.slug),
            "sk": POST_SK,
            "visible_sk": POST_SK,
            **post_index_attributes(
                published=published, category=post.category, comments_open=post.comments_open
            ),
        }
    )


def post_body_item(slug: str, body: StoredPostBody) -> Item:
    """The body item of a post: in `Visible` (after the head), in no list index."""
    return to_item(
        {
            "pk": post_pk(slug),
            "sk": POST_BODY_SK,
            "visible_sk": POST_BODY_SK,
            "content": body.content,
            "content_html": body.content_html,
        }
    )


def post_items(post: StoredPost) -> tuple[Item, Item]:
    """The head and body items of a post, as its writes leave them."""
    return post_head_item(post), post_body_item(post.slug, post)


def is_post_head_of_old_layout(item: Mapping[str, Any]) -> bool:
    """Whether a post's head item (in plain or typed form) still holds the body, as one item did
    before heads and bodies were split. Read for one release; `blogctl migrate` rewrites them."""
    return all(name in item for name in POST_BODY_ATTRIBUTES)


def stored_post(head: Mapping[str, Any], body: Mapping[str, Any] | None) -> StoredPost | None:
    """A whole post from its head and body items (plain values); from its head alone when the head
    is of the old layout. None without a body: a Query is read-committed, not serializable, against
    the transaction that writes a new post's head and body, so it may see the head first."""
    if body is None:
        return StoredPost.model_validate(head) if is_post_head_of_old_layout(head) else None
    return StoredPost.model_validate({**head, **{name: body[name] for name in POST_BODY_ATTRIBUTES}})


def comment_item(
    comment: StoredComment,
    *,
    expires_at: int | None = None,
    guard_pk: str | None = None,
    idempotency_pk: str | None = None,
    reader: str | None = None,
    subscription_expires: bool = False,
) -> Item:
    """The whole item of a comment, with its keys and index attributes, as its writes leave it;
    `expires_at` (epoch seconds) is when DynamoDB's TTL deletes it (spam, held comments).

    `guard_pk` and `idempotency_pk` name the comment's duplicate guard and idempotency record, when
    it has them (duplicate_guard_pk, idempotency_record_pk), so that deleting its post deletes them
    without a scan; `reader` is its `ReaderData` partition (reader_pk) when it has an email address.
    `subscription_expires` marks a comment whose subscription expires with it (held): approving it
    must keep the subscription too (blog.store.moderation_writes).
    """
    return to_item(
        {
            **comment.model_dump(mode="json"),
            "pk": post_pk(comment.post_slug),
            "sk": comment_sk(comment.id),
            **comment_index_attributes(comment.id, comment.status),
            "expires_at": expires_at,
            "guard_pk": guard_pk,
            "idempotency_pk": idempotency_pk,
            "reader_pk": reader,
            SUBSCRIPTION_EXPIRES: True if subscription_expires else None,
        }
    )


def counter_update(table: str, key: Item, attribute: str, amount: int) -> dict[str, Any]:
    """A transaction part that adds `amount` to a counter (`comment_count`, `reply_count`) of an
    item that must exist."""
    return {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": f"ADD {attribute} :amount",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": to_item({":amount": amount}),
        }
    }


def to_item(values: Mapping[str, Any]) -> Item:
    """DynamoDB's typed form of `values`; None values are left out."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python values of a DynamoDB item."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}
