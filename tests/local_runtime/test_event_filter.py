"""local.event_filter: an event source mapping's FilterCriteria, matched as Lambda matches them
against DynamoDB stream records; syntax Lambda does not document is refused when read."""

import json
from typing import Any

import pytest

from local.event_filter import FilterError, parse_filter_criteria


def record(event_name: str = "INSERT", **new_image: Any) -> dict[str, Any]:
    """A stream record in DynamoDB JSON, its NewImage holding `new_image`."""
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": "POST#a"}, "sk": new_image.get("sk", {"S": "COMMENT#1"})},
            "NewImage": {"pk": {"S": "POST#a"}, **new_image},
            "SequenceNumber": "100",
            "SizeBytes": 120,
        },
    }


def matches(pattern: Any, event: dict[str, Any]) -> bool:
    criteria = parse_filter_criteria({"Filters": [{"Pattern": json.dumps(pattern)}]})
    return criteria.matches(event)


COMMENT = record(sk={"S": "COMMENT#01J"}, status={"S": "pending"}, notify={"BOOL": True})
SUBSCRIPTION = record(sk={"S": "SUBSCRIPTION#01J"}, confirmed={"BOOL": False})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"dynamodb": {"Keys": {"sk": {"S": ["COMMENT#01J"]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": ["COMMENT#02K", "SUBSCRIPTION#01J"]}}}}, False),
        # An INSERT: no OldImage.
        ({"dynamodb": {"OldImage": {"sk": {"S": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "COMMENT#"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "SUBSCRIPTION#"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"sk": {"S": [{"suffix": "01J"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "PENDING"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["approved", "spam"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "pending"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"notify": {"BOOL": [True]}}}}, True),
        ({"dynamodb": {"NewImage": {"notify": {"BOOL": [False]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"exists": True}]}}}}, True),
        ({"dynamodb": {"NewImage": {"deleting_since": {"S": [{"exists": False}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"exists": False}]}}}}, False),
        # AND across keys: both must hold.
        (
            {
                "dynamodb": {
                    "Keys": {"sk": {"S": ["COMMENT#01J"]}},
                    "NewImage": {"status": {"S": ["approved"]}},
                }
            },
            False,
        ),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["<", 100]}]}}, False),
        ({"dynamodb": {"SizeBytes": [120]}}, True),
    ],
)
def test_each_documented_rule_matches_as_lambda_matches_it(pattern: Any, expected: bool) -> None:
    assert matches(pattern, COMMENT) is expected


