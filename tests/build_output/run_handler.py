"""Imports one built handler the way Lambda does, and optionally invokes it once.

Run by tests/build_output as `python -I -S run_handler.py` (no site-packages, no environment variables
read by Python), with a JSON request on stdin: `path` (the function folder, the layer, the
runtime's packages, in Lambda's order), `module` and `handler`, optionally `event`, and `result`:
the file that gets where every imported module came from and the handler's response (stdout is
the function's own, for its logs and metrics).
"""

import importlib
import json
import sys
import uuid
from pathlib import Path


class Context:
    """The parts of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "build-test"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["path"]
    module = importlib.import_module(request["module"])
    handler = getattr(module, request["handler"])
    response = None
    if request.get("event") is not None:
        response = handler(request["event"], Context(request["function_name"]))
    origins = {
        name: getattr(loaded, "__file__", None)
        for name, loaded in list(sys.modules.items())
        if getattr(loaded, "__file__", None) and name not in ("__main__", "__mp_main__")  # this script
    }
    with Path(request["result"]).open("w", encoding="utf-8") as result:
        json.dump({"modules": origins, "response": response}, result)


if __name__ == "__main__":
    main()
