"""SnapStart in template.yaml: every function behind the `live` alias, SnapStart switched by the
`SnapStart` parameter, with the template resolved both ways as CloudFormation would."""

from typing import Any

import pytest

from local.template import FUNCTION_TYPE, LocalDeployment, functions, http_routes, parameter_defaults, resolve
from tests.conftest import resources_of_type

ALIAS = "live"


def function_properties(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the Globals SAM merges into them."""
    return {**template["Globals"]["Function"], **template["Resources"][logical_id]["Properties"]}


def stack_with(template: dict[str, Any], snap_start: str) -> LocalDeployment:
    parameters = {**parameter_defaults(template), "SnapStart": snap_start}
    return LocalDeployment(parameters=parameters).with_conditions_of(template)


def test_snapstart_is_off_unless_asked_for(template):
    declaration = template["Parameters"]["SnapStart"]

    assert declaration["Default"] == "Off"
    assert declaration["AllowedValues"] == ["Off", "PublishedVersions"]


@pytest.mark.parametrize(
    ("snap_start", "applied"), [("Off", "None"), ("PublishedVersions", "PublishedVersions")]
)
def test_the_parameter_switches_snapstart_on_every_function(template, snap_start, applied):
    stack = stack_with(template, snap_start)

    for logical_id in resources_of_type(template, FUNCTION_TYPE):
        properties = function_properties(template, logical_id)

        assert resolve(properties["SnapStart"], stack) == {"ApplyOn": applied}, logical_id


def test_every_function_is_published_behind_the_live_alias_either_way(template):
    for logical_id in resources_of_type(template, FUNCTION_TYPE):
        properties = function_properties(template, logical_id)

        # An alias cannot hang on a condition: it is there with SnapStart off too.
        assert properties["AutoPublishAlias"] == ALIAS, logical_id
        # A new version for any change of the function, not only of its code...
        assert properties["AutoPublishAliasAllProperties"] is True, logical_id
        # ...and the one it replaces deleted: SnapStart bills every cached version.
        assert properties["VersionDeletionPolicy"] == "Delete", logical_id


def test_a_new_layer_publishes_a_new_version_of_every_function(template):
    layers = set(resources_of_type(template, "AWS::Serverless::LayerVersion"))

    assert layers == {"BlogLayer", "FeedsLayer"}
    for name in layers:
        assert template["Resources"][name]["Properties"]["PublishLambdaVersion"] is True, name
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "BlogLayer"}]
    for logical_id in resources_of_type(template, FUNCTION_TYPE):
        # SAM appends a function's own layers to the global ones: only the feeds have one.
        own = template["Resources"][logical_id]["Properties"].get("Layers", [])
        assert own == ([{"Ref": "FeedsLayer"}] if logical_id == "FeedsFunction" else []), logical_id


@pytest.mark.parametrize("snap_start", ["Off", "PublishedVersions"])
def test_the_local_runtime_reads_the_functions_and_routes_either_way(template, snap_start):
    found = functions(template, stack_with(template, snap_start))

    assert set(found) == set(resources_of_type(template, FUNCTION_TYPE))
    assert {route.function_id for route in http_routes(template)} <= set(found)
