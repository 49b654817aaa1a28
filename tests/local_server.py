"""The local runtime run as people run it: `python -m local serve` in a process of its own, on free
ports, spoken to over HTTP; and `python -m local invoke`. Used by the api and browser tiers.

Tests that change data use posts of their own, and send comments from loopback addresses of their
own (127.0.1.x), so that the per-address rate limit of one test does not reach another.
"""

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.template import PROJECT_ROOT, load_template, parameter_defaults

STARTUP_SECONDS = 60
SITE_ORIGIN = parameter_defaults(load_template())["AllowedOrigin"]
"""The AllowedOrigin parameter's default: the demo site's origin."""
_addresses = (f"127.0.1.{host}" for host in itertools.count(1))


def client_address() -> str:
    """A loopback address no other test sends from."""
    return next(_addresses)


def local_environment() -> dict[str, str]:
    """This environment without DYNAMODB_ENDPOINT: the runtime starts its embedded DynamoDB."""
    return {name: value for name, value in os.environ.items() if name != "DYNAMODB_ENDPOINT"}


@dataclass
class Answer:
    """What the server answered."""

    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalServer:
    """A running `python -m local serve`."""

    process: subprocess.Popen[bytes]
    output: Path
    api_url: str
    site_url: str

    def log(self) -> str:
        """What it has printed so far."""
        return self.output.read_text(encoding="utf-8")

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        signed: bool = False,
        secret_key: str = "local",  # noqa: S107 (the documented local credentials)
        source_address: str | None = None,
        base_url: str | None = None,
    ) -> Answer:
        """One request; `signed` signs it with SigV4 as an operator's SDK does."""
        all_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            all_headers.setdefault("Content-Type", "application/json")
        base = urlsplit(base_url or self.api_url)
        if signed:
            signing = AWSRequest(
                method=method, url=f"{base.geturl()}{path}", data=body or b"", headers=all_headers
            )
            SigV4Auth(Credentials("local", secret_key), "execute-api", "us-east-1").add_auth(signing)
            all_headers = dict(signing.headers.items())
        assert base.hostname is not None
        source = None if source_address is None else (source_address, 0)
        connection = HTTPConnection(base.hostname, base.port, timeout=60, source_address=source)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def stop(self, signal_number: int = signal.SIGINT) -> int:
        """Stop it as Ctrl-C does; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        return self.process.wait(timeout=30)


def start_server(
    directory: Path,
    *arguments: str,
    project: Path = PROJECT_ROOT,
    environment: Mapping[str, str] | None = None,
) -> LocalServer:
    """Start `python -m local serve` of `project` on free ports and wait until it says it is ready."""
    output = directory / "serve.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, this project)
            [sys.executable, "-m", "local", "serve", "--port", "0", "--site-port", "0", *arguments],
            cwd=project,
            env=dict(environment or local_environment()),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while "Ready:" not in (log := output.read_text(encoding="utf-8")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise AssertionError(f"python -m local serve did not get ready:\n{log}")
        time.sleep(0.05)
    api_url = re.search(r"^API  (\S+)$", log, re.MULTILINE)
    site_url = re.search(r"^Site (\S+)$", log, re.MULTILINE)
    assert api_url is not None
    assert site_url is not None
    return LocalServer(process=process, output=output, api_url=api_url[1], site_url=site_url[1])


def run_local(
    *arguments: str, environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m local ...` to its end."""
    return subprocess.run(  # noqa: S603 (this interpreter, this project)
        [sys.executable, "-m", "local", *arguments],
        cwd=PROJECT_ROOT,
        env=dict(environment or local_environment()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
