"""GET and POST /actions/{token}: the links of owner and reader mails, as small HTML pages."""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from blog import action_pages, mail_actions, priming
from blog.action_tokens import MailAction, issue_action_token
from blog.errors import BlogError
from blog.http_api import create_resolver, entry_point, status_of
from blog.settings import get_action_page_settings, get_settings
from blog.store import get_store
from blog.telemetry import logger
from blog.timestamps import utc_now

app = create_resolver(json_api=False)


def _html(status: HTTPStatus, body: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type=action_pages.HTML,
        body=body,
        headers=dict(action_pages.ACTION_PAGE_HEADERS),
    )


def _error_page(status: HTTPStatus) -> Response[str]:
    settings = get_action_page_settings()
    page = action_pages.error_page(
        status, blog_language=settings.blog_language, blog_title=settings.blog_title
    )
    return _html(status, page)


@app.exception_handler(BlogError)
def _refused(error: BlogError) -> Response[str]:
    return _error_page(status_of(error))


@app.exception_handler(NotFoundError)
def _no_route(_: NotFoundError) -> Response[str]:
    return _error_page(HTTPStatus.NOT_FOUND)


@app.exception_handler(Exception)
def _failed(_: Exception) -> Response[str]:
    logger.exception("mail action failed unexpectedly")
    return _error_page(HTTPStatus.INTERNAL_SERVER_ERROR)


def _pages(success: str) -> dict[int, OpenAPIResponse]:
    statuses = {
        HTTPStatus.OK: success,
        HTTPStatus.BAD_REQUEST: "The link is malformed or was altered",
        HTTPStatus.NOT_FOUND: "The comment or the subscription no longer exists",
        HTTPStatus.GONE: "The link has expired (after 7 days; an unsubscribe link never does)",
        HTTPStatus.UNPROCESSABLE_ENTITY: "Never: every token is answered with one of the pages above",
        HTTPStatus.SERVICE_UNAVAILABLE: "The service is busy; try again shortly",
    }
    return {
        status: {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}
        for status, description in statuses.items()
    }


@app.get(
    "/actions/<token>",
    operation_id="showMailAction",
    tags=["Mail actions"],
    summary="The page of a mail link: what it will do, and one button",
    description="Changes nothing (mail scanners open links): an HTML page that names the action and "
    "has one button, which POSTs to the same address.",
    responses=_pages("The page naming the action"),
)
def show_mail_action(token: str) -> Response[str]:
    settings = get_action_page_settings()
    action_token = mail_actions.look_at(token, now=utc_now())
    page = action_pages.question_page(
        action_token, blog_language=settings.blog_language, blog_title=settings.blog_title
    )
    return _html(HTTPStatus.OK, page)


@app.post(
    "/actions/<token>",
    operation_id="carryOutMailAction",
    tags=["Mail actions"],
    summary="Do what a mail link says: approve, spam, delete, confirm, unsubscribe",
    description="Acts once; again, it changes nothing and answers the same. Any body is ignored, so "
    "RFC 8058's one-click unsubscribe (`List-Unsubscribe=One-Click`, form-urlencoded or multipart) "
    "works as the page's button does.",
    responses=_pages("Done (or done before)"),
)
def carry_out_mail_action(token: str) -> Response[str]:
    settings = get_action_page_settings()
    action_token = mail_actions.carry_out(get_store(), get_settings(), token, now=utc_now())
    logger.info("mail action carried out", extra={"action": str(action_token.action)})
    page = action_pages.done_page(
        action_token,
        blog_language=settings.blog_language,
        blog_title=settings.blog_title,
        post_url=None
        if action_token.action is MailAction.UNSUBSCRIBE
        else settings.post_url(action_token.slug),
    )
    return _html(HTTPStatus.OK, page)


def _priming_link() -> str:
    return issue_action_token(
        MailAction.APPROVE, priming.PRIMING_SLUG, priming.PRIMING_COMMENT_ID, now=utc_now()
    )


def _refused_early(status: HTTPStatus, _detail: str, _reason: str | None) -> Response[str]:
    return _error_page(status)


primer = priming.prime_http(app, path_values={"token": _priming_link})
# A one-click body is a few hundred bytes; a link's page needs none.
lambda_handler = entry_point(app, max_body_bytes=8 * 1024, json_bodies=False, refuse=_refused_early)
