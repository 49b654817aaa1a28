"""The output of `sam build` (`make build`, which `make test` runs first): what sam deploy uploads.

The layer holds only modules of blog that some function imports (followed statically, lazy imports
included), so operator tools never ship to every function.

The layer is built for arm64, so its compiled wheels (pydantic_core, nh3) cannot load on an x86_64
machine. The handlers are therefore imported in a fresh interpreter whose path is Lambda's: the
built function folder, then the built layer, then the packages the runtime provides (boto3 and
its dependencies). Only the layer's compiled packages are swapped for the virtualenv's copies of
the same versions; the tests check that the built ones are aarch64 and that every other module
comes from the build output.
"""

import ast
import importlib.metadata
import importlib.util
import json
import struct
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local.events import http_api_event
from local.template import (
    FUNCTION_TYPE,
    LAYER_TYPE,
    PROJECT_ROOT,
    LocalDeployment,
    functions,
    http_routes,
    load_template,
    parameter_defaults,
)
from tests.conftest import resources_of_type as resources
from tools.openapi import COMMITTED_DOCUMENT

BUILD_DIR = PROJECT_ROOT / ".aws-sam" / "build"
BUILT_TEMPLATE = BUILD_DIR / "template.yaml"
RUN_HANDLER = Path(__file__).with_name("run_handler.py")
# What Lambda's Python runtime provides next to the layers (/var/runtime): boto3 and what it imports.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
NEVER_IN_THE_LAYER = ("boto3", "botocore", "s3transfer")
EM_AARCH64 = 183
UNCHECKED_HASH = 0b01
"""PEP 552: bytecode validated by a hash of its source (bit 0), which is never checked (bit 1 unset)."""
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    if not BUILT_TEMPLATE.is_file():
        pytest.fail(f"no build output at {BUILD_DIR}: run `make build` (`make test` builds first)")
    return load_template(BUILT_TEMPLATE)


@pytest.fixture(scope="module")
def layer_dir(built: dict[str, Any]) -> Path:
    """The shared layer, which every function has (FeedsFunction has a layer of its own too)."""
    layer = resources(built, LAYER_TYPE)["BlogLayer"]
    return BUILD_DIR / layer["Properties"]["ContentUri"] / "python"


def top_level_entries(directory: Path) -> list[Path]:
    """The importable packages and modules of a site directory (metadata folders left out)."""
    return [
        entry
        for entry in sorted(directory.iterdir())
        if entry.name != "__pycache__"
        and not entry.name.endswith((".dist-info", ".data"))
        and (entry.is_dir() or entry.suffix in (".py", ".so"))
    ]


def compiled(entry: Path) -> bool:
    return entry.suffix == ".so" or (entry.is_dir() and any(entry.rglob("*.so")))


def distribution_of(layer_dir: Path, top_level: str) -> tuple[str, str]:
    """Name and version of the layer's distribution that installed `top_level`."""
    for record in layer_dir.glob("*.dist-info/RECORD"):
        if any(line.startswith(f"{top_level}/") for line in record.read_text().splitlines()):
            name, version = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            return name, version
    raise AssertionError(f"no distribution in the layer installed {top_level}")


