"""The demo site's API reference page (`make reference`) is self-contained: a reader's browser
loads nothing from another host to show it."""

from urllib.parse import urlsplit

from playwright.sync_api import Browser, Route

from tests.openapi.conftest import REFERENCE_PAGE, require


def test_the_reference_page_loads_nothing_from_another_host(browser: Browser) -> None:
    require(REFERENCE_PAGE, "run `make reference` (needs Node.js 20.19 or later)")
    requested: list[str] = []

    def record(route: Route) -> None:
        requested.append(route.request.url)
        route.continue_()

    page = browser.new_page()
    try:
        # Every request the page lets the browser make passes here; one its policy refuses does not.
        page.route("**/*", record)
        page.goto(REFERENCE_PAGE.as_uri(), wait_until="networkidle")
        rendered = page.locator("h1").first.inner_text()
    finally:
        page.close()

    assert rendered.startswith("Serverless blog API")
    assert [url for url in requested if urlsplit(url).scheme not in {"file", "data", "blob"}] == []
