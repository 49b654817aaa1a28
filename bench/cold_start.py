"""Cold start: fresh Python processes that import a handler (its folder and the layer first on
sys.path, as on Lambda) and serve one representative request against the bench's DynamoDB, and the
floor, a process that imports boto3, creates the DynamoDB client and makes one call. A process that
runs the floor and then reads the signing secret measures what that read adds to the cold start of
the functions that sign or hash (each reads it on first need only). Between them,
the references (bench/references) add the stack's parts one at a time. One more process runs
get_post with its layer as source only, as Lambda would load a layer built without bytecode.
Floor, references and functions run interleaved, one process at a time, in a new random order each
round; each figure is the median over the rounds. Target: every function at most 1.5 times the
floor.
"""

import importlib.metadata
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.data import check, comment, now, publish
from bench.environment import BenchEnvironment
from blog.action_tokens import MailAction, action_url, issue_action_token
from blog.ids import new_comment_id
from blog.models import CommentStatus, StoredComment
from blog.store.keys import comment_item, post_pk, to_item
from local.demo import read_posts, read_threads
from local.embedded_dynamodb import local_client
from local.template import PROJECT_ROOT, FunctionDefinition

CHILD = Path(__file__).with_name("cold_start_child.py")
REFERENCES_DIR = Path(__file__).with_name("references")
FLOOR = "floor"
FRAMEWORK = "framework"


@dataclass(frozen=True)
class Reference:
    """A process between the floor and the blog's functions, made of the stack's parts alone: it
    serves get_post's request with the floor's Query, to show which part costs what."""

    name: str
    modules: tuple[str, ...]
    """Imported in order from bench/references; the last has `lambda_handler`."""
    what: str


REFERENCES = (
    Reference("observability", ("observability",), "floor + Powertools' Logger and Metrics"),
    Reference("validation", ("validation",), "observability + pydantic models for the request and answer"),
    Reference(
        FRAMEWORK, ("framework",), "observability + Powertools' HTTP resolver with pydantic validation"
    ),
    Reference(
        "framework_lazy_imports",
        ("lazy_powertools", "framework"),
        "framework, with the packages its event handler imports whole loaded on demand",
    ),
)
SOURCE_ONLY_FUNCTION = "get_post"
SOURCE_ONLY = f"{SOURCE_ONLY_FUNCTION}, layer without bytecode"
"""get_post again, its layer as source only: what each cold start on Lambda would compile."""
KEY_RING_READ = "first read of the signing secret"
_NOT_FUNCTIONS = frozenset({FLOOR, SOURCE_ONLY, KEY_RING_READ, *(reference.name for reference in REFERENCES)})
LAYER_REQUIREMENTS = PROJECT_ROOT / "layers" / "blog" / "requirements.txt"
_PINNED_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)
CLOSE_SLUG = "bench-kaltstart-schliessen"
COMMENTED_SLUG = "bench-kaltstart-kommentare"
"""Where the cold starts of submit_comment write, so that the post get_post reads stays as it is."""
MANAGED_SLUG = "bench-kaltstart-beitrag"
BENCH_SENDER = "blog@bench.example"
TIMEOUT_SECONDS = 120
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


@dataclass(frozen=True)
class Import:
    module: str
    self_ms: float
    cumulative_ms: float


@dataclass
class ColdStart:
    runs: int
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    import_samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    worst_imports: list[Import] = field(default_factory=list)
    worst_by_package: dict[str, float] = field(default_factory=dict)
    read_secret: set[str] = field(default_factory=set)
    """The functions whose representative request read the signing secret."""

    @property
    def floor_ms(self) -> float:
        return statistics.median(self.samples[FLOOR])

    def function_ms(self, job: str) -> float:
        return statistics.median(self.samples[job])

    def import_ms(self, job: str) -> float:
        return statistics.median(self.import_samples[job])

    @property
    def jobs(self) -> list[str]:
        return sorted(job for job in self.samples if job not in _NOT_FUNCTIONS)

    def ratio(self, job: str) -> float:
        """A function's or a reference's median over the floor's."""
        return self.function_ms(job) / self.floor_ms

    def framework_ratio(self, job: str) -> float:
        """A function's median over the framework reference's: what the blog's own code adds."""
        return self.function_ms(job) / self.function_ms(FRAMEWORK)

    @property
    def worst(self) -> str:
        return max(self.jobs, key=self.ratio)


def _scheduled_event() -> dict[str, Any]:
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": "bench",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": moment,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/bench-auto-close"],
        "detail": {},
    }


