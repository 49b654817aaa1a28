"""The front door stays short, and every relative link of README.md and docs/ leads somewhere.

A link resolves when its file is in the repository (never outside it) and its `#anchor`, if any,
names a heading of that file as GitHub spells heading anchors.
"""

import re
from pathlib import Path

import pytest

from local.template import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCUMENTS = [README, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 200

_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _prose(markdown: str) -> str:
    """The text outside code blocks and code spans, where a link is a link."""
    return _INLINE_CODE.sub("", _FENCE.sub("", markdown))


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    found: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", markdown)):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
        slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
        anchor, number = slug, 0
        while anchor in found:
            number += 1
            anchor = f"{slug}-{number}"
        found.add(anchor)
    return found


def relative_links(document: Path) -> list[str]:
    return [
        target
        for target in _LINK.findall(_prose(document.read_text(encoding="utf-8")))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)
    ]


def broken_link(document: Path, target: str) -> str | None:
    """Why `target`, linked from `document`, leads nowhere; None when it resolves."""
    path, _, anchor = target.partition("#")
    linked = (document.parent / path).resolve() if path else document
    if not linked.is_relative_to(PROJECT_ROOT.resolve()):
        return "outside the repository"
    if not linked.is_file():
        return "no such file"
    if anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
        return f"no heading #{anchor}"
    return None


def test_the_readme_is_read_in_five_minutes():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= README_MAX_LINES


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_leads_to_a_file_of_the_repository(document):
    broken = {}
    for target in relative_links(document):
        reason = broken_link(document, target)
        if reason:
            broken[target] = reason

    assert broken == {}


def test_the_readme_links_every_document_in_docs():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)}

    assert {path.resolve() for path in DOCUMENTS if path != README} <= linked


def test_heading_anchors_are_spelled_as_github_spells_them():
    headings = (
        "# How it maps to `sam local`, and what it leaves out\n"
        "## Powertools' event handler\n"
        "## Notes\n"
        "## Notes\n"
    )

    assert anchors(headings) == {
        "how-it-maps-to-sam-local-and-what-it-leaves-out",
        "powertools-event-handler",
        "notes",
        "notes-1",
    }


def test_a_link_out_of_the_repository_or_to_a_missing_heading_is_broken():
    docs = PROJECT_ROOT / "docs"
    document = docs / "DESIGN.md"

    assert broken_link(document, "../../elsewhere/NOTES.md") == "outside the repository"
    assert broken_link(document, "NOWHERE.md") == "no such file"
    assert broken_link(document, "API.md#no-such-heading") == "no heading #no-such-heading"
    assert broken_link(document, "API.md#caching") is None
