"""DELETE /posts/{slug}: an operator deletes a post with its comments (AWS_IAM). What does not fit
the request's time goes on in an asynchronous run of this function, which hands itself on likewise."""

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from blog import editorial, priming
from blog.http_api import ADMIN_SECURITY, PostSlug, create_resolver, entry_point, problems
from blog.models import is_slug
from blog.store import get_store
from blog.telemetry import logger
from blog.timestamps import utc_now

CONTINUATION = "continue_post_deletion"
"""The key of the event an asynchronous run gets: the slug of the post whose deletion it goes on with."""
DELETING_SINCE = "deleting_since"
"""The event's other key: the mark on the post's head of the deletion to go on with (a post made
since, or deleted anew, is not this run's)."""
app = create_resolver()


@app.delete(
    "/posts/<slug>",
    operation_id="deletePost",
    tags=["Admin"],
    summary="Delete a post with its comments",
    description="The post is gone from every public route at once; its comments, their duplicate "
    "guards, idempotency records and subscriptions follow (a post with very many comments finishes "
    "in the background). Deleting it again, or a post that does not exist, is 204 too; a slug no post "
    "can have is 404. Until the deletion is finished, a `PUT` of the slug is 409.",
    security=ADMIN_SECURITY,
    responses={
        # No content: without the empty map Powertools would document the return annotation's.
        HTTPStatus.NO_CONTENT: {"description": "Deleted", "content": {}},
        **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def delete_post(slug: PostSlug) -> Response[None]:
    context = app.lambda_context
    editorial.delete_post(
        get_store(), slug, now=utc_now(), deadline=editorial.deadline_of(context), hand_off=_hand_off(context)
    )
    return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Cache-Control": "no-store"})


HAND_OFF_ATTEMPTS = 2
HAND_OFF_CONNECT_TIMEOUT_SECONDS = 0.25
HAND_OFF_READ_TIMEOUT_SECONDS = 0.5
"""An asynchronous invocation is queued in milliseconds; every attempt, with the backoff between
them (at most a second), fits the time a run keeps for its hand-off and its answer
(editorial.TIME_KEPT_SECONDS), so a slow Lambda API makes a 503, never a timed-out request."""


def _lambda_client() -> Any:
    """Made when a run hands off, which most never do."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": HAND_OFF_ATTEMPTS},
        connect_timeout=HAND_OFF_CONNECT_TIMEOUT_SECONDS,
        read_timeout=HAND_OFF_READ_TIMEOUT_SECONDS,
    )
    return boto3.client("lambda", config=config)


def _hand_off(context: LambdaContext) -> editorial.HandOff:
    """Invoke this very function (its alias, as this run was invoked) asynchronously for the rest."""

    def continue_later(slug: str, deleting_since: str) -> None:
        _lambda_client().invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps({CONTINUATION: slug, DELETING_SINCE: deleting_since}).encode(),
        )

    return continue_later


primer = priming.prime_http(app)
_http_handler = entry_point(app)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if CONTINUATION not in event:
        return _http_handler(event, context)
    # Lambda retries a failed asynchronous run; a slug no post can have is dropped.
    slug = event[CONTINUATION]
    # Absent from the events of an earlier version, which the head's own mark then stands for.
    deleting_since = event.get(DELETING_SINCE)
    if isinstance(slug, str) and is_slug(slug) and isinstance(deleting_since, str | None):
        # Named in the log, so that an operator whose alarm fires knows which post to DELETE again.
        logger.info("going on with the deletion of a post", extra={"post_slug": slug})
        editorial.continue_post_deletion(
            get_store(),
            slug,
            deleting_since=deleting_since,
            deadline=editorial.deadline_of(context),
            hand_off=_hand_off(context),
        )
    return {}
