"""The TypeScript types openapi-typescript generates from the committed document type-check the
code a frontend writes with them (tsc --noEmit --strict), and catch code that misreads a shape."""

import shutil
import subprocess
from pathlib import Path

import pytest

from local.template import PROJECT_ROOT
from tests.openapi.conftest import node_tool
from tools.openapi import COMMITTED_DOCUMENT

USES_TYPES = Path(__file__).parent / "typescript" / "uses_types.ts"
TSC_OPTIONS = [
    "--noEmit",
    "--strict",
    "--target",
    "es2022",
    "--module",
    "esnext",
    "--moduleResolution",
    "bundler",
]


@pytest.fixture(scope="module")
def typed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the generated types, blog-api.d.ts (not committed: made for each run)."""
    generator = node_tool("openapi-typescript")
    folder = tmp_path_factory.mktemp("typescript")
    subprocess.run(  # noqa: S603 (the pinned tool, on the committed document)
        # A field with a default is optional in a request: without this flag the generated type
        # would require it (NewComment's `website`).
        [generator, COMMITTED_DOCUMENT, "--default-non-nullable", "false", "-o", folder / "blog-api.d.ts"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return folder


def tsc(file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (the pinned compiler, on files of this test)
        [node_tool("tsc"), *TSC_OPTIONS, file], capture_output=True, text=True, timeout=120, check=False
    )


def test_code_using_the_generated_types_type_checks(typed_dir: Path) -> None:
    checked = typed_dir / USES_TYPES.name
    shutil.copyfile(USES_TYPES, checked)

    finished = tsc(checked)

    assert finished.returncode == 0, finished.stdout


def test_code_that_misreads_a_shape_does_not(typed_dir: Path) -> None:
    checked = typed_dir / "misreads.ts"
    checked.write_text(
        'import type { components } from "./blog-api";\n'
        'export const title: number = ({} as components["schemas"]["Post"]).title;\n',
        encoding="utf-8",
    )

    finished = tsc(checked)

    assert finished.returncode != 0
    assert "TS2322" in finished.stdout
