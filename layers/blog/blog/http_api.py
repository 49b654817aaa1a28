"""HTTP for every function: the resolver, JSON and problem+json answers, conditional GETs.

Errors map to HTTP here and nowhere else: domain errors (blog.errors), Powertools' own validation
errors and anything unexpected all end as `application/problem+json` (RFC 9457), never a stack
trace.
"""

import email.utils
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AfterValidator, BaseModel, ConfigDict

from blog.errors import (
    ActionTokenExpired,
    BlogError,
    CommentDeleted,
    CommentNotFound,
    CommentsClosed,
    ContentTooLarge,
    DuplicateComment,
    IdempotencyKeyReused,
    InvalidActionToken,
    InvalidCursor,
    ParentNotFound,
    PostBeingDeleted,
    PostNotFound,
    RateLimited,
    ServiceUnavailable,
    SubscriptionNotFound,
    ThreadTooDeep,
)
from blog.models import is_slug
from blog.settings import get_settings
from blog.telemetry import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, SecurityScheme


def _post_that_can_exist(slug: str) -> str:
    # Raised, not a validation error: a name no post can have is answered as any unknown post is.
    if not is_slug(slug):
        raise PostNotFound
    return slug


PostSlug = Annotated[str, AfterValidator(_post_that_can_exist)]
"""The `{slug}` of a route that reads or changes a post: a slug no post can have is a 404, as an
unknown post is (the one place the slug is checked; `PUT /posts/{slug}`, which names a new post,
refuses a malformed slug with a 422 instead)."""

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "/problems/"

_STATUS_OF: dict[type[BlogError], HTTPStatus] = {
    InvalidCursor: HTTPStatus.BAD_REQUEST,
    InvalidActionToken: HTTPStatus.BAD_REQUEST,
    ActionTokenExpired: HTTPStatus.GONE,
    CommentsClosed: HTTPStatus.FORBIDDEN,
    PostNotFound: HTTPStatus.NOT_FOUND,
    CommentNotFound: HTTPStatus.NOT_FOUND,
    SubscriptionNotFound: HTTPStatus.NOT_FOUND,
    CommentDeleted: HTTPStatus.CONFLICT,
    PostBeingDeleted: HTTPStatus.CONFLICT,
    DuplicateComment: HTTPStatus.CONFLICT,
    ContentTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ParentNotFound: HTTPStatus.UNPROCESSABLE_ENTITY,
    ThreadTooDeep: HTTPStatus.UNPROCESSABLE_ENTITY,
    IdempotencyKeyReused: HTTPStatus.UNPROCESSABLE_ENTITY,
    RateLimited: HTTPStatus.TOO_MANY_REQUESTS,
    ServiceUnavailable: HTTPStatus.SERVICE_UNAVAILABLE,
}
_ALWAYS = {"X-Content-Type-Options": "nosniff"}
DEFAULT_BODY_LIMIT = 64 * 1024

ADMIN_SECURITY: list[dict[str, list[str]]] = [{"sigv4": []}]
"""The OpenAPI security of the AWS_IAM routes."""


@cache
def security_schemes() -> dict[str, "SecurityScheme"]:
    """The OpenAPI security schemes of the API: SigV4 on the admin routes.

    Made on first use: Powertools' OpenAPI models take some 35 ms to import, which would be
    cold-start time of every function, and only the OpenAPI document needs them.
    """
    from aws_lambda_powertools.event_handler.openapi.models import APIKey

    return {
        "sigv4": APIKey.model_validate(
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    "AWS Signature Version 4 (service execute-api); API Gateway checks it with IAM."
                ),
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
        )
    }


class BlogResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, its OpenAPI security schemes added when a document is made."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> "OpenAPI":
        if self.openapi_config.security_schemes is None:
            self.openapi_config = replace(self.openapi_config, security_schemes=security_schemes())
        return super().get_openapi_schema(*args, **kwargs)


