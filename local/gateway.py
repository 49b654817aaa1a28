"""What API Gateway does between a client and a function, for the HTTP API of template.yaml.

It matches the route, answers CORS preflights and adds CORS headers, checks SigV4 on AWS_IAM
routes, applies API Gateway's limits, turns the request into a payload 2.0 event, invokes the
function and turns its result into the HTTP answer. Its own answers are API Gateway's:
`{"message": "Not Found"}`, `{"message": "Forbidden"}`, `{"message": "Too Many Requests"}`,
`{"message": "Internal Server Error"}`.

Throttling is API Gateway's: each route has a token bucket of the stage's DefaultRouteSettings
(ThrottlingBurstLimit tokens, refilled at ThrottlingRateLimit per second); a request that finds its
route's bucket empty gets 429, without Retry-After, and no function runs. A function that Lambda
throttles (every worker it may have is busy) is a 500, as API Gateway answers for a Lambda
integration that fails.
The HTTP server (local.server) only moves bytes in and out.
"""

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

from local.cors import CORS_HEADER_PREFIX, CorsPolicy, is_preflight
from local.events import IamCaller, http_api_event
from local.sigv4 import ACCOUNT_ID, SignatureRejected, Signer
from local.template import FunctionDefinition, HttpRoute, StageThrottling, find_route
from local.workers import FunctionThrottled, FunctionTimedOut, Invocation, WorkerExited

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's limit on a request's payload."""
INTEGRATION_TIMEOUT_SECONDS = 30.0
"""How long API Gateway waits for an HTTP API's integration."""
PROBLEM_JSON = "application/problem+json"
SECRET_PATH_PARAMETERS = frozenset({"token"})
"""Path parameters whose value opens something (a mail link's signed token): never logged."""
# Headers the HTTP server sets itself for the bytes it sends.
_TRANSPORT_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class FunctionInvoker(Protocol):
    """Runs a function of the template on one event (local.workers.WorkerPool)."""

    def invoke(
        self, function_id: str, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float
    ) -> Invocation:
        """Run it within `timeout_seconds`, after waiting up to `wait_seconds` for a free worker."""


@dataclass(frozen=True)
class GatewayRequest:
    """A request as it reached the gateway."""

    method: str
    raw_path: str
    raw_query: str
    headers: tuple[tuple[str, str], ...]
    """Name-value pairs as received, repeated names included."""
    body: bytes
    source_ip: str

    def header(self, name: str) -> str | None:
        """The first value of a header, by case-insensitive name."""
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass
class GatewayResponse:
    """The answer, and for the request log who gave it."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    function_id: str | None = None
    note: str = ""
    """What the request log adds: a cold start, why a request was refused, how a function failed."""


class MalformedResponse(ValueError):
    """A function's result that API Gateway cannot turn into an HTTP answer."""


# API Gateway's own messages, which stay as they are whatever Python calls the status today.
_MESSAGES = {
    HTTPStatus.FORBIDDEN: "Forbidden",
    HTTPStatus.NOT_FOUND: "Not Found",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Request Entity Too Large",
    HTTPStatus.TOO_MANY_REQUESTS: "Too Many Requests",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Internal Server Error",
}


def _message(status: HTTPStatus, *, note: str = "") -> GatewayResponse:
    """One of API Gateway's own answers, such as `{"message": "Not Found"}`."""
    body = json.dumps({"message": _MESSAGES[status]}, separators=(",", ":")).encode()
    return GatewayResponse(int(status), [("Content-Type", "application/json")], body, note=note)


def _problem(status: HTTPStatus, detail: str, *, note: str = "") -> GatewayResponse:
    problem = {
        "type": "/problems/" + status.phrase.lower().replace(" ", "-"),
        "title": status.phrase,
        "status": int(status),
        "detail": detail,
    }
    return GatewayResponse(
        int(status), [("Content-Type", PROBLEM_JSON)], json.dumps(problem).encode(), note=note
    )


