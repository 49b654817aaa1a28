"""--parameter-overrides: SAM's two forms, checked against the template's constraints."""

from typing import Any

import pytest

from local.parameters import ParameterError, parse_overrides, resolve_parameters
from local.template import parameter_defaults


def test_both_of_sams_forms_are_read() -> None:
    overrides = parse_overrides(
        ["CommentModeration=all", "ParameterKey=CacheMaxAgeSeconds,ParameterValue=5", "AlarmEmail="]
    )

    assert overrides == {"CommentModeration": "all", "CacheMaxAgeSeconds": "5", "AlarmEmail": ""}


def test_a_value_may_hold_an_equals_sign() -> None:
    assert parse_overrides(["AutoCloseSchedule=cron(0 3 * * ? *)=x"]) == {
        "AutoCloseSchedule": "cron(0 3 * * ? *)=x"
    }


@pytest.mark.parametrize("argument", ["CommentModeration", "=all"])
def test_an_argument_without_name_and_value_is_refused(argument: str) -> None:
    with pytest.raises(ParameterError, match="Name=Value"):
        parse_overrides([argument])


def test_without_overrides_every_parameter_has_its_default(template: dict[str, Any]) -> None:
    assert resolve_parameters(template, {}) == parameter_defaults(template)


def test_an_override_replaces_the_default(template: dict[str, Any]) -> None:
    parameters = resolve_parameters(template, {"CommentModeration": "all", "CacheMaxAgeSeconds": "5"})

    assert parameters["CommentModeration"] == "all"
    assert parameters["CacheMaxAgeSeconds"] == "5"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CommentModeraton": "all"}, "declares no parameter CommentModeraton"),
        ({"CommentModeration": "sometimes"}, "'sometimes' is not one of auto, all"),
        ({"CacheMaxAgeSeconds": "-1"}, "below its MinValue 0"),
        ({"CacheMaxAgeSeconds": "86401"}, "above its MaxValue 86400"),
        ({"CommentsPerMinutePerClient": "many"}, "'many' is not a number"),
        ({"AllowedOrigin": "https://blog.example.org/path"}, "does not match an origin such as"),
    ],
)
def test_an_override_the_template_does_not_allow_is_refused(
    template: dict[str, Any], overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        resolve_parameters(template, overrides)


def test_a_parameter_without_default_must_be_given() -> None:
    template = {"Parameters": {"Required": {"Type": "String", "MinLength": 2}}}

    with pytest.raises(ParameterError, match="Required has no default"):
        resolve_parameters(template, {})
    with pytest.raises(ParameterError, match="shorter than its MinLength 2"):
        resolve_parameters(template, {"Required": "x"})
    assert resolve_parameters(template, {"Required": "xy"}) == {"Required": "xy"}
