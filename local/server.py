"""The two HTTP servers of `python -m local serve`: the API (the gateway behind a socket) and the
demo site (static files, and a /config.js that points the site at the API).
"""

import functools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from local.console import Console
from local.gateway import MAX_BODY_BYTES, ApiGateway, GatewayRequest, GatewayResponse

SERVER_NAME = "serverless-blog-local"
LOOPBACK = "127.0.0.1"
"""Where the local runtime's servers listen (the API, the site, the embedded DynamoDB): this machine
only, as the site's origin in AllowedOrigin expects."""
LISTEN_BACKLOG = 512
"""Connections the kernel holds for a server until it accepts them (socketserver's default is 5,
so a burst of clients would find connections reset): API Gateway answers every request."""
_READ_CHUNK = 64 * 1024
# Statuses whose answers never have a body (RFC 9110), so they carry no Content-Length either.
_BODILESS = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
}


class _BodyTooLarge(Exception):
    """The request's body is over API Gateway's limit; it has been read and dropped."""


class _MalformedRequest(Exception):
    """The request's framing (Content-Length, chunks) cannot be read."""


def served_hosts(port: int) -> frozenset[str]:
    """The Host headers a local server on `port` answers: its own address and `localhost`.

    Any other name may be a DNS rebinding: a page of another site whose name now resolves to this
    machine, so that the browser sends the page's requests here as same-origin ones.
    """
    return frozenset({f"{LOOPBACK}:{port}", f"localhost:{port}"})


def misdirected(host: str | None, hosts: frozenset[str]) -> str | None:
    """Why a request for `host` is not served here, or None when it is."""
    if host is not None and host.strip().lower() in hosts:
        return None
    return f"this local server answers only Host {' or '.join(sorted(hosts))}, not {host or 'no Host'}"


class ApiServer(ThreadingHTTPServer):
    """The local API: each request goes through the gateway."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], gateway: ApiGateway, console: Console) -> None:
        self.gateway = gateway
        self.console = console
        super().__init__(address, ApiRequestHandler)
        self.hosts = served_hosts(self.server_port)


class ApiRequestHandler(BaseHTTPRequestHandler):
    """Moves one request into the gateway and its answer back out, and logs one line for it."""

    server: ApiServer
    protocol_version = "HTTP/1.1"
    server_version = SERVER_NAME
    # Headers and body leave in two writes: with Nagle's algorithm and delayed ACKs, a kept-alive
    # connection would wait some 40 ms for each answer.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        started = time.perf_counter()
        raw_path, _, raw_query = self.path.partition("?")
        request = GatewayRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=tuple(self.headers.items()),
            body=b"",
            source_ip=self.client_address[0],
        )
        try:
            body = self._read_body()
            refused = misdirected(self.headers.get("Host"), self.server.hosts)
            response = (
                self.server.gateway.handle(replace(request, body=body))
                if refused is None
                else self.server.gateway.misdirected(request, refused)
            )
        except _BodyTooLarge:
            response = self.server.gateway.payload_too_large(request)
        except _MalformedRequest as malformed:
            self.close_connection = True
            self.send_error(HTTPStatus.BAD_REQUEST, str(malformed))
            return
        # Logged before the answer leaves: whoever waits for the answer finds its line written.
        elapsed_ms = (time.perf_counter() - started) * 1000
        served_by = f" {response.function_id}" if response.function_id else ""
        note = f" ({response.note})" if response.note else ""
        logged_path = self.server.gateway.logged_path(self.path)
        self.server.console.log(
            f"{self.command} {logged_path} {response.status} {elapsed_ms:.1f} ms{served_by}{note}"
        )
        self._send(response)

    def __getattr__(self, name: str) -> Any:
        # http.server calls do_<METHOD>; every method, TRACE included, goes through the gateway,
        # which knows the routes and answers 404 for a method no route has, as API Gateway does.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _MalformedRequest("Content-Length is not a number") from None
        if length < 0:
            raise _MalformedRequest("Content-Length is negative")
        if length > MAX_BODY_BYTES:
            # Read and dropped rather than left unread: closing a socket with unread data resets
            # the connection, and the client would never see the 413.
            self._discard(length)
            raise _BodyTooLarge
        return self.rfile.read(length)

    def _read_chunked_body(self) -> bytes:
        body = bytearray()
        too_large = False
        while True:
            size_line = self.rfile.readline(_READ_CHUNK)
            try:
                size = int(size_line.split(b";")[0], 16)
            except ValueError:
                raise _MalformedRequest("a chunk size is not hexadecimal") from None
            if size == 0:
                while self.rfile.readline(_READ_CHUNK) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields, which API Gateway does not pass on either
                break
            too_large = too_large or len(body) + size > MAX_BODY_BYTES
            if too_large:
                self._discard(size)
            else:
                body += self.rfile.read(size)
            self.rfile.readline(_READ_CHUNK)
        if too_large:
            raise _BodyTooLarge
        return bytes(body)

    def _discard(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, _READ_CHUNK))
            if not chunk:
                return
            length -= len(chunk)

    def _send(self, response: GatewayResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        bodiless = response.status in _BODILESS
        if not bodiless:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and not bodiless:
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Each request is logged once it is answered, with its function (see _serve)."""

    def log_message(self, format: str, *args: Any) -> None:
        self.server.console.log(f"API: {format % args}")


class SiteServer(ThreadingHTTPServer):
    """The demo site: the files of `site_dir`, and /config.js pointing at the local API."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], site_dir: Path, api_url: str, console: Console) -> None:
        self.site_dir = site_dir
        self.config_script = f'window.BLOG_CONFIG = {{ apiBaseUrl: "{api_url}" }};\n'.encode()
        self.console = console
        super().__init__(address, functools.partial(SiteRequestHandler, directory=str(site_dir)))
        self.hosts = served_hosts(self.server_port)


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Static files with their content types, never cached, so edits show on reload."""

    server: SiteServer
    server_version = SERVER_NAME

    def do_GET(self) -> None:
        if self._refused():
            return
        if self.path.partition("?")[0] == "/config.js":
            self._send_config()
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if self._refused():
            return
        if self.path.partition("?")[0] == "/config.js":
            self._send_config(with_body=False)
        else:
            super().do_HEAD()

    def _refused(self) -> bool:
        refused = misdirected(self.headers.get("Host"), self.server.hosts)
        if refused is not None:
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, explain=refused)
        return refused is not None

    def _send_config(self, *, with_body: bool = True) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.config_script)))
        self.end_headers()
        if with_body:
            self.wfile.write(self.server.config_script)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        content_type = _CONTENT_TYPES.get(Path(path).suffix.lower()) or super().guess_type(path)
        textual = content_type.startswith("text/") or content_type == "application/json"
        return f"{content_type}; charset=utf-8" if textual else content_type

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:  # noqa: ARG002
        # Only what went wrong: a line for every file of every page would bury the API's log.
        if int(code) >= HTTPStatus.BAD_REQUEST:
            self.server.console.log(f"Site: {self.command} {self.path} {code}")

    def log_message(self, format: str, *args: Any) -> None:
        """Errors are logged by log_request."""


@contextmanager
def serving(server: HTTPServer) -> Iterator[str]:
    """Serve on a thread of its own while the block runs; yields the server's base URL."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
