"""waf.yaml, the AWS WAF stack of the CDN (us-east-1), and how the blog stack takes its web ACL."""

import json
from typing import Any

import pytest

from local.parameters import ParameterError, check_value
from local.template import PROJECT_ROOT, LocalDeployment, load_template, parameter_defaults, resolve

WAF_TEMPLATE = PROJECT_ROOT / "waf.yaml"
WEB_ACL_ARN = (
    "arn:aws:wafv2:us-east-1:123456789012:global/webacl/blog-waf-blog/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
)


@pytest.fixture(scope="module")
def waf() -> dict[str, Any]:
    return load_template(WAF_TEMPLATE)


def web_acl(waf: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = waf["Resources"]["BlogWebAcl"]["Properties"]
    return properties


def rule(waf: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [r for r in web_acl(waf)["Rules"] if r["Name"] == name]
    return found


def matches(statement: dict[str, Any], method: str, path: str) -> bool:
    """Whether a request meets a statement of byte matches on the method and the URI path."""
    if "AndStatement" in statement:
        return all(matches(s, method, path) for s in statement["AndStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    value = method if "Method" in match["FieldToMatch"] else path
    search = match["SearchString"]
    return {
        "EXACTLY": value == search,
        "STARTS_WITH": value.startswith(search),
        "ENDS_WITH": value.endswith(search),
    }[match["PositionalConstraint"]]


def accepts(declaration: dict[str, Any], value: str) -> bool:
    try:
        check_value("parameter", declaration, value)
    except ParameterError:
        return False
    return True


def test_the_web_acl_is_for_cloudfront_and_lets_through_what_no_rule_blocks(waf):
    acl = web_acl(waf)

    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["BlogWebAcl", "Arn"]}


def test_comments_and_all_requests_are_limited_per_client_address(waf):
    comments = rule(waf, "comments-per-client")["Statement"]["RateBasedStatement"]
    everything = rule(waf, "requests-per-client")["Statement"]["RateBasedStatement"]

    assert (comments["AggregateKeyType"], everything["AggregateKeyType"]) == ("IP", "IP")
    assert comments["Limit"] == {"Ref": "CommentsPerWindow"}
    assert everything["Limit"] == {"Ref": "RequestsPerWindow"}
    assert "ScopeDownStatement" not in everything
    scope = comments["ScopeDownStatement"]
    assert matches(scope, "POST", "/posts/sommerfest/comments")
    assert not matches(scope, "GET", "/posts/sommerfest/comments")
    assert not matches(scope, "POST", "/posts/sommerfest/close")
    assert not matches(scope, "POST", "/actions/comments-x")


def test_a_blocked_client_gets_the_blogs_own_429_problem_with_retry_after(waf):
    acl = web_acl(waf)

    for name in ("comments-per-client", "requests-per-client"):
        response = rule(waf, name)["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert response["ResponseHeaders"] == [{"Name": "retry-after", "Value": {"Ref": "RateWindowSeconds"}}]
        body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
        problem = json.loads(body["Content"])
        assert (problem["type"], problem["status"]) == ("/problems/rate-limited", 429)


def test_the_edge_limit_on_comments_lets_the_apis_own_limit_answer_first(waf, template):
    defaults = parameter_defaults(waf)
    per_window = int(defaults["CommentsPerWindow"])
    window_minutes = int(defaults["RateWindowSeconds"]) // 60
    api_per_minute = int(parameter_defaults(template)["CommentsPerMinutePerClient"])

    assert per_window > api_per_minute * window_minutes


def test_blocked_requests_are_logged_encrypted_with_retention(waf):
    logging = waf["Resources"]["WebAclLogging"]["Properties"]
    group = waf["Resources"]["WafLogGroup"]["Properties"]
    stack = LocalDeployment(parameters=parameter_defaults(waf), stack_name="blog-waf")

    assert resolve(group["LogGroupName"], stack).startswith("aws-waf-logs-")  # WAF takes no other name
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["WafLogKey", "Arn"]}
    assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
    assert logging["LoggingFilter"]["Filters"][0]["Conditions"] == [{"ActionCondition": {"Action": "BLOCK"}}]


def test_the_blog_stack_takes_the_web_acls_arn_and_refuses_a_regional_one(template):
    declaration = template["Parameters"]["WebAclArn"]

    assert accepts(declaration, WEB_ACL_ARN)
    assert accepts(declaration, "")
    assert not accepts(declaration, WEB_ACL_ARN.replace("us-east-1", "eu-central-1"))
    assert not accepts(declaration, WEB_ACL_ARN.replace(":global/", ":regional/"))


def test_the_cdn_certificate_must_be_in_us_east_1_and_the_apis_may_be_anywhere(template):
    certificate = "arn:aws:acm:{region}:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    parameters = template["Parameters"]

    assert accepts(parameters["CdnCertificateArn"], certificate.format(region="us-east-1"))
    assert not accepts(parameters["CdnCertificateArn"], certificate.format(region="eu-central-1"))
    assert accepts(parameters["ApiCertificateArn"], certificate.format(region="eu-central-1"))
    assert not accepts(parameters["CdnDomainName"], "https://blog.example.org")
    assert accepts(parameters["CdnDomainName"], "api.blog.example.org")
