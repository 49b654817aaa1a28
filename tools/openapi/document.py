"""The whole API's OpenAPI document: every handler's routes merged, with what no handler declares.

Each handler declares its routes, their models, operation ids, tags and security (Powertools makes
its part of the document from them); this adds what belongs to the whole API: its info (version,
license and contact from pyproject.toml), the tags' descriptions, `security: []` on the public
operations, API Gateway's own refusal on the signed ones, and the examples.
"""

import importlib.util
import tomllib
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.compat import model_json
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import Contact, License, OpenAPI, Tag

from blog.http_api import JSON, security_schemes
from tools.openapi import FUNCTIONS_DIR, PROJECT_ROOT, operations
from tools.openapi.examples import every_example, examples_of

API_TITLE = "Serverless blog API"
API_DESCRIPTION = (
    "Lists posts, serves a post with its threaded comments, takes new comments, and lets an operator "
    "publish posts and moderate comments and threads. Every failure answers with "
    "application/problem+json (RFC 9457), but on the mail links' HTML pages (/actions). Admin routes "
    "need requests signed with AWS Signature Version 4 (service execute-api)."
)
TAGS: list[Tag | str] = [
    Tag(name="Posts", description="Published posts: the list, newest first, and one post with its comments."),
    Tag(
        name="Comments",
        description="Reading a post's comments and submitting new ones and replies; the counts of many "
        "posts and the blog's newest comments.",
    ),
    Tag(
        name="Feeds",
        description="Atom and RSS of the newest posts, Atom of the newest approved comments, with "
        "ETag and Last-Modified for conditional requests.",
    ),
    Tag(
        name="Moderation",
        description="Signed requests only: the moderation queue, approving, spam, deleting, and closing "
        "or reopening a thread.",
    ),
    Tag(name="Admin", description="Signed requests only: creating and updating posts."),
    Tag(
        name="Readers",
        description="Signed requests only: a reader's data by email address, exported (GDPR Art. 15) "
        "or erased (Art. 17).",
    ),
    Tag(
        name="Mail",
        description="The signed links of owner and reader mails, answered with small HTML pages: GET "
        "shows what a link will do and changes nothing, POST does it once.",
    ),
    Tag(name="Documentation", description="This document."),
]
CONTACT = Contact(name="The serverless blog's maintainers (issues and pull requests of this repository)")

GATEWAY_REFUSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "GatewayRefusal",
    "description": "What API Gateway answers itself, before any function runs.",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}
GATEWAY_REFUSAL: dict[str, Any] = {
    str(HTTPStatus.FORBIDDEN.value): {
        "description": "API Gateway refused the request: unsigned, wrongly signed, or IAM denies it",
        "content": {
            JSON: {
                "schema": {"$ref": "#/components/schemas/GatewayRefusal"},
                "examples": {"unsigned": {"summary": "No signature", "value": {"message": "Forbidden"}}},
            }
        },
    }
}
"""API Gateway's own answer on an AWS_IAM route when the signature does not hold: no function runs,
so no handler declares it."""


def _project() -> dict[str, Any]:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as pyproject:
        project: dict[str, Any] = tomllib.load(pyproject)["project"]
    return project


def _routes_of(handler_file: Path) -> dict[str, Any] | None:
    """The OpenAPI schema of a handler's routes; None for a function the HTTP API does not call."""
    # Loaded under a name of its own, so that no handler already imported under `app` is reused.
    spec = importlib.util.spec_from_file_location(f"openapi_source_{handler_file.parent.name}", handler_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = getattr(module, "app", None)
    if not isinstance(app, APIGatewayHttpResolver):
        return None
    schema: dict[str, Any] = app.get_openapi_schema().model_dump(by_alias=True, exclude_none=True)
    return schema


def generate_document(functions_dir: Path = FUNCTIONS_DIR) -> str:
    """The OpenAPI document (JSON, ending with a line break) of every route the handlers
    `functions_dir/*/app.py` declare."""
    project = _project()
    merge = OpenAPIMerge(
        title=API_TITLE,
        version=project["version"],
        description=API_DESCRIPTION,
        tags=TAGS,
        contact=CONTACT,
        license_info=License(name=f"{project['license']} License", identifier=project["license"]),
        security_schemes=security_schemes(),
        on_conflict="error",
    )
    for handler_file in sorted(functions_dir.glob("*/app.py")):
        routes = _routes_of(handler_file)
        if routes is not None:
            merge.add_schema(routes)
    document = merge.get_openapi_schema()
    placed = set()
    for operation in operations(document):
        if operation.get("security"):
            operation["responses"].update(GATEWAY_REFUSAL)
        else:
            # Powertools leaves an empty security out; the document says "no signature" outright.
            operation["security"] = []
        for where, content in _media_types(operation):
            found = examples_of(operation["operationId"], where)
            if found:
                content["examples"] = found
                placed.add((operation["operationId"], where))
    if unplaced := every_example() - placed:
        raise ValueError(f"examples of no operation's request or answer: {sorted(unplaced)}")
    document["components"]["schemas"]["GatewayRefusal"] = GATEWAY_REFUSAL_SCHEMA
    _drop_unused_schemas(document)
    serialized: str = model_json(OpenAPI(**document), by_alias=True, exclude_none=True, indent=2)
    return serialized + "\n"


def _media_types(operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each media type of an operation's request and answers, named `request` or by status code."""
    found = [("request", content) for content in operation.get("requestBody", {}).get("content", {}).values()]
    for status, response in operation["responses"].items():
        found += [(str(status), content) for content in response.get("content", {}).values()]
    return found


def _drop_unused_schemas(document: dict[str, Any]) -> None:
    """Leave out the component schemas nothing refers to (Powertools adds its own validation error
    shapes, which this API's answers never have: its 422 is a problem)."""
    schemas = document.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    used: set[str] = set()
    pending = [{key: value for key, value in document.items() if key != "components"}]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith(prefix):
                name = reference.removeprefix(prefix)
                if name not in used:
                    used.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    for name in set(schemas) - used:
        del schemas[name]