def http_response(result: Any) -> GatewayResponse:
    """A function's result (payload format 2.0) as the HTTP answer API Gateway makes of it.

    A result without `statusCode` is a 200 with the result as its JSON body. Cookies and
    multi-value headers become repeated headers; a base64 body is decoded.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        text = result if isinstance(result, str) else json.dumps(result)
        return GatewayResponse(HTTPStatus.OK, [("Content-Type", "application/json")], text.encode())
    try:
        status = int(result["statusCode"])
        headers = [(str(name), str(value)) for name, value in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(value)) for value in values)
        headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
        encoded = result.get("body") or ""
        body = (
            base64.b64decode(encoded, validate=True)
            if result.get("isBase64Encoded")
            else str(encoded).encode()
        )
    except (TypeError, ValueError, AttributeError) as error:
        raise MalformedResponse(f"the function's response is malformed: {error}") from error
    if not 100 <= status <= 599:
        raise MalformedResponse(f"the function's statusCode {status} is not an HTTP status")
    headers = [(name, value) for name, value in headers if name.lower() not in _TRANSPORT_HEADERS]
    return GatewayResponse(status, headers, body)


class TokenBucket:
    """API Gateway's throttling algorithm: `burst` tokens, refilled at `rate_per_second`; a
    request takes one or is throttled."""

    def __init__(self, throttling: StageThrottling, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = throttling.rate_per_second
        self._burst = throttling.burst
        self._clock = clock
        self._tokens = float(throttling.burst)
        self._refilled_at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Take a token; False when there is none (the request is throttled)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self._rate)
            self._refilled_at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class ApiGateway:
    """The HTTP API of the template, in front of its functions."""

    def __init__(
        self,
        routes: list[HttpRoute],
        functions: Mapping[str, FunctionDefinition],
        invoker: FunctionInvoker,
        *,
        cors: CorsPolicy | None,
        signer: Signer | None = None,
        throttling: StageThrottling | None = None,
        integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._routes = routes
        self._buckets = (
            {}
            if throttling is None
            else {route.route_key: TokenBucket(throttling, monotonic) for route in routes}
        )
        self._functions = functions
        self._invoker = invoker
        self._cors = cors
        self._signer = signer or Signer()
        self._integration_timeout_seconds = integration_timeout_seconds
        self._clock = clock

    def handle(self, request: GatewayRequest) -> GatewayResponse:
        """The answer to one request."""
        headers = {name.lower(): value for name, value in reversed(request.headers)}
        if self._cors is not None and is_preflight(request.method, headers):
            allowed = self._cors.preflight_headers(headers)
            note = "CORS preflight" if allowed else "CORS preflight refused"
            return self._with_request_id(
                GatewayResponse(HTTPStatus.NO_CONTENT, list(allowed.items()), note=note)
            )
        return self._with_cors(self._route(request), request.header("origin"))

    def logged_path(self, target: str) -> str:
        """What the request log shows of a request target (path and query): the route's path in place
        of a path that carries a secret (a mail link's token), as the API's access logs record the
        route key and never the path. Matched whatever the method, so a wrong one hides it too."""
        path = target.partition("?")[0]
        for route in self._routes:
            if SECRET_PATH_PARAMETERS & set(route.match(route.method, path) or ()):
                return route.path
        return target

    def payload_too_large(self, request: GatewayRequest) -> GatewayResponse:
        """The answer to a request whose body is over MAX_BODY_BYTES (its body is not read)."""
        return self._with_cors(_message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE), request.header("origin"))

    def misdirected(self, request: GatewayRequest, reason: str) -> GatewayResponse:
        """The answer to a request for a Host this API does not serve (`reason` says which it does)."""
        response = GatewayResponse(
            HTTPStatus.MISDIRECTED_REQUEST,
            [("Content-Type", "application/json")],
            json.dumps({"message": f"Misdirected Request: {reason}"}, separators=(",", ":")).encode(),
            note="refused: Host not served",
        )
        return self._with_cors(response, request.header("origin"))

    def _with_cors(self, response: GatewayResponse, origin: str | None) -> GatewayResponse:
        if self._cors is not None:
            # API Gateway ignores CORS headers from the integration and sends its configured ones.
            response.headers = [
                (name, value)
                for name, value in response.headers
                if not name.lower().startswith(CORS_HEADER_PREFIX)
            ]
            response.headers.extend(self._cors.response_headers(origin).items())
        return self._with_request_id(response)

    @staticmethod
    def _with_request_id(response: GatewayResponse) -> GatewayResponse:
        response.headers.append(("Apigw-Requestid", str(uuid.uuid4())))
        return response

    def _route(self, request: GatewayRequest) -> GatewayResponse:
        found = find_route(self._routes, request.method, request.raw_path)
        if found is None:
            return _message(HTTPStatus.NOT_FOUND)
        route, raw_parameters = found
        bucket = self._buckets.get(route.route_key)
        if bucket is not None and not bucket.take():
            return _message(
                HTTPStatus.TOO_MANY_REQUESTS, note="throttled by the stage's burst and rate limits"
            )
        path_parameters = {name: unquote(value) for name, value in raw_parameters.items()}
        caller = None
        if route.iam_auth:
            try:
                self._signer.verify(
                    request.method,
                    request.raw_path,
                    request.raw_query,
                    request.headers,
                    request.body,
                    now=self._clock(),
                )
            except SignatureRejected as rejected:
                return _message(HTTPStatus.FORBIDDEN, note=str(rejected))
            caller = IamCaller(
                access_key=self._signer.access_key,
                account_id=ACCOUNT_ID,
                user_arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{self._signer.access_key}",
            )
        event = http_api_event(
            route,
            raw_path=request.raw_path,
            raw_query=request.raw_query,
            headers=request.headers,
            body=request.body,
            path_parameters=path_parameters,
            source_ip=request.source_ip,
            iam_caller=caller,
        )
        response = self._invoke(route.function_id, event)
        response.function_id = route.function_id
        return response

    def _invoke(self, function_id: str, event: dict[str, Any]) -> GatewayResponse:
        function = self._functions[function_id]
        function_timeout = function.timeout_seconds
        # Beyond a reserved concurrency Lambda throttles a synchronous invocation at once; the local
        # cap stands for an account concurrency far above it, so there a free worker is waited for.
        wait_seconds = 0.0 if function.reserved_concurrency is not None else self._integration_timeout_seconds
        try:
            invocation = self._invoker.invoke(
                function_id,
                event,
                min(function_timeout, self._integration_timeout_seconds),
                wait_seconds=wait_seconds,
            )
        except FunctionTimedOut:
            if function_timeout < self._integration_timeout_seconds:
                # Lambda stops the function at its own Timeout: an error, as API Gateway reports it.
                return _message(
                    HTTPStatus.INTERNAL_SERVER_ERROR, note=f"timed out after {function_timeout} s"
                )
            seconds = f"{self._integration_timeout_seconds:g}"
            return _problem(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"The function did not answer within {seconds} seconds.",
                note=f"no answer within the {seconds} s integration timeout",
            )
        except (WorkerExited, FunctionThrottled) as failed:
            return _message(HTTPStatus.INTERNAL_SERVER_ERROR, note=str(failed))
        cold_start = "" if invocation.init_ms is None else f"cold start {invocation.init_ms:.0f} ms"
        if invocation.error is not None:
            error = f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}"
            return _message(
                HTTPStatus.INTERNAL_SERVER_ERROR, note=", ".join(filter(None, [error, cold_start]))
            )
        try:
            response = http_response(invocation.response)
        except MalformedResponse as malformed:
            return _message(HTTPStatus.INTERNAL_SERVER_ERROR, note=str(malformed))
        response.note = cold_start
        return response
