"""GET /feed.atom, /feed.rss, /posts/{slug}/comments.atom and /comments.atom: the blog's feeds."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from blog import edge, priming, syndication
from blog.http_api import PostSlug, create_resolver, entry_point, feed_response, problems
from blog.settings import get_feed_settings, get_settings
from blog.store import get_store
from blog.syndication import Feed, FeedFormat
from blog.timestamps import utc_now

app = create_resolver()


def _feed(media_type: FeedFormat, description: str) -> dict[int, OpenAPIResponse]:
    return {
        HTTPStatus.OK: {
            "description": description,
            "content": {media_type.value.split(";")[0]: {"schema": {"type": "string"}}},
        },
        HTTPStatus.NOT_MODIFIED: {
            "description": "The client's copy (If-None-Match, If-Modified-Since) is current"
        },
    }


def _answer(feed: Feed, feed_format: FeedFormat, *, category: str | None = None) -> Response[str]:
    settings = get_feed_settings()
    event = app.current_event
    base_url = edge.public_base_url(event.raw_event, get_settings(), public_api_url=settings.public_api_url)
    self_url = syndication.self_url(base_url, event.path, category=category)
    document = syndication.write_feed(feed, feed_format, settings, self_url=self_url)
    return feed_response(
        document.body,
        document.media_type,
        last_modified=document.last_modified,
        max_age_seconds=settings.feed_max_age_seconds,
    )


Category = Annotated[str | None, Query(min_length=1, max_length=80, description="Only this category")]


@app.get(
    "/feed.atom",
    summary="Atom feed of the newest published posts",
    description="Atom 1.0 of the 20 newest published posts (of one category with `category`), each with "
    "its excerpt as summary and its HTML as content. Send If-None-Match or If-Modified-Since: an "
    "unchanged feed is a 304.",
    operation_id="getPostsAtomFeed",
    tags=["Feeds"],
    responses={**_feed(FeedFormat.ATOM, "Atom 1.0"), **problems(HTTPStatus.SERVICE_UNAVAILABLE)},
)
def get_posts_atom_feed(category: Category = None) -> Response[str]:
    feed = syndication.posts_feed(get_store(), get_feed_settings(), category=category, now=utc_now())
    return _answer(feed, FeedFormat.ATOM, category=category)


@app.get(
    "/feed.rss",
    summary="RSS feed of the newest published posts",
    description="RSS 2.0 of the same posts as the Atom feed: the excerpt in `description`, the HTML in "
    "`content:encoded`. Send If-None-Match or If-Modified-Since: an unchanged feed is a 304.",
    operation_id="getPostsRssFeed",
    tags=["Feeds"],
    responses={**_feed(FeedFormat.RSS, "RSS 2.0"), **problems(HTTPStatus.SERVICE_UNAVAILABLE)},
)
def get_posts_rss_feed(category: Category = None) -> Response[str]:
    feed = syndication.posts_feed(get_store(), get_feed_settings(), category=category, now=utc_now())
    return _answer(feed, FeedFormat.RSS, category=category)


@app.get(
    "/posts/<slug>/comments.atom",
    summary="Atom feed of a post's newest approved comments",
    description="Atom 1.0 of the 50 newest approved comments of one published post, newest first; "
    "404 as for the post itself.",
    operation_id="getPostCommentsAtomFeed",
    tags=["Feeds"],
    responses={
        **_feed(FeedFormat.ATOM, "Atom 1.0"),
        **problems(HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE),
    },
)
def get_post_comments_atom_feed(slug: PostSlug) -> Response[str]:
    feed = syndication.post_comments_feed(get_store(), get_feed_settings(), slug, now=utc_now())
    return _answer(feed, FeedFormat.ATOM)


@app.get(
    "/comments.atom",
    summary="Atom feed of the blog's newest approved comments",
    description="Atom 1.0 of the 50 newest approved comments of the whole blog, newest first, leaving "
    "out those of posts that are no longer published.",
    operation_id="getCommentsAtomFeed",
    tags=["Feeds"],
    responses={**_feed(FeedFormat.ATOM, "Atom 1.0"), **problems(HTTPStatus.SERVICE_UNAVAILABLE)},
)
def get_comments_atom_feed() -> Response[str]:
    feed = syndication.comments_feed(get_store(), get_feed_settings(), now=utc_now())
    return _answer(feed, FeedFormat.ATOM)


primer = priming.prime_http(app)
lambda_handler = entry_point(app)
