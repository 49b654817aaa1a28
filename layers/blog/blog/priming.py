"""Priming for Lambda SnapStart: the work of a first request done before the snapshot is taken.

With SnapStart (template parameter `SnapStart`), Lambda runs a function's init once, when a version
is published, and restores every new execution environment from a snapshot of it. Importing the
handler is most of that init, but much of a first request's cost comes later: pydantic builds each
model's validator and serializer on first use, Markdown's renderer is built on first use, botocore
loads the DynamoDB service model and resolves its endpoint and credentials on the first call.

A handler declares its priming in one line (`primer = priming.prime_http(app, ...)`). Before the
snapshot, the primer sends one synthetic request per route of the handler's resolver through
`app.resolve` (not the decorated `lambda_handler`, so the cold-start metric and the request logs stay
true) while the process's real DynamoDB client answers every call locally (a botocore `before-send`
hook): nothing is written, nothing leaves the process, and all of the above ends up in the snapshot.
Then it freezes the heap (`gc.freeze`), so that no collection after a restore visits, and makes
Lambda load, the pages of what init made. After a restore it reseeds what must differ between
environments.

The bench's restore simulation (`bench/snapstart.py`) calls `Primer.before_snapshot`, as Lambda does.

Where the runtime module `snapshot_restore_py` is absent (outside Lambda, or a runtime without it)
registering does nothing; where SnapStart is off, Lambda never calls the hooks.
"""

import gc
import json
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http import HTTPStatus
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

if TYPE_CHECKING:
    from email.message import EmailMessage

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from botocore.awsrequest import AWSPreparedRequest, AWSResponse

PRIMING_SLUG = "snapstart-priming"
PRIMING_COMMENT_ID = "01KBN0000SNAPST0"
"""A well-formed comment id (blog.ids) that names no comment."""
PATH_SAMPLES = {"slug": PRIMING_SLUG, "comment_id": PRIMING_COMMENT_ID}
"""The value a synthetic request puts in each path parameter a route may have."""
SAMPLE_POST = {
    "title": "SnapStart",
    "content": "# SnapStart\n\nPriming *Markdown*, with a [link](https://example.org/).",
    "author": "SnapStart",
    "category": "SnapStart",
    "published_at": "2026-01-01T00:00:00Z",
}
"""A body for `PUT /posts/{slug}` that renders Markdown."""
PRIMING_REQUEST_MILLISECONDS = 10_000
"""The time a synthetic request is told it has left: the functions' default timeout."""
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_HOOK_ID = "blog-priming-stub"
_answering_locally = threading.Event()
"""Set inside `answered_locally()`: the only time the stub answers a DynamoDB request. For the whole
process, not a context variable: a synthetic request's concurrent reads run in worker threads, which
a context variable would not reach (priming runs during init, before any real request)."""
_priming = False
"""True while a primer runs: GET /openapi.json imports every handler, whose primers must not register."""
_SOURCE_IP = "192.0.2.1"  # TEST-NET-1: no reader's address


