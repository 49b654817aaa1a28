"""POST /posts/{slug}/comments: a reader's comment, stored in one transaction."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.metrics import MetricUnit

from blog import commenting, edge, priming
from blog.http_api import PostSlug, create_resolver, documented, entry_point, json_response, problems
from blog.models import IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN, Comment, NewComment
from blog.settings import get_settings
from blog.store import get_store
from blog.telemetry import metrics
from blog.timestamps import utc_now


def _rejected(reason: str) -> None:
    metrics.add_dimension(name="reason", value=reason)
    metrics.add_metric(name="CommentRejected", unit=MetricUnit.Count, value=1)


app = create_resolver(on_refused=_rejected)


@app.post(
    "/posts/<slug>/comments",
    operation_id="submitComment",
    tags=["Comments"],
    summary="Comment on a post, or reply to one of its comments",
    description="Stores the comment in one transaction. It is published at once (`approved`) or held "
    "for moderation (`pending`), as the blog is configured. Send an `Idempotency-Key` to make a retry "
    "safe: the same key with the same comment answers the stored comment again.",
    responses={
        **documented(HTTPStatus.CREATED, Comment, "Stored: approved, or pending moderation"),
        **problems(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.TOO_MANY_REQUESTS,
            HTTPStatus.SERVICE_UNAVAILABLE,
        ),
    },
)
def submit_comment(
    slug: PostSlug,
    comment: NewComment,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Makes a retry safe",
        ),
    ] = None,
) -> Response[str]:
    settings = get_settings()
    submitted = commenting.submit_comment(
        get_store(),
        settings,
        slug,
        comment,
        client_address=edge.client_address(app.current_event.raw_event, settings),
        idempotency_key=idempotency_key,
        now=utc_now(),
    )
    headers = {"Location": f"/posts/{slug}/comments/{submitted.comment.id}"}
    if submitted.replayed:
        headers["Idempotent-Replayed"] = "true"
    else:
        metrics.add_metadata(key="status", value=submitted.stored_status.value)
        metrics.add_metric(name="CommentAccepted", unit=MetricUnit.Count, value=1)
    return json_response(submitted.comment, status=HTTPStatus.CREATED, headers=headers)


primer = priming.prime_http(
    app,
    bodies={"POST /posts/{slug}/comments": {"author_name": "SnapStart", "content": "Priming *Markdown*."}},
)
lambda_handler = entry_point(app)
