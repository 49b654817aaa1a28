"""The local API as `serve` and `invoke` run it: the template's functions in their workers, behind
the gateway and an HTTP server, on a local DynamoDB.
"""

import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from local.console import Console
from local.cors import CorsPolicy
from local.demo import DEMO_CALLS, DemoSummary, HttpDemoClient, load_demo, read_posts, read_threads
from local.embedded_dynamodb import LocalDynamoDB
from local.gateway import ApiGateway
from local.server import ApiServer, server_url, serving
from local.template import (
    FunctionDefinition,
    HttpRoute,
    LocalDeployment,
    cors_configuration,
    functions,
    http_routes,
    stage_throttling,
)
from local.workers import DEFAULT_MAX_CONCURRENCY, WorkerPool, lambda_environment

PUBLIC_API_URL_PARAMETER = "PublicApiUrl"
MAIL_LINK_VARIABLE = "MAIL_LINK_BASE_URL"
"""The base of the notify function's mail-action links, which the template computes (PublicApiUrl,
the API's domain or its execute-api URL)."""
DEFAULT_API_PORT = 3000
"""Where `serve` listens unless --port says otherwise."""


def local_deployment(parameters: Mapping[str, str], database: LocalDynamoDB) -> LocalDeployment:
    """What the template's intrinsic functions resolve to locally."""
    return LocalDeployment(parameters=dict(parameters), physical_ids=database.physical_ids)


def local_mail_links(
    function: FunctionDefinition, parameters: Mapping[str, str], api_url: str
) -> dict[str, str]:
    """The function's MAIL_LINK_BASE_URL set to the local API's URL, where it has that variable and
    the template made it of anything but the PublicApiUrl given (a CDN, custom domain or execute-api
    URL: none of them is there locally), so the links in its mails reach the local API. PublicApiUrl
    itself stays as it is: the feeds, with it empty, name the host a request came to, as on AWS."""
    configured = parameters.get(PUBLIC_API_URL_PARAMETER, "")
    value = function.environment.get(MAIL_LINK_VARIABLE)
    if value is not None and (not configured or value != configured):
        return {MAIL_LINK_VARIABLE: api_url}
    return {}


@dataclass(frozen=True)
class RunningApi:
    """The local API while it serves."""

    url: str
    routes: list[HttpRoute]
    pool: WorkerPool
    cors: CorsPolicy | None
    functions: Mapping[str, FunctionDefinition]
    stack: LocalDeployment
    """What the template resolved to: the parameters and resources."""

    def start_functions_for(self, calls: Iterable[tuple[str, str]]) -> None:
        """Start the workers of the functions that serve these calls (method, path), side by side."""
        self.pool.start(
            {
                route.function_id
                for method, path in calls
                for route in self.routes
                if route.match(method, path)
            }
        )


@contextmanager
def running_api(
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    database: LocalDynamoDB,
    *,
    host: str,
    port: int,
    console: Console,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
) -> Iterator[RunningApi]:
    """Serve the template's HTTP API on `host:port` (0: any free port) while the block runs; a
    function without reserved concurrency runs up to `max_concurrency` invocations at once."""
    # Bound first: the functions' environment may name the API's URL (MAIL_LINK_BASE_URL).
    server = ApiServer((host, port), None, console)
    try:
        api = _api_behind(server, template, parameters, database, console, max_concurrency)
    except BaseException:
        server.server_close()
        raise
    try:
        with serving(server):
            yield api
    finally:
        api.pool.stop()


def _api_behind(
    server: ApiServer,
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    database: LocalDynamoDB,
    console: Console,
    max_concurrency: int,
) -> RunningApi:
    stack = local_deployment(parameters, database)
    lambda_functions = functions(template, stack)
    environments = {
        logical_id: {
            **lambda_environment(
                function,
                dynamodb_endpoint=database.endpoint,
                overrides=local_mail_links(function, parameters, server_url(server)),
            ),
            **database.endpoint_variables,
        }
        for logical_id, function in lambda_functions.items()
    }
    pool = WorkerPool(lambda_functions, environments, console.function_log, max_concurrency=max_concurrency)
    configuration = cors_configuration(template, stack)
    cors = None if configuration is None else CorsPolicy.from_configuration(configuration)
    routes = http_routes(template)
    server.gateway = ApiGateway(
        routes, lambda_functions, pool, cors=cors, throttling=stage_throttling(template, stack)
    )
    return RunningApi(
        url=server_url(server), routes=routes, pool=pool, cors=cors, functions=lambda_functions, stack=stack
    )


def load_demo_content(api: RunningApi, console: Console, *, verbose: bool) -> DemoSummary:
    """Load the demo blog through the running API; its requests are not logged one by one."""
    started = time.perf_counter()
    posts, threads = read_posts(), read_threads()
    if verbose:
        console.line(f"Loading the demo content: {len(posts)} posts, {len(threads)} comment threads ...")
    address = urlsplit(api.url)
    assert address.hostname is not None
    assert address.port is not None
    client = HttpDemoClient(address.hostname, address.port)
    # Their Init phases side by side, rather than one after the other at each one's first call.
    api.start_functions_for((method, path.format(slug="demo")) for method, path in DEMO_CALLS)
    console.quiet = True
    try:
        summary = load_demo(
            client, posts, threads, progress=lambda text: console.line(f"  {text}") if verbose else None
        )
    finally:
        console.quiet = False
    if verbose:
        seconds = time.perf_counter() - started
        console.line(
            f"Demo content loaded in {seconds:.1f} s: {summary.posts} posts, {summary.comments} comments, "
            f"{summary.closed_threads} closed thread(s)"
            + (f", {len(summary.threads_left_out)} thread(s) left out" if summary.threads_left_out else "")
        )
    return summary
