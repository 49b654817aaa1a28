"""docs/SECURITY.md names the tests that hold each control in place: they must exist."""

import re

from local.template import PROJECT_ROOT

SECURITY = PROJECT_ROOT / "docs" / "SECURITY.md"
_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def test_every_test_the_security_page_names_exists():
    missing = []
    current_file = None
    for found in _REFERENCE.finditer(SECURITY.read_text(encoding="utf-8")):
        path, name, continued = found.groups()
        if path:
            current_file = PROJECT_ROOT / path
            if not current_file.is_file():
                missing.append(path)
                continue
        name = name or continued
        if (
            name
            and current_file is not None
            and f"def {name}(" not in current_file.read_text(encoding="utf-8")
        ):
            missing.append(f"{current_file.relative_to(PROJECT_ROOT)}::{name}")

    assert missing == []
