"""The openapi tier: the committed OpenAPI document, and what is built from it with tools of their
own (`make test` installs them): the Python client, the TypeScript types, the reference page.

A missing tool skips its tests with the command that installs it; under CI=true it is a failure.
"""

import json
import os
import shutil
from pathlib import Path
from typing import Any, NoReturn

import pytest

from local.template import PROJECT_ROOT
from tools.openapi import COMMITTED_DOCUMENT

NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"
OPENAPI_PYTHON_CLIENT = PROJECT_ROOT / ".tools" / "openapi-client" / "bin" / "openapi-python-client"
REFERENCE_PAGE = PROJECT_ROOT / "site" / "api-reference.html"


def _missing(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require(path: Path, how: str) -> Path:
    """`path`, which `how` makes; its absence skips the test, or fails it under CI=true."""
    if not path.exists():
        _missing(f"{path.relative_to(PROJECT_ROOT)} is missing: {how}")
    return path


def node_tool(name: str) -> Path:
    """A command of the Node tools package-lock.json pins."""
    if shutil.which("node") is None:
        _missing("no Node.js on PATH: install Node.js 20.19 or later")
    return require(NODE_BIN / name, "run `make node-tools` (needs Node.js 20.19 or later)")


@pytest.fixture(scope="session")
def document() -> dict[str, Any]:
    """The committed OpenAPI document, as GET /openapi.json answers it."""
    parsed: dict[str, Any] = json.loads(COMMITTED_DOCUMENT.read_text(encoding="utf-8"))
    return parsed