class ProblemError(BaseModel):
    """One invalid part of a request."""

    # Built on the first problem, not at import: most requests answer without one.
    model_config = ConfigDict(defer_build=True)

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem document: what every failed request answers."""

    model_config = ConfigDict(defer_build=True)

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_response(
    content: BaseModel | str,
    *,
    status: int = HTTPStatus.OK,
    public: bool = False,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """A JSON answer of a model, or of a document already serialised (a `str`).

    `public` ones may be cached for `CacheMaxAgeSeconds` and carry an ETag.
    """
    cache_control = f"public, max-age={get_settings().cache_max_age_seconds}" if public else "no-store"
    return Response(
        status_code=status,
        content_type=JSON,
        body=content if isinstance(content, str) else content.model_dump_json(),
        headers={**_ALWAYS, "Cache-Control": cache_control, **(headers or {})},
    )


def problem_response(
    status: HTTPStatus,
    detail: str,
    *,
    reason: str | None = None,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """A problem+json answer; `reason` names its type, else the status phrase does."""
    problem = Problem(
        type=PROBLEM_TYPE_BASE + (reason or status.phrase.lower().replace(" ", "-")),
        title=status.phrase,
        status=status,
        detail=detail,
        errors=errors,
    )
    return Response(
        status_code=status,
        content_type=PROBLEM_JSON,
        body=problem.model_dump_json(exclude_none=True),
        headers={**_ALWAYS, "Cache-Control": "no-store", **(headers or {})},
    )


def status_of(error: BlogError) -> HTTPStatus:
    """The HTTP status a domain error answers with."""
    for error_class in type(error).__mro__:
        if error_class in _STATUS_OF:
            return _STATUS_OF[error_class]
    return HTTPStatus.INTERNAL_SERVER_ERROR


def blog_error_response(error: BlogError) -> Response[str]:
    """The problem answer of a domain error, with Retry-After where waiting helps.

    A server-side failure is logged with its cause (and the request's correlation id); the answer
    names neither.
    """
    status = status_of(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.warning("request failed: %s", error.reason, exc_info=error)
    headers = {}
    if isinstance(error, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return problem_response(status, error.detail, reason=error.reason, headers=headers)


def validation_error_response(error: RequestValidationError) -> Response[str]:
    """Powertools' request validation errors as a problem: 400 for an unreadable body, else 422."""
    found = error.errors()
    unreadable = [entry for entry in found if entry.get("type") == "json_invalid"]
    if unreadable:
        reason = (unreadable[0].get("ctx") or {}).get("error")
        return problem_response(
            HTTPStatus.BAD_REQUEST,
            f"The request body is not valid JSON: {reason}."
            if reason
            else "The request body is not valid JSON.",
            reason="malformed-json",
        )
    return problem_response(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The request is not valid; see errors.",
        reason="validation-error",
        errors=[
            ProblemError(loc=list(entry["loc"]), msg=str(entry.get("msg", "invalid"))) for entry in found
        ],
    )


def _unsupported_media_type(_: RequestUnsupportedContentType | None = None) -> Response[str]:
    return problem_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.")


def _undecodable_body(_: UnicodeDecodeError) -> Response[str]:
    return problem_response(
        HTTPStatus.BAD_REQUEST, "The request body is not UTF-8 text.", reason="malformed-body"
    )


def _no_route(_: NotFoundError) -> Response[str]:
    return problem_response(HTTPStatus.NOT_FOUND, "No such resource.")


def _service_error(error: ServiceError) -> Response[str]:
    return problem_response(HTTPStatus(error.status_code), str(error.msg))


def _unexpected(_: Exception) -> Response[str]:
    logger.exception("request failed unexpectedly")
    return problem_response(
        HTTPStatus.INTERNAL_SERVER_ERROR, "The request failed; the error has been logged."
    )


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _DuplicateKey
    return found


def _read_json_body(text: str) -> Any:
    # Every failure is a JSONDecodeError, which Powertools' validation and _require_json_object
    # answer with a 400: json.loads also raises RecursionError (nesting deeper than the recursion
    # limit) and ValueError (an integer of more than 4,300 digits). A key twice in one object is
    # refused: RFC 8259 leaves open which one counts, and parsers differ.
    try:
        return json.loads(text, object_pairs_hook=_object_without_duplicate_keys)
    except json.JSONDecodeError:
        raise
    except _DuplicateKey:
        reason = "an object has the same key twice"
    except RecursionError:
        reason = "it is nested too deeply"
    except ValueError:
        reason = "a number has too many digits"
    raise json.JSONDecodeError(reason, text, 0) from None


def _unreadable(error: json.JSONDecodeError) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "loc": ("body", error.pos),
                "msg": "JSON decode error",
                "type": "json_invalid",
                "ctx": {"error": error.msg},
            }
        ]
    )


