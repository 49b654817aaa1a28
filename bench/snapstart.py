"""SnapStart, restore simulated: for each function, a process runs init and priming and forks; the
child, standing for an environment restored from the snapshot, serves the first request (its time
is the figure), and the parent then serves warm requests for the warm p50. The same without priming
gives the unprimed first request (a snapshot of init alone, the first-request part of a cold
start). Primed and unprimed processes of every function run interleaved in a new random order each
round; each figure is the median over the rounds. Target: the first request after a restore at
most RESTORE_RATIO times the warm p50.

Beside it, what restoring memory costs the first request: the pages it copies from the parent (page
faults; a warm request has next to none), each at the cost the child measured for one. The first
request less that cost is what priming could still take off it. And the first request with its
DynamoDB calls (a new connection, the first since the embedded DynamoDB sat idle) timed as a warm
request's: the reconnect, which is genuine on Lambda, and the stand-in's own wake-up left out.
"""

import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cold_start import requests_of, run_isolated
from bench.environment import BenchEnvironment
from local.template import FunctionDefinition

CHILD = Path(__file__).with_name("restore_child.py")
ATTEMPTS = 2
"""A process whose first request after the restore failed is run again once."""
WARM_UP = 2
"""Warm requests served and not counted: the parent's own first requests are cold ones."""
FIRST_RUN = 50_000
"""Run numbers of the events this part sends, far from the cold starts' (each comment is new)."""


@dataclass
class Restores:
    rounds: int
    warm_requests: int
    restored: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    unprimed: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    warm: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    page_faults: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """The page faults of each first request after a restore."""
    memory_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """What those page faults cost each first request (faults times the cost of one)."""
    warm_page_faults: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    dynamodb_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """The DynamoDB calls of each first request after a restore."""
    warm_dynamodb_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    with_warm_dynamodb_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    """Each first request with its DynamoDB calls timed as its process's warm median."""
    discarded: int = 0
    """Processes run again because the first request after the restore failed (ATTEMPTS)."""
    warm_failures: list[str] = field(default_factory=list)
    """Warm requests that failed, left out of the warm p50: the answers' bodies."""

    @property
    def jobs(self) -> list[str]:
        return sorted(self.restored)

    def add_primed(self, job: str, result: dict[str, Any]) -> None:
        """The figures of one primed process of `job` (bench/restore_child.py's result)."""
        restored = result["restored"]
        self.restored[job].append(restored["ms"])
        self.page_faults[job].append(restored["page_faults"])
        self.memory_ms[job].append(restored["page_faults"] * restored["page_fault_ms"])
        self.dynamodb_ms[job].append(restored["dynamodb_ms"])
        self.warm[job] += result["warm_ms"]
        self.warm_page_faults[job] += result["warm_page_faults"]
        self.warm_dynamodb_ms[job] += result["warm_dynamodb_ms"]
        warm_dynamodb = statistics.median(result["warm_dynamodb_ms"])
        self.with_warm_dynamodb_ms[job].append(restored["ms"] - restored["dynamodb_ms"] + warm_dynamodb)

    def restored_ms(self, job: str) -> float:
        return statistics.median(self.restored[job])

    def unprimed_ms(self, job: str) -> float:
        return statistics.median(self.unprimed[job])

    def warm_p50_ms(self, job: str) -> float:
        return statistics.median(self.warm[job])

    def ratio(self, job: str) -> float:
        """The first request after a restore over the warm p50."""
        return self.restored_ms(job) / self.warm_p50_ms(job)

    def restored_page_faults(self, job: str) -> float:
        return statistics.median(self.page_faults[job])

    def warm_page_faults_p50(self, job: str) -> float:
        return statistics.median(self.warm_page_faults[job])

    def memory_restore_ms(self, job: str) -> float:
        return statistics.median(self.memory_ms[job])

    def without_memory_ms(self, job: str) -> float:
        """The first request after a restore less what its page faults cost."""
        pairs = zip(self.restored[job], self.memory_ms[job], strict=True)
        return statistics.median(restored - memory for restored, memory in pairs)

    def without_memory_ratio(self, job: str) -> float:
        return self.without_memory_ms(job) / self.warm_p50_ms(job)

    def restored_dynamodb_ms(self, job: str) -> float:
        return statistics.median(self.dynamodb_ms[job])

    def warm_dynamodb_p50_ms(self, job: str) -> float:
        return statistics.median(self.warm_dynamodb_ms[job])

    def with_warm_dynamodb_ratio(self, job: str) -> float:
        """The first request, its DynamoDB calls timed as a warm request's, over the warm p50."""
        return statistics.median(self.with_warm_dynamodb_ms[job]) / self.warm_p50_ms(job)

    def unprimed_ratio(self, job: str) -> float:
        """The first request of an unprimed snapshot over the warm p50."""
        return self.unprimed_ms(job) / self.warm_p50_ms(job)

    @property
    def worst(self) -> str:
        return max(self.jobs, key=self.ratio)


