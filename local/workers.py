"""Each function in a process of its own, as on Lambda: started on first use, kept warm, restarted
when its code changes.

A worker is a `local/lambda_runtime.py` process with the function's environment variables only, its
own module namespace, and the function's code directory and layers on sys.path. A worker runs one
invocation at a time; a function scales out as on Lambda: an invocation that finds every worker of
its function busy starts another one (a cold start), up to the function's reserved concurrency
(beyond it, Lambda throttles) or the local cap (beyond it, the invocation waits). Idle workers are
reused, the most recent first.

Requests and answers travel through two pipes; what the function prints is its log, handed line by
line to a callback. A worker whose parent dies reads the end of its request pipe and exits, so no
worker outlives the local runtime.
"""

import contextlib
import functools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from local.lambda_runtime import LENGTH, encode_message
from local.sigv4 import ACCESS_KEY, REGION, SECRET_KEY
from local.template import FunctionDefinition

RUNTIME_SCRIPT = Path(__file__).with_name("lambda_runtime.py")
INIT_TIMEOUT_SECONDS = 10.0
"""How long Lambda lets a new execution environment's Init phase run, apart from the timeout."""
LogLine = Callable[[str, str], None]
"""Receives a function's logical id and one line it printed."""


class FunctionTimedOut(Exception):
    """The function did not answer in time; its worker was stopped."""


class WorkerExited(Exception):
    """The worker process ended while it served an invocation (the function crashed or exited)."""


class FunctionThrottled(Exception):
    """Every execution environment the function may have is busy: Lambda refuses the invocation."""


@dataclass(frozen=True)
class Invocation:
    """What one invocation ended in."""

    response: Any
    error: dict[str, Any] | None
    """Lambda's error payload (errorType, errorMessage, stackTrace) when the function raised."""
    init_ms: float | None
    """How long the Init phase took, when this invocation started the worker (a cold start)."""
    duration_ms: float


