"""The WordPress import at scale: `blogctl import-wxr` of a generated export (10,000 posts and
100,000 comments by default) into the embedded DynamoDB, its time and its peak memory.

The import runs as operators run it, in a process of its own (`blogctl --local --endpoint-url ...`),
so its peak resident memory (VmHWM on Linux, else `ru_maxrss`) is the importer's alone: moto,
which holds the table in memory, runs in this process. Memory is flat when the import of the whole
export peaks about where the import of a tenth of it does: the file is streamed, never held. The
floor is a process that only loads blogctl; the dry run reads and converts everything but writes
nothing, which tells the parsing and rendering apart from the writing.

    python -m bench.wxr_import --posts 1000 --comments 10000
"""

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.wxr_generate import generate
from local.embedded_dynamodb import dynamodb_client, embedded_dynamodb, ensure_table
from local.template import PROJECT_ROOT, load_template

TIMEOUT_SECONDS = 3600
_MB = 1024 * 1024
# ru_maxrss counts bytes on macOS (and kilobytes on Linux, which reads /proc instead).
_MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class ChildRun:
    """What one blogctl process reported."""

    seconds: float
    peak_mb: float
    summary: dict[str, Any]


@dataclass(frozen=True)
class WxrImportResult:
    """The figures of the benchmark, in seconds and MB."""

    posts: int
    comments: int
    file_mb: float
    seconds: float
    """The whole import, in blogctl's process (parsing, rendering, reading and writing the table)."""
    items_per_second: float
    peak_mb: float
    """Peak resident memory of the import."""
    tenth_peak_mb: float
    """The same for an export a tenth the size: about equal when memory is flat."""
    floor_mb: float
    """A process that loads blogctl and stops."""
    dry_run_seconds: float
    """Reading and converting the export without writing."""

    def as_dict(self) -> dict[str, float | int]:
        return {
            name: round(value, 2) if isinstance(value, float) else value
            for name, value in asdict(self).items()
        }


def _peak_mb() -> float:
    # On Linux, ru_maxrss survives exec: a process started by this one, which holds moto's table,
    # would report this one's peak. VmHWM is the peak of the process's own memory since its exec.
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / _MB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _MAXRSS_BYTES / _MB


def _blogctl(*arguments: str) -> ChildRun:
    """Run blogctl in a process of its own and read what it reports."""
    finished = subprocess.run(  # noqa: S603 (this interpreter, this module)
        [sys.executable, "-m", "bench.wxr_import", "--child", *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"blogctl {' '.join(arguments)} failed:\n{finished.stdout}{finished.stderr}")
    report = json.loads(finished.stdout.splitlines()[-1])
    return ChildRun(seconds=report["seconds"], peak_mb=report["peak_mb"], summary=report["summary"])


def _child(arguments: list[str]) -> None:
    """In blogctl's process: run it, then print its time, peak memory and summary as one line."""
    from blogctl.cli import main

    output = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(output):
        status = main(["--json", *arguments]) if arguments else 0
    seconds = time.perf_counter() - started
    if status != 0:
        sys.exit(status)
    summary = json.loads(output.getvalue()) if arguments else {}
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "summary": summary}))


def _import(template: Mapping[str, Any], endpoint: str, table: str, path: Path) -> ChildRun:
    client = dynamodb_client(endpoint)
    ensure_table(client, template, table)
    try:
        run = _blogctl("--local", "--endpoint-url", endpoint, "--table", table, "import-wxr", str(path))
    finally:
        # moto keeps its tables for the life of this process, beyond its server's: it would hold
        # the items in memory, and a caller's next embedded DynamoDB would find the table.
        client.delete_table(TableName=table)
    expected = run.summary["posts"]["total"], run.summary["comments"]["total"]
    written = run.summary["posts"]["written"], run.summary["comments"]["written"]
    if written != expected:
        raise RuntimeError(f"the import wrote {written} of {expected} posts and comments")
    return run


def measure(
    *, posts: int = 10_000, comments: int = 100_000, progress: Callable[[str], None] = lambda _: None
) -> WxrImportResult:
    """Generate an export of `posts` posts and `comments` comments, import it into a fresh table of
    the embedded DynamoDB, and measure; the same for a tenth of it, to show memory stays flat."""
    with tempfile.TemporaryDirectory(prefix="wxr-bench-") as directory:
        whole, tenth = Path(directory, "export.xml"), Path(directory, "tenth.xml")
        progress(f"generating an export of {posts} posts and {comments} comments")
        generate(whole, posts=posts, comments=comments)
        generate(tenth, posts=max(posts // 10, 1), comments=comments // 10)
        floor = _blogctl()
        progress("dry run (reading and converting only)")
        dry_run = _blogctl("import-wxr", "--dry-run", str(whole))
        template = load_template()
        with embedded_dynamodb() as endpoint:
            progress("importing a tenth of it")
            small = _import(template, endpoint, "wxr-bench-tenth", tenth)
            progress("importing all of it")
            large = _import(template, endpoint, "wxr-bench", whole)
        return WxrImportResult(
            posts=posts,
            comments=comments,
            file_mb=whole.stat().st_size / _MB,
            seconds=large.seconds,
            items_per_second=(posts + comments) / large.seconds,
            peak_mb=large.peak_mb,
            tenth_peak_mb=small.peak_mb,
            floor_mb=floor.peak_mb,
            dry_run_seconds=dry_run.seconds,
        )


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--child"]:
        _child(arguments[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.wxr_import", description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    options = parser.parse_args(arguments)
    result = measure(posts=options.posts, comments=options.comments, progress=print)
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()
