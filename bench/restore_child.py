"""One simulated SnapStart restore: a process runs a function's init (imports its handler) and, when
asked, its priming (what Lambda's before-snapshot hook runs), then forks. The child is the
environment restored from the snapshot: it runs the after-restore hook and serves the first request,
whose time is the figure. The parent then serves warm requests, for the function's warm p50.

Run by bench.snapstart as `python -I restore_child.py` with a JSON request on stdin, in the
environment the function has on Lambda; the result goes to the file the request names.
"""

import importlib
import json
import os
import runpy
import sys
import time
from pathlib import Path
from typing import Any

CONTEXT_FILE = Path(__file__).parents[1] / "local" / "context.py"


def _status(result: Any) -> int:
    return int(result.get("statusCode", 200)) if isinstance(result, dict) else 200


def _restored(handler: Any, event: dict[str, Any], context: Any, prime: bool) -> dict[str, Any]:
    """What the restored environment does: the after-restore hook, then the first request."""
    if prime:
        from blog.priming import reseed

        reseed()
    started = time.perf_counter()
    result = handler(event, context)
    return {"ms": (time.perf_counter() - started) * 1000, "status": _status(result)}


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["path"]
    module = importlib.import_module(request["module"])
    handler = getattr(module, request["handler"])
    context = runpy.run_path(str(CONTEXT_FILE))["LocalLambdaContext"](function_name=request["function_name"])
    if request["prime"]:
        module.primer.before_snapshot()
    first, *warm = request["events"]
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        os.write(writing, json.dumps(_restored(handler, first, context, request["prime"])).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        restored = json.loads(pipe.read() or b"null")
    os.waitpid(child, 0)
    warm_ms, failures = [], []
    for number, event in enumerate(warm):
        started = time.perf_counter()
        answer = handler(event, context)
        elapsed = (time.perf_counter() - started) * 1000
        if _status(answer) >= 300:
            failures.append(f"{_status(answer)} {str(answer.get('body'))[:300]}")
        elif number >= request["warm_up"]:
            warm_ms.append(elapsed)
    result = {"restored": restored, "warm_ms": warm_ms, "failures": failures}
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
