"""Lambda's event filtering (an event source mapping's FilterCriteria), as Lambda applies it to the
records of a DynamoDB stream.

A filter's Pattern is a JSON object shaped like the record. Its leaves are lists of matchers, any
one of which must match (OR); the keys of an object must all match (AND); `"$or": [pattern, ...]`
matches when one of its patterns does. A record is sent to the function when one of the
mapping's filters matches it, and dropped otherwise. The matchers are the ones Lambda documents
("Filter rule syntax"): a literal (exact string, number, `true`/`false`, `null`, `""`),
`equals-ignore-case`, `prefix`, `suffix`, `anything-but` (a literal or a list of them), `numeric`
(`=`, `<`, `<=`, `>`, `>=`, one comparison or a range of two) and `exists`.

Matching follows EventBridge's rules, which Lambda's filtering shares: a path names leaf values
only, so `exists` on an object (`NewImage.status` rather than `NewImage.status.S`) sees no value,
as AWS's documentation warns; an array in the record matches when one of its items does;
numbers match by their JSON representation (`300` is not `300.0`), and the `N` values of
DynamoDB JSON are strings, so `numeric` never matches them. Anything else is refused when the
filter is read (FilterError), so a pattern the local runtime does not understand never passes
records silently; so is a pattern on any key of the record but `dynamodb` (`eventName`, say, also
within a top-level `$or`): AWS documents that DynamoDB event source mappings filter on that key
only.
"""

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

OR_KEY = "$or"
RECORD_KEY = "dynamodb"
"""The one key of a record a DynamoDB event source mapping filters on, as AWS documents it."""
MAX_FILTERS = 10
"""Filters an event source mapping may have (Lambda's default quota is 5, raised on request to 10)."""
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda left, right: left == right,
    "<": lambda left, right: left < right,
    "<=": lambda left, right: left <= right,
    ">": lambda left, right: left > right,
    ">=": lambda left, right: left >= right,
}
_MISSING = object()


class FilterError(ValueError):
    """A filter pattern that Lambda would refuse, or that uses syntax this module does not know."""


Matcher = Callable[[Any], bool]
"""Tells whether one leaf value of the record matches."""


@dataclass(frozen=True)
class _Leaf:
    """One condition: the values at `path` against a list of matchers (any one may match)."""

    path: tuple[str, ...]
    matchers: tuple[Matcher, ...]
    exists: bool | None
    """True/False for an `exists` matcher (which alone decides), None otherwise."""

    def matches(self, record: Any) -> bool:
        values = list(_leaf_values(record, self.path))
        if self.exists is not None:
            return bool(values) is self.exists
        return any(matcher(value) for value in values for matcher in self.matchers)


@dataclass(frozen=True)
class _AllOf:
    leaves: tuple[_Leaf, ...]
    alternatives: tuple[tuple["_AllOf", ...], ...]
    """Each `$or` of the pattern: one of its patterns must match."""

    def matches(self, record: Any) -> bool:
        return all(leaf.matches(record) for leaf in self.leaves) and all(
            any(choice.matches(record) for choice in choices) for choices in self.alternatives
        )


