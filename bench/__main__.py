"""`python -m bench`: measure, print the table, write bench/results.json (`make bench`)."""

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import (
    cold_start,
    comment_writes,
    feed_page,
    growth,
    layer,
    list_page,
    local_api,
    round_trips,
    snapstart,
    wxr_import,
)
from bench.data import load_demo_blog
from bench.environment import BenchEnvironment, bench_environment
from bench.report import (
    COLD_START_RATIO,
    COMMENT_WRITES_RATIO,
    LIST_PAGE_RATIO,
    LOCAL_OVERHEAD_MS,
    RESTORE_RATIO,
    Report,
)
from local.template import load_template
from local.workers import DEFAULT_MAX_CONCURRENCY

RESULTS = Path(__file__).with_name("results.json")


class Sizes:
    def __init__(self, quick: bool) -> None:
        self.cold_start_rounds = 2 if quick else 20
        self.restore_rounds = 1 if quick else 10
        self.restore_warm_requests = 3 if quick else 20
        self.local_requests = 10 if quick else 300
        self.growth_posts = [5, 30] if quick else [100, 1_000, 10_000]
        self.growth_comments = [1, 60] if quick else [1, 100, 1_000]
        self.growth_requests = 3 if quick else 30
        self.wxr_posts = 20 if quick else 10_000
        self.wxr_comments = 200 if quick else 100_000


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _rounded(value: float, digits: int = 1) -> float:
    return round(value, digits)


