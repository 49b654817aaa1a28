"""The operations side of template.yaml: logs, alarms, encryption, concurrency, outputs, and the
two files that describe them to operators (samconfig.toml, docs/OPERATIONS.md)."""

import json
import re
import tomllib
from typing import Any

import pytest

from local.parameters import ParameterError, check_value
from local.template import FUNCTION_TYPE, PROJECT_ROOT
from tests.conftest import resources_of_type

OPERATIONS_DOC = PROJECT_ROOT / "docs" / "OPERATIONS.md"
SAMCONFIG = PROJECT_ROOT / "samconfig.toml"
LOG_RETENTION_DAYS = [
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
]
LOG_RETENTION_DAYS += [3288, 3653]
ACCESS_LOG_FIELDS = {
    "requestId",
    "ip",
    "routeKey",
    "status",
    "responseLength",
    "integrationLatency",
    "responseLatency",
    "integrationErrorMessage",
}
# DynamoDB operations (as CloudWatch names them) of the data layer's client calls.
OPERATIONS = {"query": "Query", "update_item": "UpdateItem", "put_item": "PutItem", "get_item": "GetItem"}
OPERATIONS |= {"delete_item": "DeleteItem", "transact_write_items": "TransactWriteItems", "scan": "Scan"}
OPERATIONS |= {"batch_write_item": "BatchWriteItem", "batch_get_item": "BatchGetItem"}
OPERATIONS |= {"transact_get_items": "TransactGetItems"}


def job_of(template: dict[str, Any], logical_id: str) -> str:
    """The function's job as its folder names it (`functions/submit_comment` -> submit-comment)."""
    properties = template["Resources"][logical_id]["Properties"]
    handler = properties.get("Handler", template["Globals"]["Function"]["Handler"])
    folder = (PROJECT_ROOT / properties["CodeUri"] / handler).parent.name
    return folder.replace("_", "-")


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"] for name, r in resources_of_type(template, "AWS::CloudWatch::Alarm").items()
    }


@pytest.fixture
def function_ids(template):
    return sorted(resources_of_type(template, FUNCTION_TYPE))


def test_each_function_logs_to_its_own_group_with_retention_and_encryption(template, function_ids):
    for logical_id in function_ids:
        properties = template["Resources"][logical_id]["Properties"]
        name = f"${{AWS::StackName}}-{job_of(template, logical_id)}"
        assert properties["FunctionName"] == {"Fn::Sub": name}, logical_id

        group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]
        group = template["Resources"][group_id]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"] == {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/{name}"},
            "RetentionInDays": {"Ref": "LogRetentionInDays"},
            "KmsKeyId": {"Fn::GetAtt": ["MonitoringKey", "Arn"]},
        }, logical_id


def test_log_retention_offers_what_cloudwatch_offers(template):
    parameter = template["Parameters"]["LogRetentionInDays"]

    assert parameter["AllowedValues"] == LOG_RETENTION_DAYS
    assert parameter["Default"] in LOG_RETENTION_DAYS


def test_the_logs_key_lets_cloudwatch_logs_use_it_for_this_stacks_groups_only(template):
    key = template["Resources"]["MonitoringKey"]["Properties"]
    statements = {statement["Sid"]: statement for statement in key["KeyPolicy"]["Statement"]}
    logs = statements["LogsEncryptThisStacksLogGroups"]
    patterns = [
        pattern["Fn::Sub"] for pattern in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    groups = [
        r["Properties"]["LogGroupName"]["Fn::Sub"]
        for r in resources_of_type(template, "AWS::Logs::LogGroup").values()
    ]

    assert key["EnableKeyRotation"] is True
    for group in groups:
        arn = f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{group}"
        assert any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), arn) for p in patterns), group


def test_the_api_writes_json_access_logs_to_a_group_of_their_own(template):
    settings = template["Resources"]["BlogApi"]["Properties"]["AccessLogSettings"]
    group = template["Resources"]["ApiAccessLogGroup"]["Properties"]
    # API Gateway puts a value in place of each $context variable: a number where it is unquoted.
    sample = re.sub(r"\$context\.[A-Za-z.]+", "1", settings["Format"])

    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "\n" not in settings["Format"]
    assert set(json.loads(sample)) >= ACCESS_LOG_FIELDS
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["MonitoringKey", "Arn"]}


def test_access_logs_record_the_route_key_and_never_a_path_that_may_carry_a_token(template):
    log_format = template["Resources"]["BlogApi"]["Properties"]["AccessLogSettings"]["Format"]
    variables = set(re.findall(r"\$context\.([A-Za-z.]+)", log_format))

    assert "routeKey" in variables
    # A mail link's path is its signed token (/actions/{token}): whoever reads the logs could use it.
    assert not variables & {"path", "resourcePath", "http.path"}


def test_functions_are_traced(template):
    assert template["Globals"]["Function"]["Tracing"] == "Active"