class Requests:
    """The representative request of each function, new for each run where it writes."""

    def __init__(self, bench: BenchEnvironment) -> None:
        self._api = bench.api
        threads = [thread for thread in read_threads() if thread.comments and not thread.close]
        self.slug = max(threads, key=lambda thread: len(thread.comments)).slug
        demo_post = next(post for post in read_posts() if post.slug == self.slug)
        self._post_body = demo_post.body
        api = bench.api
        two_days_ago = now() - timedelta(days=2)
        publish(api, CLOSE_SLUG, "Ein Beitrag, dessen Diskussion schließt.", published_at=two_days_ago)
        publish(api, COMMENTED_SLUG, "Ein Beitrag, der Kommentare sammelt.", published_at=two_days_ago)
        check(api.put(f"/posts/{MANAGED_SLUG}", json_body=self._post_body, signed=True), "PUT")
        held = {"author_name": "Gehalten", "content": "http://a.example http://b.example http://c.example"}
        check(api.post(f"/posts/{self.slug}/comments", json_body=held, source_ip="192.0.2.200"), "held")
        comment(api, self.slug, "Noch ein Kommentar für die Seite.", source_ip="192.0.2.201")
        to_approve = check(
            api.post(f"/posts/{self.slug}/comments", json_body={**held, "author_name": "Per Mail"},
                     source_ip="192.0.2.202"),
            "held for a mail link",
        ).json()["id"]  # fmt: skip
        # Approving it again in each run changes nothing, in the one round trip of the first time.
        self._approve_link = action_url(
            "", issue_action_token(MailAction.APPROVE, self.slug, to_approve, now=now())
        )
        # The notify function mails the owner through moto's SES v2, on the bench's moto server.
        endpoint = bench.database.endpoint
        local_client("sesv2", endpoint).create_email_identity(EmailIdentity=BENCH_SENDER.split("@")[1])
        self._mail_environment = {
            "SENDER_EMAIL": BENCH_SENDER,
            "OWNER_EMAIL": "owner@bench.example",
            "SES_CONFIGURATION_SET": "",
            "AWS_ENDPOINT_URL_SESV2": endpoint,
        }

    def event(self, folder: str, run: int) -> tuple[dict[str, Any], dict[str, str]]:
        """The event of function `folder` for run number `run`, and environment variables it needs."""
        api = self._api
        builders: dict[str, Callable[[], tuple[Any, dict[str, Any]]]] = {
            "list_posts": lambda: api.event("GET", "/posts"),
            "get_post": lambda: api.event("GET", f"/posts/{self.slug}"),
            "submit_comment": lambda: api.event(
                "POST",
                f"/posts/{COMMENTED_SLUG}/comments",
                json_body={"author_name": f"Leserin {run}", "content": f"Danke für den Beitrag! ({run})"},
                source_ip=f"10.0.{run // 250}.{run % 250 + 1}",
            ),
            "close_thread": lambda: api.event("POST", f"/posts/{CLOSE_SLUG}/close", signed=True),
            "manage_posts": lambda: api.event(
                "PUT", f"/posts/{MANAGED_SLUG}", json_body=self._post_body, signed=True
            ),
            "moderate_comments": lambda: api.event("GET", "/comments", signed=True),
            "reader_data": lambda: api.event(
                "POST", "/admin/readers/data", json_body={"email": "lena.fischer@example.org"}, signed=True
            ),
            "feeds": lambda: api.event("GET", "/feed.atom"),
            "mail_actions": lambda: api.event("POST", self._approve_link),
            "review_posts": lambda: api.event("GET", f"/admin/posts/{self.slug}", signed=True),
            "delete_post": lambda: api.event("DELETE", f"/posts/{self._post_to_delete(run)}", signed=True),
        }
        if folder == "auto_close":
            # Far enough back that the job reads its index (one Query) and finds nothing to close.
            return _scheduled_event(), {"CLOSE_COMMENTS_AFTER_DAYS": "36500"}
        if folder == "notify":
            return self._held_comment_record(run), self._mail_environment
        if folder not in builders:
            raise RuntimeError(f"the bench has no representative request for the function {folder}")
        _, event = builders[folder]()
        return event, {}

    def _held_comment_record(self, run: int) -> dict[str, Any]:
        """A stream batch of one new held comment with an email (a new one each run, so that no
        claim of an earlier run holds it): the owner's mail, built and sent through SES v2."""
        held = StoredComment.model_validate(
            {
                "id": new_comment_id(None, now() + timedelta(milliseconds=run)),
                "post_slug": self.slug,
                "author_name": f"Leserin {run}",
                "author_email": f"leserin{run}@bench.example",
                "content": "Eine Frage, die auf Freigabe wartet.",
                "content_html": "<p>Eine Frage, die auf Freigabe wartet.</p>",
                "created_at": now(),
                "status": CommentStatus.PENDING,
            }
        )
        image = comment_item(held)
        change = {
            "ApproximateCreationDateTime": now().timestamp(),
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": str(run + 1),
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        }
        record = {
            "eventID": f"bench-{run}",
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "eventVersion": "1.1",
            "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/bench",
            "dynamodb": change,
        }
        return {"Records": [record]}

    def _post_to_delete(self, run: int) -> str:
        """A post with a comment for run `run` of the deleting function to delete."""
        slug = f"bench-loeschen-{run}"
        publish(self._api, slug, "Ein Beitrag, der gelöscht wird.", published_at=now() - timedelta(days=1))
        comment(
            self._api, slug, "Ein Kommentar, der mitgeht.", source_ip=f"10.1.{run // 250}.{run % 250 + 1}"
        )
        return slug

    def floor_call(self, table: str) -> dict[str, Any]:
        return {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": post_pk(self.slug)}),
            "Limit": 1,
        }


