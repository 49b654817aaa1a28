"""GET /posts/{slug} with its comments, GET /posts/{slug}/comments, and GET /openapi.json."""

from http import HTTPStatus
from pathlib import Path
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from blog import priming, reading
from blog.cursor import MAX_CURSOR_LENGTH
from blog.http import JSON, create_resolver, documented, entry_point, json_response, problems
from blog.models import CommentPage, Post
from blog.settings import get_settings
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()


@app.get(
    "/posts/<slug>",
    summary="A published post with its first page of comments in thread order",
    responses={
        **documented(HTTPStatus.OK, Post, "The post"),
        **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def get_post(slug: str) -> Response[str]:
    post = reading.get_post(get_store(), get_settings(), slug, now=utc_now())
    return json_response(post, public=True)


@app.get(
    "/posts/<slug>/comments",
    summary="More of a post's comments, in thread order",
    responses={
        **documented(HTTPStatus.OK, CommentPage, "A page of comments"),
        **problems(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.SERVICE_UNAVAILABLE,
        ),
    },
)
def list_comments(
    slug: str,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of a page")
    ] = None,
) -> Response[str]:
    page = reading.list_comments(get_store(), slug, cursor=cursor, now=utc_now())
    return json_response(page, public=True)


@app.get(
    "/openapi.json",
    summary="The OpenAPI document of the whole API",
    responses={
        HTTPStatus.OK: {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}}
    },
)
def get_openapi_document() -> Response[str]:
    # Imported on the first request, not at cold start: blog.openapi needs Powertools' OpenAPI
    # models, which every GET /posts/{slug} would otherwise pay for.
    from blog.openapi import whole_api_response

    return whole_api_response(Path(__file__).parent.parent)


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