def test_or_across_fields_matches_when_one_of_its_patterns_does() -> None:
    pattern = {
        "$or": [
            {"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "COMMENT#"}]}}}},
            {"dynamodb": {"NewImage": {"sk": {"S": [{"prefix": "SUBSCRIPTION#"}]}}}},
        ],
        "dynamodb": {"NewImage": {"pk": {"S": [{"prefix": "POST#"}]}}},
    }
    assert matches(pattern, COMMENT)
    assert matches(pattern, SUBSCRIPTION)
    assert not matches(pattern, record(sk={"S": "GUARD#x"}))
    removed = {**COMMENT, "dynamodb": {**COMMENT["dynamodb"], "NewImage": {}}}
    assert not matches(pattern, removed)


def test_a_record_passes_when_one_of_the_filters_matches_and_every_record_without_filters() -> None:
    criteria = parse_filter_criteria(
        {
            "Filters": [
                {"Pattern": json.dumps({"dynamodb": {"NewImage": {"sk": {"S": [{"exists": False}]}}}})},
                {"Pattern": json.dumps({"dynamodb": {"NewImage": {"confirmed": {"BOOL": [False]}}}})},
            ]
        }
    )
    assert criteria.matches(SUBSCRIPTION)
    assert not criteria.matches(COMMENT)
    assert parse_filter_criteria(None).matches(COMMENT)


def test_exists_sees_leaf_values_only_as_aws_documents_for_dynamodb() -> None:
    # NewImage.status is an object ({"S": ...}), not a leaf: exists never sees it.
    assert not matches({"dynamodb": {"NewImage": {"status": [{"exists": True}]}}}, COMMENT)
    assert matches({"dynamodb": {"NewImage": {"status": [{"exists": False}]}}}, COMMENT)


def test_numbers_match_by_representation_and_dynamodb_numbers_are_strings() -> None:
    counted = record(comment_count={"N": "3"})
    assert matches({"dynamodb": {"NewImage": {"comment_count": {"N": ["3"]}}}}, counted)
    assert not matches({"dynamodb": {"NewImage": {"comment_count": {"N": [3]}}}}, counted)
    assert not matches({"dynamodb": {"NewImage": {"comment_count": {"N": [{"numeric": [">", 1]}]}}}}, counted)
    assert not matches({"dynamodb": {"SizeBytes": [120.0]}}, COMMENT)


def test_null_and_empty_match_only_values_that_are_there() -> None:
    event = {"dynamodb": {"NewImage": {"note": {"NULL": True}, "title": {"S": ""}}, "Approx": None}}
    assert matches({"dynamodb": {"Approx": [None]}}, event)
    assert not matches({"dynamodb": {"missing": [None]}}, event)
    assert matches({"dynamodb": {"NewImage": {"title": {"S": [""]}}}}, event)
    assert not matches({"dynamodb": {"NewImage": {"note": {"S": [""]}}}}, event)


def test_an_array_in_the_record_matches_when_one_of_its_items_does() -> None:
    tagged = record(tags={"SS": ["kooperation", "netzwerk"]})
    assert matches({"dynamodb": {"NewImage": {"tags": {"SS": ["netzwerk"]}}}}, tagged)
    assert not matches({"dynamodb": {"NewImage": {"tags": {"SS": ["sport"]}}}}, tagged)


@pytest.mark.parametrize(
    ("pattern", "complaint"),
    [
        ("{not json", "not JSON"),
        ('["INSERT"]', "non-empty JSON object"),
        ('{"dynamodb": {"SizeBytes": 120}}', "written in a list"),
        ('{"dynamodb": {"SizeBytes": []}}', "empty list"),
        ('{"dynamodb": {"Keys": {"sk": {"S": [{"wildcard": "C*"}]}}}}', "not a filter rule Lambda documents"),
        (
            '{"dynamodb": {"Keys": {"sk": {"S": [{"anything-but": {"prefix": "C"}}]}}}}',
            "not supported locally",
        ),
        (
            '{"dynamodb": {"Keys": {"sk": {"S": [{"cidr": "10.0.0.0/24"}]}}}}',
            "not a filter rule Lambda documents",
        ),
        ('{"dynamodb": {"SizeBytes": [{"numeric": ["~", 1]}]}}', "numeric"),
        ('{"dynamodb": {"SizeBytes": [{"exists": "yes"}]}}', "exists takes true or false"),
        ('{"$or": [{"dynamodb": {"SizeBytes": [1]}}]}', "at least two patterns"),
        (
            '{"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "C", "suffix": "T"}]}}}}',
            "one operator per matcher",
        ),
    ],
)
def test_syntax_lambda_does_not_document_is_refused_when_read(pattern: str, complaint: str) -> None:
    with pytest.raises(FilterError, match=complaint):
        parse_filter_criteria({"Filters": [{"Pattern": pattern}]})


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": ["INSERT"]},
        {"eventName": ["INSERT"], "dynamodb": {"SizeBytes": [120]}},
        {"$or": [{"eventName": ["INSERT"]}, {"dynamodb": {"SizeBytes": [120]}}]},
        {
            "$or": [
                {"dynamodb": {"SizeBytes": [1]}},
                {"$or": [{"dynamodb": {"SizeBytes": [2]}}, {"userIdentity": [None]}]},
            ]
        },
    ],
)
def test_a_key_of_the_record_other_than_dynamodb_is_refused_as_aws_filters_on_that_key_only(
    pattern: Any,
) -> None:
    with pytest.raises(FilterError, match="filters only on the 'dynamodb' key"):
        parse_filter_criteria({"Filters": [{"Pattern": json.dumps(pattern)}]})


def test_the_filter_criteria_property_must_have_lambdas_shape() -> None:
    with pytest.raises(FilterError, match="each filter is"):
        parse_filter_criteria({"Filters": [{"Pattern": {"dynamodb": {"SizeBytes": [120]}}}]})
    with pytest.raises(FilterError, match="at most 10 filters"):
        parse_filter_criteria({"Filters": [{"Pattern": '{"dynamodb": {"SizeBytes": [120]}}'}] * 11})