def _require_json_object(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Refuse a body, on any route, that is not a JSON object.

    Powertools' validation takes the first element of a JSON array as the model (a shortcut meant
    for form fields), so `[{...}, {...}]` would pass as one comment. A route that takes no body
    refuses an unreadable one as well (a 400, whatever the parser raised), as the others do.
    """
    event = app.current_event
    if event.body:
        try:
            body = event.json_body
        except json.JSONDecodeError as error:
            raise _unreadable(error) from None
        if not isinstance(body, dict):
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "Input should be a JSON object", "type": "model_type"}]
            )
    return next_middleware(app)


def _conditional_get(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Give public GET answers an ETag, and answer 304 when the client already has that version."""
    response = next_middleware(app)
    if (
        app.current_event.http_method != "GET"
        or response.status_code != HTTPStatus.OK
        or not isinstance(response.body, str)
    ):
        return response
    etag = '"' + hashlib.sha256(response.body.encode()).hexdigest()[:32] + '"'
    response.headers["ETag"] = etag
    last_modified = response.headers.get("Last-Modified")
    if _not_modified(
        app.current_event.headers, etag, last_modified if isinstance(last_modified, str) else None
    ):
        return Response(
            status_code=HTTPStatus.NOT_MODIFIED,
            headers={key: value for key, value in response.headers.items() if key != "Content-Type"},
            body=None,
        )
    return response


