"""The local API's latency against the DynamoDB call inside it.

`python -m local serve` is started as people start it (its own embedded DynamoDB, the demo
content). Each request is sent over HTTP, then the same DynamoDB call that request makes is sent by
the bench itself, through the blog's own store code (blog.store) and with only the client call
timed, so that both run against the same table at the same moment. Target: the median request at
most 5 ms over the median DynamoDB call.
"""

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
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
from local.template import PROJECT_ROOT, functions

STARTUP_SECONDS = 120
OVERRIDES = tuple(f"{name}={value}" for name, value in PARAMETER_OVERRIDES.items())
"""The bench's parameter overrides, as `python -m local serve --parameter-overrides` takes them."""
WARM_UP = 10


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
def local_serve(directory: Path) -> Iterator[Server]:
    """`python -m local serve` on free ports, with the demo content, until the block ends."""
    log = directory / "serve.log"
    environment = {name: value for name, value in os.environ.items() if name != ENDPOINT_VARIABLE}
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, this project)
            [sys.executable, "-m", "local", "serve", "--port", "0", "--site-port", "0",
             "--parameter-overrides", *OVERRIDES],
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
    """One kept-alive connection to the API."""

    def __init__(self, url: str) -> None:
        address = urlsplit(url)
        assert address.hostname is not None
        self._connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)

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
                sent.append(NewComment(**body))
                return body

            def direct_comment() -> SubmittedComment:
                return commenting.submit_comment(
                    store, settings, written, NewComment(**new_comment()),
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
