"""One cold start: a fresh Python process that imports a handler and serves one request, or the
floor, which imports boto3, creates the DynamoDB client and makes one call, or the floor followed by
the first read of the signing secret (what a function that signs adds to its cold start).

Run by bench.cold_start as `python -I cold_start_child.py` with a JSON request on stdin, in the
environment the function has on Lambda; the request's `modules` are imported in order, the handler
from the last. Only the standard library is imported before the clock starts; the result
(milliseconds, the status answered) goes to the file the request names, since stdout is the
function's own (its logs and metrics).
"""

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

CONTEXT_FILE = Path(__file__).parents[1] / "local" / "context.py"


def floor(call: dict[str, Any]) -> tuple[float, float, int]:
    started = time.perf_counter()
    import boto3

    imported = time.perf_counter()
    client = boto3.client("dynamodb")
    response = client.query(**call)
    finished = time.perf_counter()
    status = int(response["ResponseMetadata"]["HTTPStatusCode"])
    return (imported - started) * 1000, (finished - started) * 1000, status


def secret_read(request: dict[str, Any]) -> tuple[float, float, int]:
    """The floor, then, timed: the signing secret read as a function reads it on first need. What
    every function has loaded by then (Powertools, the settings and pydantic) is loaded first."""
    floor(request["call"])
    sys.path[:0] = request["path"]

    from blog.settings import get_settings

    get_settings()
    started = time.perf_counter()
    from aws_lambda_powertools.utilities import parameters  # noqa: F401 (its import time, measured apart)

    from blog import keys

    imported = time.perf_counter()
    keys.key_ring().signing_key(keys.CURSOR)
    finished = time.perf_counter()
    return (imported - started) * 1000, (finished - started) * 1000, 200


def read_the_secret() -> bool:
    """Whether the request made this process read the signing secret."""
    keys = sys.modules.get("blog.keys")
    return keys is not None and keys.key_ring.cache_info().currsize > 0


def function(request: dict[str, Any]) -> tuple[float, float, int]:
    started = time.perf_counter()
    sys.path[:0] = request["path"]
    *first, handler_module = request["modules"]
    for module in first:
        importlib.import_module(module)
    handler = getattr(importlib.import_module(handler_module), request["handler"])
    imported = time.perf_counter()
    # Lambda hands its context over; loading this one's class is the bench's work, left off the clock.
    import runpy

    context = runpy.run_path(str(CONTEXT_FILE))["LocalLambdaContext"](
        # The template's Timeout, as Lambda gives it: the notify function budgets its sends by it.
        function_name=request["function_name"],
        timeout_seconds=request.get("timeout_seconds", 10),
    )
    called = time.perf_counter()
    result = handler(request["event"], context)
    finished = time.perf_counter()
    status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
    return (imported - started) * 1000, (imported - started + finished - called) * 1000, status


def main() -> None:
    request = json.load(sys.stdin)
    kinds = {"floor": lambda: floor(request["call"]), "secret": lambda: secret_read(request)}
    import_ms, total_ms, status = kinds.get(request["kind"], lambda: function(request))()
    result = {"ms": total_ms, "import_ms": import_ms, "status": status, "read_secret": read_the_secret()}
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
