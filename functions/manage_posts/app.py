"""PUT /posts/{slug}: an operator creates or updates a post (AWS_IAM)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from blog import priming, publishing
from blog.http_api import ADMIN_SECURITY, create_resolver, documented, entry_point, json_response, problems
from blog.models import SLUG_MAX_LENGTH, SLUG_PATTERN, Post, PostInput
from blog.settings import get_settings
from blog.store import get_store
from blog.timestamps import utc_now

POST_BODY_LIMIT = 512 * 1024
app = create_resolver()


@app.put(
    "/posts/<slug>",
    operation_id="putPost",
    tags=["Admin"],
    summary="Create or update a post",
    description="Stores the post under `slug`: 201 when it is new, 200 when it replaced one. Without "
    "`published_at` it is a draft, which no public route shows; with one in the future it is scheduled, "
    "public from then on. 409 while a deletion of the slug is unfinished.",
    security=ADMIN_SECURITY,
    responses={
        **documented(HTTPStatus.CREATED, Post, "Created (the answer holds no comments)"),
        **documented(HTTPStatus.OK, Post, "Updated (the answer holds no comments)"),
        **problems(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.CONFLICT,
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.SERVICE_UNAVAILABLE,
        ),
    },
)
def put_post(
    slug: Annotated[str, Path(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)], post: PostInput
) -> Response[str]:
    stored, created = publishing.put_post(get_store(), get_settings(), slug, post, now=utc_now())
    return json_response(stored, status=HTTPStatus.CREATED if created else HTTPStatus.OK)


primer = priming.prime_http(app, bodies={"PUT /posts/{slug}": priming.SAMPLE_POST})
lambda_handler = entry_point(app, max_body_bytes=POST_BODY_LIMIT)
