"""The template's functions invoked in this process, as API Gateway would call them, with every
DynamoDB request they send recorded (botocore's event hooks): how long it took and how many bytes
DynamoDB answered with.
"""

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.context import LocalLambdaContext
from local.events import IamCaller, http_api_event
from local.template import FunctionDefinition, HttpRoute, find_route

OPERATOR = IamCaller(
    access_key="local", account_id="123456789012", user_arn="arn:aws:iam::123456789012:user/bench"
)


@dataclass(frozen=True)
class DynamoDBCall:
    """One HTTP request to DynamoDB."""

    sent: float
    """When botocore sent it (`time.perf_counter()`)."""
    ended: float
    """When botocore had parsed the answer (after-call)."""
    response_bytes: int
    """The length of DynamoDB's HTTP answer body."""

    @property
    def ms(self) -> float:
        """From botocore's before-send to after-call: the wire and the parsing of the answer."""
        return (self.ended - self.sent) * 1000


@dataclass
class CallRecorder:
    """Records the DynamoDB requests of a botocore client, also those sent from other threads."""

    calls: list[DynamoDBCall] = field(default_factory=list)
    _sending: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send.dynamodb", self._before_send)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def _sent(self) -> list[float]:
        sent: list[float] = self._sending.__dict__.setdefault("sent", [])
        return sent

    def _before_send(self, **_: Any) -> None:
        self._sent().append(time.perf_counter())

    def _after_call(self, http_response: Any, **_: Any) -> None:
        # One entry per HTTP request: botocore's own retries would each have sent one.
        ended = time.perf_counter()
        sent = self._sent()
        with self._lock:
            self.calls += [DynamoDBCall(moment, ended, len(http_response.content)) for moment in sent]
        sent.clear()

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[DynamoDBCall]]:
        """The requests sent while the block runs."""
        self.calls = []
        self._sending = threading.local()
        yield self.calls


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    ms: float
    """The handler's own time, from the event to its result."""

    def json(self) -> Any:
        return json.loads(self.body)


class InProcessApi:
    """The HTTP API of template.yaml, its handlers invoked in this process.

    What the functions print (logs, metrics) goes to /dev/null: the bench prints its own table.
    """

    def __init__(self, routes: list[HttpRoute], functions: Mapping[str, FunctionDefinition]) -> None:
        self.routes = routes
        self.functions = functions
        self._quiet = Path(os.devnull).open("w")  # noqa: SIM115 (open as long as this API)

    def route_for(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]]:
        found = find_route(self.routes, method, path)
        if found is None:
            raise LookupError(f"no route serves {method} {path}")
        return found

    def event(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        source_ip: str = "198.51.100.10",
        signed: bool = False,
    ) -> tuple[HttpRoute, dict[str, Any]]:
        """The route and the API Gateway event of one request; `query` as name-value pairs repeats a name."""
        route, parameters = self.route_for(method, path)
        headers = {"host": "api.bench.local", "user-agent": "bench"}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            headers["content-type"] = "application/json"
        event = http_api_event(
            route,
            raw_path=path,
            raw_query=urlencode(query or {}),
            headers=headers,
            body=body,
            path_parameters=parameters,
            source_ip=source_ip,
            iam_caller=OPERATOR if signed else None,
        )
        return route, event

    def invoke(self, function_id: str, event: Mapping[str, Any]) -> Any:
        """The raw result of one function on one event."""
        function = self.functions[function_id]
        with contextlib.redirect_stdout(self._quiet):
            handler = function.load_handler()
            context = LocalLambdaContext(
                function_name=function.function_name, timeout_seconds=function.timeout_seconds
            )
            return handler(dict(event), context)

    def request(self, method: str, path: str, **options: Any) -> Answer:
        """One request, as a client of the API would see its answer."""
        route, event = self.event(method, path, **options)
        started = time.perf_counter()
        raw = self.invoke(route.function_id, event)
        ms = (time.perf_counter() - started) * 1000
        return Answer(int(raw["statusCode"]), raw.get("body") or "", ms)

    def get(self, path: str, **options: Any) -> Answer:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> Answer:
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Any) -> Answer:
        return self.request("PUT", path, **options)

    def close(self) -> None:
        self._quiet.close()
