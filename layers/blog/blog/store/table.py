"""The blog's table, in the blog's terms: one method per thing the blog does with it."""

import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from blog.cursor import Position
from blog.errors import CommentNotFound, PostNotFound, ServiceUnavailable
from blog.models import (
    CommentStatus,
    ModerationAction,
    StoredApprovedComment,
    StoredComment,
    StoredFeedContent,
    StoredPost,
    StoredPostBrief,
    StoredPostSummary,
    ThreadState,
)
from blog.store.failures import (
    CONDITION_FAILED,
    TRANSACTION_ATTEMPTS,
    cancellation_codes,
    error_code,
    run_transaction,
    translated_errors,
)
from blog.store.keys import (
    APPROVED_INDEX,
    APPROVED_PK,
    CATEGORY_INDEX,
    FEED_CONTENT_ATTRIBUTES,
    OPEN_PK,
    OPEN_THREADS_INDEX,
    PENDING_INDEX,
    PENDING_PK,
    POST_BRIEF_ATTRIBUTES,
    POST_SK,
    PUBLISHED_INDEX,
    PUBLISHED_PK,
    VISIBLE_INDEX,
    category_pk,
    comment_sk,
    from_item,
    post_index_attributes,
    post_key,
    post_pk,
    slug_of,
    to_item,
)
from blog.store.pages import every_item
from blog.timestamps import format_timestamp

HEADS_RETRY_SECONDS = 2.0
"""How long keys a BatchGetItem left unprocessed (throttling) are asked for again before a 503."""
FIRST_RETRY_DELAY_SECONDS = 0.05

# blog.store.submission and blog.store.moderation_writes are imported by the methods that use
# them, so that the read path's cold start does not load comment-writing code.
if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from blog.store.submission import CommentSubmission, Replay


@dataclass(frozen=True)
class ThreadPage:
    """A page of a post's public comments, and what it read of the post."""

    post: StoredPost | None
    """The post item: read with the first page only, where it comes first in `Visible`."""
    published_at: datetime | None
    """When the post is (or will be) published, read with every page; None for a draft or no post."""
    comments: list[StoredComment]
    next_position: Position | None