def venv_location(name: str) -> Path:
    """Where this virtualenv has the top-level package or module `name`."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    for candidate in (purelib / name, purelib / f"{name}.py"):
        if candidate.exists():
            return candidate
    raise AssertionError(f"{name} is not installed in the virtualenv")


def test_the_build_holds_every_function_and_the_layer_of_the_template(template, built):
    assert set(resources(built, FUNCTION_TYPE)) == set(resources(template, FUNCTION_TYPE)), (
        "the build is stale: run `make build`"
    )
    stack = LocalDeployment(parameters=parameter_defaults(built))
    for logical_id, function in functions(built, stack).items():
        code_dir = BUILD_DIR / built["Resources"][logical_id]["Properties"]["CodeUri"]
        assert (code_dir / function.module_path.relative_to(function.code_dir)).is_file(), logical_id
        assert not list(code_dir.rglob("*.so")), f"{logical_id} carries compiled code of its own"


def test_the_layer_lands_at_opt_python_blog(layer_dir):
    assert (layer_dir / "blog" / "__init__.py").is_file()
    assert not (layer_dir / "python").exists(), "ContentUri with a python/ folder ends up as python/python"
    assert not (layer_dir / "blog" / "requirements.txt").exists()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportStatements(ast.NodeVisitor):
    """The modules a module's `import` statements name, wherever they stand: an import inside a
    function (a lazy one) counts like one at the top; one under `if TYPE_CHECKING:` does not, as
    Lambda never runs it."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for statement in node.orelse:
                self.visit(statement)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.update(alias.name for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parent = self.package.rsplit(".", node.level - 1)[0] if node.level > 1 else self.package
            base = f"{parent}.{base}".rstrip(".")
        self.names.add(base)
        # `from blog import publishing` imports the module blog.publishing, where one exists.
        self.names.update(f"{base}.{alias.name}" for alias in node.names)


def first_party_source(module: str, code_dir: Path, layer_dir: Path) -> Path | None:
    """The file `module` is imported from when it is the function's own or the blog package's; None
    for the standard library and the layer's third-party packages (they never import blog)."""
    relative = Path(*module.split("."))
    folders = [code_dir, layer_dir] if relative.parts[0] == "blog" else [code_dir]
    for folder in folders:
        for candidate in (folder / relative / "__init__.py", folder / relative.with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def modules_reached_from(module: str, code_dir: Path, layer_dir: Path) -> set[Path]:
    """The function's and blog's files that importing `module` can load, following every import."""
    reached: set[Path] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            source = first_party_source(".".join(parts[:depth]), code_dir, layer_dir)
            if source is None or source in reached:
                continue
            reached.add(source)
            statements = _ImportStatements(".".join(parts[:depth]), source.name == "__init__.py")
            statements.visit(ast.parse(source.read_bytes(), filename=str(source)))
            pending.extend(statements.names)
    return reached


def test_the_layer_holds_only_blog_modules_a_function_imports(built, layer_dir):
    """Operator tools (blogctl) stay out of the layer: every function would carry them."""
    stack = LocalDeployment(parameters=parameter_defaults(built))
    imported: set[Path] = set()
    for logical_id, function in functions(built, stack).items():
        code_dir = BUILD_DIR / built["Resources"][logical_id]["Properties"]["CodeUri"]
        handler = function.module_path.relative_to(function.code_dir).with_suffix("")
        imported |= modules_reached_from(".".join(handler.parts), code_dir, layer_dir)

    shipped = set((layer_dir / "blog").rglob("*.py"))
    assert imported & shipped, "the walk found none of the layer's modules: it is broken"
    unused = sorted(str(path.relative_to(layer_dir)) for path in shipped - imported)
    assert not unused, f"the layer ships modules of blog that no function imports: {unused}"


def test_the_layer_never_carries_boto3(layer_dir):
    installed = {entry.name.split("-")[0].lower() for entry in layer_dir.iterdir()}

    assert not installed & set(NEVER_IN_THE_LAYER)


def test_the_layers_compiled_code_is_for_arm64(layer_dir):
    shared_objects = sorted(layer_dir.rglob("*.so"))

    assert {path.relative_to(layer_dir).parts[0] for path in shared_objects} >= {"pydantic_core", "nh3"}
    for path in shared_objects:
        header = path.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", path
        assert header[4] == 2, f"{path} is not 64-bit"
        assert header[5] == 1, f"{path} is not little-endian"
        (machine,) = struct.unpack_from("<H", header, 18)
        assert machine == EM_AARCH64, f"{path} is for e_machine {machine}, not aarch64"


def test_the_layers_compiled_packages_are_the_versions_the_import_test_stands_in_for(layer_dir):
    for entry in filter(compiled, top_level_entries(layer_dir)):
        name, version = distribution_of(layer_dir, entry.name)
        assert importlib.metadata.version(name) == version, name


def test_each_function_with_its_layer_stays_within_lambdas_unzipped_limit(built, layer_dir):
    layer_size = sum(path.stat().st_size for path in layer_dir.rglob("*") if path.is_file())
    for logical_id, function in resources(built, FUNCTION_TYPE).items():
        code_dir = BUILD_DIR / function["Properties"]["CodeUri"]
        code_size = sum(path.stat().st_size for path in code_dir.rglob("*") if path.is_file())
        assert code_size + layer_size < LAMBDA_UNZIPPED_LIMIT, logical_id


@pytest.fixture(scope="module")
def lambda_path(layer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The layer and the runtime's packages as Lambda orders them on sys.path (after the function).

    The layer's directory is the build's, entry by entry, except its compiled packages: those are
    the virtualenv's builds of the same versions (the test above checks the versions).
    """
    layer = tmp_path_factory.mktemp("opt-python")
    for entry in top_level_entries(layer_dir):
        (layer / entry.name).symlink_to(venv_location(entry.name) if compiled(entry) else entry)
    for metadata in layer_dir.glob("*.dist-info"):
        (layer / metadata.name).symlink_to(metadata)
    runtime = tmp_path_factory.mktemp("var-runtime")
    for name in RUNTIME_PACKAGES:
        location = venv_location(name)
        (runtime / location.name).symlink_to(location)
    return [layer, runtime]


def run_built_handler(
    built: dict[str, Any],
    logical_id: str,
    lambda_path: list[Path],
    result_file: Path,
    event: dict[str, Any] | None = None,
) -> dict[str, Any]:
    stack = LocalDeployment(parameters=parameter_defaults(built))
    function = functions(built, stack)[logical_id]
    code_dir = BUILD_DIR / built["Resources"][logical_id]["Properties"]["CodeUri"]
    request = {
        "path": [str(code_dir), *map(str, lambda_path)],
        "module": function.handler_module,
        "handler": function.handler_name,
        "event": event,
        "function_name": logical_id,
        "result": str(result_file),
    }
    environment = {
        **function.environment,
        "AWS_REGION": stack.region,
        "AWS_DEFAULT_REGION": stack.region,
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    # The bytecode cache goes next to the build output, not into it (sam deploy would upload it).
    pycache = BUILD_DIR.parent / "build-test-pycache"
    finished = subprocess.run(  # noqa: S603 (this interpreter and this test's own script)
        [sys.executable, "-I", "-S", "-X", f"pycache_prefix={pycache}", str(RUN_HANDLER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env=environment,
        cwd=code_dir,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, f"{logical_id}:\n{finished.stderr}"
    result: dict[str, Any] = json.loads(result_file.read_text())
    return result


def allowed_origins(layer_dir: Path) -> list[Path]:
    """Where a built function may import from: the build, the standard library, and the
    virtualenv's copies of the runtime's packages and of the layer's compiled packages."""
    stdlib = [Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")]
    compiled_packages = [
        venv_location(entry.name) for entry in top_level_entries(layer_dir) if compiled(entry)
    ]
    runtime_packages = [venv_location(name) for name in RUNTIME_PACKAGES]
    return [path.resolve() for path in (BUILD_DIR, *stdlib, *compiled_packages, *runtime_packages)]


def test_every_handler_imports_from_the_build_output(built, layer_dir, lambda_path, tmp_path):
    logical_ids = list(resources(built, FUNCTION_TYPE))
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(
            lambda logical_id: run_built_handler(
                built, logical_id, lambda_path, tmp_path / f"{logical_id}.json"
            ),
            logical_ids,
        )

    allowed = allowed_origins(layer_dir)
    for logical_id, result in zip(logical_ids, results, strict=True):
        origins = {name: Path(file).resolve() for name, file in result["modules"].items()}
        assert origins["blog"] == (layer_dir / "blog" / "__init__.py").resolve(), logical_id
        assert origins["pydantic"].is_relative_to(layer_dir.resolve()), logical_id
        strays = {
            name: str(origin)
            for name, origin in origins.items()
            if not any(origin.is_relative_to(place) for place in allowed)
        }
        assert not strays, f"{logical_id} imported modules from outside the build: {strays}"
    # Layers ship their bytecode (their Makefiles compile it); a function's package must not.
    layers = [
        BUILD_DIR / layer["Properties"]["ContentUri"] for layer in resources(built, LAYER_TYPE).values()
    ]
    written = [
        path
        for path in BUILD_DIR.rglob("__pycache__")
        if not any(path.is_relative_to(layer) for layer in layers)
    ]
    assert not written, "bytecode the test wrote into the build output would be deployed"


def test_the_layer_ships_bytecode_that_lambda_loads_as_it_is(layer_dir):
    """A layer is read-only on Lambda: without bytecode in it, every cold start compiles it."""
    sources = sorted(layer_dir.rglob("*.py"))

    assert len(sources) > 100
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file(), f"{source.relative_to(layer_dir)} has no bytecode"
        header = cached.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, f"{cached} is not Python 3.13's bytecode"
        (flags,) = struct.unpack_from("<I", header, 4)
        assert flags == UNCHECKED_HASH, f"{cached} would be checked against its source's timestamp"
        assert header[8:16] == importlib.util.source_hash(source.read_bytes()), f"{cached} is stale"


def test_the_built_get_post_function_serves_the_openapi_document(built, lambda_path, tmp_path):
    route = next(route for route in http_routes(built) if route.route_key == "GET /openapi.json")

    result = run_built_handler(
        built,
        route.function_id,
        lambda_path,
        tmp_path / "result.json",
        http_api_event(route, raw_path="/openapi.json"),
    )

    response = result["response"]
    assert response["statusCode"] == 200
    assert response["body"] == COMMITTED_DOCUMENT.read_text(encoding="utf-8")
    document = json.loads(response["body"])
    assert {route.path for route in http_routes(built)} <= set(document["paths"])


def test_each_function_package_holds_only_its_own_code(built):
    for logical_id in resources(built, FUNCTION_TYPE):
        code_dir = BUILD_DIR / built["Resources"][logical_id]["Properties"]["CodeUri"]
        packaged = {path.relative_to(code_dir).as_posix() for path in code_dir.rglob("*") if path.is_file()}
        # GET /openapi.json answers with the document committed beside its handler.
        own = {"app.py", "openapi.json"} if logical_id == "GetPostFunction" else {"app.py"}
        assert packaged == own, logical_id
