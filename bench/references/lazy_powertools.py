"""Imported before the framework reference in the bench's `framework_lazy_imports` process: what
Powertools' event handler would cost if the two packages it imports whole loaded on demand.

`aws_lambda_powertools.event_handler` imports every resolver Powertools ships (AppSync with
asyncio, Bedrock, VPC Lattice) and `aws_lambda_powertools.utilities.data_classes` every event
class, whichever one a function uses. Here each becomes a module that has the package's path, so
its submodules import as usual, and that imports a name its `__init__` re-exports from the
submodule defining it on first use (PEP 562), the way Powertools' parser has loaded its envelopes
since its pull request #8405. A measurement of that design, never a way to run the blog: it skips
the packages' own `__init__`.
"""

import ast
import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

EAGER_PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def _reexports(package: str, init_file: Path) -> dict[str, str]:
    """Each name a package's `__init__` imports from one of its modules, with that module."""
    tree = ast.parse(init_file.read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: importlib.util.resolve_name("." * node.level + node.module, package)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def _install_lazy(package: str) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None or spec.submodule_search_locations is None:
        raise ImportError(f"{package} is not an installed package")
    sources = _reexports(package, Path(spec.origin))
    module = types.ModuleType(package)
    module.__spec__ = spec
    module.__file__ = spec.origin
    module.__path__ = list(spec.submodule_search_locations)

    def reexported(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(sources[name]), name)

    # PEP 562 looks the function up in the module's namespace; mypy takes it for ModuleType's method.
    module.__getattr__ = reexported  # type: ignore[method-assign]
    sys.modules[package] = module
    parent, _, name = package.rpartition(".")
    setattr(sys.modules[parent], name, module)


for eager_package in EAGER_PACKAGES:
    _install_lazy(eager_package)
