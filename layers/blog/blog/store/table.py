"""The blog's table, in the blog's terms: one method per thing the blog does with it."""

import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from blog.cursor import Position
from blog.errors import CommentNotFound, PostBeingDeleted, PostNotFound, ServiceUnavailable
from blog.ids import SEPARATOR
from blog.models import (
    CommentStatus,
    ModerationAction,
    StoredApprovedComment,
    StoredComment,
    StoredFeedComment,
    StoredFeedContent,
    StoredFeedHead,
    StoredPost,
    StoredPostBody,
    StoredPostBrief,
    StoredPostHead,
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
    COMMENT_SK_PREFIX,
    DRAFT_PK,
    DRAFTS_INDEX,
    FEED_COMMENT_ATTRIBUTES,
    FEED_CONTENT_ATTRIBUTES,
    FEED_HEAD_ATTRIBUTES,
    OPEN_PK,
    OPEN_THREADS_INDEX,
    PENDING_INDEX,
    PENDING_PK,
    POST_BODY_ATTRIBUTES,
    POST_BODY_SK,
    POST_BRIEF_ATTRIBUTES,
    POST_SK,
    PUBLISHED_INDEX,
    PUBLISHED_PK,
    VISIBLE_INDEX,
    category_pk,
    comment_sk,
    from_item,
    post_body_item,
    post_body_key,
    post_head_item,
    post_index_attributes,
    post_key,
    post_pk,
    slug_of,
    stored_post,
    to_item,
)
from blog.store.pages import every_item
from blog.timestamps import format_timestamp

HEADS_RETRY_SECONDS = 2.0
"""How long keys a BatchGetItem left unprocessed (throttling) are asked for again before a 503."""
FIRST_RETRY_DELAY_SECONDS = 0.05
ERASURE_REPLANS = 10
"""Transactions of one erasure batch that may find a comment changed since it was read, before a 503."""

# blog.store.submission, blog.store.moderation_writes and blog.store.reader_erasure are imported by
# the methods that use them, so that the read path's cold start does not load comment-writing code.
if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from blog.store.reader_erasure import ErasureCounts, ReaderItems
    from blog.store.submission import CommentSubmission, Replay


