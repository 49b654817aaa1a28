"""The OpenAPI document of the whole API, generated from the routes the handlers declare.

Not part of any function: the document is generated here (`make openapi`), committed as
functions/get_post/openapi.json, and served from that file by the function of GET /openapi.json.
This module imports nothing of the blog package (tests read the committed document through it
before the functions' environment is set); tools.openapi.document makes the document.
"""

from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
COMMITTED_DOCUMENT = FUNCTIONS_DIR / "get_post" / "openapi.json"
"""In the package of the function that serves GET /openapi.json, which reads it from there."""
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of a document (a path item also holds parameters its operations share)."""
    return [
        operation
        for path_item in document["paths"].values()
        for method, operation in path_item.items()
        if method in _METHODS
    ]
