"""The local gateway between a request and a function: routes, CORS, IAM, limits, and how a
function's result or failure becomes the answer, as API Gateway makes it."""

import base64
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from local.cors import CorsPolicy
from local.gateway import ApiGateway, GatewayRequest, GatewayResponse
from local.sigv4 import Signer
from local.template import FunctionDefinition, HttpRoute, StageThrottling
from local.workers import FunctionThrottled, FunctionTimedOut, Invocation, WorkerExited

SITE = "http://127.0.0.1:8080"
ROUTES = [
    HttpRoute("GET", "/posts/{slug}", "ReadFunction", iam_auth=False),
    HttpRoute("PUT", "/posts/{slug}", "WriteFunction", iam_auth=True),
]
CORS = CorsPolicy.from_configuration(
    {
        "AllowOrigins": [SITE],
        "AllowMethods": ["GET", "PUT"],
        "AllowHeaders": ["content-type"],
        "ExposeHeaders": ["etag"],
    }
)
OK = {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}


def definition(logical_id: str, timeout_seconds: int = 10) -> FunctionDefinition:
    return FunctionDefinition(
        logical_id=logical_id,
        code_dir=Path("/nowhere"),
        module_path=Path("/nowhere/app.py"),
        handler_name="lambda_handler",
        environment={},
        timeout_seconds=timeout_seconds,
    )


class FakeInvoker:
    """Answers every invocation with `outcome` and remembers the events."""

    def __init__(self, outcome: Any = OK) -> None:
        self.outcome = outcome
        self.function_ids: list[str] = []
        self.events: list[Mapping[str, Any]] = []
        self.timeouts: list[float] = []
        self.waits: list[float] = []

    def invoke(
        self, function_id: str, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float
    ) -> Invocation:
        self.function_ids.append(function_id)
        self.events.append(event)
        self.timeouts.append(timeout_seconds)
        self.waits.append(wait_seconds)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        if isinstance(self.outcome, Invocation):
            return self.outcome
        return Invocation(response=self.outcome, error=None, init_ms=None, duration_ms=1.0)


def gateway(invoker: FakeInvoker, *, read_timeout: int = 10, integration_timeout: float = 30) -> ApiGateway:
    functions = {
        "ReadFunction": definition("ReadFunction", read_timeout),
        "WriteFunction": definition("WriteFunction"),
    }
    return ApiGateway(ROUTES, functions, invoker, cors=CORS, integration_timeout_seconds=integration_timeout)


def request(
    method: str = "GET",
    path: str = "/posts/hallo",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    query: str = "",
) -> GatewayRequest:
    all_headers = {"Host": "127.0.0.1:3000", **(headers or {})}
    return GatewayRequest(method, path, query, tuple(all_headers.items()), body, source_ip="127.0.0.7")


def header(response: GatewayResponse, name: str) -> str | None:
    return next((value for key, value in response.headers if key.lower() == name.lower()), None)


def message(response: GatewayResponse) -> Any:
    return json.loads(response.body)


def test_a_request_no_route_serves_is_api_gateways_404() -> None:
    invoker = FakeInvoker()

    response = gateway(invoker).handle(request("GET", "/nothing"))

    assert (response.status, message(response)) == (404, {"message": "Not Found"})
    assert invoker.events == []


def test_the_event_is_api_gateways_payload_2() -> None:
    invoker = FakeInvoker()

    gateway(invoker).handle(request("GET", "/posts/gr%C3%BC%C3%9Fe", {"Cookie": "a=1; b=2"}, query="x=1&x=2"))

    (event,) = invoker.events
    assert event["routeKey"] == "GET /posts/{slug}"
    assert event["rawPath"] == "/posts/gr%C3%BC%C3%9Fe"
    assert event["pathParameters"] == {"slug": "grüße"}
    assert event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.7"
    assert "authorizer" not in event["requestContext"]


def test_the_functions_answer_is_passed_on() -> None:
    response = gateway(FakeInvoker()).handle(request())

    assert (response.status, message(response)) == (200, {"ok": True})
    assert response.function_id == "ReadFunction"
    assert header(response, "apigw-requestid")