def lambda_environment(
    function: FunctionDefinition, *, dynamodb_endpoint: str, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment variables the function runs with: the template's, then what Lambda sets.

    Credentials are fake ones and a developer's ~/.aws is hidden, so nothing reaches an AWS account;
    botocore finds the local DynamoDB through AWS_ENDPOINT_URL_DYNAMODB, with no branch in the code.
    """
    return {
        **function.environment,
        **(overrides or {}),
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": f"{function.handler_module}.{function.handler_name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
    }


def source_fingerprint(directories: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """Path, size and modification time of every file under `directories` (caches left out)."""
    found = []
    for directory in directories:
        for root, folders, files in os.walk(directory):
            folders[:] = [name for name in folders if name != "__pycache__" and not name.startswith(".")]
            for name in files:
                path = Path(root, name)
                try:
                    status = path.stat()
                except FileNotFoundError:
                    continue
                found.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(sorted(found))


class FunctionWorker:
    """One function's execution environment."""

    def __init__(
        self, function: FunctionDefinition, environment: Mapping[str, str], log_line: LogLine
    ) -> None:
        self.function = function
        self._environment = dict(environment)
        self._log_line = log_line
        self._source_dirs = (function.code_dir, *function.layer_dirs)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[bytes] | None = None
        self._answers_fd = -1
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()
        self._init_deadline = 0.0
        """Until when the Init phase of the running process may take (Lambda limits it apart)."""

    def start(self) -> None:
        """Start the process now (it also starts on first use), so its Init phase runs ahead."""
        with self._lock:
            if self._process is None:
                self._start()

    def invoke(self, event: Mapping[str, Any], timeout_seconds: float) -> Invocation:
        """Run the function on `event`, starting or restarting its process first where needed."""
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                self._stop()
            if self._process is not None and source_fingerprint(self._source_dirs) != self._fingerprint:
                self._log_line(self.function.logical_id, "code changed: starting a fresh worker")
                self._stop()
            if self._process is None:
                self._start()
            started = time.perf_counter()
            # Lambda limits the Init phase apart from the function's timeout, also for a process
            # started ahead (start) whose Init phase still runs.
            deadline = max(time.monotonic(), self._init_deadline) + timeout_seconds
            try:
                answer = self._exchange(event, deadline=deadline)
            except (FunctionTimedOut, WorkerExited):
                self._stop()
                raise
            return Invocation(
                response=answer.get("response"),
                error=answer.get("error"),
                init_ms=answer.get("init_ms"),
                duration_ms=(time.perf_counter() - started) * 1000,
            )

    def stop(self) -> None:
        """Stop the process, if it runs."""
        with self._lock:
            self._stop()

    def _start(self) -> None:
        self._fingerprint = source_fingerprint(self._source_dirs)
        self._init_deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        request_read, request_write = os.pipe()
        answer_read, answer_write = os.pipe()
        settings = {
            "request_fd": request_read,
            "response_fd": answer_write,
            "code_dir": str(self.function.code_dir),
            "layer_dirs": [str(path) for path in self.function.layer_dirs],
            "handler_module": self.function.handler_module,
            "handler_name": self.function.handler_name,
            "function_name": self.function.function_name,
            "timeout_seconds": self.function.timeout_seconds,
            "memory_mb": self.function.memory_mb,
        }
        try:
            # -I: no PYTHON* variables, no user site-packages, and not this project on sys.path.
            # -u: log lines reach the terminal as they are printed. A session of its own keeps the
            # terminal's Ctrl-C away: the local runtime stops its workers itself.
            self._process = subprocess.Popen(  # noqa: S603 (this interpreter, this project's script)
                [sys.executable, "-I", "-u", str(RUNTIME_SCRIPT), json.dumps(settings)],
                env=self._environment,
                cwd=self.function.code_dir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(request_read, answer_write),
                start_new_session=True,
            )
        finally:
            os.close(request_read)
            os.close(answer_write)
        self._requests = os.fdopen(request_write, "wb")
        self._answers_fd = answer_read
        for stream in (self._process.stdout, self._process.stderr):
            threading.Thread(target=self._forward_log, args=(stream,), daemon=True).start()

    def _forward_log(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        with stream:
            for line in stream:
                self._log_line(self.function.logical_id, line.decode(errors="replace").rstrip("\n"))

    def _exchange(self, event: Mapping[str, Any], *, deadline: float) -> dict[str, Any]:
        assert self._requests is not None
        try:
            self._requests.write(encode_message({"event": event}))
            self._requests.flush()
        except BrokenPipeError:
            raise WorkerExited(self._exit_description()) from None
        header = self._read_exactly(LENGTH.size, deadline)
        (length,) = LENGTH.unpack(header)
        answer: dict[str, Any] = json.loads(self._read_exactly(length, deadline))
        return answer

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FunctionTimedOut(f"{self.function.logical_id} did not answer in time")
            ready, _, _ = select.select([self._answers_fd], [], [], remaining)
            if ready:
                chunk = os.read(self._answers_fd, min(size - len(data), 1 << 20))
                if not chunk:
                    raise WorkerExited(self._exit_description())
                data += chunk
        return bytes(data)

    def _exit_description(self) -> str:
        assert self._process is not None
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return f"{self.function.logical_id} closed its pipes"
        return f"{self.function.logical_id} exited with status {code}"

    def _stop(self) -> None:
        if self._process is None:
            return
        assert self._requests is not None
        self._process.kill()
        self._process.wait()
        with contextlib.suppress(BrokenPipeError):
            self._requests.close()
        os.close(self._answers_fd)
        self._process = None
        self._requests = None
        self._answers_fd = -1


DEFAULT_MAX_CONCURRENCY = 10
"""How many workers a function without reserved concurrency may have at once, locally."""


class _FunctionScaler:
    """The workers of one function: an idle one serves, else a new one starts, up to `limit`.

    Beyond a reserved concurrency Lambda throttles. The local cap stands for the account's
    concurrency, which on AWS is far above it: an invocation beyond the cap waits for a worker.
    """

    def __init__(self, start_worker: Callable[[], FunctionWorker], limit: int, *, reserved: bool) -> None:
        self._start_worker = start_worker
        self._limit = limit
        self._reserved = reserved
        self._free = threading.Condition()
        self._workers: list[FunctionWorker] = []
        self._idle: list[FunctionWorker] = []

    def _acquire(self, wait_seconds: float) -> FunctionWorker:
        deadline = time.monotonic() + wait_seconds
        with self._free:
            while not self._idle and len(self._workers) >= self._limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    reason = "ReservedConcurrentExecutions" if self._reserved else "--max-concurrency"
                    raise FunctionThrottled(f"throttled: all {self._limit} workers busy ({reason})")
                self._free.wait(remaining)
            if self._idle:
                return self._idle.pop()
            worker = self._start_worker()
            self._workers.append(worker)
            return worker

    def _release(self, worker: FunctionWorker) -> None:
        with self._free:
            self._idle.append(worker)
            self._free.notify()

    def start(self) -> None:
        """Start one worker ahead of use, unless the function has one already."""
        worker = self._acquire(wait_seconds=0)
        try:
            worker.start()
        finally:
            self._release(worker)

    def invoke(self, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float) -> Invocation:
        worker = self._acquire(wait_seconds)
        try:
            return worker.invoke(event, timeout_seconds)
        finally:
            self._release(worker)

    def stop(self) -> None:
        with self._free:
            workers = list(self._workers)
        for worker in workers:
            worker.stop()


class WorkerPool:
    """The workers of each function of the template, each started when a request needs it.

    A function runs as many invocations at once as its ReservedConcurrentExecutions, and Lambda
    throttles the next one. A function without reserved concurrency runs up to `max_concurrency`
    at once (on AWS the account's concurrency, 1,000 by default, but every worker here is a process
    of this machine), and the next one waits for a worker to be free.
    """

    def __init__(
        self,
        functions: Mapping[str, FunctionDefinition],
        environments: Mapping[str, Mapping[str, str]],
        log_line: LogLine,
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        self._functions = {
            logical_id: _FunctionScaler(
                functools.partial(FunctionWorker, function, environments[logical_id], log_line),
                limit=max_concurrency
                if function.reserved_concurrency is None
                else function.reserved_concurrency,
                reserved=function.reserved_concurrency is not None,
            )
            for logical_id, function in functions.items()
        }

    def start(self, function_ids: Iterable[str]) -> None:
        """Start a worker of each of these functions now: their Init phases run side by side, ahead
        of use."""
        for logical_id in function_ids:
            self._functions[logical_id].start()

    def invoke(
        self, function_id: str, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float = 0.0
    ) -> Invocation:
        """Run one function on one event, in an idle worker or a new one; FunctionThrottled when no
        worker is free within `wait_seconds` (its reserved concurrency or the local cap reached).
        A caller that Lambda throttles at once (a synchronous invocation of a function with
        reserved concurrency) passes 0."""
        return self._functions[function_id].invoke(event, timeout_seconds, wait_seconds)

    def stop(self) -> None:
        """Stop every worker."""
        for scaler in self._functions.values():
            scaler.stop()
