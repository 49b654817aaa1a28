"""`python -m local serve`: the API, the demo site and the demo content, until Ctrl-C."""

import errno
import signal
import threading
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from local.api import RunningApi, load_demo_content, running_api
from local.console import Console
from local.demo import DemoLoadError
from local.embedded_dynamodb import (
    ENDPOINT_VARIABLE,
    LocalDynamoDB,
    forget_shard_iterators,
    local_client,
    local_dynamodb,
)
from local.mail import default_mail_folder, local_mail
from local.server import LOOPBACK, SiteServer, serving
from local.table_stream import describe_event_source, reading_table_stream, stream_event_sources
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
    mail_dir: Path | None = None
    """Where each mail sent is saved; None: a new temporary folder."""


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
    throttling = stage_throttling(template, api.stack)
    if throttling is not None:
        console.line(
            f"     each route {throttling.rate_per_second:g} requests/s, burst {throttling.burst} "
            f"(ThrottlingRateLimit, ThrottlingBurstLimit); each function up to {options.max_concurrency} "
            "workers at once (--max-concurrency) unless it reserves concurrency"
        )
    console.line(f"Site {site_url}")
    _start_mail(options, api, database, console, running)
    _start_table_stream(template, api, database, console, running)
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


def _start_mail(
    options: ServeOptions, api: RunningApi, database: LocalDynamoDB, console: Console, running: ExitStack
) -> None:
    folder = options.mail_dir or default_mail_folder()
    if options.mail_dir is None:
        # A temporary folder that got no mail is not left behind.
        running.callback(lambda: None if any(folder.iterdir()) else folder.rmdir())
    parameters = api.stack.parameters
    running.enter_context(local_mail(parameters, database.moto_endpoint, folder, console.line))
    console.line(f"Mail {folder}")
    sender = parameters.get("SenderEmail")
    if sender:
        owner = parameters.get("OwnerEmail") or "nobody (OwnerEmail is empty)"
        console.line(
            f"     from {sender} (SenderEmail), owner mail to {owner} (OwnerEmail): SES is moto's, "
            "each mail is logged (MAIL to subject) and saved here as an .eml file"
        )
    elif sender is not None:
        console.line("     SenderEmail is empty: the functions send no mail")


def _start_table_stream(
    template: Mapping[str, Any],
    api: RunningApi,
    database: LocalDynamoDB,
    console: Console,
    running: ExitStack,
) -> None:
    sources = stream_event_sources(template, api.stack)
    if not sources:
        return
    names = ", ".join(source.name for source in sources)
    if database.stream_arn is None:
        console.line(
            f"Stream: none, so {names} not run (no mail, no webhook): the DynamoDB at "
            f"{database.endpoint} gives the table no stream ({database.stream_missing}). The embedded "
            "DynamoDB, DynamoDB Local and LocalStack have streams."
        )
        return
    running.enter_context(
        reading_table_stream(
            sources,
            new_client=lambda: local_client("dynamodbstreams", database.endpoint),
            stream_arn=database.stream_arn,
            invoker=api.pool,
            functions=api.functions,
            log=console.log,
            destination_log=console.line,
            forget_iterators=forget_shard_iterators if database.embedded else lambda _: None,
        )
    )
    for source in sources:
        state = "" if source.enabled else " (Enabled: false, not read)"
        console.line(f"Stream {describe_event_source(source)}{state}")


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
