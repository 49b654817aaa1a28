"""Bodies schemathesis cannot send (it writes valid JSON of real text), sent to every operation of
/openapi.json over HTTP: parser bombs, keys twice, lone surrogates and huge strings each get a 4xx
problem, never a 500 (tests/hostile_input.py holds them; tests/integration/test_hostile_input.py
checks each in process, with its reason)."""

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from blog.ids import new_comment_id
from tests.fuzz.hooks import DEMO_SLUGS
from tests.hostile_input import LONE_SURROGATE, UNREADABLE_BODIES
from tests.local_server import LocalServer

PROBLEM_JSON = "application/problem+json"


def operations(server: LocalServer) -> list[tuple[str, str, dict[str, Any]]]:
    """Each operation of the document: its method, a path with real-looking parameters, itself."""
    document = server.request("GET", "/openapi.json").json()
    comment_id = new_comment_id(None, datetime.now(UTC))
    found = []
    for template, methods in document["paths"].items():
        path = template.replace("{slug}", DEMO_SLUGS[0]).replace("{comment_id}", comment_id)
        found += [
            (method.upper(), path + _required_query(document, operation), operation)
            for method, operation in methods.items()
            # The mail links' pages read no body at all (tests/integration/test_mail_actions.py).
            if "text/html" not in operation["responses"].get("400", {}).get("content", {})
        ]
    assert len(found) >= 12, found
    return found


def _required_query(document: dict[str, Any], operation: dict[str, Any]) -> str:
    """The query string of the operation's required query parameters, each with a valid value, so
    that the unreadable body is the request's only fault."""
    values = [
        (parameter["name"], _valid_value(document, parameter))
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("required")
    ]
    return "?" + urlencode(values) if values else ""


def _valid_value(document: dict[str, Any], parameter: dict[str, Any]) -> str:
    """A slug of the demo blog, the parameter's example, or the first value of its enumeration."""
    if parameter["name"] == "slug":
        return DEMO_SLUGS[0]
    schema = parameter["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return str(schema["example"] if "example" in schema else schema["enum"][0])


def required_text_fields(server: LocalServer, operation: dict[str, Any]) -> list[str]:
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schemas = server.request("GET", "/openapi.json").json()["components"]["schemas"]
    schema = schemas[reference.rpartition("/")[2]]
    return [name for name in schema["required"] if schema["properties"][name].get("type") == "string"]


def send(server: LocalServer, method: str, path: str, operation: dict[str, Any], body: bytes) -> Any:
    return server.request(
        method,
        path,
        body=body,
        headers={"Content-Type": "application/json"},
        signed="security" in operation,
    )


def test_every_operation_refuses_an_unreadable_body_with_a_400(fuzzed_server: LocalServer) -> None:
    failures = []
    for method, path, operation in operations(fuzzed_server):
        for name, body in UNREADABLE_BODIES.items():
            answer = send(fuzzed_server, method, path, operation, body)
            problem = answer.json() if answer.headers["Content-Type"] == PROBLEM_JSON else {}
            if (answer.status, problem.get("type")) != (400, "/problems/malformed-json"):
                failures.append((method, path, name, answer.status, answer.body[:200]))
    assert failures == []


@pytest.mark.parametrize(
    ("text", "statuses"),
    [(f"Hallo {LONE_SURROGATE}", {422}), ("x" * 150_000, {413, 422}), ("x" * 600_000, {413})],
    ids=["a lone surrogate", "a huge string", "a string over every body limit"],
)
def test_every_body_field_refuses_what_is_no_text_with_a_4xx_problem(
    fuzzed_server: LocalServer, text: str, statuses: set[int]
) -> None:
    failures = []
    for method, path, operation in operations(fuzzed_server):
        if "requestBody" not in operation:
            continue
        fields = required_text_fields(fuzzed_server, operation)
        for field in fields:
            raw = json.dumps({**dict.fromkeys(fields, "Text"), field: text}).encode()
            answer = send(fuzzed_server, method, path, operation, raw)
            if answer.status not in statuses or answer.headers["Content-Type"] != PROBLEM_JSON:
                failures.append((method, path, field, answer.status, answer.body[:200]))
    assert failures == []
