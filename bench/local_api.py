"""The local API's latency against the DynamoDB call inside it, alone and under concurrent clients.

`python -m local serve` is started as people start it (its own embedded DynamoDB, the demo
content). Each request is sent over HTTP, then the same DynamoDB call that request makes is sent by
the bench itself, through the blog's own store code (blog.store) and with only the client call
timed, so that both run against the same table at the same moment. Target: the median request at
most 5 ms over the median DynamoDB call.

Under load (measure_concurrency), 1, 10 and 50 clients at once, each from a loopback address of its
own on a kept-alive connection, read a post or submit comments; serve runs with its default
--max-concurrency and the stage's throttling lifted (the bench measures the runtime, not the
stage's limit). Its DynamoDB is the embedded one's twin in the bench's process (moto's server
serving one request at a time), which times every request it serves, its wait for its turn
included: the DynamoDB share is that time over the time the clients waited for their answers.
"""

import http.client
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from bench.environment import PARAMETER_OVERRIDES, stack
from blog import commenting, reading, rules
from blog.commenting import SubmittedComment
from blog.models import NewComment
from blog.settings import Settings
from blog.store import BlogStore
from blog.store.keys import comment_key, to_item
from blog.timestamps import utc_now
from local.embedded_dynamodb import ENDPOINT_VARIABLE, dynamodb_client
from local.server import LOOPBACK, serving
from local.template import PROJECT_ROOT, functions

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

STARTUP_SECONDS = 120
OVERRIDES = tuple(f"{name}={value}" for name, value in PARAMETER_OVERRIDES.items())
"""The bench's parameter overrides, as `python -m local serve --parameter-overrides` takes them."""
WARM_UP = 10
CONCURRENT_CLIENTS = (1, 10, 50)
UNTHROTTLED = ("ThrottlingRateLimit=100000", "ThrottlingBurstLimit=100000")
NO_MAIL = ("SenderEmail=", "OwnerEmail=")
"""Under load the API is measured, not the notify function, which on AWS runs apart from it."""
STREAM_TARGET_PREFIX = "DynamoDBStreams_"
READ_ROUTE = "GET /posts/{slug}"
COMMENT_ROUTE = "POST /posts/{slug}/comments"


