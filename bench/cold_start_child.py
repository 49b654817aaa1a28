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
import uuid
from pathlib import Path
from typing import Any


class Context:
    """The parts of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def floor(call: dict[str, Any]) -> tuple[float, int]:
    started = time.perf_counter()
    import boto3

    imported = time.perf_counter()
    client = boto3.client("dynamodb")
    response = client.query(**call)
    return (imported - started) * 1000, int(response["ResponseMetadata"]["HTTPStatusCode"])


def function(request: dict[str, Any]) -> tuple[float, int]:
    started = time.perf_counter()
    sys.path[:0] = request["path"]
    *first, handler_module = request["modules"]
    for module in first:
        importlib.import_module(module)
    handler = getattr(importlib.import_module(handler_module), request["handler"])
    imported = time.perf_counter()
    result = handler(request["event"], Context(request["function_name"]))
    status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
    return (imported - started) * 1000, status


def main() -> None:
    request = json.load(sys.stdin)
    started = time.perf_counter()
    import_ms, status = floor(request["call"]) if request["kind"] == "floor" else function(request)
    total_ms = (time.perf_counter() - started) * 1000
    result = {"ms": total_ms, "import_ms": import_ms, "status": status}
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
