"""Data access: the only package that talks to DynamoDB.

It owns the key design (blog.store.keys) and turns DynamoDB's errors into domain errors
(blog.store.failures). Every request the API serves is one round trip of latency on its happy path.

| item | pk | sk | index attributes |
| --- | --- | --- | --- |
| post head | `POST#<slug>` | `#POST` | `visible_sk`; `published_pk`, `category_pk`, `open_pk` (sparse) |
| post body | `POST#<slug>` | `#POST#BODY` | `visible_sk` |
| comment | `POST#<slug>` | `COMMENT#<id>` | `visible_sk` if public; `pending_pk`, `created_at` if held |
| rate-limit counter | `RATE#<client hash>#<window>` | `RATE` | `expires_at` (TTL) |
| duplicate guard | `DUPLICATE#<hash of post, author, text>` | `DUPLICATE` | `expires_at` (TTL) |
| idempotency record | `IDEMPOTENCY#<hash of post, key>` | `IDEMPOTENCY` | `expires_at` (TTL) |
| reply subscription | `POST#<slug>` | `SUBSCRIPTION#<comment id>` | |
| suppressed address | `SUPPRESSED#<email hash>` | `SUPPRESSED` | |

A post is two items: a small head (the summary, `comment_count`, the thread's state, the revision)
that every count, condition and index uses, and a body (`content`, `content_html`) that only the
post's read and its writes touch; so what a comment writes does not grow with the post. Before this
layout a post was one item, the head holding the body: the code reads both for one release, and
`blogctl migrate` rewrites the old ones.

Spam is deleted by TTL (`expires_at`), and a duplicate guard refuses nothing once its comment
(`comment_id`) is deleted or marked as spam. A reply subscription (its reader's address) is written
with its comment and removed with it, or when it is marked as spam (blog.store.subscriptions).

A post's head carries `published_pk` and `category_pk` (with `published_at`) only while published, and
`open_pk` only while its thread is open: the list indexes and the auto-close index stay sparse.

Comment ids carry their thread path (blog.ids), so `COMMENT#<id>` sorts in thread order, and the
sparse `Visible` index (the post's head and body and its public comments) reads a post with its
first page of comments in one Query.
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
