"""schemathesis generates requests, valid and invalid, for every operation of /openapi.json and
checks that none gets a server error, every status and content type is documented, every answer
matches its schema, invalid data is refused and valid data accepted (tests/fuzz/hooks.py signs
the admin routes and keeps valid cases valid; schemathesis.toml holds the run's settings)."""

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from local.template import PROJECT_ROOT, http_routes
from tests.local_server import LocalServer

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
]
EXAMPLES_PER_OPERATION = 100
# Hypothesis stops early where it finds little new to try: a larger budget gets every operation
# with parameters its hundred requests. One without parameters has a single request to make.
MAX_EXAMPLES = 150
WITHOUT_PARAMETERS = {"GET /openapi.json", "GET /comments.atom"}
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


def test_schemathesis_finds_no_failure(
    fuzzed_server: LocalServer, tmp_path: Path, template: dict[str, Any]
) -> None:
    logged_before = len(fuzzed_server.log())

    run = subprocess.run(  # noqa: S603 (this project's pinned schemathesis)
        [
            str(SCHEMATHESIS),
            "run",
            f"{fuzzed_server.api_url}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "20261125",
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--no-color",
            "--output-sanitize",
            "false",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks"},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )

    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    served = requests_per_route(template, fuzzed_server.log()[logged_before:])
    routes = {route.route_key for route in http_routes(template)} - WITHOUT_PARAMETERS
    assert {route: served[route] for route in routes if served[route] < EXAMPLES_PER_OPERATION} == {}
    assert all(served[route] >= 1 for route in WITHOUT_PARAMETERS)
