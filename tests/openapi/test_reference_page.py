"""The API reference page of the demo site (`make reference`): built from the committed document,
linked from the site, and self-contained: a reader's browser loads nothing from another host."""

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Route, sync_playwright

from local.template import PROJECT_ROOT
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGUMENTS
from tests.openapi.conftest import REFERENCE_PAGE, require
from tools.openapi import operations


def _page() -> str:
    return require(REFERENCE_PAGE, "run `make reference` (needs Node.js 20.19 or later)").read_text(
        encoding="utf-8"
    )


def test_the_page_loads_nothing_from_another_host() -> None:
    _page()
    chromium = require(CHROMIUM, "install Debian's chromium (apt-get install chromium)")
    requested: list[str] = []

    def record(route: Route) -> None:
        requested.append(route.request.url)
        route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGUMENTS)
        page = browser.new_page()
        # Every request the page lets the browser make passes here; one its policy refuses does not.
        page.route("**/*", record)
        page.goto(REFERENCE_PAGE.as_uri(), wait_until="networkidle")
        rendered = page.locator("h1").first.inner_text()
        browser.close()

    assert rendered.startswith("Serverless blog API")
    assert [url for url in requested if urlsplit(url).scheme not in {"file", "data", "blob"}] == []


def test_the_page_shows_every_operation_of_the_document(document: dict[str, Any]) -> None:
    page = _page()

    for operation in operations(document):
        assert operation["summary"] in page, operation["operationId"]


def test_the_demo_site_links_the_page() -> None:
    index = (PROJECT_ROOT / "site" / "index.html").read_text(encoding="utf-8")

    assert f'href="{REFERENCE_PAGE.name}"' in index
