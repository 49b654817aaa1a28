"""POST /posts/{slug}/close and /reopen: an operator closes or reopens a comment thread (AWS_IAM)."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from blog import priming, publishing
from blog.http_api import (
    ADMIN_SECURITY,
    PostSlug,
    create_resolver,
    documented,
    entry_point,
    json_response,
    problems,
)
from blog.models import ThreadState
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()
RESPONSES = {
    **documented(HTTPStatus.OK, ThreadState, "The thread's state"),
    **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
}


@app.post(
    "/posts/<slug>/close",
    operation_id="closeThread",
    tags=["Moderation"],
    summary="Close a thread",
    description="The post takes no more comments; those it has stay readable. Closing a closed "
    "thread changes nothing.",
    responses=RESPONSES,
    security=ADMIN_SECURITY,
)
def close_thread(slug: PostSlug) -> Response[str]:
    return json_response(publishing.close_thread(get_store(), slug, now=utc_now()))


@app.post(
    "/posts/<slug>/reopen",
    operation_id="reopenThread",
    tags=["Moderation"],
    summary="Reopen a thread",
    description="The post takes comments again. Reopening an open thread changes nothing.",
    responses=RESPONSES,
    security=ADMIN_SECURITY,
)
def reopen_thread(slug: PostSlug) -> Response[str]:
    return json_response(publishing.reopen_thread(get_store(), slug, now=utc_now()))


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
