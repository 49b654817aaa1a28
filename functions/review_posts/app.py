"""GET /admin/posts and GET /admin/posts/{slug}: an editor's drafts, scheduled and published posts,
and a preview of any of them (AWS_IAM)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from blog import editorial, priming
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
from blog.models import EditorialPostPage, PostPreview, PostStatus
from blog.settings import get_settings
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()


@app.get(
    "/admin/posts",
    operation_id="listEditorialPosts",
    tags=["Admin"],
    summary="Drafts, scheduled or published posts, for an editor",
    description="Drafts the latest changed first, scheduled posts the soonest first, published posts the "
    "newest first; each with its `status`, which follows from `published_at` at the time of the request.",
    security=ADMIN_SECURITY,
    responses={
        **documented(HTTPStatus.OK, EditorialPostPage, "A page of posts"),
        **problems(HTTPStatus.BAD_REQUEST, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def list_editorial_posts(
    status: Annotated[PostStatus, Query(description="Which posts to list")],
    limit: Annotated[int, Query(ge=1, le=50, description="Posts per page")] = 20,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> Response[str]:
    page = editorial.editorial_posts(
        get_store(), get_settings(), status, limit=limit, cursor=cursor, now=utc_now()
    )
    return json_response(page)


@app.get(
    "/admin/posts/<slug>",
    operation_id="previewPost",
    tags=["Admin"],
    summary="A post as the public will see it, drafts and scheduled posts included",
    description="The post as getPost answers it once published (sanitized HTML, the first page of "
    "comments), with its `status`. A post being deleted is not found.",
    security=ADMIN_SECURITY,
    responses={
        **documented(HTTPStatus.OK, PostPreview, "The post"),
        **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def preview_post(slug: PostSlug) -> Response[str]:
    return json_response(editorial.preview_post(get_store(), get_settings(), slug, now=utc_now()))


primer = priming.prime_http(app, queries={"GET /admin/posts": {"status": PostStatus.DRAFT.value}})
lambda_handler = entry_point(app)