@dataclass(frozen=True)
class Route:
    p50_ms: float
    p99_ms: float
    dynamodb_p50_ms: float
    requests: int

    @property
    def overhead_ms(self) -> float:
        return self.p50_ms - self.dynamodb_p50_ms


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` quantile, by linear interpolation between the closest ranks."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class TimedClient:
    """A DynamoDB client that times each of its calls."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.last_ms = 0.0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def timed(**arguments: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(**arguments)
            finally:
                self.last_ms = (time.perf_counter() - started) * 1000

        return timed


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    api: str
    dynamodb: str
    table: str
    log: Path

    def last_lines(self, count: int = 40) -> str:
        """The end of what the server printed: the functions' logs tell why a request failed."""
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-count:])


@contextmanager
def local_serve(
    directory: Path, *, overrides: tuple[str, ...] = (), dynamodb_endpoint: str | None = None
) -> Iterator[Server]:
    """`python -m local serve` on free ports, with the demo content, until the block ends; on its
    embedded DynamoDB unless `dynamodb_endpoint` names another."""
    log = directory / "serve.log"
    environment = {name: value for name, value in os.environ.items() if name != ENDPOINT_VARIABLE}
    if dynamodb_endpoint is not None:
        environment[ENDPOINT_VARIABLE] = dynamodb_endpoint
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, this project)
            [sys.executable, "-m", "local", "serve", "--port", "0", "--site-port", "0",
             "--parameter-overrides", *OVERRIDES, *overrides],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Ready:" not in (text := log.read_text(encoding="utf-8")):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"python -m local serve did not get ready:\n{text}")
            time.sleep(0.1)
        api = re.search(r"^API  (\S+)$", text, re.MULTILINE)
        dynamodb = re.search(r"^DynamoDB (\S+) .*table (\S+)$", text, re.MULTILINE)
        if api is None or dynamodb is None:
            raise RuntimeError(f"python -m local serve did not say where it serves:\n{text}")
        yield Server(process, api[1], dynamodb[1], dynamodb[2], log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class HttpClient:
    """One kept-alive connection to the API, from `source_address` when one is given."""

    def __init__(self, url: str, source_address: str | None = None) -> None:
        address = urlsplit(url)
        assert address.hostname is not None
        source = None if source_address is None else (source_address, 0)
        self._connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=60, source_address=source
        )

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes, float]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        started = time.perf_counter()
        self._connection.request(method, path, body=data, headers=headers)
        response = self._connection.getresponse()
        answer = response.read()
        return response.status, answer, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self._connection.close()


def _settings(template: Mapping[str, Any], table: str) -> Settings:
    """The functions' settings, for the store calls the bench makes itself."""
    environment = next(iter(functions(template, stack(template, table)).values())).environment
    return Settings.model_validate(environment)


def _forget(client: Any, table: str, slug: str, comments: Iterable[tuple[str, NewComment]]) -> None:
    """Delete comments the bench wrote, and their duplicate guards (behind the API's back).

    moto copies the whole table for every transaction, so a table that grows by the bench's own
    comments would slow every later comment down; this keeps it at the size of the demo blog.
    """
    keys = []
    for comment_id, comment in comments:
        keys.append(comment_key(slug, comment_id))
        keys.append(to_item({"pk": f"DUPLICATE#{rules.duplicate_key(slug, comment)}", "sk": "DUPLICATE"}))
    client.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": key}} for key in keys]})


def measure(template: Mapping[str, Any], requests: int, progress: Callable[[str], None]) -> dict[str, Route]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-serve-") as directory,
        local_serve(Path(directory)) as server,
    ):
        cleanup = dynamodb_client(server.dynamodb)
        client = TimedClient(dynamodb_client(server.dynamodb))
        store = BlogStore(cast(Any, client), server.table)
        settings = _settings(template, server.table)
        http = HttpClient(server.api)
        try:
            status, body, _ = http.request("GET", "/posts")
            posts = json.loads(body)["items"]
            read = max(posts, key=lambda post: post["comment_count"])["slug"]
            written = next(post["slug"] for post in posts if post["comments_open"])
            counter = iter(range(1_000_000))
            sent: list[NewComment] = []

            def new_comment() -> dict[str, str]:
                number = next(counter)
                body = {"author_name": f"Leser {number}", "content": f"Ein Kommentar, Nummer {number}."}
                sent.append(NewComment.model_validate(body))
                return body

            def direct_comment() -> SubmittedComment:
                return commenting.submit_comment(
                    store, settings, written, NewComment.model_validate(new_comment()),
                    client_address="198.51.100.250", idempotency_key=None, now=utc_now(),
                )  # fmt: skip

            # Each route: the request through the API, and the same DynamoDB call made directly.
            routes: dict[str, tuple[Callable[[], tuple[int, bytes, float]], Callable[[], object]]] = {
                "GET /posts": (
                    lambda: http.request("GET", "/posts"),
                    lambda: store.list_published(category=None, limit=20, after=None, now=utc_now()),
                ),
                "GET /posts/{slug}": (
                    lambda: http.request("GET", f"/posts/{read}"),
                    lambda: store.read_thread(read, limit=reading.COMMENTS_PER_PAGE, after=None),
                ),
                "POST /posts/{slug}/comments": (
                    lambda: http.request("POST", f"/posts/{written}/comments", new_comment()),
                    direct_comment,
                ),
            }
            measured = {}
            for route, (through_api, direct) in routes.items():
                totals: list[float] = []
                dynamodb: list[float] = []
                for number in range(WARM_UP + requests):
                    status, body, ms = through_api()
                    if status >= 300:
                        raise RuntimeError(f"{route} answered {status}: {body!r}\n{server.last_lines()}")
                    answer = direct()
                    if number >= WARM_UP:
                        totals.append(ms)
                        dynamodb.append(client.last_ms)
                    if sent:
                        api_id = json.loads(body)["id"]
                        direct_id = cast(SubmittedComment, answer).comment.id
                        _forget(cleanup, server.table, written, zip((api_id, direct_id), sent, strict=True))
                        sent.clear()
                measured[route] = Route(
                    p50_ms=statistics.median(totals),
                    p99_ms=percentile(totals, 0.99),
                    dynamodb_p50_ms=statistics.median(dynamodb),
                    requests=requests,
                )
                found = measured[route]
                progress(
                    f"{route}: p50 {found.p50_ms:.1f} ms, DynamoDB p50 {found.dynamodb_p50_ms:.1f} ms, "
                    f"overhead {found.overhead_ms:.1f} ms"
                )
        finally:
            http.close()
        return measured


@dataclass(frozen=True)
class UnderLoad:
    """One route at one number of concurrent clients."""

    requests: int
    p50_ms: float
    p99_ms: float
    dynamodb_share: float
    """The DynamoDB's time (its queue included) over the time the clients waited for answers."""
    failures: dict[str, int]
    """How many answers had each status that is not a success (in the percentiles too: the client
    waited for them as well)."""


class TimedDynamoDB:
    """moto's server app serving one request at a time, as the embedded DynamoDB does (see
    local.embedded_dynamodb), adding up how long each request took from its arrival to its answer."""

    def __init__(self, application: "WSGIApplication") -> None:
        self._application = application
        self._one_at_a_time = threading.Lock()
        self._totals = threading.Lock()
        self.busy_ms = 0.0

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> list[bytes]:
        started = time.perf_counter()
        try:
            with self._one_at_a_time:
                return list(self._application(environ, start_response))
        finally:
            # The local runtime's reads of the table's stream serve no client (on AWS, Lambda reads
            # it apart from the API): their time is no client's share.
            if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(STREAM_TARGET_PREFIX):
                elapsed_ms = (time.perf_counter() - started) * 1000
                with self._totals:
                    self.busy_ms += elapsed_ms


@contextmanager
def timed_dynamodb() -> Iterator[tuple[str, TimedDynamoDB]]:
    """The embedded DynamoDB's twin on a free loopback port, in this process; its endpoint."""
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    application = TimedDynamoDB(DomainDispatcherApplication(create_backend_app))
    server = make_server(LOOPBACK, 0, application, threaded=True, request_handler=MotoRequestHandler)
    with serving(server) as endpoint:
        yield endpoint, application


def _client_address(number: int) -> str:
    # Each client from an address of its own, as readers are: the API's per-address limit counts them apart.
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


def _at_once(
    clients: list[HttpClient], rounds: int, send: Callable[[HttpClient], tuple[int, bytes, float]]
) -> list[tuple[int, bytes, float]]:
    """Every client sends `rounds` requests, one after the other, all clients at the same time."""
    answers: list[tuple[int, bytes, float]] = []
    collected = threading.Lock()
    start = threading.Barrier(len(clients))

    def run(client: HttpClient) -> None:
        start.wait(timeout=STARTUP_SECONDS)
        own = [send(client) for _ in range(rounds)]
        with collected:
            answers.extend(own)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def measure_concurrency(
    requests: int, progress: Callable[[str], None], levels: Iterable[int] = CONCURRENT_CLIENTS
) -> dict[str, dict[int, UnderLoad]]:
    """p50 and p99 of a read and of a comment at each number of concurrent clients, the share of
    the DynamoDB in them, and the answers that were not a success; `requests` per route and level,
    at least two per client."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-serve-load-") as directory,
        timed_dynamodb() as (endpoint, dynamodb),
        local_serve(
            Path(directory), overrides=(*UNTHROTTLED, *NO_MAIL), dynamodb_endpoint=endpoint
        ) as server,
    ):
        cleanup = dynamodb_client(server.dynamodb)
        probe = HttpClient(server.api)
        try:
            posts = json.loads(probe.request("GET", "/posts")[1])["items"]
        finally:
            probe.close()
        read = max(posts, key=lambda post: post["comment_count"])["slug"]
        written = next(post["slug"] for post in posts if post["comments_open"])
        counter = iter(range(1_000_000))
        sent: dict[str, NewComment] = {}
        sent_lock = threading.Lock()

        def read_post(client: HttpClient) -> tuple[int, bytes, float]:
            return client.request("GET", f"/posts/{read}")

        def submit_comment(client: HttpClient) -> tuple[int, bytes, float]:
            number = next(counter)
            body = {
                "author_name": f"Leser {number}",
                "content": f"Ein Kommentar unter Last, Nummer {number}.",
            }
            status, answer, ms = client.request("POST", f"/posts/{written}/comments", body)
            if status == 201:
                with sent_lock:
                    sent[json.loads(answer)["id"]] = NewComment.model_validate(body)
            return status, answer, ms

        measured: dict[str, dict[int, UnderLoad]] = {READ_ROUTE: {}, COMMENT_ROUTE: {}}
        for count in levels:
            for route, send in ((READ_ROUTE, read_post), (COMMENT_ROUTE, submit_comment)):
                clients = [HttpClient(server.api, _client_address(number)) for number in range(count)]
                try:
                    # One request each first: the workers these clients need are started and warm.
                    _at_once(clients, 1, send)
                    rounds = max(2, requests // count)
                    busy_before = dynamodb.busy_ms
                    answers = _at_once(clients, rounds, send)
                    dynamodb_ms = dynamodb.busy_ms - busy_before
                finally:
                    for client in clients:
                        client.close()
                totals = [ms for _, _, ms in answers]
                found = measured[route][count] = UnderLoad(
                    requests=len(totals),
                    p50_ms=statistics.median(totals),
                    p99_ms=percentile(totals, 0.99),
                    dynamodb_share=dynamodb_ms / sum(totals),
                    failures=dict(Counter(str(status) for status, _, _ in answers if status >= 300)),
                )
                progress(
                    f"{route}, {count} at once: p50 {found.p50_ms:.1f} ms, p99 {found.p99_ms:.1f} ms, "
                    f"DynamoDB {found.dynamodb_share:.0%} of the time"
                    + "".join(f", {n} × {status}" for status, n in sorted(found.failures.items()))
                )
                written_comments = list(sent.items())
                sent.clear()
                # BatchWriteItem takes 25 requests: a comment and its duplicate guard are two.
                for first in range(0, len(written_comments), 12):
                    _forget(cleanup, server.table, written, written_comments[first : first + 12])
        return measured
