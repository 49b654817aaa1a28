"""One cold start: a fresh Python process that imports a handler and serves one request, or the
floor, which imports boto3, creates the DynamoDB client and makes one call.

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

    context = runpy.run_path(str(CONTEXT_FILE))["LocalLambdaContext"](function_name=request["function_name"])
    called = time.perf_counter()
    result = handler(request["event"], context)
    finished = time.perf_counter()
    status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
    return (imported - started) * 1000, (imported - started + finished - called) * 1000, status


def main() -> None:
    request = json.load(sys.stdin)
    import_ms, total_ms, status = floor(request["call"]) if request["kind"] == "floor" else function(request)
    result = {"ms": total_ms, "import_ms": import_ms, "status": status}
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