def _http_date(value: str | None) -> datetime | None:
    """An HTTP date (RFC 9110), or None for none or one that is not a date (which is ignored)."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _not_modified(request_headers: Mapping[str, str], etag: str, last_modified: str | None) -> bool:
    """Whether the client's copy is current: If-None-Match names the ETag, or (only without
    If-None-Match, as RFC 9110 orders them) If-Modified-Since is exactly the Last-Modified.

    Exactly, not "no earlier": a feed's Last-Modified is its newest entry's, which goes back in time
    when that entry leaves (a post withdrawn, a comment removed), so a client's later date would
    still match a document that has changed since (docs/DESIGN.md, decision log).
    """
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in candidates or "*" in candidates
    since = _http_date(request_headers.get("if-modified-since"))
    modified = _http_date(last_modified)
    return since is not None and modified is not None and modified == since


def feed_response(
    body: str, media_type: str, *, last_modified: datetime, max_age_seconds: int
) -> Response[str]:
    """A feed: public for `max_age_seconds`, with Last-Modified (the ETag and 304s are added to every
    public GET answer alike)."""
    return Response(
        status_code=HTTPStatus.OK,
        content_type=media_type,
        body=body,
        headers={
            **_ALWAYS,
            "Cache-Control": f"public, max-age={max_age_seconds}",
            "Last-Modified": email.utils.format_datetime(last_modified.astimezone(UTC), usegmt=True),
        },
    )


ErrorPage = Callable[[HTTPStatus], Response[str]]
"""The HTML page of a failure with this status, for routes that answer people (mail links)."""


def create_resolver(
    *, on_refused: Callable[[str], None] | None = None, error_page: ErrorPage | None = None
) -> APIGatewayHttpResolver:
    """The HTTP API resolver every function uses: validation on, problems for every failure.

    `on_refused`, if given, hears why each domain error or invalid request was answered (the
    error's reason, or "validation-error"), so that a function can count its refusals. With
    `error_page` the routes answer people, not programs (the mail links): every failure is that
    page with the status a problem would have (a path that fails validation is a malformed link:
    400), no body is read as JSON and no answer gets an ETag.
    """
    app = BlogResolver(enable_validation=True, serializer=_dumps, json_body_deserializer=_read_json_body)

    def refused(error: BlogError) -> Response[str]:
        if on_refused is not None:
            on_refused(error.reason)
        return blog_error_response(error)

    def invalid(error: RequestValidationError) -> Response[str]:
        if on_refused is not None:
            on_refused("validation-error")
        return validation_error_response(error)

    app.exception_handler(BlogError)(refused)
    app.exception_handler(RequestUnsupportedContentType)(_unsupported_media_type)
    app.exception_handler(RequestValidationError)(invalid)
    app.exception_handler(UnicodeDecodeError)(_undecodable_body)
    app.exception_handler(NotFoundError)(_no_route)
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(Exception)(_unexpected)
    if error_page is None:
        app.use(middlewares=[_require_json_object, _conditional_get])
    else:
        _answer_with_pages(app, error_page)
    return app


def _answer_with_pages(app: APIGatewayHttpResolver, error_page: ErrorPage) -> None:
    def refused(error: BlogError) -> Response[str]:
        return error_page(status_of(error))

    def malformed(_: RequestValidationError) -> Response[str]:
        return error_page(HTTPStatus.BAD_REQUEST)

    def no_route(_: NotFoundError) -> Response[str]:
        return error_page(HTTPStatus.NOT_FOUND)

    def unexpected(_: Exception) -> Response[str]:
        logger.exception("request failed unexpectedly")
        return error_page(HTTPStatus.INTERNAL_SERVER_ERROR)

    app.exception_handler(BlogError)(refused)
    app.exception_handler(RequestValidationError)(malformed)
    app.exception_handler(NotFoundError)(no_route)
    app.exception_handler(Exception)(unexpected)


def _body_bytes(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    return len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())


Refusal = Callable[[HTTPStatus, str, str | None], Response[str]]
"""How a function answers a request it refuses before routing: status, detail, reason."""


def _problem_refusal(status: HTTPStatus, detail: str, reason: str | None) -> Response[str]:
    return problem_response(status, detail, reason=reason)


def _refusal(
    event: dict[str, Any], max_body_bytes: int, json_bodies: bool, refuse: Refusal
) -> Response[str] | None:
    if _body_bytes(event) > max_body_bytes:
        return refuse(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"The request body is larger than {max_body_bytes // 1024} KB.",
            "request-too-large",
        )
    media_type = (event.get("headers") or {}).get("content-type", "").split(";")[0].strip().lower()
    if (
        json_bodies
        and event.get("body")
        and media_type
        and media_type != JSON
        and not media_type.endswith("+json")
    ):
        return refuse(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.", None)
    return None


def _not_through_the_cdn(event: dict[str, Any], refuse: Refusal) -> Response[str] | None:
    """With the CDN on, a public request that did not come through CloudFront is refused (403).

    Admin routes are exempt: API Gateway has checked their SigV4 signature, and they are reached on
    the execute-api URL, since a signature does not survive CloudFront.
    """
    settings = get_settings()
    if not settings.cdn_enabled:
        return None
    from blog import edge

    if edge.is_signed_by_iam(event):
        return None
    try:
        if edge.came_through_the_cdn(event, settings):
            return None
    except Exception:
        # Secrets Manager unreachable, or the secret denied: a 503 the client may retry, never a 500.
        logger.exception("the CDN's origin secret could not be read")
        unavailable = ServiceUnavailable()
        response = refuse(HTTPStatus.SERVICE_UNAVAILABLE, unavailable.detail, unavailable.reason)
        response.headers["Retry-After"] = str(unavailable.retry_after_seconds)
        return response
    return refuse(HTTPStatus.FORBIDDEN, "Requests reach this API through its CDN.", "not-through-cdn")


CORRELATION_ID_PATH = correlation_paths.API_GATEWAY_HTTP
"""Where in an event the logs' correlation id is (the HTTP API's request id)."""


def entry_point(
    app: APIGatewayHttpResolver,
    *,
    max_body_bytes: int = DEFAULT_BODY_LIMIT,
    error_page: ErrorPage | None = None,
    reached_around_the_cdn: bool = False,
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler of a function: structured logs with the request id, metrics flushed.

    A body over `max_body_bytes`, or in another format than JSON, is refused before anything parses
    it (Powertools would also read form data, which the API does not take). With `error_page` (the
    resolver's: routes that answer people), the body is not read at all, whatever its format, and
    a refusal is that page.

    `reached_around_the_cdn`: routes whose links lead to the API itself, never through the CDN (mail
    links: CloudFront's access logs would record their tokens), are not refused for missing the
    CDN's origin header.
    """
    json_bodies = error_page is None
    refuse: Refusal = (
        _problem_refusal if error_page is None else lambda status, _detail, _reason: error_page(status)
    )

    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        refused = (None if reached_around_the_cdn else _not_through_the_cdn(event, refuse)) or _refusal(
            event, max_body_bytes, json_bodies, refuse
        )
        if refused is not None:
            return {"statusCode": refused.status_code, "headers": refused.headers, "body": refused.body}
        return app.resolve(event, context)

    with_metrics = metrics.log_metrics(lambda_handler, capture_cold_start_metric=True)
    with_logs = logger.inject_lambda_context(with_metrics, correlation_id_path=CORRELATION_ID_PATH)
    return cast(Callable[[dict[str, Any], LambdaContext], dict[str, Any]], with_logs)


def documented(status: HTTPStatus, model: type[BaseModel], description: str) -> dict[int, OpenAPIResponse]:
    """An OpenAPI response entry for a JSON answer."""
    return {status: {"description": description, "content": {JSON: {"model": model}}}}


def problems(*statuses: HTTPStatus) -> dict[int, OpenAPIResponse]:
    """OpenAPI response entries for the problems a route can answer with.

    422 is always among them: Powertools documents a 422 on every validated route, and this is the
    body that 422 really has here.
    """
    return {
        status: {
            "description": status.description or status.phrase,
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
        for status in sorted({*statuses, HTTPStatus.UNPROCESSABLE_ENTITY})
    }