def run(sizes: Sizes, say: Callable[[str], None]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine()}
    started = time.perf_counter()

    def step(text: str) -> None:
        say(f"==> {text} ({time.perf_counter() - started:.0f} s)")

    def detail(text: str) -> None:
        say(f"    {text}")

    step("layer size")
    size = layer.unzipped_mb()
    results["layer_mb"] = None if size is None else _rounded(size, 2)
    if size is None:
        detail(f"no build output at {layer.BUILT_LAYER}: run `make build` first")

    template = load_template()
    step("starting the embedded DynamoDB and loading the demo blog through the API")
    with bench_environment(template) as bench:
        load_demo_blog(bench.api)

        step("round trips per route")
        counted = round_trips.measure(bench)
        results["round_trips"] = counted
        concurrent = round_trips.measure_concurrent(bench)
        results["concurrent_reads"] = {request: asdict(reads) for request, reads in concurrent.items()}
        results["second_reads"] = {
            route: {"round_trips": counted[route], "reason": reason}
            for route, reason in {**round_trips.SECOND_READ, **round_trips.BATCHED_WRITES}.items()
        }

        step("largest posts per Query page, against a post feed's entries")
        largest = feed_page.measure(bench)
        results["feed_page"] = {
            "query_page_bytes": feed_page.QUERY_PAGE_BYTES,
            "feed_entries": largest.feed_entries,
            **{
                kind: {**asdict(post), "per_query_page": post.per_query_page}
                for kind, post in (("text", largest.text), ("markup", largest.markup))
            },
        }

        step("bytes per list page (20 posts, 200-byte vs 100 KB bodies)")
        page = list_page.measure(bench)
        results["list_page"] = {
            "short_bytes": page.short_bytes,
            "long_bytes": page.long_bytes,
            "ratio": _rounded(page.ratio, 3),
        }

        step("bytes written per comment (on a 1 KB and a 200 KB post)")
        writes = comment_writes.measure(bench)
        results["comment_writes"] = {
            "short": _comment_writes(writes.short),
            "long": _comment_writes(writes.long),
            "ratio": _rounded(writes.ratio, 3),
        }

        rounds = sizes.cold_start_rounds
        step(f"cold start: {rounds} rounds of fresh processes, floor, references and functions interleaved")
        cold = cold_start.measure(bench, rounds=rounds, progress=detail)
        results["cold_start"] = {
            "floor_ms": _rounded(cold.floor_ms),
            "functions": {
                job: {
                    "ms": _rounded(cold.function_ms(job)),
                    "ratio": _rounded(cold.ratio(job), 2),
                    "framework_ratio": _rounded(cold.framework_ratio(job), 2),
                    "import_ms": _rounded(cold.import_ms(job)),
                }
                for job in cold.jobs
            },
            "references": {
                reference.name: {
                    "ms": _rounded(cold.function_ms(reference.name)),
                    "ratio": _rounded(cold.ratio(reference.name), 2),
                    "what": reference.what,
                }
                for reference in cold_start.REFERENCES
            },
            "signing_secret": {
                "ms": _rounded(cold.function_ms(cold_start.KEY_RING_READ)),
                "import_ms": _rounded(cold.import_ms(cold_start.KEY_RING_READ)),
                "read_by": sorted(cold.read_secret),
            },
            "layer_without_bytecode": {
                "function": cold_start.SOURCE_ONLY_FUNCTION,
                "ms": _rounded(cold.function_ms(cold_start.SOURCE_ONLY)),
                "ratio": _rounded(cold.ratio(cold_start.SOURCE_ONLY), 2),
                "import_ms": _rounded(cold.import_ms(cold_start.SOURCE_ONLY)),
            },
            "runs": cold.runs,
            "python": platform.python_version(),
            "worst": cold.worst,
            "worst_imports": [
                {
                    "module": entry.module,
                    "self_ms": _rounded(entry.self_ms),
                    "cumulative_ms": _rounded(entry.cumulative_ms),
                }
                for entry in cold.worst_imports
            ],
            "worst_imports_by_package": {name: _rounded(ms) for name, ms in cold.worst_by_package.items()},
        }

        results["snapstart"] = _restores(bench, sizes, step, detail)

        step(f"growth: posts {sizes.growth_posts}, comments {sizes.growth_comments}")
        by_posts = growth.posts(bench, sizes.growth_posts, requests=sizes.growth_requests, progress=detail)
        by_comments = growth.comments(
            bench, sizes.growth_comments, requests=sizes.growth_requests, progress=detail
        )
        results["growth"] = {
            "posts": {str(n): _size(point) for n, point in by_posts.items()},
            "comments": {str(n): _size(point) for n, point in by_comments.items()},
        }

    step(f"WordPress import: {sizes.wxr_posts} posts, {sizes.wxr_comments} comments (blogctl import-wxr)")
    results["wxr_import"] = wxr_import.measure(
        posts=sizes.wxr_posts, comments=sizes.wxr_comments, progress=detail
    ).as_dict()

    step(f"local API: {sizes.local_requests} requests per route against python -m local serve")
    measured = local_api.measure(template, sizes.local_requests, progress=detail)
    results["local_api"] = {
        route: {
            "p50_ms": _rounded(found.p50_ms, 2),
            "p99_ms": _rounded(found.p99_ms, 2),
            "dynamodb_p50_ms": _rounded(found.dynamodb_p50_ms, 2),
            "overhead_ms": _rounded(found.overhead_ms, 2),
            "requests": found.requests,
        }
        for route, found in measured.items()
    }
    step(f"local API under load: {', '.join(map(str, local_api.CONCURRENT_CLIENTS))} clients at once")
    under_load = local_api.measure_concurrency(sizes.local_requests, progress=detail)
    results["local_api_load"] = {
        "max_concurrency": DEFAULT_MAX_CONCURRENCY,
        "routes": {
            route: {
                str(clients): {
                    "p50_ms": _rounded(found.p50_ms, 2),
                    "p99_ms": _rounded(found.p99_ms, 2),
                    "dynamodb_share": _rounded(found.dynamodb_share, 3),
                    "requests": found.requests,
                    "failures": found.failures,
                }
                for clients, found in levels.items()
            }
            for route, levels in under_load.items()
        },
    }
    results["targets"] = {
        "round_trips": all(round_trips.target_met(route, n) for route, n in counted.items())
        and all(reads.round_trips == 1 for reads in concurrent.values()),
        "cold_start": all(cold.framework_ratio(job) <= COLD_START_RATIO for job in cold.jobs),
        "snapstart": results["snapstart"]["met"],
        "list_page": page.ratio <= LIST_PAGE_RATIO,
        "comment_writes": writes.ratio <= COMMENT_WRITES_RATIO,
        "local_api": all(found.overhead_ms < LOCAL_OVERHEAD_MS for found in measured.values()),
        "layer_without_boto": size is not None and not layer.has_boto(),
    }
    results["seconds"] = round(time.perf_counter() - started)
    return results