class RestoreRunner:
    def __init__(self, bench: BenchEnvironment, warm_requests: int) -> None:
        self._bench = bench
        self._requests = requests_of(bench)
        self._functions: dict[str, FunctionDefinition] = {
            function.folder_name: function for function in bench.functions.values()
        }
        self._warm_requests = warm_requests
        self._run = FIRST_RUN

    @property
    def jobs(self) -> list[str]:
        return sorted(self._functions)

    def _events(self, folder: str, count: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
        events: list[dict[str, Any]] = []
        environment: dict[str, str] = {}
        for _ in range(count):
            self._run += 1
            event, environment = self._requests.event(folder, self._run)
            events.append(event)
        return events, environment

    def run_one(self, job: str, *, prime: bool) -> dict[str, Any]:
        function = self._functions[job]
        warm = WARM_UP + self._warm_requests if prime else 0
        events, extra_environment = self._events(job, 1 + warm)
        request = {
            "path": [str(function.code_dir), *(str(layer) for layer in function.layer_dirs)],
            "module": function.handler_module,
            "handler": function.handler_name,
            "function_name": function.function_name,
            "timeout_seconds": function.timeout_seconds,
            "events": events,
            "prime": prime,
            "warm_up": WARM_UP,
        }
        environment = {**self._bench.environment_of(function), **extra_environment}
        result, _ = run_isolated(CHILD, request, environment, cwd=function.code_dir)
        return result


def _succeeded(result: dict[str, Any]) -> bool:
    return int(result["restored"]["status"]) < 300


def _run(runner: RestoreRunner, found: "Restores", job: str, *, prime: bool) -> dict[str, Any]:
    for _ in range(ATTEMPTS):
        result = runner.run_one(job, prime=prime)
        found.warm_failures += [f"{job}: {body}" for body in result["failures"]]
        if _succeeded(result):
            return result
        found.discarded += 1
    raise RuntimeError(f"the first request of {job} after a restore answered {result['restored']}")


def measure(
    bench: BenchEnvironment, *, rounds: int, warm_requests: int, progress: Callable[[str], None]
) -> Restores:
    runner = RestoreRunner(bench, warm_requests)
    runs = [(job, prime) for job in runner.jobs for prime in (True, False)]
    order = random.Random(20260102)  # noqa: S311 (an order, not a secret)
    found = Restores(rounds=rounds, warm_requests=warm_requests)
    # A first round that is not counted: bytecode caches written, files in the page cache.
    for job, prime in runs:
        _run(runner, found, job, prime=prime)
    for number in range(1, rounds + 1):
        order.shuffle(runs)
        for job, prime in runs:
            result = _run(runner, found, job, prime=prime)
            if prime:
                found.add_primed(job, result)
            else:
                found.unprimed[job].append(result["restored"]["ms"])
        progress(f"round {number}/{rounds}")
    return found
