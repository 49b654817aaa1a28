"""One simulated SnapStart restore: a process runs a function's init (imports its handler) and, when
asked, its priming (what Lambda's before-snapshot hook runs), then forks. The child is the
environment restored from the snapshot: it runs the after-restore hook and serves the first request,
whose time is the figure. The parent then serves warm requests, for the function's warm p50.

The child shares the parent's memory until it writes to it: each page it first writes is copied (a
page fault), as a restored environment loads each page of the snapshot it first touches. The child
counts the page faults of its first request and then times copying pages the parent filled, for
the cost of one. In a primed process every request's DynamoDB calls are timed too (from botocore's
`before-send` to its `after-call`: the connection, the embedded DynamoDB's answer, the parsing),
hooked before the priming, so that the hooks cost every request the same.

Run by bench.snapstart as `python -I restore_child.py` with a JSON request on stdin, in the
environment the function has on Lambda; the result goes to the file the request names.
"""

import importlib
import json
import mmap
import os
import resource
import runpy
import sys
import time
from pathlib import Path
from typing import Any

CONTEXT_FILE = Path(__file__).parents[1] / "local" / "context.py"
CALIBRATION_PAGES = 1024
"""Pages the child copies to time one page fault (4 MB with 4 KB pages)."""


def _status(result: Any) -> int:
    return int(result.get("statusCode", 200)) if isinstance(result, dict) else 200


def _page_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _filled_pages() -> bytearray:
    pages = bytearray(CALIBRATION_PAGES * mmap.PAGESIZE)
    _write_every_page(pages)
    return pages


def _write_every_page(pages: bytearray) -> float:
    started = time.perf_counter()
    for offset in range(0, len(pages), mmap.PAGESIZE):
        pages[offset] = 1
    return time.perf_counter() - started


def _page_fault_ms(pages: bytearray) -> float:
    """The time of one page fault in this process: the parent's pages copied, less the same writes
    once they are this process's own."""
    copying = _write_every_page(pages)
    writing = _write_every_page(pages)
    return (copying - writing) * 1000 / CALIBRATION_PAGES


class DynamoDBTime:
    """The time of the DynamoDB calls of this process's client, from sending to the parsed answer."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._sent: float | None = None

    def attach(self) -> None:
        from blog.store import dynamodb_client

        events = dynamodb_client().meta.events
        events.register("before-send.dynamodb", self._before_send)
        events.register("after-call.dynamodb", self._after_call)

    def _before_send(self, **_: Any) -> None:
        self._sent = time.perf_counter()

    def _after_call(self, **_: Any) -> None:
        if self._sent is not None:
            self.ms += (time.perf_counter() - self._sent) * 1000
            self._sent = None

    def taken(self) -> float:
        """The milliseconds since the last call of `taken`."""
        taken, self.ms = self.ms, 0.0
        return taken


def _restored(
    handler: Any, event: dict[str, Any], context: Any, prime: bool, pages: bytearray, dynamodb: DynamoDBTime
) -> dict[str, Any]:
    """What the restored environment does: the after-restore hook, then the first request."""
    if prime:
        from blog.priming import reseed

        reseed()
    faults = _page_faults()
    dynamodb.taken()
    started = time.perf_counter()
    result = handler(event, context)
    elapsed = (time.perf_counter() - started) * 1000
    return {
        "ms": elapsed,
        "dynamodb_ms": dynamodb.taken(),
        "status": _status(result),
        "page_faults": _page_faults() - faults,
        "page_fault_ms": _page_fault_ms(pages),
    }


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["path"]
    module = importlib.import_module(request["module"])
    handler = getattr(module, request["handler"])
    context = runpy.run_path(str(CONTEXT_FILE))["LocalLambdaContext"](
        # The template's Timeout, as Lambda gives it: the notify function budgets its sends by it.
        function_name=request["function_name"],
        timeout_seconds=request.get("timeout_seconds", 10),
    )
    dynamodb = DynamoDBTime()
    if request["prime"]:
        # Unprimed, the first request creates the client: that is part of what it measures.
        dynamodb.attach()
        module.primer.before_snapshot()
    first, *warm = request["events"]
    pages = _filled_pages()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        restored = _restored(handler, first, context, request["prime"], pages, dynamodb)
        os.write(writing, json.dumps(restored).encode())
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        restored = json.loads(pipe.read() or b"null")
    os.waitpid(child, 0)
    warm_ms, warm_dynamodb_ms, warm_faults, failures = [], [], [], []
    for number, event in enumerate(warm):
        faults = _page_faults()
        dynamodb.taken()
        started = time.perf_counter()
        answer = handler(event, context)
        elapsed = (time.perf_counter() - started) * 1000
        faults = _page_faults() - faults
        if _status(answer) >= 300:
            failures.append(f"{_status(answer)} {str(answer.get('body'))[:300]}")
        elif number >= request["warm_up"]:
            warm_ms.append(elapsed)
            warm_dynamodb_ms.append(dynamodb.taken())
            warm_faults.append(faults)
    result = {
        "restored": restored,
        "warm_ms": warm_ms,
        "warm_dynamodb_ms": warm_dynamodb_ms,
        "warm_page_faults": warm_faults,
        "failures": failures,
    }
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