def _comment_writes(writes: comment_writes.CommentWrites) -> dict[str, Any]:
    return {"post_bytes": writes.post_bytes, "bytes": writes.total, "parts": writes.parts}


def _restores(
    bench: BenchEnvironment, sizes: Sizes, step: Callable[[str], None], detail: Callable[[str], None]
) -> dict[str, Any]:
    rounds, warm = sizes.restore_rounds, sizes.restore_warm_requests
    step(f"SnapStart, restore simulated: {rounds} rounds, primed and unprimed processes interleaved")
    found = snapstart.measure(bench, rounds=rounds, warm_requests=warm, progress=detail)
    return {
        "functions": {
            job: {
                "restored_ms": _rounded(found.restored_ms(job)),
                "warm_p50_ms": _rounded(found.warm_p50_ms(job)),
                "ratio": _rounded(found.ratio(job), 2),
                "unprimed_ms": _rounded(found.unprimed_ms(job)),
                "unprimed_ratio": _rounded(found.unprimed_ratio(job), 2),
                "page_faults": round(found.restored_page_faults(job)),
                "warm_page_faults": round(found.warm_page_faults_p50(job)),
                "memory_restore_ms": _rounded(found.memory_restore_ms(job)),
                "without_memory_restore_ms": _rounded(found.without_memory_ms(job)),
                "without_memory_restore_ratio": _rounded(found.without_memory_ratio(job), 2),
                "dynamodb_ms": _rounded(found.restored_dynamodb_ms(job)),
                "warm_dynamodb_p50_ms": _rounded(found.warm_dynamodb_p50_ms(job)),
                "with_warm_dynamodb_ratio": _rounded(found.with_warm_dynamodb_ratio(job), 2),
            }
            for job in found.jobs
        },
        "rounds": rounds,
        "warm_requests": warm,
        "discarded": found.discarded,
        "warm_failed": len(found.warm_failures),
        "warm_failures": found.warm_failures[:5],
        "worst": found.worst,
        "met": all(found.ratio(job) <= RESTORE_RATIO for job in found.jobs),
    }


def run_snapstart(sizes: Sizes, say: Callable[[str], None], previous: dict[str, Any]) -> dict[str, Any]:
    """Only the restore simulation: `previous` results with its figures and verdict replaced."""
    started = time.perf_counter()

    def step(text: str) -> None:
        say(f"==> {text} ({time.perf_counter() - started:.0f} s)")

    def detail(text: str) -> None:
        say(f"    {text}")

    template = load_template()
    step("starting the embedded DynamoDB and loading the demo blog through the API")
    with bench_environment(template) as bench:
        load_demo_blog(bench.api)
        restores = _restores(bench, sizes, step, detail)
    targets = {**previous.get("targets", {}), "snapstart": restores["met"]}
    return {**previous, "machine": machine(), "snapstart": restores, "targets": targets}


def _size(size: growth.Size) -> dict[str, Any]:
    return {
        name: {
            "ms": _rounded(point.ms, 2),
            "dynamodb_ms": _rounded(point.dynamodb_ms, 2),
            "handler_ms": _rounded(point.handler_ms, 2),
            "response_bytes": point.response_bytes,
        }
        for name, point in (("list", size.list), ("get", size.get))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the bench runs")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"where the results go (default {RESULTS})"
    )
    parser.add_argument(
        "--only-snapstart",
        action="store_true",
        help="only the SnapStart restore simulation; its figures replace those in --output",
    )
    arguments = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, flush=True)

    if arguments.only_snapstart:
        previous = (
            json.loads(arguments.output.read_text(encoding="utf-8")) if arguments.output.is_file() else {}
        )
        results = run_snapstart(Sizes(arguments.quick), say, previous)
        rendered = "\n".join(Report(results).snapstart())
    else:
        results = run(Sizes(arguments.quick), say)
        rendered = Report(results).render()
    arguments.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say("")
    say(rendered)
    say(f"\nWritten to {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
