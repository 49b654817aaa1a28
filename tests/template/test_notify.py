"""The notification pipeline in template.yaml: the table's stream, its filter, the notify function's
retries and dead-letter queue, its IAM (SES as SenderIdentity only), and a stack without mail."""

import json
from typing import Any

import pytest

from blog.settings import NotifySettings
from blog.stream_events import events_of
from local.event_filter import parse_filter_criteria
from local.template import LocalDeployment, functions, parameter_defaults, resolve
from tests.conftest import resources_of_type
from tests.stream_records import COMMENT, HEAD, SUBSCRIPTION, TTL, approved, record
from tests.template.test_template import as_set, policy_statements


def notify_function(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["NotifyFunction"]


def stream_event(template: dict[str, Any]) -> dict[str, Any]:
    event = notify_function(template)["Properties"]["Events"]["TableStream"]
    assert event["Type"] == "DynamoDB"
    properties: dict[str, Any] = event["Properties"]
    return properties


def test_the_table_streams_old_and_new_images_to_the_notify_function(template):
    table = template["Resources"]["BlogTable"]["Properties"]
    events = stream_event(template)

    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert events["Stream"] == {"Fn::GetAtt": ["BlogTable", "StreamArn"]}
    assert events["StartingPosition"] == "LATEST"


def test_a_failing_record_is_isolated_retried_a_few_times_and_set_aside(template):
    events = stream_event(template)
    destination = events["DestinationConfig"]["OnFailure"]
    (queue_name,) = destination["Destination"]["Fn::GetAtt"][:1]
    queue = template["Resources"][queue_name]

    assert events["BisectBatchOnFunctionError"] is True
    assert 0 < events["MaximumRetryAttempts"] <= 10
    assert 60 <= events["MaximumRecordAgeInSeconds"] <= 6 * 3600
    assert events["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 1 <= events["BatchSize"] <= 100
    assert destination["Type"] == "SQS"
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["KmsMasterKeyId"]


def test_an_alarm_watches_the_dead_letter_queue(template):
    queue_name = stream_event(template)["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    watching = [
        alarm["Properties"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == "AWS/SQS"
    ]

    (alarm,) = watching
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_name, "QueueName"]}}]
    assert alarm["Threshold"] == 1
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def filters(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(item["Pattern"]) for item in stream_event(template)["FilterCriteria"]["Filters"]]


def test_the_filter_fits_lambdas_limits_and_reads_only_the_records_dynamodb_key(template):
    patterns = filters(template)

    assert 1 <= len(patterns) <= 5
    assert all(set(pattern) == {"dynamodb"} for pattern in patterns)
    assert all(len(item["Pattern"]) <= 4096 for item in stream_event(template)["FilterCriteria"]["Filters"])


def passes(template: dict[str, Any], record: dict[str, Any]) -> bool:
    """Whether Lambda hands the record to the function: the filter rules as the local runtime
    applies them (local/event_filter.py), so the template and `make run` agree."""
    return parse_filter_criteria(stream_event(template)["FilterCriteria"]).matches(record)


MEANINGFUL = {
    "a comment stored": record(None, COMMENT),
    "a comment approved": record(COMMENT, approved),
    "a spam comment approved": record({**COMMENT, "status": "spam"}, approved),
    "a comment made a tombstone": record(approved, {**COMMENT, "status": "deleted"}),
    "a comment removed": record(approved, None),
    "an approved comment marked as spam": record(approved, {**approved, "status": "spam"}),
    "a post published": record(None, HEAD),
    "a thread closed": record(HEAD, {**HEAD, "comments_open": False, "closed_at": "2026-01-02T00:00:00Z"}),
    "a post being deleted": record(HEAD, {**HEAD, "deleting_since": "2026-01-02T00:00:00Z"}),
    "a subscription": record(None, SUBSCRIPTION),
}
MEANINGLESS = {
    "a reply counted": record(approved, {**approved, "reply_count": 1}),
    "a held comment marked as spam": record(COMMENT, {**COMMENT, "status": "spam"}),
    "spam removed by TTL": record({**COMMENT, "status": "spam", "expires_at": 1}, None, **TTL),
    "a rate-limit counter": record(None, {"pk": "RATE#abc#1", "sk": "RATE", "count": 1, "expires_at": 1}),
    "a duplicate guard": record(None, {"pk": "DUPLICATE#abc", "sk": "DUPLICATE", "expires_at": 1}),
    "a claim": record(None, {"pk": "CLAIM#mail#owner#beet#1", "sk": "CLAIM", "expires_at": 1}),
    "a post's body": record(None, {"pk": "POST#beet", "sk": "#POST#BODY", "content": "x"}),
    "a subscription confirmed": record(SUBSCRIPTION, {**SUBSCRIPTION, "confirmed": True}),
    "a post's head removed last": record({**HEAD, "deleting_since": "2026-01-02T00:00:00Z"}, None),
}


@pytest.mark.parametrize("name", MEANINGFUL)
def test_the_filter_passes_every_record_that_means_an_event(template, name):
    assert events_of(MEANINGFUL[name]), name  # the sample is one
    assert passes(template, MEANINGFUL[name]), name


@pytest.mark.parametrize("name", MEANINGLESS)
def test_the_filter_refuses_records_that_mean_nothing(template, name):
    assert events_of(MEANINGLESS[name]) == [], name
    assert not passes(template, MEANINGLESS[name]), name