@dataclass(frozen=True)
class SyntheticRequest:
    """One request a primer sends: a route of the resolver, path parameters filled in."""

    method: str
    route: str
    """The path as the template and the OpenAPI document write it: `/posts/{slug}`."""
    body: Mapping[str, Any] | None = None
    query: Mapping[str, str] | None = None
    """Query parameters, for a route that requires some."""
    path_values: Mapping[str, str] = field(default_factory=dict)
    """Values of path parameters that PATH_SAMPLES has none for (a signed token)."""

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.route}"

    def event(self) -> dict[str, Any]:
        """The HTTP API (payload 2.0) event API Gateway would send for this request."""
        names = _PATH_PARAMETER.findall(self.route)
        samples = {**PATH_SAMPLES, **self.path_values}
        unknown = set(names) - set(samples)
        if unknown:
            raise ValueError(f"no sample value for the path parameters {sorted(unknown)} of {self.route_key}")
        values = {name: samples[name] for name in names}
        path = _PATH_PARAMETER.sub(lambda match: values[match.group(1)], self.route)
        headers = {"host": "priming.invalid", "user-agent": "snapstart-priming"}
        if self.body is not None:
            headers["content-type"] = "application/json"
        return {
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": path,
            "rawQueryString": urlencode(self.query or {}),
            "queryStringParameters": dict(self.query) if self.query else None,
            "headers": headers,
            "pathParameters": values or None,
            "requestContext": {
                "accountId": "000000000000",
                "apiId": "priming",
                "domainName": "priming.invalid",
                "domainPrefix": "priming",
                "http": {
                    "method": self.method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": _SOURCE_IP,
                    "userAgent": headers["user-agent"],
                },
                "requestId": "snapstart-priming",
                "routeKey": self.route_key,
                "stage": "$default",
                "time": "01/Jan/2026:00:00:00 +0000",
                "timeEpoch": 0,
            },
            "body": None if self.body is None else json.dumps(self.body),
            "isBase64Encoded": False,
        }


@dataclass
class Primer:
    """What one function does before its snapshot: a run that must leave no trace."""

    run: Callable[[], dict[str, int]]
    """Prime; the status each synthetic request was answered with, by route key (a job: by name)."""
    route_keys: frozenset[str] = field(default_factory=frozenset)
    """The routes the primer sends a request to (none for a job)."""

    def before_snapshot(self) -> None:
        """What Lambda runs before it takes the snapshot: the priming, then the heap frozen.

        A failing primer must not fail the version's publication: the function works unprimed.
        Freezing moves every object of init and priming into the collector's permanent generation:
        otherwise the first full collection after a restore would visit all of them, and Lambda
        would load nearly every page of the snapshot's memory inside that one request.
        """
        from blog.telemetry import logger

        try:
            self.run()
        except Exception:
            logger.exception("priming failed; the snapshot is taken unprimed")
        gc.collect()  # the garbage of priming, so that none of it is frozen
        gc.freeze()


def routes_of(app: "APIGatewayHttpResolver") -> list[tuple[str, str]]:
    """The (method, path) of each route the resolver serves, paths as `/posts/{slug}`."""
    # Powertools keeps its routes in two lists and has no public accessor; its OpenAPI support
    # reads the same ones.
    routes = [*app._static_routes, *app._dynamic_routes]
    return sorted((route.method, route.openapi_path) for route in routes)


def prime_http(
    app: "APIGatewayHttpResolver",
    *,
    bodies: Mapping[str, Mapping[str, Any]] | None = None,
    queries: Mapping[str, Mapping[str, str]] | None = None,
    path_values: Mapping[str, Callable[[], str]] | None = None,
) -> Primer:
    """Prime `app` before a snapshot with one synthetic request per route; the primer.

    `bodies`: the JSON body of each route that takes one, by route key (`POST /posts/{slug}/comments`);
    a route without one is sent no body. `queries`: the query parameters of each route that requires
    some (`GET /comments/counts`), by route key. `path_values`: what makes the value of a path
    parameter PATH_SAMPLES has none for, by name, called when the primer runs (after the signing
    secret is read: a token signed with it).
    """
    bodies = dict(bodies or {})
    queries = dict(queries or {})
    requests = [
        SyntheticRequest(
            method, route, bodies.pop(f"{method} {route}", None), queries.pop(f"{method} {route}", None)
        )
        for method, route in routes_of(app)
    ]
    if bodies or queries:
        raise ValueError(
            f"bodies or queries for routes the resolver does not serve: {sorted({*bodies, *queries})}"
        )

    def run() -> dict[str, int]:
        from aws_lambda_powertools.utilities.jmespath_utils import query

        from blog.http_api import CORRELATION_ID_PATH

        context = _priming_context()
        values = {name: make() for name, make in (path_values or {}).items()}
        statuses = {}
        with answered_locally():
            for request in requests:
                event = replace(request, path_values=values).event()
                # What the handler's logger does first (its JMESPath expression compiled on first use);
                # the rest of the decorated handler is left out, so the cold-start metric stays true.
                query(envelope=CORRELATION_ID_PATH, data=event)
                response = app.resolve(event, context)
                statuses[request.route_key] = int(response["statusCode"])
        return statuses

    primer = Primer(run=_leaving_no_trace(run), route_keys=frozenset(r.route_key for r in requests))
    _register(primer)
    return primer


