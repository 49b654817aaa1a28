"""schemathesis generates requests, valid and invalid, for every operation of /openapi.json and
checks that none gets a server error, every status and content type is documented, every answer
matches its schema, invalid data is refused and valid data accepted. The schema is loaded from the
running server, so pytest collects one test; schemathesis runs each operation in it as a subtest of
its own (`test_operation[PUT /posts/{slug}]`), which passes or fails on its own.

tests/fuzz/hooks.py signs the admin routes and keeps valid cases valid (its hooks register
globally on import); schemathesis.toml holds the run's settings: the seed, the example budget, no
example database (each run starts from the seed alone).
"""

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

import tests.fuzz.hooks  # noqa: F401 (registers the hooks with schemathesis)
from local.template import PROJECT_ROOT, http_routes
from tests.local_server import LocalServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
EXAMPLES_PER_OPERATION = 100
"""What each operation must get at least. Hypothesis stops early where it finds
little new to try, so schemathesis.toml's budget (max-examples) is larger."""
SCHEMA_ROUTE = "GET /openapi.json"
"""Where the schema is loaded from (once, by the api_schema fixture): the document leaves it out."""
WITHOUT_PARAMETERS = {"GET /comments.atom"}
"""Operations with nothing to vary: a request or two is all there is to send."""
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/\S*) \d{3} ")


def requests_per_route(template: dict[str, Any], server_log: str) -> Counter[str]:
    """How many requests the server logged for each route of the template."""
    routes = http_routes(template)
    served: Counter[str] = Counter()
    for line in server_log.splitlines():
        found = _REQUEST_LINE.match(line)
        if found is None:
            continue
        path = found["path"].partition("?")[0]
        for route in routes:
            if route.match(found["method"], path) is not None:
                served[route.route_key] += 1
    return served


@pytest.fixture(scope="session")
def api_schema(fuzzed_server: LocalServer) -> Any:
    """The API's own OpenAPI document, as the running local server serves it."""
    config = SchemathesisConfig.from_path(str(PROJECT_ROOT / "schemathesis.toml"))
    return schemathesis.openapi.from_url(f"{fuzzed_server.api_url}/openapi.json", config=config)


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's from_fixture reads and relabels `item._nodeid`, which pytest 9.2 no longer
    has (it keeps a structured id); without the attribute the test fails before any request. Each
    operation still reports as a subtest of its own, labelled with the operation."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(autouse=True)
def every_operation_gets_its_budget(fuzzed_server: LocalServer, template: dict[str, Any]) -> Iterator[None]:
    """After the run: the server saw the requests each route was meant to get, so an operation whose
    generation quietly produced little (every case filtered, a hook failing early) does not pass."""
    logged_before = len(fuzzed_server.log())
    yield
    served = requests_per_route(template, fuzzed_server.log()[logged_before:])
    routes = {route.route_key for route in http_routes(template)} - {SCHEMA_ROUTE}
    budget = {route: 1 if route in WITHOUT_PARAMETERS else EXAMPLES_PER_OPERATION for route in routes}
    assert {route: served[route] for route in routes if served[route] < budget[route]} == {}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_operation(case: Any, fuzzed_server: LocalServer) -> None:
    case.call_and_validate(base_url=fuzzed_server.api_url, checks=CHECKS)
