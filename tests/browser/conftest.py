"""The browser tier: Debian's Chromium, driven by Playwright, through the demo site of `make run`.

The site runs on a port of its own and AllowedOrigin is set to it, so CORS works as it does in
production. Chromium comes from Debian (/usr/bin/chromium; `.ci/run` installs it): Playwright's
own browser download cannot work here. Without it the tier is skipped, with the reason, on a
developer's machine; under CI (`CI=true`) a missing browser is a failure, so it never goes unnoticed.
"""

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.local_server import LocalServer, start_server

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium keeps reaching for Google's hosts.
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """The local API with the demo blog, and the demo site on an origin the API allows."""
    port = _free_port()
    directory = tmp_path_factory.mktemp("serve-site")
    running = start_server(
        directory,
        "--mail-dir",
        str(directory / "mail"),
        "--site-port",
        str(port),
        "--parameter-overrides",
        f"AllowedOrigin=http://127.0.0.1:{port}",
        "CommentsPerMinutePerClient=30",
    )
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGUMENTS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: LocalServer) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", base_url=site.site_url)
    opened = context.new_page()
    failures: list[str] = []
    opened.on("pageerror", lambda error: failures.append(str(error)))
    yield opened
    context.close()
    assert not failures, f"the page raised: {failures}"
