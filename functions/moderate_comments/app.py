"""The moderation queue, and approve, spam and delete for one comment (AWS_IAM)."""

from http import HTTPStatus
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from blog import moderating, priming
from blog.cursor import MAX_CURSOR_LENGTH
from blog.http_api import (
    ADMIN_SECURITY,
    PostSlug,
    create_resolver,
    documented,
    entry_point,
    json_response,
    problems,
)
from blog.models import ModeratedComment, ModerationAction, PendingPage
from blog.settings import get_settings
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()
MODERATED = {
    **documented(HTTPStatus.OK, ModeratedComment, "The comment's new status"),
    **problems(HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.SERVICE_UNAVAILABLE),
}


@app.get(
    "/comments",
    operation_id="listPendingComments",
    tags=["Moderation"],
    summary="Comments held for moderation, oldest first",
    description="A page of the comments waiting for a decision, across every post, oldest first.",
    security=ADMIN_SECURITY,
    responses={
        **documented(HTTPStatus.OK, PendingPage, "A page of the queue"),
        **problems(HTTPStatus.BAD_REQUEST, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def list_pending_comments(
    # Only held comments have a queue; the parameter is there so that ?status=spam is a clear 422.
    status: Annotated[Literal["pending"], Query(description="Only held comments have a queue")] = "pending",  # noqa: ARG001
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> Response[str]:
    page = moderating.pending_comments(get_store(), limit=limit, cursor=cursor)
    return json_response(page)


@app.post(
    "/posts/<slug>/comments/<comment_id>/approve",
    operation_id="approveComment",
    tags=["Moderation"],
    summary="Publish a comment",
    description="The comment becomes public (`approved`) and counts in its post's `comment_count`.",
    security=ADMIN_SECURITY,
    responses=MODERATED,
)
def approve_comment(slug: PostSlug, comment_id: str) -> Response[str]:
    return json_response(
        moderating.moderate(
            get_store(), get_settings(), slug, comment_id, ModerationAction.APPROVE, now=utc_now()
        )
    )


@app.post(
    "/posts/<slug>/comments/<comment_id>/spam",
    operation_id="markCommentAsSpam",
    tags=["Moderation"],
    summary="Mark a comment as spam",
    description="The comment is hidden from the public and no longer counts in its post's `comment_count`.",
    security=ADMIN_SECURITY,
    responses=MODERATED,
)
def mark_comment_as_spam(slug: PostSlug, comment_id: str) -> Response[str]:
    return json_response(
        moderating.moderate(
            get_store(), get_settings(), slug, comment_id, ModerationAction.SPAM, now=utc_now()
        )
    )


@app.delete(
    "/posts/<slug>/comments/<comment_id>",
    operation_id="deleteComment",
    tags=["Moderation"],
    summary="Delete a comment (a tombstone stays where it has replies)",
    description="Removes the comment; where it has replies, a tombstone (`status: deleted`, no "
    "content) keeps the thread readable.",
    security=ADMIN_SECURITY,
    responses={
        # No content: without the empty map Powertools would document the return annotation's.
        HTTPStatus.NO_CONTENT: {"description": "Deleted", "content": {}},
        **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def delete_comment(slug: PostSlug, comment_id: str) -> Response[None]:
    moderating.delete_comment(get_store(), slug, comment_id)
    return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Cache-Control": "no-store"})


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