class BlogStore:
    """The blog's table. Each public method is one round trip on its happy path."""

    def __init__(self, client: "DynamoDBClient", table_name: str) -> None:
        self._client = client
        self._table = table_name

    def list_published(
        self, *, category: str | None, limit: int, after: Position | None, now: datetime
    ) -> tuple[list[StoredPostSummary], Position | None]:
        """Published posts, newest first, from a summaries index: the bodies are never read."""
        index, partition_name, partition = (
            (CATEGORY_INDEX, "category_pk", category_pk(category))
            if category is not None
            else (PUBLISHED_INDEX, "published_pk", PUBLISHED_PK)
        )
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#partition = :partition AND published_at <= :now",
            "ExpressionAttributeNames": {"#partition": partition_name},
            "ExpressionAttributeValues": to_item({":partition": partition, ":now": format_timestamp(now)}),
            "ScanIndexForward": False,
            # One item more than the page tells whether another page exists.
            "Limit": limit + 1,
        }
        if after is not None:
            request["ExclusiveStartKey"] = to_item(
                {
                    "pk": post_pk(after["slug"]),
                    "sk": POST_SK,
                    partition_name: partition,
                    "published_at": after["published_at"],
                }
            )
        with translated_errors():
            response = self._client.query(**request)
        posts = [StoredPostSummary.model_validate(from_item(item)) for item in response["Items"]]
        if len(posts) <= limit:
            return posts, None
        last = posts[limit - 1]
        assert last.published_at is not None
        return posts[:limit], {"published_at": format_timestamp(last.published_at), "slug": last.slug}

    def read_thread(self, slug: str, *, limit: int, after: Position | None) -> ThreadPage:
        """A page of a post's public comments in thread order, with what the page needs of the post.

        Without `after`, the page starts with the post item itself (None when there is no post), so
        the post and its first comments come from one Query. With `after`, the post's publication
        is read by a GetItem issued concurrently with the Query: one round trip of latency.
        """
        if after is None:
            return self._thread_query(slug, limit=limit, after=None)
        with ThreadPoolExecutor(max_workers=1) as executor:
            publication = executor.submit(self._publication_of, slug)
            page = self._thread_query(slug, limit=limit, after=after)
            return replace(page, published_at=publication.result())

    def _thread_query(self, slug: str, *, limit: int, after: Position | None) -> ThreadPage:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": VISIBLE_INDEX,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": post_pk(slug)}),
            "ConsistentRead": True,
            "Limit": limit + (1 if after else 2),
        }
        if after is not None:
            sk = comment_sk(after["id"])
            request["ExclusiveStartKey"] = to_item({"pk": post_pk(slug), "sk": sk, "visible_sk": sk})
        with translated_errors():
            response = self._client.query(**request)
        items = [from_item(item) for item in response["Items"]]
        post = None
        if items and items[0]["sk"] == POST_SK:
            post = StoredPost.model_validate(items.pop(0))
        comments = [StoredComment.model_validate(item) for item in items]
        published_at = None if post is None else post.published_at
        if len(comments) > limit:
            return ThreadPage(post, published_at, comments[:limit], {"id": comments[limit - 1].id})
        # DynamoDB stops a Query at 1 MB of items, with fewer than `Limit` and a LastEvaluatedKey:
        # the thread goes on after the last comment read. An item is at most 400 KB, so a page
        # that stopped early holds at least one comment after the post.
        stopped_early = "LastEvaluatedKey" in response and bool(comments)
        next_position = {"id": comments[-1].id} if stopped_early else None
        return ThreadPage(post, published_at, comments, next_position)

    def _publication_of(self, slug: str) -> datetime | None:
        """When the post was (or will be) published; None for a draft or no post.

        Eventually consistent: a GetItem consumes capacity for the whole item, projection or not,
        and an eventually consistent read half as much; a post withdrawn a second ago may still
        serve one page.
        """
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table, Key=post_key(slug), ProjectionExpression="published_at"
            )
        published_at = from_item(response.get("Item", {})).get("published_at")
        return None if published_at is None else datetime.fromisoformat(published_at)

    def list_pending(
        self, *, limit: int, after: Position | None
    ) -> tuple[list[StoredComment], Position | None]:
        """Comments held for moderation, oldest first, from the sparse pending index."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": "pending_pk = :pending",
            "ExpressionAttributeValues": to_item({":pending": PENDING_PK}),
            "Limit": limit + 1,
        }
        if after is not None:
            request["ExclusiveStartKey"] = to_item(
                {
                    "pending_pk": PENDING_PK,
                    "created_at": after["created_at"],
                    "pk": post_pk(after["slug"]),
                    "sk": comment_sk(after["id"]),
                }
            )
        with translated_errors():
            response = self._client.query(**request)
        comments = [StoredComment.model_validate(from_item(item)) for item in response["Items"]]
        if len(comments) <= limit:
            return comments, None
        last = comments[limit - 1]
        return comments[:limit], {
            "created_at": format_timestamp(last.created_at),
            "slug": last.post_slug,
            "id": last.id,
        }

    def put_post(
        self, slug: str, fields: Mapping[str, Any], *, published_at: str | None, now: datetime
    ) -> tuple[StoredPost, bool]:
        """Create or update a post in one write; True when it was created.

        The comment count, the creation time and the moment a thread was closed survive updates.
        """
        now_text = format_timestamp(now)
        values: dict[str, Any] = {**fields, "slug": slug, "updated_at": now_text, "visible_sk": POST_SK}
        names = {f"#{name}": name for name in values}
        assignments = [f"#{name} = :{name}" for name in values]
        removals: list[str] = []
        expression_values: dict[str, Any] = {f":{name}": value for name, value in values.items()}
        expression_values.update({":now": now_text, ":zero": 0, ":one": 1})
        names.update(
            {"#created_at": "created_at", "#comment_count": "comment_count", "#revision": "revision"}
        )
        assignments += [
            "#created_at = if_not_exists(#created_at, :now)",
            "#comment_count = if_not_exists(#comment_count, :zero)",
        ]
        optional = {
            "published_at": published_at,
            **post_index_attributes(
                published=published_at is not None,
                category=fields["category"],
                comments_open=fields["comments_open"],
            ),
        }
        for name, value in optional.items():
            names[f"#{name}"] = name
            if value is None:
                removals.append(f"#{name}")
            else:
                assignments.append(f"#{name} = :{name}")
                expression_values[f":{name}"] = value
        names["#closed_at"] = "closed_at"
        if fields["comments_open"]:
            removals.append("#closed_at")
        else:
            assignments.append("#closed_at = if_not_exists(#closed_at, :now)")
        expression = f"SET {', '.join(assignments)} ADD #revision :one REMOVE {', '.join(removals)}"
        post = StoredPost.model_validate(
            self._update_post(
                slug,
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(expression_values),
            )
        )
        return post, post.revision == 1

    def set_comments_open(
        self, slug: str, *, comments_open: bool, now: datetime, only_if_open: bool = False
    ) -> ThreadState:
        """Close or reopen a post's thread in one conditional write; closing twice keeps the first time.

        `only_if_open` makes closing a closed thread fail (PostNotFound) instead of a no-op.
        """
        if comments_open:
            expression = "SET comments_open = :open, open_pk = :open_pk REMOVE closed_at"
            values: dict[str, Any] = {":open": True, ":open_pk": OPEN_PK}
        else:
            expression = (
                "SET comments_open = :open, closed_at = if_not_exists(closed_at, :now) REMOVE open_pk"
            )
            values = {":open": False, ":now": format_timestamp(now)}
        condition = "attribute_exists(pk)"
        if only_if_open:
            condition += " AND comments_open = :was_open"
            values[":was_open"] = True
        try:
            post = self._update_post(
                slug,
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=to_item(values),
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise PostNotFound from error
            raise
        return ThreadState(slug=slug, comments_open=post["comments_open"], closed_at=post.get("closed_at"))

    def open_threads_published_by(self, moment: datetime) -> Iterator[str]:
        """The slugs of posts published at or before `moment` whose threads are open (a sparse index)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": OPEN_THREADS_INDEX,
            "KeyConditionExpression": "open_pk = :open AND published_at <= :moment",
            "ExpressionAttributeValues": to_item({":open": OPEN_PK, ":moment": format_timestamp(moment)}),
        }
        for item in every_item(self._client.query, request):
            yield slug_of(str(from_item(item)["pk"]))

    def insert_comment(self, submission: "CommentSubmission") -> "Replay | None":
        """Write a comment in one transaction with every check it needs.

        The transaction holds the condition on the post (exists, published, open, within the age
        limit), the comment, the post's count of approved comments, the parent (an approved comment
        of the same post), the client's rate-limit counter, the duplicate guard and the idempotency
        record. Which check failed is read from the cancellation reasons, never from another read.
        Returns the first response when the Idempotency-Key was seen before with the same request.
        A guard of a comment since deleted or marked as spam costs a second transaction.
        """
        from blog.store.submission import CommentTransaction, GuardHeld

        for attempt in range(TRANSACTION_ATTEMPTS):
            operations = CommentTransaction(self._table, submission)
            reasons = run_transaction(self._client, operations.items)
            if reasons is None:
                return None
            outcome = operations.explain(reasons)
            if isinstance(outcome, GuardHeld):
                # The same words were said before: they count only while that comment stands.
                assert submission.duplicate_guard is not None
                guard = replace(submission.duplicate_guard, held_by=outcome.comment_id)
                submission = replace(submission, duplicate_guard=guard)
            elif outcome is not None:
                return outcome
            else:
                # Another write on the same post won the race; nothing was written, so try again.
                time.sleep(0.05 * (attempt + 1))
        raise ServiceUnavailable

    def moderate(
        self, slug: str, comment_id: str, action: ModerationAction, *, spam_purged_at: int | None = None
    ) -> CommentStatus | None:
        """Approve, mark as spam or delete a comment, keeping the post's count exact.

        Spam is deleted by DynamoDB's TTL at `spam_purged_at` (epoch seconds; None: kept). Returns
        the comment's status afterwards, None when it was removed altogether.
        """
        from blog.store import moderation_writes

        state = moderation_writes.expected_state(action)
        for _ in range(TRANSACTION_ATTEMPTS):
            operations = moderation_writes.plan(
                self._table, slug, comment_id, action, state, spam_purged_at=spam_purged_at
            )
            if not operations:
                return moderation_writes.outcome(action, state)
            reasons = run_transaction(self._client, operations)
            if reasons is None:
                return moderation_writes.outcome(action, state)
            codes = cancellation_codes(reasons)
            if codes[0] == CONDITION_FAILED:
                found = reasons[0].get("Item")
                if not found:
                    raise CommentNotFound
                state = moderation_writes.CommentState.of(from_item(found))
            elif CONDITION_FAILED in codes:
                # The comment is as expected, but the post whose count it changes is gone.
                raise PostNotFound
            # Otherwise a concurrent write on the same items won: plan again for the same state.
        raise ServiceUnavailable

    def _update_post(self, slug: str, **update: Any) -> dict[str, Any]:
        """Update a post's item; the item as the update left it, in plain values."""
        with translated_errors():
            response = self._client.update_item(
                TableName=self._table, Key=post_key(slug), ReturnValues="ALL_NEW", **update
            )
        return from_item(response["Attributes"])

    def read_post_heads(self, slugs: Collection[str]) -> dict[str, StoredPostBrief]:
        """The heads of these posts (title, publication, comment count) by slug, in one BatchGetItem;
        posts that do not exist are left out. At most 100 slugs, each once (BatchGetItem's limits)."""
        items = self._batch_get_posts(slugs, POST_BRIEF_ATTRIBUTES)
        return {head.slug: head for head in (StoredPostBrief.model_validate(item) for item in items)}

    def read_post_bodies(self, slugs: Collection[str]) -> dict[str, StoredFeedContent]:
        """What a feed entry needs beyond a post's summary (its HTML and creation time), by slug,
        in one BatchGetItem; posts that do not exist are left out. At most 100 slugs, each once."""
        items = self._batch_get_posts(slugs, FEED_CONTENT_ATTRIBUTES)
        return {body.slug: body for body in (StoredFeedContent.model_validate(item) for item in items)}

    def _batch_get_posts(self, slugs: Collection[str], attributes: Sequence[str]) -> list[dict[str, Any]]:
        """These attributes of these posts' items, in plain values, in one BatchGetItem.

        Keys DynamoDB leaves unprocessed, as it does when throttled, are asked for again with
        exponential backoff for up to HEADS_RETRY_SECONDS, then the request fails as
        ServiceUnavailable.
        """
        if not slugs:
            return []
        names = {f"#{name}": name for name in attributes}
        request: dict[str, Any] = {
            self._table: {
                "Keys": [post_key(slug) for slug in slugs],
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
        }
        items: list[dict[str, Any]] = []
        deadline = time.monotonic() + HEADS_RETRY_SECONDS
        delay = FIRST_RETRY_DELAY_SECONDS
        while True:
            with translated_errors():
                response = self._client.batch_get_item(RequestItems=request)
            items += [from_item(item) for item in response["Responses"].get(self._table, [])]
            request = dict(response.get("UnprocessedKeys") or {})
            if not request:
                return items
            if time.monotonic() + delay > deadline:
                raise ServiceUnavailable
            time.sleep(delay)
            delay *= 2

    def newest_approved_comments(self, *, limit: int) -> list[StoredApprovedComment]:
        """The blog's newest approved comments, newest first, from the sparse `ApprovedComments`
        index (which projects no email and no Markdown source)."""
        with translated_errors():
            response = self._client.query(
                TableName=self._table,
                IndexName=APPROVED_INDEX,
                KeyConditionExpression="approved_pk = :approved",
                ExpressionAttributeValues=to_item({":approved": APPROVED_PK}),
                ScanIndexForward=False,
                Limit=limit,
            )
        return [StoredApprovedComment.model_validate(from_item(item)) for item in response["Items"]]

    def read_whole_thread(self, slug: str) -> tuple[StoredPost | None, list[StoredComment]]:
        """A post and every public comment of it (approved ones and tombstones), in thread order,
        from the `Visible` index: one Query for a thread under 1 MB, more pages for a longer one."""
        request = {
            "TableName": self._table,
            "IndexName": VISIBLE_INDEX,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": post_pk(slug)}),
        }
        post = None
        comments = []
        for item in every_item(self._client.query, request):
            values = from_item(item)
            if values["sk"] == POST_SK:
                post = StoredPost.model_validate(values)
            else:
                comments.append(StoredComment.model_validate(values))
        return post, comments