def test_cookies_multi_value_headers_and_base64_bodies_are_mapped_back() -> None:
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png", "Content-Length": "999"},
        "multiValueHeaders": {"X-Tag": ["a", "b"]},
        "cookies": ["session=1; HttpOnly", "theme=dark"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }

    response = gateway(FakeInvoker(result)).handle(request())

    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert [value for name, value in response.headers if name == "Set-Cookie"] == [
        "session=1; HttpOnly",
        "theme=dark",
    ]
    assert [value for name, value in response.headers if name == "X-Tag"] == ["a", "b"]
    assert header(response, "content-length") is None


def test_a_result_without_status_code_is_a_200_with_that_json() -> None:
    response = gateway(FakeInvoker({"hello": "Grüße"})).handle(request())

    assert response.status == 200
    assert header(response, "content-type") == "application/json"
    assert message(response) == {"hello": "Grüße"}


@pytest.mark.parametrize(
    "outcome",
    [
        Invocation(
            response=None, error={"errorType": "KeyError", "errorMessage": "'x'"}, init_ms=None, duration_ms=1
        ),
        WorkerExited("the function exited"),
        {"statusCode": "not a number"},
        {"statusCode": 200, "body": "!!!", "isBase64Encoded": True},
    ],
)
def test_a_function_that_fails_is_api_gateways_500(outcome: Any) -> None:
    response = gateway(FakeInvoker(outcome)).handle(request())

    assert (response.status, message(response)) == (500, {"message": "Internal Server Error"})


def test_a_function_stopped_at_its_own_timeout_is_a_500_as_lambda_reports_it() -> None:
    invoker = FakeInvoker(FunctionTimedOut("too slow"))

    response = gateway(invoker, read_timeout=10, integration_timeout=30).handle(request())

    assert invoker.timeouts == [10]
    assert invoker.waits == [30]  # a free worker is waited for as long as API Gateway waits
    assert (response.status, message(response)) == (500, {"message": "Internal Server Error"})


def test_a_function_over_the_integration_timeout_is_a_503_problem() -> None:
    invoker = FakeInvoker(FunctionTimedOut("too slow"))

    response = gateway(invoker, read_timeout=900, integration_timeout=30).handle(request())

    assert invoker.timeouts == [30]
    assert response.status == 503
    assert header(response, "content-type") == "application/problem+json"
    problem = message(response)
    assert set(problem) == {"type", "title", "status", "detail"}
    assert (problem["status"], problem["title"]) == (503, "Service Unavailable")


def test_an_iam_route_refuses_an_unsigned_request_before_the_function() -> None:
    invoker = FakeInvoker()

    response = gateway(invoker).handle(request("PUT", body=b"{}"))

    assert (response.status, message(response)) == (403, {"message": "Forbidden"})
    assert "no Authorization header" in response.note
    assert invoker.events == []


def test_a_signed_request_reaches_the_function_with_its_caller() -> None:
    invoker = FakeInvoker()
    headers = Signer().sign(
        "PUT", "http://127.0.0.1:3000/posts/hallo", {"Content-Type": "application/json"}, b"{}"
    )

    response = gateway(invoker).handle(request("PUT", headers=headers, body=b"{}"))

    assert response.status == 200
    assert invoker.function_ids == ["WriteFunction"]
    (event,) = invoker.events
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == "local"


def test_a_preflight_is_answered_by_the_gateway_alone() -> None:
    invoker = FakeInvoker()
    headers = {
        "Origin": SITE,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
    }

    response = gateway(invoker).handle(request("OPTIONS", headers=headers))

    assert response.status == 204
    assert header(response, "access-control-allow-origin") == SITE
    assert invoker.events == []


def test_a_refused_preflight_has_no_cors_headers() -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}

    response = gateway(FakeInvoker()).handle(request("OPTIONS", headers=headers))

    assert response.status == 204
    assert not any(name.lower().startswith("access-control-") for name, _ in response.headers)


