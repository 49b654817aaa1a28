"""A function's worker: its own process, environment and module namespace, warm after its first
invocation, restarted when its code or its layer changes, stopped when it runs over its timeout; and
a function's workers: more when all are busy, up to its cap, then Lambda's throttling."""

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from local.template import FunctionDefinition
from local.workers import (
    FunctionThrottled,
    FunctionTimedOut,
    FunctionWorker,
    Invocation,
    WorkerPool,
    lambda_environment,
)

HANDLER = """
import os
import sys
import time

import shared

STARTED_BY = os.getpid()


def lambda_handler(event, context):
    if event.get("print"):
        print(event["print"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError(event["fail"])
    return {
        "version": VERSION,
        "shared": shared.VALUE,
        "pid": STARTED_BY,
        "path": sys.path[:2],
        "environment": dict(os.environ),
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "project_importable": any(name.startswith(("local", "tests")) for name in sys.modules),
    }
"""


def write_handler(code_dir: Path, version: str) -> None:
    (code_dir / "app.py").write_text(f"VERSION = {version!r}\n{HANDLER}", encoding="utf-8")


def write_layer(layer_dir: Path, value: str) -> None:
    (layer_dir / "shared.py").write_text(f"VALUE = {value!r}\n", encoding="utf-8")


@pytest.fixture
def function(tmp_path: Path) -> FunctionDefinition:
    code_dir, layer_dir = tmp_path / "code", tmp_path / "layer"
    code_dir.mkdir()
    layer_dir.mkdir()
    write_handler(code_dir, "one")
    write_layer(layer_dir, "layer one")
    return FunctionDefinition(
        logical_id="ProbeFunction",
        code_dir=code_dir,
        module_path=code_dir / "app.py",
        handler_name="lambda_handler",
        environment={"TABLE_NAME": "probe"},
        timeout_seconds=2,
        layer_dirs=(layer_dir,),
        function_name="stack-probe",
    )


@pytest.fixture
def log() -> list[str]:
    return []


@pytest.fixture
def worker(function: FunctionDefinition, log: list[str]) -> Iterator[FunctionWorker]:
    environment = lambda_environment(function, dynamodb_endpoint="http://127.0.0.1:1")
    started = FunctionWorker(function, environment, lambda _, line: log.append(line))
    yield started
    started.stop()


