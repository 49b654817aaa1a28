"""Data access: the only package that talks to DynamoDB.

It owns the key design (blog.store.keys) and turns DynamoDB's errors into domain errors
(blog.store.failures). Every request the API serves is one round trip of latency on its happy path.

| item | pk | sk | index attributes |
| --- | --- | --- | --- |
| post | `POST#<slug>` | `#POST` | `visible_sk`; `published_pk`, `category_pk`, `open_pk` (sparse) |
| comment | `POST#<slug>` | `COMMENT#<id>` | `visible_sk` if public; `pending_pk`, `created_at` if held |
| rate-limit counter | `RATE#<client hash>#<window>` | `RATE` | `expires_at` (TTL) |
| duplicate guard | `DUPLICATE#<hash of post, author, text>` | `DUPLICATE` | `expires_at` (TTL) |
| idempotency record | `IDEMPOTENCY#<hash of post, key>` | `IDEMPOTENCY` | `expires_at` (TTL) |

Spam is deleted by TTL (`expires_at`), and a duplicate guard refuses nothing once its comment
(`comment_id`) is deleted or marked as spam.

A post carries `published_pk` and `category_pk` (with `published_at`) only while published, and
`open_pk` only while its thread is open: the list indexes and the auto-close index stay sparse.

Comment ids carry their thread path (blog.ids), so `COMMENT#<id>` sorts in thread order, and the
sparse `Visible` index (the post and its public comments) reads a post with its first page of
comments in one Query.
"""

from blog.store.client import dynamodb_client, get_store
from blog.store.keys import PENDING_LIST_POSITION, POST_LIST_POSITION, THREAD_POSITION
from blog.store.table import BlogStore

__all__ = [
    "PENDING_LIST_POSITION",
    "POST_LIST_POSITION",
    "THREAD_POSITION",
    "BlogStore",
    "dynamodb_client",
    "get_store",
]