_REQUESTS: dict[int, Requests] = {}


def requests_of(bench: BenchEnvironment) -> Requests:
    """The representative requests of `bench`, their posts and comments written once per run (the
    cold starts and the restore simulation share them: writing them twice would be a duplicate)."""
    if id(bench) not in _REQUESTS:
        _REQUESTS[id(bench)] = Requests(bench)
    return _REQUESTS[id(bench)]


def _canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def layer_as_source(into: Path, layer_dirs: tuple[Path, ...]) -> Path:
    """A copy of the layer without bytecode, as a build that does not compile it ships it: the
    layer's own packages and those its requirements pin (this virtualenv's copies of the same
    versions), every __pycache__ left out."""
    requirements = LAYER_REQUIREMENTS.read_text(encoding="utf-8")
    pinned = {_canonical(name) for name in _PINNED_NAME.findall(requirements)}
    site_packages = Path(sysconfig.get_paths()["purelib"])
    sources = [
        site_packages / top_level
        for top_level, distributions in importlib.metadata.packages_distributions().items()
        if any(_canonical(distribution) in pinned for distribution in distributions)
    ]
    sources += [
        entry
        for layer in layer_dirs
        for entry in layer.iterdir()
        if entry.is_dir() and entry.name != "__pycache__"
    ]
    without_bytecode = shutil.ignore_patterns("__pycache__", "*.pyc")
    for source in sources:
        module = source.with_name(f"{source.name}.py")
        if source.is_dir():
            shutil.copytree(source, into / source.name, ignore=without_bytecode)
        elif module.is_file():
            shutil.copy2(module, into / module.name)
    return into


