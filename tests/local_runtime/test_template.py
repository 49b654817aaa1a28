"""local.template: intrinsic functions resolved to local values, and what the runtime reads."""

from typing import Any

import pytest

from local.template import (
    PROJECT_ROOT,
    LocalDeployment,
    StageThrottling,
    TemplateError,
    cors_configuration,
    functions,
    http_routes,
    parameter_defaults,
    resolve,
    stage_throttling,
)

STACK = LocalDeployment(
    parameters={"Stage": "dev", "Origin": "https://blog.example.org", "Limit": "0"},
    stack_uuid="0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    physical_ids={"BlogTable": "blog-local"},
    conditions={
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "HasLimit": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Limit"}, "0"]}]},
        "ProdOrLimited": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "HasLimit"}]},
        "DevAndUnlimited": {
            "Fn::And": [{"Fn::Not": [{"Condition": "IsProd"}]}, {"Fn::Not": [{"Condition": "HasLimit"}]}]
        },
    },
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Origin"}, "https://blog.example.org"),
        ({"Ref": "BlogTable"}, "blog-local"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Fn::Sub": "${AWS::StackName}-blog"}, "serverless-blog-local-blog"),
        (
            {"Fn::Sub": "${BlogTable.Arn}/index/Visible"},
            "arn:aws:dynamodb:us-east-1:123456789012:table/blog-local/index/Visible",
        ),
        ({"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Stage"}}]}, "dev-x"),
        ({"Fn::GetAtt": ["BlogTable", "Arn"]}, "arn:aws:dynamodb:us-east-1:123456789012:table/blog-local"),
        (
            {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
            "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        ),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-dev"),
        ({"Fn::If": ["IsProd", 30, 7]}, 7),
        ({"Fn::If": ["ProdOrLimited", "yes", "no"]}, "no"),
        ({"Fn::If": ["DevAndUnlimited", "yes", "no"]}, "yes"),
    ],
)
def test_intrinsic_functions_resolve_to_local_values(expression: dict[str, Any], expected: Any) -> None:
    assert resolve(expression, STACK) == expected


def test_no_value_leaves_the_property_or_the_list_item_out() -> None:
    value = {
        "Kept": 1,
        "Dropped": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Ref": "AWS::NoValue"}, "b"],
    }

    assert resolve(value, STACK) == {"Kept": 1, "List": ["a", "b"]}


def test_an_unknown_condition_or_function_is_an_error() -> None:
    with pytest.raises(TemplateError, match="no condition"):
        resolve({"Fn::If": ["Missing", 1, 2]}, STACK)
    with pytest.raises(TemplateError, match="Fn::ImportValue"):
        resolve({"Fn::ImportValue": "x"}, STACK)


def test_short_tags_load_in_their_long_form(template: dict[str, Any]) -> None:
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "BlogLayer"}]


def test_functions_run_with_the_layer_on_their_path(template: dict[str, Any]) -> None:
    found = functions(template, LocalDeployment(parameters=parameter_defaults(template)))

    get_post = found["GetPostFunction"]
    assert get_post.code_dir == PROJECT_ROOT / "functions" / "get_post"
    assert get_post.handler_module == "app"
    assert get_post.folder_name == "get_post"
    blog_layer, feeds_layer = PROJECT_ROOT / "layers" / "blog", PROJECT_ROOT / "layers" / "feeds"
    # As SAM merges Globals, a function's own layers follow the global one.
    assert found["FeedsFunction"].layer_dirs == (blog_layer, feeds_layer)
    others = [function for name, function in found.items() if name != "FeedsFunction"]
    assert all(function.layer_dirs == (blog_layer,) for function in others)


def test_a_function_is_named_by_its_function_name_else_by_its_logical_id() -> None:
    template = {
        "Globals": {"Function": {"Handler": "app.lambda_handler", "Timeout": 10}},
        "Resources": {
            "Named": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "functions/named/",
                    "FunctionName": {"Fn::Sub": "${AWS::StackName}-named"},
                },
            },
            "Unnamed": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "functions/unnamed/"}},
        },
    }

    found = functions(template, STACK)

    assert found["Named"].function_name == "serverless-blog-local-named"
    assert found["Unnamed"].function_name == "Unnamed"
    assert found["Named"].timeout_seconds == 10


def test_cors_configuration_follows_the_parameters(template: dict[str, Any]) -> None:
    stack = LocalDeployment(
        parameters={**parameter_defaults(template), "AllowedOrigin": "https://blog.example.org"}
    )

    configuration = cors_configuration(template, stack)

    assert configuration is not None
    assert configuration["AllowOrigins"] == ["https://blog.example.org"]


def test_a_route_takes_the_apis_default_authorizer_unless_it_names_its_own() -> None:
    def function(method: str, path: str, auth: dict[str, str] | None = None) -> dict[str, Any]:
        properties: dict[str, Any] = {"ApiId": {"Ref": "Api"}, "Method": method, "Path": path}
        if auth is not None:
            properties["Auth"] = auth
        return {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Events": {"E": {"Type": "HttpApi", "Properties": properties}}},
        }

    template = {
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::HttpApi",
                "Properties": {"Auth": {"DefaultAuthorizer": "AWS_IAM"}},
            },
            "Private": function("GET", "/private"),
            "Public": function("GET", "/public", {"Authorizer": "NONE"}),
        }
    }

    assert {route.path: route.iam_auth for route in http_routes(template)} == {
        "/private": True,
        "/public": False,
    }


@pytest.mark.parametrize(("concurrency", "reserved"), [("0", None), ("5", 5)])
def test_reserved_concurrency_follows_the_parameter(
    template: dict[str, Any], concurrency: str, reserved: int | None
) -> None:
    stack = LocalDeployment(
        parameters={**parameter_defaults(template), "CommentFunctionConcurrency": concurrency}
    )

    found = functions(template, stack)

    assert found["SubmitCommentFunction"].reserved_concurrency == reserved
    assert found["GetPostFunction"].reserved_concurrency is None


def test_stage_throttling_follows_the_parameters(template: dict[str, Any]) -> None:
    stack = LocalDeployment(
        parameters={**parameter_defaults(template), "ThrottlingRateLimit": "7", "ThrottlingBurstLimit": "11"}
    )

    assert stage_throttling(template, stack) == StageThrottling(rate_per_second=7.0, burst=11)


def test_an_api_without_throttling_settings_is_not_throttled() -> None:
    template = {"Resources": {"Api": {"Type": "AWS::Serverless::HttpApi", "Properties": {}}}}

    assert stage_throttling(template, STACK) is None
