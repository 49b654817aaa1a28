"""DynamoDB failing: every route answers 503 problem+json with Retry-After, retries stay bounded,
the failure is logged with the request's correlation id, and nothing is half-written."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from blog import store as blog_store
from blog.store import client as store_client
from tests.conftest import TABLE_NAME


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def _error_response(status: int, error_type: str) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error_type}", "message": "injected"})
    headers = HTTPHeaders()
    headers["x-amzn-ErrorType"] = error_type
    return AWSResponse("https://dynamodb.local", status, headers, _Body(body.encode()))


FAULTS: dict[str, Callable[[], AWSResponse | Exception]] = {
    "throttling": lambda: _error_response(400, "ThrottlingException"),
    "throughput": lambda: _error_response(400, "ProvisionedThroughputExceededException"),
    "internal error": lambda: _error_response(500, "InternalServerError"),
    "timeout": lambda: ReadTimeoutError(endpoint_url="https://dynamodb.local"),
    "connection refused": lambda: EndpointConnectionError(endpoint_url="https://dynamodb.local"),
}


@dataclass
class Fault:
    """A fault injected into every DynamoDB request the handlers send, once armed."""

    kind: str | None = None
    attempts: list[str] = field(default_factory=list)
    backoff: list[float] = field(default_factory=list)

    def on_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if self.kind is None:
            return None
        self.attempts.append(request.headers.get("X-Amz-Target", b"").decode().rpartition(".")[2])
        injected = FAULTS[self.kind]()
        if isinstance(injected, Exception):
            raise injected
        # botocore runs every before-send handler, moto's too: send moto's elsewhere, so that the
        # request fails before DynamoDB applies it, as a throttled or refused request does.
        request.url = "https://fault-injected.invalid/"
        return injected


@pytest.fixture
def fault(api, monkeypatch) -> Iterator[Fault]:
    injected = Fault()
    monkeypatch.setattr("botocore.endpoint.time.sleep", injected.backoff.append)
    client = blog_store.dynamodb_client()
    # The stubs say handlers return None; a before-send handler may return the response to use.
    on_send = cast(Callable[..., None], injected.on_send)
    client.meta.events.register_first("before-send.dynamodb", on_send)
    yield injected
    client.meta.events.unregister("before-send.dynamodb", on_send)


ROUTES = [
    ("GET", "/posts", None, False),
    ("GET", "/posts/stoerung", None, False),
    ("GET", "/posts/stoerung/comments", None, False),
    ("POST", "/posts/stoerung/comments", {"author_name": "Ada", "content": "Hallo"}, False),
    ("PUT", "/posts/stoerung", {"title": "T", "content": "C", "author": "A", "category": "K"}, True),
    ("POST", "/posts/stoerung/close", None, True),
    ("POST", "/posts/stoerung/reopen", None, True),
    ("GET", "/comments", None, True),
]


@pytest.mark.parametrize("kind", sorted(FAULTS))
@pytest.mark.parametrize(("method", "path", "body", "signed"), ROUTES)
def test_every_route_answers_503_with_retry_after(
    api, publish, fault, logs, kind, method, path, body, signed
):
    publish("stoerung")
    fault.kind = kind

    response = api.request(method, path, json_body=body, signed=signed)

    assert response.status == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["type"] == "/problems/service-unavailable"
    for secret in ("Throttling", "Exception", "dynamodb", TABLE_NAME, "Traceback", "injected"):
        assert secret not in response.body
    assert len(fault.attempts) == store_client.MAX_ATTEMPTS
    (warning,) = [json.loads(line) for line in logs.getvalue().splitlines() if '"WARNING"' in line]
    assert warning["correlation_id"]
    assert "service-unavailable" in warning["message"]


def test_a_failed_comment_leaves_nothing_behind(api, publish, fault):
    publish("stoerung")
    fault.kind = "internal error"

    assert (
        api.post("/posts/stoerung/comments", json_body={"author_name": "Ada", "content": "Hallo"}).status
        == 503
    )
    fault.kind = None

    post = api.get("/posts/stoerung").json()
    assert post["comments"] == []
    assert post["comment_count"] == 0
    retry = api.post("/posts/stoerung/comments", json_body={"author_name": "Ada", "content": "Hallo"})
    assert retry.status == 201, "the duplicate guard of the failed attempt must not be there"


def test_the_retries_fit_inside_the_functions_timeout(lambda_functions):
    shortest_timeout = min(f.timeout_seconds for f in lambda_functions.values())
    per_attempt = store_client.CONNECT_TIMEOUT_SECONDS + store_client.READ_TIMEOUT_SECONDS
    # standard mode waits up to 2**n seconds (n = 0, 1, ...) before retry n + 1
    longest_backoff = sum(2**n for n in range(store_client.MAX_ATTEMPTS - 1))

    assert store_client.MAX_ATTEMPTS * per_attempt + longest_backoff < shortest_timeout


def test_backoff_between_attempts_is_bounded(api, publish, fault):
    publish("stoerung")
    fault.kind = "throttling"

    api.get("/posts/stoerung")

    assert len(fault.backoff) == store_client.MAX_ATTEMPTS - 1
    assert all(0 <= delay <= 2**n for n, delay in enumerate(fault.backoff))
