"""`python -m local serve`: the API, the demo site and the demo content, until Ctrl-C."""

import errno
import signal
import threading
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from types import FrameType
from typing import Any

from local.api import load_demo_content, local_deployment, running_api
from local.console import Console
from local.demo import DemoLoadError
from local.embedded_dynamodb import ENDPOINT_VARIABLE, local_dynamodb
from local.server import LOOPBACK, SiteServer, serving
from local.template import PROJECT_ROOT, stage_throttling
from local.workers import DEFAULT_MAX_CONCURRENCY

SITE_DIR = PROJECT_ROOT / "site"


@dataclass(frozen=True)
class ServeOptions:
    """The command line of `serve`."""

    port: int
    site_port: int
    parameters: Mapping[str, str]
    demo: bool
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    """How many invocations a function without reserved concurrency runs at once."""


class PortInUse(Exception):
    """A port the local runtime should listen on is taken."""


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _port_in_use(error: OSError, port: int, flag: str) -> Exception:
    if error.errno == errno.EADDRINUSE:
        return PortInUse(f"port {port} is in use; choose another with {flag}")
    return error


def _run(template: Mapping[str, Any], options: ServeOptions, console: Console, running: ExitStack) -> None:
    database = running.enter_context(local_dynamodb(template))
    where = "embedded (moto)" if database.embedded else f"from {ENDPOINT_VARIABLE}"
    console.line(f"DynamoDB {database.endpoint} {where}, table {database.table_name}")
    try:
        api = running.enter_context(
            running_api(
                template,
                options.parameters,
                database,
                host=LOOPBACK,
                port=options.port,
                console=console,
                max_concurrency=options.max_concurrency,
            )
        )
    except OSError as error:
        raise _port_in_use(error, options.port, "--port") from None
    try:
        site_server = SiteServer((LOOPBACK, options.site_port), SITE_DIR, api.url, console)
    except OSError as error:
        raise _port_in_use(error, options.site_port, "--site-port") from None
    site_url = running.enter_context(serving(site_server))
    console.line(f"API  {api.url}")
    throttling = stage_throttling(template, local_deployment(options.parameters, database))
    if throttling is not None:
        console.line(
            f"     each route {throttling.rate_per_second:g} requests/s, burst {throttling.burst} "
            f"(ThrottlingRateLimit, ThrottlingBurstLimit); each function up to {options.max_concurrency} "
            "workers at once (--max-concurrency) unless it reserves concurrency"
        )
    console.line(f"Site {site_url}")
    if api.cors is not None and not api.cors.response_headers(site_url):
        console.line(
            f"  (the site's origin {site_url} is not among the API's allowed origins, so the browser will "
            f"refuse the API's answers: add --parameter-overrides AllowedOrigin={site_url})"
        )
    if not SITE_DIR.is_dir():
        console.line(f"  ({SITE_DIR} does not exist: the site server has no files to serve)")
    if options.demo and database.created_table:
        try:
            load_demo_content(api, console, verbose=True)
        except DemoLoadError as error:
            # The API runs regardless: what the demo tripped over is worth seeing, not a crash.
            console.line(f"The demo content did not load completely: {error}")
    elif options.demo:
        console.line(
            f"The table {database.table_name} was there already: the demo content is not loaded again"
        )
    console.line(f"Ready: open {site_url} in a browser. Ctrl-C stops.")
    threading.Event().wait()


def serve(template: Mapping[str, Any], options: ServeOptions, console: Console) -> None:
    """Run until SIGINT or SIGTERM, then stop every server, worker and the embedded DynamoDB."""
    # Both stop it cleanly, as Ctrl-C does; SIGINT too when a shell started serve in the background
    # with SIGINT ignored, as shells without job control do.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with ExitStack() as running:
        try:
            _run(template, options, console, running)
        except KeyboardInterrupt:
            console.line("Stopping ...")
        finally:
            # A second Ctrl-C must not cut the cleanup short and leave a worker or a server behind.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    console.line("Stopped.")