def test_every_alarm_mails_the_encrypted_topic(template):
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    key = template["Resources"]["MonitoringKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = next(s for s in key if s["Principal"].get("Service") == "cloudwatch.amazonaws.com")

    assert topic["KmsMasterKeyId"] == {"Ref": "MonitoringKey"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    for name, alarm in alarms(template).items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_the_alarm_email_is_subscribed_only_when_given(template):
    subscription = template["Resources"]["AlarmEmailSubscription"]

    assert subscription["Condition"] == "HasAlarmEmail"
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_each_function_has_an_errors_and_a_throttles_alarm(template, function_ids):
    watched = {}
    for alarm in alarms(template).values():
        if alarm.get("Namespace") == "AWS/Lambda":
            (dimension,) = alarm["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            watched.setdefault(dimension["Value"]["Ref"], set()).add(alarm["MetricName"])

    assert watched == {key: {"Errors", "Throttles"} for key in function_ids}


def test_the_api_alarms_on_5xx_and_on_p99_latency(template):
    api_alarms = {
        a["MetricName"]: a for a in alarms(template).values() if a.get("Namespace") == "AWS/ApiGateway"
    }

    assert set(api_alarms) == {"5xx", "Latency"}
    for alarm in api_alarms.values():
        assert alarm["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "BlogApi"}}]
    assert api_alarms["Latency"]["ExtendedStatistic"] == "p99"
    assert api_alarms["Latency"]["Threshold"] == {"Ref": "LatencyAlarmMilliseconds"}


def test_the_table_alarm_sees_throttling_of_every_operation_the_data_layer_calls(template):
    source = "\n".join(path.read_text() for path in (PROJECT_ROOT / "layers/blog/blog").rglob("*.py"))
    called = {OPERATIONS[name] for name in re.findall(r"\._client\.(\w+)\(", source)}
    (alarm,) = (a for a in alarms(template).values() if "Metrics" in a)
    metrics = [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]
    tables = {d["Value"]["Ref"] for m in metrics for d in m["Dimensions"] if d["Name"] == "TableName"}
    watched = {
        d["Value"]
        for m in metrics
        if m["MetricName"] == "ThrottledRequests"
        for d in m["Dimensions"]
        if d["Name"] == "Operation"
    }

    assert tables == {"BlogTable"}
    assert {"ReadThrottleEvents", "WriteThrottleEvents"} <= {m["MetricName"] for m in metrics}
    assert called
    assert called <= watched


def test_the_comment_function_reserves_concurrency_unless_the_parameter_is_zero(template):
    properties = template["Resources"]["SubmitCommentFunction"]["Properties"]
    parameter = template["Parameters"]["CommentFunctionConcurrency"]

    assert properties["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "ReservesCommentConcurrency",
            {"Ref": "CommentFunctionConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Conditions"]["ReservesCommentConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CommentFunctionConcurrency"}, "0"]}]
    }
    assert parameter["MinValue"] == 0


def test_prod_protects_the_table_from_deletion(template):
    properties = template["Resources"]["BlogTable"]["Properties"]

    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}


def test_the_outputs_name_the_api_the_table_and_every_function(template, function_ids):
    outputs = template["Outputs"]

    assert outputs["TableName"]["Value"] == {"Ref": "BlogTable"}
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].startswith("https://${BlogApi}.execute-api.")
    for logical_id in function_ids:
        assert outputs[f"{logical_id}Name"]["Value"] == {"Ref": logical_id}


def test_every_parameter_has_a_default_a_description_and_constraints(template):
    for name, parameter in template["Parameters"].items():
        assert "Default" in parameter, name
        assert parameter.get("Description"), name
        assert {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"} & set(parameter), name


def test_every_skipped_scanner_check_says_why(template):
    for name, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), name
            assert len(skip.get("comment", "")) > 80, f"{name} skips {skip['id']} without a reason"


def docs_parameter_table() -> dict[str, str]:
    """The parameters table of docs/OPERATIONS.md: name -> default, as written there."""
    section = OPERATIONS_DOC.read_text().split("\n### Parameters\n", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \|", section, re.MULTILINE)
    return dict(rows)


def test_the_operations_guide_documents_exactly_the_templates_parameters(template):
    documented = docs_parameter_table()

    assert set(documented) == set(template["Parameters"])
    for name, default in documented.items():
        shown = str(template["Parameters"][name]["Default"])
        assert default == (f"`{shown}`" if shown else "empty"), name


def satisfies(declaration: dict[str, Any], value: str) -> bool:
    """Whether CloudFormation would accept `value` for a parameter so declared."""
    try:
        check_value("parameter", declaration, value)
    except ParameterError:
        return False
    return True


@pytest.fixture(scope="module")
def samconfig():
    return tomllib.loads(SAMCONFIG.read_text())


def overrides(samconfig: dict[str, Any], environment: str) -> dict[str, str]:
    listed = samconfig[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in listed)


@pytest.mark.parametrize("environment", ["default", "prod"])
def test_samconfig_deploys_each_environment_with_valid_parameters(template, samconfig, environment):
    config = samconfig[environment]
    deploy = config["deploy"]["parameters"]

    assert config["global"]["parameters"]["stack_name"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    assert config["build"]["parameters"] == {"cached": True, "parallel": True}
    for name, value in overrides(samconfig, environment).items():
        declaration = template["Parameters"][name]
        # A placeholder the operator must replace fails the parameter's constraint on purpose.
        assert satisfies(declaration, value) != value.startswith("REPLACE-WITH-"), (name, value)


def test_samconfig_prod_is_prod_and_confirms_each_change_set(samconfig):
    prod = overrides(samconfig, "prod")

    assert prod["Stage"] == "prod"
    assert prod["AllowedOrigin"].startswith("REPLACE-WITH-")
    assert samconfig["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
    assert (
        samconfig["prod"]["global"]["parameters"]["stack_name"]
        != samconfig["default"]["global"]["parameters"]["stack_name"]
    )
    assert int(prod["LogRetentionInDays"]) > int(overrides(samconfig, "default")["LogRetentionInDays"])