def test_a_post_head_write_that_means_nothing_passes_the_filter_and_sends_nothing(template):
    """A filter cannot compare the old image with the new one: every head write passes (a comment
    counted on its post, an edit), and blog.stream_events finds no event in it."""
    counted = record(HEAD, {**HEAD, "comment_count": 1})

    assert passes(template, counted)
    assert events_of(counted) == []


def ses_statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in policy_statements(function) if any(a.startswith("ses:") for a in as_set(s["Action"]))]


def test_the_function_may_send_only_as_the_sender_identity_through_the_configuration_set(template):
    function = notify_function(template)
    (conditional,) = [policy for policy in function["Properties"]["Policies"] if "Fn::If" in policy]
    condition, _, otherwise = conditional["Fn::If"]
    (statement,) = ses_statements(function)

    assert condition == "SendsMail"
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert as_set(statement["Action"]) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert statement["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SenderIdentity}"},
        {
            "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
            ":configuration-set/${MailConfigurationSet}"
        },
    ]


def test_the_function_reads_and_claims_only_what_it_needs_of_the_table(template):
    statements = [
        s
        for s in policy_statements(notify_function(template))
        if all(a.startswith("dynamodb:") for a in as_set(s["Action"]))
    ]
    by_action = {action: s for s in statements for action in as_set(s["Action"])}

    assert set(by_action) == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"}
    assert by_action["dynamodb:Query"]["Resource"] == {"Fn::Sub": "${BlogTable.Arn}/index/PublishedPosts"}
    leading = by_action["dynamodb:UpdateItem"]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert set(leading) == {"CLAIM#*", "SCHEDULE#*"}
    reading = by_action["dynamodb:GetItem"]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert set(reading) == {"POST#*", "SUPPRESSED#*", "SCHEDULE#*"}


def test_bounces_and_complaints_suppress_the_address(template):
    configuration_set = template["Resources"]["MailConfigurationSet"]

    assert configuration_set["Type"] == "AWS::SES::ConfigurationSet"
    assert configuration_set["Condition"] == "SendsMail"
    assert set(configuration_set["Properties"]["SuppressionOptions"]["SuppressedReasons"]) == {
        "BOUNCE",
        "COMPLAINT",
    }


def notify_environment(template: dict[str, Any], **overrides: str) -> dict[str, str]:
    stack = LocalDeployment(parameters={**parameter_defaults(template), **overrides})
    return functions(template, stack)["NotifyFunction"].environment


def test_without_a_sender_nothing_is_mailed_and_no_mail_resource_exists(template):
    environment = notify_environment(template)
    stack = LocalDeployment(parameters=parameter_defaults(template)).with_conditions_of(template)
    conditional = {
        name
        for name, resource in template["Resources"].items()
        if resource.get("Condition") and not stack.condition(resource["Condition"])
    }
    settings = NotifySettings.model_validate(environment)

    assert not settings.mails
    assert not settings.mails_owner
    assert settings.ses_configuration_set == ""
    assert "MailConfigurationSet" in conditional
    assert stack.condition("SendsMail") is False


def test_with_a_sender_the_function_names_the_configuration_set(template):
    environment = notify_environment(template, SenderEmail="blog@example.org", SenderIdentity="example.org")

    assert NotifySettings.model_validate(environment).mails
    assert environment["SES_CONFIGURATION_SET"] == "MailConfigurationSet"


CERTIFICATE = "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "https://BlogApi.execute-api.us-east-1.amazonaws.com"),
        ({"PublicApiUrl": "https://api.example.org"}, "https://api.example.org"),
        ({"ApiDomainName": "api.example.org", "ApiCertificateArn": CERTIFICATE}, "https://api.example.org"),
        # With the CDN on, never through it: CloudFront's access logs would record the tokens.
        ({"CdnEnabled": "true"}, "https://BlogApi.execute-api.us-east-1.amazonaws.com"),
        (
            {"CdnEnabled": "true", "PublicApiUrl": "https://blog.example.org"},
            "https://BlogApi.execute-api.us-east-1.amazonaws.com",
        ),
        (
            {"CdnEnabled": "true", "ApiDomainName": "api.example.org", "ApiCertificateArn": CERTIFICATE},
            "https://api.example.org",
        ),
    ],
)
def test_mail_links_start_with_the_public_api_url_or_the_apis_own_never_the_cdns(
    template, overrides, expected
):
    environment = notify_environment(template, **overrides)

    assert environment["MAIL_LINK_BASE_URL"] == expected
    assert NotifySettings.model_validate(environment).mail_link_base_url == expected


def test_scheduled_posts_are_checked_every_five_minutes_only_with_a_webhook(template):
    event = notify_function(template)["Properties"]["Events"]["PublicationCheck"]
    stack = LocalDeployment(parameters=parameter_defaults(template)).with_conditions_of(template)

    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == "rate(5 minutes)"
    assert resolve(event["Properties"]["State"], stack) == "DISABLED"
    with_webhook = LocalDeployment(
        parameters={**parameter_defaults(template), "WebhookUrl": "https://hooks.example.org/blog"}
    ).with_conditions_of(template)
    assert resolve(event["Properties"]["State"], with_webhook) == "ENABLED"
