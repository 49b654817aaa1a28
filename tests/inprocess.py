"""Invoke the template's functions in this process, the way API Gateway would call them."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from local.context import LocalLambdaContext
from local.demo import ThreadClosed
from local.events import IamCaller, http_api_event
from local.template import FunctionDefinition, HttpRoute, find_route

OPERATOR = IamCaller(
    access_key="local",
    account_id="123456789012",
    user_arn="arn:aws:iam::123456789012:user/operator",
)


@dataclass
class ApiResponse:
    """What a client of the API would see."""

    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def invoke(function: FunctionDefinition, event: Mapping[str, Any]) -> dict[str, Any]:
    """Call the function's handler with `event`; its raw response."""
    response: dict[str, Any] = function.load_handler()(
        dict(event),
        LocalLambdaContext(function_name=function.logical_id, timeout_seconds=function.timeout_seconds),
    )
    return response


def to_api_response(raw: Mapping[str, Any]) -> ApiResponse:
    headers = {name.lower(): str(value) for name, value in (raw.get("headers") or {}).items()}
    body = raw.get("body") or ""
    assert not raw.get("isBase64Encoded"), "the API only answers with text"
    return ApiResponse(status=int(raw["statusCode"]), headers=headers, body=body)


class InProcessApi:
    """The HTTP API of template.yaml, served by invoking handlers in this process."""

    def __init__(self, routes: list[HttpRoute], functions: Mapping[str, FunctionDefinition]) -> None:
        self._routes = routes
        self._functions = functions

    def route_for(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]]:
        found = find_route(self._routes, method, path)
        if found is None:
            raise LookupError(f"no route serves {method} {path}")
        return found

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        source_ip: str = "192.0.2.10",
        signed: bool = False,
    ) -> ApiResponse:
        """One request; `signed` stands for a request API Gateway's IAM check let through."""
        parts = urlsplit(url)
        raw_query = urlencode(query) if query else parts.query
        route, parameters = self.route_for(method, parts.path)
        all_headers = {"host": "api.local", "user-agent": "pytest", **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            all_headers.setdefault("content-type", "application/json")
        event = http_api_event(
            route,
            raw_path=parts.path,
            raw_query=raw_query,
            headers=all_headers,
            body=body or b"",
            path_parameters=parameters,
            source_ip=source_ip,
            iam_caller=OPERATOR if signed else None,
        )
        return to_api_response(invoke(self._functions[route.function_id], event))

    def get(self, url: str, **options: Any) -> ApiResponse:
        return self.request("GET", url, **options)

    def post(self, url: str, **options: Any) -> ApiResponse:
        return self.request("POST", url, **options)

    def put(self, url: str, **options: Any) -> ApiResponse:
        return self.request("PUT", url, **options)


class InProcessDemoClient:
    """The demo's three API calls, through the in-process API."""

    def __init__(self, api: InProcessApi) -> None:
        self.api = api

    def put_post(self, slug: str, body: dict[str, Any]) -> None:
        answer = self.api.put(f"/posts/{slug}", json_body=body, signed=True)
        assert answer.status in (200, 201), answer.body

    def submit_comment(self, slug: str, body: dict[str, Any], client_address: str) -> dict[str, Any]:
        answer = self.api.post(f"/posts/{slug}/comments", json_body=body, source_ip=client_address)
        if answer.status == 403:
            raise ThreadClosed(answer.body)
        assert answer.status == 201, answer.body
        stored: dict[str, Any] = answer.json()
        return stored

    def close_thread(self, slug: str) -> None:
        answer = self.api.post(f"/posts/{slug}/close", signed=True)
        assert answer.status == 200, answer.body