@dataclass(frozen=True)
class ThreadPage:
    """A page of a post's public comments, and what it read of the post."""

    post: StoredPost | None
    """The post (its head and body, or one item of the old layout): read with the first page only,
    where it comes first in `Visible`."""
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

    def list_drafts(
        self, *, limit: int, after: Position | None
    ) -> tuple[list[StoredPostSummary], Position | None]:
        """Drafts, the latest changed first, from the sparse `Drafts` summaries index."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": DRAFTS_INDEX,
            "KeyConditionExpression": "draft_pk = :draft",
            "ExpressionAttributeValues": to_item({":draft": DRAFT_PK}),
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if after is not None:
            request["ExclusiveStartKey"] = to_item(
                {
                    "pk": post_pk(after["slug"]),
                    "sk": POST_SK,
                    "draft_pk": DRAFT_PK,
                    "updated_at": after["updated_at"],
                }
            )
        with translated_errors():
            response = self._client.query(**request)
        posts = [StoredPostSummary.model_validate(from_item(item)) for item in response["Items"]]
        if len(posts) <= limit:
            return posts, None
        last = posts[limit - 1]
        return posts[:limit], {"updated_at": format_timestamp(last.updated_at), "slug": last.slug}

    def list_scheduled(
        self, *, limit: int, after: Position | None, now: datetime
    ) -> tuple[list[StoredPostSummary], Position | None]:
        """Posts whose publication is still ahead, the soonest first: the part of the
        `PublishedPosts` index after `now`, which the public list leaves out by its key condition.

        A cursor whose post is published by `now` starts the page at `now`: every post up to it is
        published too, and DynamoDB refuses a start key outside the key condition."""
        now_text = format_timestamp(now)
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": PUBLISHED_INDEX,
            "KeyConditionExpression": "published_pk = :published AND published_at > :now",
            "ExpressionAttributeValues": to_item({":published": PUBLISHED_PK, ":now": now_text}),
            "ScanIndexForward": True,
            "Limit": limit + 1,
        }
        # The stored form sorts as the times do.
        if after is not None and after["published_at"] > now_text:
            request["ExclusiveStartKey"] = to_item(
                {
                    "pk": post_pk(after["slug"]),
                    "sk": POST_SK,
                    "published_pk": PUBLISHED_PK,
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

        Without `after`, the page starts with the post's head and body items (None when there is no
        post), so the post and its first comments come from one Query; a head of the layout before
        the split holds the body itself, and no body item follows it. With `after`, the post's
        publication is read by a GetItem issued concurrently with the Query: one round trip of
        latency.
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
            # The first page: the head and the body before the comments, and one comment more
            # than the page tells whether another page exists.
            "Limit": limit + (1 if after else 3),
        }
        if after is not None:
            sk = comment_sk(after["id"])
            request["ExclusiveStartKey"] = to_item({"pk": post_pk(slug), "sk": sk, "visible_sk": sk})
        with translated_errors():
            response = self._client.query(**request)
        items = [from_item(item) for item in response["Items"]]
        head = items.pop(0) if items and items[0]["sk"] == POST_SK else None
        body = items.pop(0) if items and items[0]["sk"] == POST_BODY_SK else None
        post = None if head is None else stored_post(head, body)
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
        """Create or update a post, its head and body items together; True when it was created.

        One transaction creates the post, conditioned on its absence; when the post exists, its
        cancellation returns the head as it is, and a second transaction updates the head and puts
        the body. The comment count, the creation time and the moment a thread was closed survive
        updates; a head of the layout before the split gives up its body to the body item.
        """
        head_fields = {name: value for name, value in fields.items() if name not in POST_BODY_ATTRIBUTES}
        body = StoredPostBody.model_validate(fields)
        body_put = {"Put": {"TableName": self._table, "Item": post_body_item(slug, body)}}
        for _ in range(TRANSACTION_ATTEMPTS):
            created = StoredPostHead.model_validate(
                {
                    **head_fields,
                    "slug": slug,
                    "published_at": published_at,
                    "updated_at": now,
                    "created_at": now,
                    "closed_at": None if fields["comments_open"] else now,
                    "comment_count": 0,
                    "revision": 1,
                }
            )
            creation = {
                "Put": {
                    "TableName": self._table,
                    "Item": post_head_item(created),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            reasons = run_transaction(self._client, [creation, body_put])
            if reasons is None:
                return StoredPost.model_validate({**created.model_dump(), **body.model_dump()}), True
            if cancellation_codes(reasons)[0] != CONDITION_FAILED:
                continue  # another write on the post won the race
            old = StoredPostHead.model_validate(from_item(reasons[0].get("Item", {})))
            if old.deleting_since is not None:
                # A new post must not inherit the comments a deletion has yet to remove.
                raise PostBeingDeleted
            update, head = self._post_update(slug, head_fields, old, published_at=published_at, now=now)
            if run_transaction(self._client, [update, body_put]) is None:
                return StoredPost.model_validate({**head.model_dump(), **body.model_dump()}), False
            # The head changed since the first transaction read it (another update): start again.
        raise ServiceUnavailable

    def _post_update(
        self,
        slug: str,
        head_fields: Mapping[str, Any],
        old: StoredPostHead,
        *,
        published_at: str | None,
        now: datetime,
    ) -> tuple[dict[str, Any], StoredPostHead]:
        """The update of an existing post's head, conditioned on the revision `old` has, and the
        head it leaves. The count is left to the comments' own writes, so none is lost."""
        comments_open = bool(head_fields["comments_open"])
        values: dict[str, Any] = {**head_fields, "updated_at": format_timestamp(now)}
        optional = {
            "published_at": published_at,
            **post_index_attributes(
                published=published_at is not None,
                category=head_fields["category"],
                comments_open=comments_open,
            ),
        }
        values.update({name: value for name, value in optional.items() if value is not None})
        closed_at = None if comments_open else (old.closed_at or now)
        if closed_at is not None:
            values["closed_at"] = format_timestamp(closed_at)
        removals = [name for name, value in optional.items() if value is None]
        removals += ["closed_at"] if closed_at is None else []
        removals += list(POST_BODY_ATTRIBUTES)
        names = {f"#{name}": name for name in [*values, *removals, "revision"]}
        # A thread closed (by an operator, by the age limit) since `old` was read keeps its moment.
        assignments = [
            f"#{name} = if_not_exists(#{name}, :{name})" if name == "closed_at" else f"#{name} = :{name}"
            for name in values
        ]
        removed = ", ".join(f"#{name}" for name in removals)
        expression = f"SET {', '.join(assignments)} ADD #revision :one REMOVE {removed}"
        update = {
            "Update": {
                "TableName": self._table,
                "Key": post_key(slug),
                "UpdateExpression": expression,
                "ConditionExpression": "#revision = :seen",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_item(
                    {
                        **{f":{name}": value for name, value in values.items()},
                        ":one": 1,
                        ":seen": old.revision,
                    }
                ),
            }
        }
        head = StoredPostHead.model_validate(
            {
                **old.model_dump(),
                **head_fields,
                "published_at": published_at,
                "updated_at": now,
                "closed_at": closed_at,
                "revision": old.revision + 1,
            }
        )
        return update, head

    def delete_post(self, slug: str, *, now: datetime, deadline: float) -> str | None:
        """Delete a post and everything of it (blog.store.post_deletion). Returns None when done, or
        the head's `deleting_since` when `deadline` (time.monotonic()) came first: the post is gone
        for every reader, the rest is left for `continue_post_deletion` with that mark. Deleting a
        post that does not exist changes nothing."""
        from blog.store import post_deletion

        deleting_since = post_deletion.mark_deleting(self._client, self._table, slug, now=now)
        if deleting_since is None or self._finish_post_deletion(
            slug, deleting_since=deleting_since, deadline=deadline
        ):
            return None
        return deleting_since

    def continue_post_deletion(self, slug: str, *, deleting_since: str | None, deadline: float) -> str | None:
        """Go on with the deletion `delete_post` left unfinished, the one whose head is marked
        `deleting_since`: None when done, else that mark again (`deadline` came first). Does nothing
        once the head no longer carries the mark (a post made since is kept). A hand-off of an
        earlier version names no mark: the head's own is taken."""
        from blog.store import post_deletion

        if deleting_since is None:
            deleting_since = post_deletion.current_deletion(self._client, self._table, slug)
            if deleting_since is None:
                return None
        if self._finish_post_deletion(slug, deleting_since=deleting_since, deadline=deadline):
            return None
        return deleting_since

    def _finish_post_deletion(self, slug: str, *, deleting_since: str, deadline: float) -> bool:
        from blog.store import post_deletion

        if not post_deletion.remove_collection(
            self._client, self._table, slug, deleting_since=deleting_since, deadline=deadline
        ):
            return False
        post_deletion.remove_head(self._client, self._table, slug, deleting_since=deleting_since)
        return True

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
        # A post being deleted is gone for every route but its deletion.
        condition = "attribute_exists(pk) AND attribute_not_exists(deleting_since)"
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
        self,
        slug: str,
        comment_id: str,
        action: ModerationAction,
        *,
        spam_purged_at: int | None = None,
        expected_status: CommentStatus | None = None,
    ) -> CommentStatus | None:
        """Approve, mark as spam or delete a comment, keeping the post's count exact.

        Spam is deleted by DynamoDB's TTL at `spam_purged_at` (epoch seconds; None: kept). Returns
        the comment's status afterwards, None when it was removed altogether. `expected_status` is
        the status the caller expects the comment in (else the action's usual one): a right guess
        is one round trip, a wrong one two.
        """
        from blog.store import moderation_writes

        state = moderation_writes.expected_state(action)
        if expected_status is not None:
            state = moderation_writes.CommentState(status=expected_status, replies=0)
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
            subscription_part = moderation_writes.subscription_kept_at(operations)
            if codes[0] == CONDITION_FAILED:
                found = reasons[0].get("Item")
                if not found:
                    raise CommentNotFound
                state = moderation_writes.CommentState.of(from_item(found))
            elif subscription_part is not None and codes[subscription_part] == CONDITION_FAILED:
                state = state.without_subscription()
            elif CONDITION_FAILED in codes:
                # The comment is as expected, but the post whose count it changes is gone.
                raise PostNotFound
            # Otherwise a concurrent write on the same items won: plan again for the same state.
        raise ServiceUnavailable

    def confirm_subscription(self, slug: str, comment_id: str, email_hash: str) -> None:
        """Confirm the reply subscription of a comment (double opt-in); doing it again changes
        nothing. SubscriptionNotFound when there is none for this address."""
        from blog.errors import SubscriptionNotFound
        from blog.store import subscriptions

        try:
            with translated_errors():
                self._client.update_item(
                    **subscriptions.confirmation(self._table, slug, comment_id, email_hash)
                )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise SubscriptionNotFound from error
            raise

    def unsubscribe(self, slug: str, comment_id: str, email_hash: str, *, now: datetime) -> None:
        """End a comment's reply subscription and suppress its address for good, in one transaction;
        doing it again changes nothing."""
        from blog.store import subscriptions

        operations = subscriptions.unsubscription(self._table, slug, comment_id, email_hash, now=now)
        for _ in range(TRANSACTION_ATTEMPTS):
            if run_transaction(self._client, operations) is None:
                return
            # Nothing here is conditional: only a concurrent write on the same items cancels it.
        raise ServiceUnavailable

    def _update_post(self, slug: str, **update: Any) -> dict[str, Any]:
        """Update a post's head item; the head as the update left it, in plain values."""
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
        """What a feed entry needs beyond a post's summary (its HTML and creation time), by slug, in
        one BatchGetItem of each post's head and body; posts that do not exist are left out.

        For the release that reads both layouts: the HTML is the body item's, or the head's where the
        head still holds the body (blogctl migrate rewrites those). At most 50 slugs, each once.
        """
        keys = [key for slug in slugs for key in (post_key(slug), post_body_key(slug))]
        found: dict[str, dict[str, dict[str, Any]]] = {}
        for item in self._batch_get(keys, FEED_CONTENT_ATTRIBUTES):
            found.setdefault(slug_of(str(item["pk"])), {})[str(item["sk"])] = item
        contents = {}
        for slug, items in found.items():
            head, body = items.get(POST_SK), items.get(POST_BODY_SK)
            html = (body or {}).get("content_html", (head or {}).get("content_html"))
            if head is None or html is None:
                continue
            contents[slug] = StoredFeedContent(slug=slug, content_html=html, created_at=head["created_at"])
        return contents

    def _batch_get_posts(self, slugs: Collection[str], attributes: Sequence[str]) -> list[dict[str, Any]]:
        """These attributes of these posts' head items, in plain values, in one BatchGetItem."""
        return self._batch_get([post_key(slug) for slug in slugs], attributes)

    def _batch_get(self, keys: Sequence[dict[str, Any]], attributes: Sequence[str]) -> list[dict[str, Any]]:
        """These attributes of these items, in plain values, in one BatchGetItem.

        Keys DynamoDB leaves unprocessed, as it does when throttled, are asked for again with
        exponential backoff for up to HEADS_RETRY_SECONDS, then the request fails as
        ServiceUnavailable.
        """
        if not keys:
            return []
        names = {f"#{name}": name for name in attributes}
        request: dict[str, Any] = {
            self._table: {
                "Keys": list(keys),
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

    def read_comment_feed(self, slug: str) -> tuple[StoredFeedHead | None, list[StoredFeedComment]]:
        """What a post's comment feed reads: the post's head (title, publication, last edit) and its
        approved comments, newest first; None for the head when there is no post.

        The head is a GetItem issued concurrently with the Query of the comments: one round trip of
        latency. The Query reads the comment range of `Visible` only, never the post's body, and
        projects what an entry shows. It reads the whole range (more pages past 1 MB): `Visible`
        sorts in thread order, where a reply to an old comment sorts before newer top-level ones, so
        no limited read of it holds the newest comments by time.
        """
        with ThreadPoolExecutor(max_workers=1) as executor:
            head = executor.submit(self._feed_head_of, slug)
            names = {f"#{name}": name for name in FEED_COMMENT_ATTRIBUTES}
            request = {
                "TableName": self._table,
                "IndexName": VISIBLE_INDEX,
                "KeyConditionExpression": "pk = :pk AND begins_with(visible_sk, :comments)",
                # Tombstones (deleted comments that keep their replies' place) are not sent back.
                "FilterExpression": "#status = :approved",
                "ExpressionAttributeValues": to_item(
                    {
                        ":pk": post_pk(slug),
                        ":comments": COMMENT_SK_PREFIX,
                        ":approved": CommentStatus.APPROVED.value,
                    }
                ),
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
            comments = [
                StoredFeedComment.model_validate(from_item(item))
                for item in every_item(self._client.query, request)
            ]
            post = head.result()
        # A comment id's last segment is its own creation time to the millisecond (blog.ids);
        # `created_at` keeps whole seconds only.
        comments.sort(key=lambda comment: comment.id.rsplit(SEPARATOR, 1)[-1], reverse=True)
        return post, comments

    def _feed_head_of(self, slug: str) -> StoredFeedHead | None:
        """A post's head as its comment feed shows it; None when there is no post. Eventually
        consistent, as `_publication_of`."""
        names = {f"#{name}": name for name in FEED_HEAD_ATTRIBUTES}
        with translated_errors():
            response = self._client.get_item(
                TableName=self._table,
                Key=post_key(slug),
                ProjectionExpression=", ".join(names),
                ExpressionAttributeNames=names,
            )
        item = response.get("Item")
        return None if item is None else StoredFeedHead.model_validate(from_item(item))

    def reader_items(self, reader: str) -> "ReaderItems":
        """Everything stored under one reader's `ReaderData` partition (blog.store.keys.reader_pk):
        comments with the address, subscriptions, the suppression entry. One Query for a reader's
        first megabyte, more pages beyond."""
        from blog.store.reader_erasure import reader_items_request, sorted_reader_items

        return sorted_reader_items(every_item(self._client.query, reader_items_request(self._table, reader)))

    def erase_reader(
        self, email_hash: str, reader: str, found: "ReaderItems", *, now: datetime
    ) -> "ErasureCounts":
        """Erase what `found` (read by reader_items) holds of a reader and suppress the address, in
        transactions of up to 100 items (blog.store.reader_erasure); what each did, summed.

        A write that changed one of the reader's items meanwhile costs a transaction more; the
        erasure is planned again from the item as the cancellation returns it.
        """
        from blog.store.reader_erasure import ReaderErasure

        erasure = ReaderErasure(self._table, email_hash, reader, found, now=now)
        races = replans = 0
        while (batch := erasure.next_batch()) is not None:
            reasons = run_transaction(self._client, batch.operations)
            if reasons is None:
                erasure.committed(batch)
                races = replans = 0
            elif erasure.cancelled(batch, reasons):
                replans += 1
                if replans > ERASURE_REPLANS:
                    raise ServiceUnavailable
            else:
                # Another write on the same items won the race; nothing was written, so try again.
                races += 1
                if races >= TRANSACTION_ATTEMPTS:
                    raise ServiceUnavailable
                time.sleep(0.05 * races)
        return erasure.counts