def prime_job(name: str, job: Callable[[], object]) -> Primer:
    """Prime a function that is not an HTTP API's (a scheduled job) by running `job` against the stub."""

    def run() -> dict[str, int]:
        with answered_locally():
            job()
        return {name: HTTPStatus.OK}

    primer = Primer(run=_leaving_no_trace(run))
    _register(primer)
    return primer


def prime_notify(processor: "BatchProcessor") -> Primer:
    """Prime the notify function: stream records of a held comment with an email, an approved reply
    and a new subscription go through `processor` as Lambda's batches do, every mail and webhook
    call is built in full (MIME, signature) and sent nowhere, and the scheduled job runs, all
    against the DynamoDB stub. Mail and webhook are primed as if configured, whatever the settings."""

    def run() -> dict[str, int]:
        from aws_lambda_powertools.utilities.batch import process_partial_response

        from blog import mail, notifying
        from blog.settings import get_notify_settings
        from blog.store.notifications import get_notification_store
        from blog.timestamps import utc_now

        settings = get_notify_settings().model_copy(
            update={
                "sender_email": "snapstart@priming.invalid",
                "owner_email": "owner@priming.invalid",
                "webhook_url": "https://priming.invalid/webhook",
            }
        )
        outbox = notifying.Outbox(
            send_mail=_serialize_only, post_webhook=lambda _url, _body, _signature: None
        )
        mail.ses_client()  # botocore loads SES v2's service model: the client is made, never called

        def notify(record: Any) -> None:
            notifying.notify(
                get_notification_store(), settings, record.raw_event, now=utc_now(), outbox=outbox
            )

        with answered_locally():
            response = process_partial_response(
                event={"Records": _stream_records()},
                record_handler=notify,
                processor=processor,
                context=_priming_context(),
            )
            notifying.announce_scheduled_posts(
                get_notification_store(), settings, now=utc_now(), outbox=outbox
            )
        failed = bool(response.get("batchItemFailures"))
        return {"notify": HTTPStatus.INTERNAL_SERVER_ERROR if failed else HTTPStatus.OK}

    primer = Primer(run=_leaving_no_trace(run))
    _register(primer)
    return primer


def _serialize_only(message: "EmailMessage", _settings: object) -> None:
    """A mail as sending makes it (its bytes, headers encoded), sent nowhere."""
    message.as_bytes()