@dataclass(frozen=True)
class FilterCriteria:
    """An event source mapping's filters: a record passes when one of them matches it."""

    patterns: tuple[_AllOf, ...]
    sources: tuple[str, ...]
    """Each filter's Pattern as the template writes it."""

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether Lambda sends this record to the function (True when there are no filters)."""
        return not self.patterns or any(pattern.matches(record) for pattern in self.patterns)


def parse_filter_criteria(criteria: Mapping[str, Any] | None) -> FilterCriteria:
    """The FilterCriteria property (`{"Filters": [{"Pattern": "<JSON>"}, ...]}`) of a mapping."""
    if criteria is None:
        return FilterCriteria((), ())
    if not isinstance(criteria, Mapping) or set(criteria) - {"Filters"}:
        raise FilterError(f"FilterCriteria must be {{Filters: [{{Pattern: ...}}]}}, not {criteria!r}")
    filters = criteria.get("Filters") or []
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise FilterError(f"FilterCriteria.Filters must be a list of at most {MAX_FILTERS} filters")
    sources = []
    for number, item in enumerate(filters, 1):
        if not isinstance(item, Mapping) or set(item) != {"Pattern"} or not isinstance(item["Pattern"], str):
            raise FilterError(f"filter {number}: each filter is {{Pattern: '<JSON>'}}, not {item!r}")
        sources.append(item["Pattern"])
    return FilterCriteria(
        tuple(_compile_source(source, number) for number, source in enumerate(sources, 1)), tuple(sources)
    )


def _compile_source(source: str, number: int) -> _AllOf:
    try:
        pattern = json.loads(source)
    except ValueError as error:
        raise FilterError(f"filter {number}: the Pattern is not JSON: {error}") from None
    try:
        return compile_pattern(pattern)
    except FilterError as error:
        raise FilterError(f"filter {number} ({source}): {error}") from None


def compile_pattern(pattern: Any, path: tuple[str, ...] = ()) -> _AllOf:
    """A pattern (parsed JSON) ready to match records; FilterError for syntax Lambda does not take."""
    if not isinstance(pattern, dict) or not pattern:
        raise FilterError(f"{_where(path)} must be a non-empty JSON object")
    if not path:
        # A top-level $or compiles its patterns here too, so their keys are checked alike.
        other_keys = sorted(set(pattern) - {RECORD_KEY, OR_KEY})
        if other_keys:
            raise FilterError(
                f"a DynamoDB event source mapping filters only on the {RECORD_KEY!r} key, not on "
                + ", ".join(repr(key) for key in other_keys)
                + " (INSERT, MODIFY and REMOVE show in dynamodb.OldImage and dynamodb.NewImage)"
            )
    leaves: list[_Leaf] = []
    alternatives: list[tuple[_AllOf, ...]] = []
    for key, value in pattern.items():
        if key == OR_KEY:
            if not isinstance(value, list) or len(value) < 2:
                raise FilterError(f"{_where(path)}: $or takes a list of at least two patterns")
            alternatives.append(tuple(compile_pattern(choice, path) for choice in value))
        elif isinstance(value, dict):
            nested = compile_pattern(value, (*path, key))
            leaves.extend(nested.leaves)
            alternatives.extend(nested.alternatives)
        elif isinstance(value, list):
            leaves.append(_compile_leaf((*path, key), value))
        else:
            raise FilterError(
                f"{_where((*path, key))}: a value to match is written in a list ([{json.dumps(value)}]), "
                "an object nests deeper"
            )
    return _AllOf(tuple(leaves), tuple(alternatives))


def _compile_leaf(path: tuple[str, ...], rules: list[Any]) -> _Leaf:
    if not rules:
        raise FilterError(f"{_where(path)}: an empty list matches nothing")
    matchers = []
    exists = None
    for rule in rules:
        if isinstance(rule, dict) and set(rule) == {"exists"}:
            if not isinstance(rule["exists"], bool) or len(rules) > 1:
                raise FilterError(f"{_where(path)}: exists takes true or false and stands alone")
            exists = rule["exists"]
        else:
            matchers.append(_compile_matcher(path, rule))
    return _Leaf(path, tuple(matchers), exists)


def _compile_matcher(path: tuple[str, ...], rule: Any) -> Matcher:
    if not isinstance(rule, dict):
        _check_literal(path, rule)
        return _equals(rule)
    if len(rule) != 1:
        raise FilterError(f"{_where(path)}: one operator per matcher, not {json.dumps(rule)}")
    ((operator, argument),) = rule.items()
    if operator == "prefix" and isinstance(argument, str):
        return lambda value: isinstance(value, str) and value.startswith(argument)
    if operator == "suffix" and isinstance(argument, str):
        return lambda value: isinstance(value, str) and value.endswith(argument)
    if operator == "equals-ignore-case" and isinstance(argument, str):
        folded = argument.casefold()
        return lambda value: isinstance(value, str) and value.casefold() == folded
    if operator == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        if not excluded:
            raise FilterError(f"{_where(path)}: anything-but needs a value")
        for item in excluded:
            if isinstance(item, dict | list) or item is None:
                raise FilterError(
                    f"{_where(path)}: anything-but takes a string, a number or a list of them; "
                    f"{json.dumps(argument)} is not supported locally"
                )
        unwanted = [_equals(item) for item in excluded]
        return lambda value: not any(matcher(value) for matcher in unwanted)
    if operator == "numeric":
        return _numeric(path, argument)
    raise FilterError(
        f"{_where(path)}: {json.dumps(rule)} is not a filter rule Lambda documents "
        "(literal, equals-ignore-case, prefix, suffix, anything-but, numeric, exists)"
    )


def _check_literal(path: tuple[str, ...], rule: Any) -> None:
    if isinstance(rule, list):
        raise FilterError(f"{_where(path)}: a list inside a list of matchers")
    if isinstance(rule, float) and not math.isfinite(rule):
        raise FilterError(f"{_where(path)}: {rule} is not a JSON number")


def _equals(literal: Any) -> Matcher:
    # Lambda compares numbers by their representation too: 300 is not 300.0. bool is kept apart
    # from int (Python's True == 1).
    representation = json.dumps(literal)
    return lambda value: json.dumps(value) == representation


def _numeric(path: tuple[str, ...], argument: Any) -> Matcher:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise FilterError(f"{_where(path)}: numeric takes [op, number] or [op, number, op, number]")
    comparisons = []
    for operator, bound in zip(argument[::2], argument[1::2], strict=True):
        if operator not in _COMPARISONS or isinstance(bound, bool) or not isinstance(bound, int | float):
            raise FilterError(f"{_where(path)}: numeric {json.dumps(argument)} is not [op, number, ...]")
        comparisons.append((_COMPARISONS[operator], float(bound)))

    def matches(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return all(compare(float(value), bound) for compare, bound in comparisons)

    return matches


def _leaf_values(value: Any, path: Sequence[str]) -> Iterator[Any]:
    """The leaf values (neither object nor array) at `path`; an array's items each in turn."""
    if isinstance(value, list):
        for item in value:
            yield from _leaf_values(item, path)
        return
    if not path:
        if not isinstance(value, dict):
            yield value
        return
    if isinstance(value, dict):
        child = value.get(path[0], _MISSING)
        if child is not _MISSING:
            yield from _leaf_values(child, path[1:])


def _where(path: Sequence[str]) -> str:
    return ".".join(path) or "the pattern"