def test_the_functions_own_cors_headers_are_replaced_by_the_configured_ones() -> None:
    result = {**OK, "headers": {"Access-Control-Allow-Origin": "*", "ETag": '"1"'}}

    allowed = gateway(FakeInvoker(result)).handle(request(headers={"Origin": SITE}))
    foreign = gateway(FakeInvoker(result)).handle(request(headers={"Origin": "https://evil.example"}))

    assert header(allowed, "access-control-allow-origin") == SITE
    assert header(allowed, "access-control-expose-headers") == "etag"
    assert not any(name.lower().startswith("access-control-") for name, _ in foreign.headers)


def test_a_body_over_the_limit_gets_api_gateways_413() -> None:
    response = gateway(FakeInvoker()).payload_too_large(request("PUT", headers={"Origin": SITE}))

    assert (response.status, message(response)) == (413, {"message": "Request Entity Too Large"})
    assert header(response, "access-control-allow-origin") == SITE


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def throttled_gateway(invoker: FakeInvoker, clock: FakeClock, *, rate: float, burst: int) -> ApiGateway:
    functions = {"ReadFunction": definition("ReadFunction"), "WriteFunction": definition("WriteFunction")}
    return ApiGateway(
        ROUTES,
        functions,
        invoker,
        cors=CORS,
        throttling=StageThrottling(rate_per_second=rate, burst=burst),
        monotonic=clock,
    )


def test_beyond_the_burst_the_gateway_answers_429_without_retry_after_and_runs_no_function() -> None:
    invoker, clock = FakeInvoker(), FakeClock()
    api = throttled_gateway(invoker, clock, rate=2, burst=3)

    statuses = [api.handle(request(headers={"Origin": SITE})).status for _ in range(4)]
    throttled = api.handle(request(headers={"Origin": SITE}))

    assert statuses == [200, 200, 200, 429]
    assert message(throttled) == {"message": "Too Many Requests"}
    assert header(throttled, "retry-after") is None
    assert header(throttled, "access-control-allow-origin") == SITE
    assert len(invoker.events) == 3


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    api = throttled_gateway(FakeInvoker(), clock := FakeClock(), rate=2, burst=3)
    for _ in range(3):
        api.handle(request())

    clock.now += 0.5
    after_half_a_second = [api.handle(request()).status for _ in range(2)]
    clock.now += 60
    after_a_minute = [api.handle(request()).status for _ in range(4)]

    assert after_half_a_second == [200, 429]
    assert after_a_minute == [200, 200, 200, 429]


def test_each_route_has_a_bucket_of_its_own() -> None:
    api = throttled_gateway(FakeInvoker(), FakeClock(), rate=1, burst=1)

    read = [api.handle(request()).status for _ in range(2)]
    write = api.handle(request("PUT", "/posts/hallo")).status

    assert read == [200, 429]
    assert write != 429


def test_a_function_lambda_throttles_is_api_gateways_500() -> None:
    response = gateway(FakeInvoker(FunctionThrottled("throttled: all 2 workers busy"))).handle(request())

    assert (response.status, message(response)) == (500, {"message": "Internal Server Error"})
    assert response.note == "throttled: all 2 workers busy"


def test_the_request_log_shows_a_mail_links_route_never_its_token():
    routes = [*ROUTES, HttpRoute("POST", "/actions/{token}", "MailActionsFunction", iam_auth=False)]
    gateway = ApiGateway(routes, {}, FakeInvoker(), cors=CORS)

    assert gateway.logged_path("/actions/k1.c2VjcmV0.c2lnbmF0dXJl") == "/actions/{token}"
    # A query after the token hides nothing of it.
    assert gateway.logged_path("/actions/k1.c2VjcmV0.c2lnbmF0dXJl?x=1") == "/actions/{token}"
    assert gateway.logged_path("/posts/ein-beitrag?cursor=abc") == "/posts/ein-beitrag?cursor=abc"
    assert gateway.logged_path("/nirgends") == "/nirgends"


def test_a_function_with_reserved_concurrency_is_throttled_at_once_as_lambda_does() -> None:
    invoker = FakeInvoker()
    functions = {"ReadFunction": replace(definition("ReadFunction"), reserved_concurrency=2)}
    api = ApiGateway(ROUTES, functions, invoker, cors=CORS, integration_timeout_seconds=30)

    api.handle(request())

    assert invoker.waits == [0]
