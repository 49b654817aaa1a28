"""GET /posts: published posts, newest first, a page at a time, read from the summaries index."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from blog import priming, reading
from blog.cursor import MAX_CURSOR_LENGTH
from blog.http_api import create_resolver, documented, entry_point, json_response, problems
from blog.models import PostPage
from blog.settings import get_settings
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()


@app.get(
    "/posts",
    operation_id="listPosts",
    tags=["Posts"],
    summary="List published posts, newest first",
    description="A page of published posts (drafts and scheduled posts are left out), newest first, "
    "without their bodies. Follow `next_cursor` for the next page; filter by `category`.",
    responses={
        **documented(HTTPStatus.OK, PostPage, "A page of post summaries"),
        **problems(HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def list_posts(
    limit: Annotated[int, Query(ge=1, le=50, description="Posts per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of a page")
    ] = None,
    category: Annotated[
        str | None, Query(min_length=1, max_length=80, description="Only this category")
    ] = None,
) -> Response[str]:
    page = reading.list_posts(
        get_store(), get_settings(), limit=limit, cursor=cursor, category=category, now=utc_now()
    )
    return json_response(page, public=True)


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
