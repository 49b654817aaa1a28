"""GET and POST /actions/{token}: the links of owner and reader mails, as small HTML pages."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from blog import action_pages, mail_actions, priming
from blog.action_tokens import MAX_TOKEN_LENGTH, TOKEN_PATTERN, MailAction, issue_action_token
from blog.http_api import create_resolver, entry_point
from blog.settings import get_action_page_settings, get_settings
from blog.store import get_store
from blog.telemetry import logger
from blog.timestamps import utc_now


def _error_page(status: HTTPStatus) -> Response[str]:
    settings = get_action_page_settings()
    page = action_pages.error_page(
        status, blog_language=settings.blog_language, blog_title=settings.blog_title
    )
    return action_pages.page_response(status, page)


app = create_resolver(error_page=_error_page)


def _pages(success: str, *more: tuple[HTTPStatus, str]) -> dict[int, OpenAPIResponse]:
    statuses = {
        HTTPStatus.OK: success,
        HTTPStatus.BAD_REQUEST: "The link is malformed or was altered",
        HTTPStatus.GONE: "The link has expired (after 7 days; an unsubscribe link never does)",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "A body over 8 KB (a one-click body has a few dozen bytes)",
        # In place of Powertools' default 422: a token not of a token's form is a 400 page too.
        HTTPStatus.UNPROCESSABLE_ENTITY: "Not sent: a malformed link is a 400 page",
        HTTPStatus.SERVICE_UNAVAILABLE: "The service is busy; try again shortly",
        **dict(more),
    }
    return {
        status: {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}
        for status, description in statuses.items()
    }


Token = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        pattern=TOKEN_PATTERN,
        description="The signed token of a mail link: opaque, as the mail gives it",
    ),
]


@app.get(
    "/actions/<token>",
    operation_id="showMailAction",
    tags=["Mail"],
    summary="The page of a mail link: what it will do, and one button",
    description="Changes nothing (mail scanners open links): an HTML page that names the action and "
    "has one button, which POSTs to the same address.",
    responses=_pages("The page naming the action"),
)
def show_mail_action(token: Token) -> Response[str]:
    settings = get_action_page_settings()
    action_token = mail_actions.look_at(token, now=utc_now())
    page = action_pages.question_page(
        action_token, blog_language=settings.blog_language, blog_title=settings.blog_title
    )
    return action_pages.page_response(HTTPStatus.OK, page)


@app.post(
    "/actions/<token>",
    operation_id="carryOutMailAction",
    tags=["Mail"],
    summary="Do what a mail link says: approve, spam, delete, confirm, unsubscribe",
    description="Acts once; again, it changes nothing and answers the same. Any body is ignored, so "
    "RFC 8058's one-click unsubscribe (`List-Unsubscribe=One-Click`, form-urlencoded or multipart) "
    "works as the page's button does.",
    responses=_pages(
        "Done (or done before)",
        (HTTPStatus.NOT_FOUND, "The comment, its post or the subscription no longer exists"),
        (HTTPStatus.CONFLICT, "The comment was deleted: it can no longer be approved or marked as spam"),
    ),
)
def carry_out_mail_action(token: Token) -> Response[str]:
    settings = get_action_page_settings()
    done = mail_actions.carry_out(get_store(), get_settings(), token, now=utc_now())
    logger.info("mail action carried out", extra={"action": str(done.action)})
    post_url = None if done.action is MailAction.UNSUBSCRIBE else settings.post_url(done.slug)
    page = action_pages.done_page(
        done, blog_language=settings.blog_language, blog_title=settings.blog_title, post_url=post_url
    )
    return action_pages.page_response(HTTPStatus.OK, page)


def _priming_link() -> str:
    return issue_action_token(
        MailAction.APPROVE, priming.PRIMING_SLUG, priming.PRIMING_COMMENT_ID, now=utc_now()
    )


primer = priming.prime_http(app, path_values={"token": _priming_link})
# A one-click body is a few dozen bytes; a link's page needs none. Mail links lead to the API itself,
# never through the CDN, whose access logs would record their tokens.
lambda_handler = entry_point(
    app, max_body_bytes=8 * 1024, error_page=_error_page, reached_around_the_cdn=True
)