def _stream_records() -> list[dict[str, Any]]:
    """Stream records (Lambda's form) of a held comment with an email, an approved reply to it and
    a new subscription, on the priming post."""
    from blog.ids import new_comment_id
    from blog.models import CommentStatus, StoredComment
    from blog.store.keys import comment_item
    from blog.timestamps import utc_now

    now = utc_now()
    held = StoredComment.model_validate(
        {
            "id": PRIMING_COMMENT_ID,
            "post_slug": PRIMING_SLUG,
            "author_name": "SnapStart",
            "author_email": "reader@priming.invalid",
            "content": "SnapStart",
            "content_html": "<p>SnapStart</p>",
            "created_at": now,
            "status": CommentStatus.PENDING,
        }
    )
    reply = held.model_copy(
        update={
            "id": new_comment_id(PRIMING_COMMENT_ID, now),
            "status": CommentStatus.APPROVED,
            "author_email": None,
        }
    )
    subscription = {
        "pk": {"S": f"POST#{PRIMING_SLUG}"},
        "sk": {"S": f"SUBSCRIPTION#{PRIMING_COMMENT_ID}"},
        "post_slug": {"S": PRIMING_SLUG},
        "comment_id": {"S": PRIMING_COMMENT_ID},
        "email": {"S": "reader@priming.invalid"},
        "email_hash": {"S": "0" * 32},
        "confirmed": {"BOOL": False},
        "created_at": {"S": "2026-01-01T00:00:00Z"},
    }
    images = [comment_item(held), comment_item(reply), subscription]
    return [
        {
            "eventID": f"snapstart-priming-{number}",
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.1",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:000000000000:table/priming/stream/priming",
            "dynamodb": {
                "ApproximateCreationDateTime": int(now.timestamp()),
                "Keys": {"pk": image["pk"], "sk": image["sk"]},
                "NewImage": image,
                "SequenceNumber": str(number),
                "SizeBytes": 100,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        for number, image in enumerate(images, start=1)
    ]


def _leaving_no_trace(run: Callable[[], dict[str, int]]) -> Callable[[], dict[str, int]]:
    def primed() -> dict[str, int]:
        from blog.telemetry import logger, metrics

        global _priming
        _priming = True
        try:
            _fetch_configuration()
            statuses = run()
        finally:
            _priming = False
            # A synthetic comment counts as CommentAccepted: the first real request must not publish it.
            metrics.clear_metrics()
        failed = {
            route: status for route, status in statuses.items() if status >= HTTPStatus.INTERNAL_SERVER_ERROR
        }
        if failed:
            logger.warning("priming failed on some routes; they start as without SnapStart", extra=failed)
        return statuses

    return primed


def _fetch_configuration() -> None:
    """Read the settings, and the signing secret where the function has it, into the snapshot.

    The key ring (blog.keys) keeps the secret for the process's life and reads it again for a key
    id it does not know, so a snapshot taken before a rotation still verifies what the new key signs.
    A secret that cannot be read now is read on the first request that needs it, as without priming.
    """
    from blog import keys
    from blog.errors import ServiceUnavailable
    from blog.settings import get_settings
    from blog.telemetry import logger

    if get_settings().signing_secret_arn is None:
        return  # only the functions that sign or hash may read it (template.yaml)
    try:
        keys.key_ring().signing_key(keys.CURSOR)
    except (ServiceUnavailable, keys.MalformedKeyRing):
        logger.warning("priming could not read the signing secret; the first request will")


def _register(primer: Primer) -> None:
    if _priming:
        return
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found,unused-ignore]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return  # not on Lambda's Python runtime: nothing will ever be snapshotted
    register_before_snapshot(primer.before_snapshot)
    register_after_restore(reseed)


def reseed() -> None:
    """After a restore: every environment restored from one snapshot would share `random`'s state.

    `secrets`, `uuid.uuid4` and comment ids (blog.ids, `secrets.randbits`) read the operating
    system's generator on each call, which Lambda makes unique per restored environment.
    """
    random.seed()


class _Body:
    """The body of a response that never crossed the network, as botocore reads one."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _items(index: str | None) -> list[dict[str, Any]]:
    from blog.models import CommentStatus, StoredComment, StoredPost
    from blog.store.keys import comment_item, post_head_item, post_items
    from blog.timestamps import format_timestamp, utc_now

    now = utc_now()
    yesterday = format_timestamp(now - timedelta(days=1))
    html = "<p>SnapStart</p>"
    post = StoredPost.model_validate(
        {
            "slug": PRIMING_SLUG,
            "title": "SnapStart",
            "excerpt": "SnapStart",
            "author": "SnapStart",
            "category": "SnapStart",
            "tags": ["SnapStart"],
            "published_at": yesterday,
            "updated_at": yesterday,
            "comment_count": 1,
            "comments_open": True,
            "content": "SnapStart",
            "content_html": html,
            "created_at": yesterday,
            "revision": 2,
        }
    )
    status = CommentStatus.PENDING if index == "PendingComments" else CommentStatus.APPROVED
    comment = StoredComment.model_validate(
        {
            "id": PRIMING_COMMENT_ID,
            "post_slug": PRIMING_SLUG,
            "author_name": "SnapStart",
            "content": "SnapStart",
            "content_html": html,
            "created_at": yesterday,
            "status": status,
        }
    )
    if index in ("PendingComments", "ApprovedComments"):
        return [comment_item(comment)]
    if index == "ReaderData":
        return [comment_item(comment, reader="READER#snapstart-priming")]
    if index == "Visible":
        return [*post_items(post), comment_item(comment)]
    return [post_head_item(post)]


def _answer(operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB's answer to `request` as if the priming post and one comment of it existed."""
    if operation == "Query":
        items = _items(request.get("IndexName"))
        if "begins_with(visible_sk" in str(request.get("KeyConditionExpression")):
            # A post's comment range alone (its comment feed), as DynamoDB would read it.
            items = [item for item in items if item["sk"]["S"].startswith("COMMENT#")]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    if operation == "GetItem" and request.get("Key", {}).get("sk") == {"S": "#POST"}:
        return {"Item": _items(None)[0]}
    if operation == "UpdateItem":
        return {"Attributes": _items(None)[0]}
    if operation == "BatchGetItem":
        return {"Responses": {table: [] for table in request.get("RequestItems", {})}}
    # PutItem, DeleteItem, TransactWriteItems: success, no attributes asked for.
    return {}


def _answer_locally(request: "AWSPreparedRequest", event_name: str, **_: Any) -> "AWSResponse | None":
    if not _answering_locally.is_set():
        return None  # not a synthetic request: botocore sends it
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    operation = event_name.rsplit(".", 1)[-1]
    body = request.body
    sent = json.loads(body) if isinstance(body, str | bytes) and body else {}
    content = json.dumps(_answer(operation, sent)).encode()
    headers = HTTPHeaders()
    headers["content-type"] = "application/x-amz-json-1.0"
    headers["x-amzn-requestid"] = "snapstart-priming"
    return AWSResponse(request.url, HTTPStatus.OK, headers, _Body(content))


@contextmanager
def answered_locally() -> Iterator[None]:
    """While the block runs, this process's DynamoDB client is answered locally, never sending.

    The request is built, serialised and signed, and the answer parsed, as for a real call: only
    the network is left out (botocore's `before-send` event). The stub stays registered after the
    block, answering nothing: unregistering a handler empties botocore's cache of the handlers of
    each event, which the first request after a restore would then build again.
    """
    from botocore.awsrequest import HeadersDict

    from blog.store import dynamodb_client

    # The stub answers before the HTTP layer, whose first use costs what no later request pays:
    # the first copy of a request's headers is an ABC check that walks every subclass of Mapping,
    # and the first connection encodes the endpoint's host name, importing the IDNA codec.
    HeadersDict().copy()
    "dynamodb.amazonaws.com".encode("idna")
    events = dynamodb_client().meta.events
    # botocore types handlers as returning None; a before-send handler's answer replaces the send.
    handler = cast("Callable[..., None]", _answer_locally)
    events.register_first("before-send.dynamodb", handler, unique_id=_HOOK_ID)  # once: the id is unique
    _answering_locally.set()
    try:
        yield
    finally:
        _answering_locally.clear()


def _priming_context() -> "LambdaContext":
    # Lambda hands no context to init code; the resolver only keeps it for the route to read.
    return cast(
        "LambdaContext",
        SimpleNamespace(
            function_name="snapstart-priming",
            function_version="$LATEST",
            aws_request_id="snapstart-priming",
            memory_limit_in_mb=0,
            invoked_function_arn="",
            # A route that works to a deadline (deleting a post) sees the time a request has.
            get_remaining_time_in_millis=lambda: PRIMING_REQUEST_MILLISECONDS,
        ),
    )
