"""POST /posts/{slug}/close and /reopen: an operator closes or reopens a comment thread (AWS_IAM)."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from blog import priming, publishing
from blog.http import ADMIN_SECURITY, create_resolver, documented, entry_point, json_response, problems
from blog.models import ThreadState
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()
RESPONSES = {
    **documented(HTTPStatus.OK, ThreadState, "The thread's state"),
    **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
}


@app.post("/posts/<slug>/close", summary="Close a thread", responses=RESPONSES, security=ADMIN_SECURITY)
def close_thread(slug: str) -> Response[str]:
    return json_response(publishing.close_thread(get_store(), slug, now=utc_now()))


@app.post("/posts/<slug>/reopen", summary="Reopen a thread", responses=RESPONSES, security=ADMIN_SECURITY)
def reopen_thread(slug: str) -> Response[str]:
    return json_response(publishing.reopen_thread(get_store(), slug, now=utc_now()))


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