def run_isolated(
    script: Path,
    request: dict[str, Any],
    environment: dict[str, str],
    *,
    cwd: Path,
    flags: tuple[str, ...] = (),
) -> tuple[dict[str, Any], str]:
    """Run `script` in a fresh isolated interpreter on `request`: the result it wrote, and its stderr."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as directory:
        result_file = Path(directory) / "result.json"
        finished = subprocess.run(  # noqa: S603 (this interpreter, this project's script)
            [sys.executable, "-I", *flags, str(script)],
            input=json.dumps({**request, "result": str(result_file)}),
            env=environment,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if finished.returncode != 0 or not result_file.is_file():
            raise RuntimeError(f"a bench process ({script.name}) failed:\n{finished.stderr}")
        result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    return result, finished.stderr


def _run_child(
    request: dict[str, Any],
    environment: dict[str, str],
    *,
    cwd: Path,
    importtime: bool = False,
    write_bytecode: bool = True,
) -> tuple[dict[str, Any], str]:
    flags = ["-X", "importtime"] if importtime else []
    if not write_bytecode:
        flags.append("-B")
    result, stderr = run_isolated(CHILD, request, environment, cwd=cwd, flags=tuple(flags))
    if result["status"] >= 300:
        raise RuntimeError(f"a cold start process answered {result['status']}: {request.get('modules')}")
    return result, stderr


class ColdStartRunner:
    def __init__(self, bench: BenchEnvironment, source_layer: Path) -> None:
        """`source_layer`: a copy of the layer without bytecode (layer_as_source), for SOURCE_ONLY."""
        self._bench = bench
        self._source_layer = source_layer
        self._requests = requests_of(bench)
        self._functions: dict[str, FunctionDefinition] = {
            function.folder_name: function for function in bench.functions.values()
        }
        some = next(iter(self._functions.values()))
        self._floor_environment = bench.environment_of(some)
        self._floor_call = self._requests.floor_call(bench.database.table_name)
        self._signing = self._functions["list_posts"]
        self._run = 0

    @property
    def jobs(self) -> list[str]:
        return sorted(self._functions)

    def run_one(self, job: str, *, importtime: bool = False) -> tuple[dict[str, Any], str]:
        self._run += 1
        if job == FLOOR:
            return _run_child(
                {"kind": FLOOR, "call": self._floor_call},
                self._floor_environment,
                cwd=Path(tempfile.gettempdir()),
                importtime=importtime,
            )
        if job == KEY_RING_READ:
            request = {
                "kind": "secret",
                "call": self._floor_call,
                "path": [str(layer) for layer in self._signing.layer_dirs],
            }
            environment = self._bench.environment_of(self._signing)
            return _run_child(request, environment, cwd=self._signing.code_dir, importtime=importtime)
        reference = next((reference for reference in REFERENCES if reference.name == job), None)
        if reference is not None:
            request = {
                "kind": "function",
                "path": [str(REFERENCES_DIR)],
                "modules": list(reference.modules),
                "handler": "lambda_handler",
                "function_name": reference.name,
                "event": self._requests.event("get_post", self._run)[0],
            }
            return _run_child(request, self._floor_environment, cwd=REFERENCES_DIR, importtime=importtime)
        source_only = job == SOURCE_ONLY
        function = self._functions[SOURCE_ONLY_FUNCTION if source_only else job]
        event, extra_environment = self._requests.event(function.folder_name, self._run)
        layers = [self._source_layer] if source_only else list(function.layer_dirs)
        function_request: dict[str, Any] = {
            "kind": "function",
            "path": [str(function.code_dir), *(str(layer) for layer in layers)],
            "modules": [function.handler_module],
            "handler": function.handler_name,
            "function_name": function.function_name,
            "timeout_seconds": function.timeout_seconds,
            "event": event,
        }
        environment = {**self._bench.environment_of(function), **extra_environment}
        # Lambda cannot write bytecode into a layer (/opt is read-only): neither may this process.
        return _run_child(
            function_request,
            environment,
            cwd=function.code_dir,
            importtime=importtime,
            write_bytecode=not source_only,
        )


def parse_importtime(stderr: str) -> dict[str, Import]:
    """`-X importtime`'s report, by module."""
    found = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, _, module = match.groups()
            found[module] = Import(module, int(self_us) / 1000, int(cumulative_us) / 1000)
    return found


def measure(bench: BenchEnvironment, *, rounds: int, progress: Callable[[str], None]) -> ColdStart:
    with tempfile.TemporaryDirectory(prefix="bench-layer-source-") as directory:
        (source_only,) = (f for f in bench.functions.values() if f.folder_name == SOURCE_ONLY_FUNCTION)
        runner = ColdStartRunner(bench, layer_as_source(Path(directory), source_only.layer_dirs))
        return _measure(runner, rounds=rounds, progress=progress)


def _measure(runner: ColdStartRunner, *, rounds: int, progress: Callable[[str], None]) -> ColdStart:
    jobs = [FLOOR, *(reference.name for reference in REFERENCES), *runner.jobs, SOURCE_ONLY, KEY_RING_READ]
    order = random.Random(20260101)  # noqa: S311 (an order, not a secret)
    # A first round that is not counted: bytecode caches written, files in the page cache.
    for job in jobs:
        runner.run_one(job)
    cold = ColdStart(runs=rounds)
    for number in range(1, rounds + 1):
        order.shuffle(jobs)
        for job in jobs:
            result, _ = runner.run_one(job)
            cold.samples[job].append(result["ms"])
            cold.import_samples[job].append(result["import_ms"])
            if result["read_secret"] and job not in _NOT_FUNCTIONS:
                cold.read_secret.add(job)
        progress(f"round {number}/{rounds}: floor {statistics.median(cold.samples[FLOOR]):.0f} ms so far")
    _, floor_report = runner.run_one(FLOOR, importtime=True)
    _, worst_report = runner.run_one(cold.worst, importtime=True)
    floor_modules = set(parse_importtime(floor_report))
    beyond_floor = [
        entry for name, entry in parse_importtime(worst_report).items() if name not in floor_modules
    ]
    cold.worst_imports = sorted(beyond_floor, key=lambda entry: entry.self_ms, reverse=True)[:10]
    by_package: dict[str, float] = defaultdict(float)
    for entry in beyond_floor:
        by_package[entry.module.split(".")[0]] += entry.self_ms
    cold.worst_by_package = dict(sorted(by_package.items(), key=lambda item: item[1], reverse=True))
    return cold
