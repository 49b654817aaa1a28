"""The Python client openapi-python-client generates from the committed document: its functions
are named after the operation ids, and it speaks to the local API with typed answers and problems."""

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.template import PROJECT_ROOT
from tests.local_server import LocalServer, start_server
from tests.openapi.conftest import OPENAPI_PYTHON_CLIENT, require
from tests.openapi.test_document import OPERATION_IDS
from tools.openapi import COMMITTED_DOCUMENT

DRIVER = Path(__file__).with_name("python_client_driver.py")
PACKAGE = "blog_api_client"


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.fixture(scope="module")
def client_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the generated client package (not committed: made for each run)."""
    tool = require(OPENAPI_PYTHON_CLIENT, "run `make test` (it installs openapi-python-client)")
    folder = tmp_path_factory.mktemp("python-client")
    subprocess.run(  # noqa: S603 (the pinned tool, on the committed document)
        [
            tool,
            "generate",
            "--path",
            COMMITTED_DOCUMENT,
            "--config",
            PROJECT_ROOT / "tools" / "openapi-client.yaml",
            "--meta",
            "none",
            "--output-path",
            folder / PACKAGE,
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    running = start_server(tmp_path_factory.mktemp("serve-client"))
    yield running
    assert running.stop() == 0


def test_the_client_has_one_function_module_per_operation_named_after_its_id(
    client_dir: Path, document: dict[str, Any]
) -> None:
    modules = {
        (module.parent.name, module.stem)
        for module in (client_dir / PACKAGE / "api").glob("*/*.py")
        if module.stem != "__init__"
    }

    expected = {
        (operation["tags"][0].lower(), snake_case(operation["operationId"]))
        for path_item in document["paths"].values()
        for operation in path_item.values()
    }
    assert modules == expected
    assert {name for _, name in modules} == {snake_case(name) for name in OPERATION_IDS}


def test_the_client_lists_gets_and_submits_and_reads_problems_as_typed_answers(
    client_dir: Path, server: LocalServer
) -> None:
    finished = subprocess.run(  # noqa: S603 (the tool's interpreter and this test's driver)
        [OPENAPI_PYTHON_CLIENT.with_name("python"), DRIVER, server.api_url],
        env={"PYTHONPATH": str(client_dir), "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    answers = json.loads(finished.stdout)

    assert answers["list"]["type"] == "PostPage"
    assert len(answers["list"]["slugs"]) == 2
    assert answers["get"]["type"] == "Post"
    assert answers["get"]["slug"] == answers["list"]["slugs"][0]
    assert answers["submit"]["status_code"] == 201
    assert answers["submit"]["type"] == "Comment"
    assert answers["submit"]["author_name"] == "Jürgen Weiß"
    assert answers["not_found"] == {"type": "Problem", "status": 404, "problem": "/problems/post-not-found"}
    assert answers["invalid"]["type"] == "Problem"
    assert answers["invalid"]["status"] == 422
    assert answers["invalid"]["locations"] == [["query", "limit"]]
