"""The OpenAPI document of the whole API, merged from the routes every handler declares."""

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.compat import model_json
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

from blog.http_api import (
    API_DESCRIPTION,
    API_TITLE,
    API_VERSION,
    GATEWAY_REFUSAL,
    json_response,
    security_schemes,
)


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


def whole_api_response(functions_dir: Path) -> Response[str]:
    """The answer to GET /openapi.json: the whole API's document, public like every read."""
    return json_response(whole_api_document(functions_dir), public=True)


@cache
def whole_api_document(functions_dir: Path) -> str:
    """The OpenAPI document (JSON) of every route declared by the handlers `functions_dir/*/app.py`.

    Made once per process: it imports every handler of the API.
    """
    merge = OpenAPIMerge(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        security_schemes=security_schemes(),
        on_conflict="error",
    )
    for handler_file in sorted(functions_dir.glob("*/app.py")):
        routes = _routes_of(handler_file)
        if routes is not None:
            merge.add_schema(routes)
    document = merge.get_openapi_schema()
    # API Gateway answers an AWS_IAM route itself when the signature does not hold: no function
    # declares that answer, so the whole API's document adds it.
    for operations in document["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("security"):
                operation["responses"].update(
                    {str(status): answer for status, answer in GATEWAY_REFUSAL.items()}
                )
    serialized: str = model_json(OpenAPI(**document), by_alias=True, exclude_none=True, indent=2)
    return serialized