def test_the_function_runs_isolated_as_on_lambda(
    worker: FunctionWorker, function: FunctionDefinition
) -> None:
    response = worker.invoke({}, timeout_seconds=10).response

    assert response["pid"] != os.getpid()
    assert response["path"] == [str(function.code_dir), str(function.layer_dirs[0])]
    assert not response["project_importable"]
    environment = response["environment"]
    assert environment["TABLE_NAME"] == "probe"
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == "us-east-1"
    assert environment["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:1"
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == response["function_name"] == "stack-probe"
    assert environment["AWS_ACCESS_KEY_ID"] == "local"
    assert "PYTEST_CURRENT_TEST" not in environment
    assert 0 < response["remaining_ms"] <= 2000


def test_the_first_invocation_is_a_cold_start_and_the_next_one_warm(worker: FunctionWorker) -> None:
    first = worker.invoke({}, timeout_seconds=10)
    second = worker.invoke({}, timeout_seconds=10)

    assert first.init_ms is not None
    assert second.init_ms is None
    assert first.response["pid"] == second.response["pid"]


def test_a_change_to_the_handler_starts_a_fresh_worker(
    worker: FunctionWorker, function: FunctionDefinition
) -> None:
    before = worker.invoke({}, timeout_seconds=10)

    write_handler(function.code_dir, "two, edited")
    after = worker.invoke({}, timeout_seconds=10)

    assert (before.response["version"], after.response["version"]) == ("one", "two, edited")
    assert after.response["pid"] != before.response["pid"]
    assert after.init_ms is not None


def test_a_change_to_the_layer_starts_a_fresh_worker(
    worker: FunctionWorker, function: FunctionDefinition
) -> None:
    assert worker.invoke({}, timeout_seconds=10).response["shared"] == "layer one"

    write_layer(function.layer_dirs[0], "layer two, edited")

    assert worker.invoke({}, timeout_seconds=10).response["shared"] == "layer two, edited"


def test_an_error_comes_back_as_lambdas_error_payload_and_the_worker_stays(worker: FunctionWorker) -> None:
    failed = worker.invoke({"fail": "kaputt"}, timeout_seconds=10)
    after = worker.invoke({}, timeout_seconds=10)

    assert failed.error is not None
    assert (failed.error["errorType"], failed.error["errorMessage"]) == ("ValueError", "kaputt")
    assert any("app.py" in frame for frame in failed.error["stackTrace"])
    assert after.init_ms is None


def test_what_the_function_prints_is_its_log(worker: FunctionWorker, log: list[str]) -> None:
    worker.invoke({"print": "Grüße aus dem Log"}, timeout_seconds=10)
    worker.invoke({"fail": "kaputt"}, timeout_seconds=10)
    worker.stop()

    assert "Grüße aus dem Log" in log
    assert "[ERROR] ValueError: kaputt" in log


def test_a_function_over_its_timeout_is_stopped_and_the_next_invocation_starts_afresh(
    worker: FunctionWorker,
) -> None:
    first_pid = worker.invoke({}, timeout_seconds=10).response["pid"]

    with pytest.raises(FunctionTimedOut):
        worker.invoke({"sleep": 30}, timeout_seconds=0.5)
    after = worker.invoke({}, timeout_seconds=10)

    assert after.init_ms is not None
    assert after.response["pid"] != first_pid


def test_a_handler_that_cannot_be_imported_reports_it_until_it_is_fixed(
    worker: FunctionWorker, function: FunctionDefinition
) -> None:
    (function.code_dir / "app.py").write_text("def lambda_handler(event, context:\n", encoding="utf-8")

    broken = worker.invoke({}, timeout_seconds=10)
    write_handler(function.code_dir, "fixed")
    fixed = worker.invoke({}, timeout_seconds=10)

    assert broken.error is not None
    assert broken.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert fixed.response["version"] == "fixed"


def test_a_busy_function_scales_out_up_to_the_local_cap_and_then_waits_for_a_worker(
    function: FunctionDefinition,
) -> None:
    environment = lambda_environment(function, dynamodb_endpoint="http://127.0.0.1:1")
    pool = WorkerPool(
        {"ProbeFunction": function}, {"ProbeFunction": environment}, lambda *_: None, max_concurrency=2
    )
    both_busy = threading.Barrier(3)

    def slow_invocation() -> Invocation:
        both_busy.wait(timeout=30)
        return pool.invoke("ProbeFunction", {"sleep": 1.5}, timeout_seconds=10)

    try:
        with ThreadPoolExecutor(max_workers=2) as running:
            slow = [running.submit(slow_invocation) for _ in range(2)]
            both_busy.wait(timeout=30)
            time.sleep(0.5)  # both invocations have their workers by now
            waited = pool.invoke("ProbeFunction", {}, timeout_seconds=10, wait_seconds=10)
            first, second = (future.result(timeout=30) for future in slow)
    finally:
        pool.stop()

    assert first.init_ms is not None
    assert second.init_ms is not None
    assert first.response["pid"] != second.response["pid"]
    assert waited.init_ms is None
    assert waited.response["pid"] in {first.response["pid"], second.response["pid"]}


def test_reserved_concurrency_is_the_cap_of_its_function_and_a_caller_may_wait_for_it(
    function: FunctionDefinition,
) -> None:
    reserved = replace(function, reserved_concurrency=1)
    environment = lambda_environment(reserved, dynamodb_endpoint="http://127.0.0.1:1")
    pool = WorkerPool({"ProbeFunction": reserved}, {"ProbeFunction": environment}, lambda *_: None)
    started = threading.Event()

    def slow_invocation() -> Invocation:
        started.set()
        return pool.invoke("ProbeFunction", {"sleep": 1.5}, timeout_seconds=10)

    try:
        with ThreadPoolExecutor(max_workers=1) as running:
            slow = running.submit(slow_invocation)
            started.wait(timeout=30)
            time.sleep(0.5)
            with pytest.raises(FunctionThrottled, match="ReservedConcurrentExecutions"):
                pool.invoke("ProbeFunction", {}, timeout_seconds=10, wait_seconds=0)
            waited = pool.invoke("ProbeFunction", {}, timeout_seconds=10, wait_seconds=10)
            first = slow.result(timeout=30)
    finally:
        pool.stop()

    assert waited.init_ms is None
    assert waited.response["pid"] == first.response["pid"]
