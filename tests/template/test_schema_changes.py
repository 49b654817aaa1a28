"""A deploy changes the table's indexes only as a deployed blog can follow (DESIGN.md, "Schema
changes"): DynamoDB creates or deletes one global secondary index per table update (CloudFormation
fails a stack update that asks for more, after the rest of the stack has changed); an index's keys
or projection cannot change in place; local secondary indexes exist only from the table's creation.

The indexes of the last release are recorded in released_indexes.json, beside this file: a fresh
clone in CI has no deployed stack and may have no tags to compare with. Cutting a release updates
the record to that release's template (and its version); between releases, this test holds the
template to at most one index created or deleted since.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

RELEASED = json.loads(Path(__file__).with_name("released_indexes.json").read_text(encoding="utf-8"))


def indexes(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    properties = template["Resources"]["BlogTable"]["Properties"]
    return {
        index["IndexName"]: {"KeySchema": index["KeySchema"], "Projection": index["Projection"]}
        for index in properties.get(kind, [])
    }


def changes(released: dict[str, Any], current: dict[str, Any]) -> dict[str, set[str]]:
    """The indexes a deploy of `current` over `released` creates, deletes and redefines."""
    return {
        "created": set(current) - set(released),
        "deleted": set(released) - set(current),
        "redefined": {name for name in set(released) & set(current) if released[name] != current[name]},
    }


def test_a_deploy_creates_or_deletes_at_most_one_global_secondary_index(template):
    found = changes(RELEASED["GlobalSecondaryIndexes"], indexes(template, "GlobalSecondaryIndexes"))

    assert len(found["created"]) + len(found["deleted"]) <= 1, found


def test_no_global_secondary_index_changes_its_keys_or_projection_in_place(template):
    # Redefining one is a deletion and a creation: add it under a new name, drop the old one in the
    # next release (after `blogctl migrate`, if its items change).
    found = changes(RELEASED["GlobalSecondaryIndexes"], indexes(template, "GlobalSecondaryIndexes"))

    assert found["redefined"] == set(), found


def test_the_local_secondary_indexes_are_those_the_table_was_created_with(template):
    assert indexes(template, "LocalSecondaryIndexes") == RELEASED["LocalSecondaryIndexes"]


def with_global_indexes(template: dict[str, Any], *names: str) -> dict[str, Any]:
    """`template` with more global secondary indexes, keyed as the list indexes are."""
    changed = copy.deepcopy(template)
    added = changed["Resources"]["BlogTable"]["Properties"]["GlobalSecondaryIndexes"]
    for name in names:
        added.append({**copy.deepcopy(added[0]), "IndexName": name})
    return changed


@pytest.mark.parametrize("added", [(), ("A",), ("A", "B")])
def test_a_second_new_index_is_caught(template, added):
    # Counted on top of what the template itself creates since the release.
    own = changes(RELEASED["GlobalSecondaryIndexes"], indexes(template, "GlobalSecondaryIndexes"))
    current = indexes(with_global_indexes(template, *added), "GlobalSecondaryIndexes")
    found = changes(RELEASED["GlobalSecondaryIndexes"], current)
    allowed = len(own["created"]) + len(own["deleted"]) + len(added) <= 1

    assert (len(found["created"]) + len(found["deleted"]) <= 1) is allowed
