"""GET /posts: published posts, newest first, a page at a time, read from the summaries index;
GET /comments/counts and GET /comments/recent, what a post list shows beside its posts."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import StringConstraints

from blog import comment_activity, priming, reading
from blog.comment_activity import MAX_COUNTED_POSTS
from blog.cursor import MAX_CURSOR_LENGTH
from blog.http_api import create_resolver, documented, entry_point, json_response, problems
from blog.models import SLUG_MAX_LENGTH, SLUG_PATTERN, CommentCounts, PostPage, RecentComments
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


@app.get(
    "/comments/counts",
    summary="Approved comments of each post named",
    description="The number of approved comments of each post named, in one request: what a post list "
    "shows beside its posts. A slug named twice counts once; a post that does not exist or is not "
    "published (a draft, a scheduled post) counts 0.",
    operation_id="getCommentCounts",
    tags=["Comments"],
    responses={
        **documented(HTTPStatus.OK, CommentCounts, "A count per slug"),
        **problems(HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def get_comment_counts(
    slug: Annotated[
        list[Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=SLUG_MAX_LENGTH)]],
        Query(
            min_length=1,
            max_length=MAX_COUNTED_POSTS,
            description="A post's slug; repeat it for each post (a slug named twice counts once)",
        ),
    ],
) -> Response[str]:
    counts = comment_activity.comment_counts(get_store(), slug, now=utc_now())
    return json_response(counts, public=True)


@app.get(
    "/comments/recent",
    summary="The blog's newest approved comments, with their posts",
    description="The newest approved comments of the whole blog, newest first, each with the slug and "
    "title of its post; comments of posts that are no longer published are left out.",
    operation_id="getRecentComments",
    tags=["Comments"],
    responses={
        **documented(HTTPStatus.OK, RecentComments, "Newest first"),
        **problems(HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def get_recent_comments(
    limit: Annotated[int, Query(ge=1, le=50, description="Comments to answer with")] = 10,
) -> Response[str]:
    recent = comment_activity.recent_comments(get_store(), limit=limit, now=utc_now())
    return json_response(recent, public=True)


primer = priming.prime_http(app, queries={"GET /comments/counts": {"slug": priming.PRIMING_SLUG}})
lambda_handler = entry_point(app)
