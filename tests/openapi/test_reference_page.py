"""The API reference page of the demo site (`make reference`): built from the committed document,
linked from the site (tests/browser/test_reference_page.py checks in Chromium that it loads nothing
from another host)."""

from typing import Any

from local.template import PROJECT_ROOT
from tests.openapi.conftest import REFERENCE_PAGE, require
from tools.openapi import operations


def _page() -> str:
    return require(REFERENCE_PAGE, "run `make reference` (needs Node.js 20.19 or later)").read_text(
        encoding="utf-8"
    )


def test_the_page_shows_every_operation_of_the_document(document: dict[str, Any]) -> None:
    page = _page()

    for operation in operations(document):
        assert operation["summary"] in page, operation["operationId"]


def test_the_demo_site_links_the_page() -> None:
    index = (PROJECT_ROOT / "site" / "index.html").read_text(encoding="utf-8")

    assert f'href="{REFERENCE_PAGE.name}"' in index
