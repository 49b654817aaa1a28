"""The CDN of template.yaml (CdnEnabled): what CloudFront caches, what it passes through, what it
refuses, and how the functions know a request came through it; off by default."""

from typing import Any

import pytest

from blog.edge import ORIGIN_HEADER, VIEWER_ADDRESS_HEADER, VIEWER_HOST_HEADER
from local.template import LocalDeployment, functions, http_api, http_routes, parameter_defaults, resolve
from tests.cloudfront import (
    CACHING_DISABLED,
    UNCACHED_GET_ROUTES,
    behavior_for,
    cache_key,
    distribution_config,
    forwarded_headers,
    forwarded_query_strings,
    sample_path,
)

PUBLIC_GET_CACHE_KEYS = {
    "GET /posts": {"limit", "cursor", "category"},
    "GET /posts/{slug}": set(),
    "GET /posts/{slug}/comments": {"cursor"},
    "GET /openapi.json": set(),
    "GET /comments/counts": {"slug"},
    "GET /comments/recent": {"limit"},
    "GET /feed.atom": {"category"},
    "GET /feed.rss": {"category"},
    "GET /posts/{slug}/comments.atom": set(),
    "GET /comments.atom": set(),
}
"""The query strings each public GET route reads (tests/integration/test_cdn.py checks them against
the OpenAPI document the handlers declare)."""
FEEDS = {"GET /feed.atom", "GET /feed.rss", "GET /posts/{slug}/comments.atom", "GET /comments.atom"}
"""The routes whose answers name the host the reader asked for (a feed's self link)."""
ONE_DAY = 86400


def stack_with(template: dict[str, Any], **parameters: str) -> LocalDeployment:
    stack = LocalDeployment(parameters={**parameter_defaults(template), **parameters})
    return stack.with_conditions_of(template)


def exists(template: dict[str, Any], logical_id: str, stack: LocalDeployment) -> bool:
    condition = template["Resources"][logical_id].get("Condition")
    return condition is None or stack.condition(condition)


def cdn_resources(template: dict[str, Any]) -> list[str]:
    """The resources of the CDN, which are named after it."""
    return [name for name in template["Resources"] if name.startswith("Cdn")]


def test_the_cdn_is_off_by_default_and_then_nothing_of_it_exists(template):
    stack = stack_with(template)
    environment = next(iter(functions(template, stack).values())).environment

    assert parameter_defaults(template)["CdnEnabled"] == "false"
    cloudfront = [
        name for name, r in template["Resources"].items() if r["Type"].startswith("AWS::CloudFront::")
    ]
    assert set(cloudfront) <= set(cdn_resources(template))
    assert not [name for name in cdn_resources(template) if exists(template, name, stack)]
    assert (environment["CDN_ENABLED"], environment["CDN_ORIGIN_SECRET"]) == ("false", "")
    assert not any(stack.condition(name) for name in ("AttachesWebAcl", "HasCdnDomain"))


def test_with_the_cdn_on_every_function_knows_it_and_where_its_origin_secret_is(template):
    stack = stack_with(template, CdnEnabled="true")

    # All but the DNS records of a custom domain, which none is named here.
    assert {name for name in cdn_resources(template) if not exists(template, name, stack)} == {
        "CdnDomainRecords"
    }
    for function in functions(template, stack).values():
        assert function.environment["CDN_ENABLED"] == "true"
        assert function.environment["CDN_ORIGIN_SECRET"] == "CdnOriginSecret"  # its Ref, the ARN in AWS


def test_the_origin_is_the_apis_execute_api_host_over_tls_12_only(template):
    (origin,) = distribution_config(template)["Origins"]

    assert origin["DomainName"] == {"Fn::Sub": "${BlogApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    config = distribution_config(template)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"https-only"}
    assert {b["TargetOriginId"] for b in behaviors} == {origin["Id"]}


def test_cloudfront_sends_the_header_the_functions_check_with_the_value_of_the_secret_they_read(template):
    (origin,) = distribution_config(template)["Origins"]
    (header,) = origin["OriginCustomHeaders"]
    secret = template["Resources"]["CdnOriginSecret"]
    environment = template["Globals"]["Function"]["Environment"]["Variables"]

    assert header["HeaderName"].lower() == ORIGIN_HEADER
    # Resolved by CloudFormation at deploy time: neither a parameter nor a function's variable holds it.
    assert header["HeaderValue"] == {"Fn::Sub": "{{resolve:secretsmanager:${CdnOriginSecret}:SecretString}}"}
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert environment["CDN_ORIGIN_SECRET"] == {"Fn::If": ["CdnOn", {"Ref": "CdnOriginSecret"}, ""]}
    assert not [name for name in template["Parameters"] if "secret" in name.lower()]


def test_exactly_the_functions_of_public_routes_may_read_the_origin_secret(template):
    # Mail links lead around the CDN (its logs would record their tokens): no origin header to check.
    public_functions = {
        route.function_id
        for route in http_routes(template)
        if not route.iam_auth and not route.path.startswith("/actions/")
    }
    policy = template["Resources"]["CdnOriginSecretReadPolicy"]["Properties"]

    assert {role["Ref"] for role in policy["Roles"]} == {f"{name}Role" for name in public_functions}
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": {"Ref": "CdnOriginSecret"}}
    ]


def test_each_public_get_route_is_cached_on_exactly_what_it_reads_and_origin(template):
    public_gets = {
        r.route_key: r
        for r in http_routes(template)
        if r.method == "GET" and not r.iam_auth and r.route_key not in UNCACHED_GET_ROUTES
    }

    assert set(public_gets) == set(PUBLIC_GET_CACHE_KEYS), "a new public GET route needs its cache key here"
    for route_key, route in public_gets.items():
        behavior = behavior_for(template, sample_path(route.path))
        key = cache_key(template, behavior)
        assert key is not None, route_key
        assert key["query_strings"] == PUBLIC_GET_CACHE_KEYS[route_key], route_key
        # API Gateway answers CORS per Origin; a feed names the reader's host in its self link.
        assert key["headers"] == ({"origin", VIEWER_HOST_HEADER} if route_key in FEEDS else {"origin"}), (
            route_key
        )
        assert key["cookies"] == "none", route_key
        assert set(behavior["CachedMethods"]) == {"GET", "HEAD"}, route_key
        assert "OPTIONS" in behavior["AllowedMethods"], route_key
        # CORS preflight reaches API Gateway, which recognises it by these headers.
        assert {"access-control-request-method", "access-control-request-headers"} <= forwarded_headers(
            template, behavior
        )
        assert forwarded_query_strings(template, behavior) == PUBLIC_GET_CACHE_KEYS[route_key], route_key


def test_the_feeds_learn_the_host_the_reader_asked_for_from_cloudfront_alone(template):
    function = template["Resources"]["CdnViewerHostFunction"]["Properties"]
    code = function["FunctionCode"]

    for route in http_routes(template):
        behavior = behavior_for(template, sample_path(route.path))
        associations = behavior.get("FunctionAssociations", [])
        if route.route_key in FEEDS:
            (association,) = associations
            assert association["EventType"] == "viewer-request", route.route_key
            assert association["FunctionARN"] == {
                "Fn::GetAtt": ["CdnViewerHostFunction", "FunctionMetadata.FunctionARN"]
            }
            assert VIEWER_HOST_HEADER in forwarded_headers(template, behavior), route.route_key
        else:
            # Elsewhere a reader's own X-Viewer-Host never reaches the API.
            assert VIEWER_HOST_HEADER not in forwarded_headers(template, behavior), route.route_key
    # The function sets the header from the Host the reader sent, whatever the reader sent in it.
    assert f"request.headers['{VIEWER_HOST_HEADER}'] = {{ value: request.headers.host.value }}" in code
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"


def test_cached_answers_live_as_long_as_the_apis_cache_control_says_and_no_longer_than_a_day(template):
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::CachePolicy"]

    assert policies
    for policy in policies:
        config = policy["Properties"]["CachePolicyConfig"]
        # Default 0: an answer without Cache-Control (a problem says no-store) is not cached.
        assert (config["MinTTL"], config["DefaultTTL"]) == (0, 0)
        assert 0 < config["MaxTTL"] <= ONE_DAY
        assert config["MaxTTL"] >= template["Parameters"]["CacheMaxAgeSeconds"]["MaxValue"]


def test_a_comment_passes_through_uncached_with_what_the_function_reads(template):
    behavior = behavior_for(template, "/posts/a-post/comments")
    headers = forwarded_headers(template, behavior)

    assert "POST" in behavior["AllowedMethods"]
    assert "POST" not in behavior["CachedMethods"]  # CloudFront never caches a POST either
    assert {"content-type", "idempotency-key", VIEWER_ADDRESS_HEADER, "origin"} <= headers
    assert "authorization" not in headers


def test_mail_actions_pass_through_uncached_with_their_query_string(template):
    routes = [r for r in http_routes(template) if r.path == "/actions/{token}"]
    behavior = behavior_for(template, "/actions/k1.payload.signature")

    assert {r.method for r in routes} == {"GET", "POST"}
    assert {f"GET {routes[0].path}"} == UNCACHED_GET_ROUTES
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    assert {"GET", "POST"} <= set(behavior["AllowedMethods"])
    assert forwarded_query_strings(template, behavior) == "all"
    # The one-click unsubscribe's form body is read by its Content-Type.
    assert {VIEWER_ADDRESS_HEADER, "content-type"} <= forwarded_headers(template, behavior)


def test_no_admin_route_is_forwarded_through_the_cdn(template):
    admin_routes = [route for route in http_routes(template) if route.iam_auth]
    default = distribution_config(template)["DefaultCacheBehavior"]
    (not_found,) = default["FunctionAssociations"]

    assert admin_routes
    assert not_found["EventType"] == "viewer-request"
    assert "404" in template["Resources"]["CdnNotFoundFunction"]["Properties"]["FunctionCode"]
    for route in admin_routes:
        behavior = behavior_for(template, sample_path(route.path))
        # Either CloudFront refuses the method (403), or the path ends in the 404 function.
        assert route.method not in behavior["AllowedMethods"] or behavior is default, route.route_key


def test_public_routes_are_forwarded_and_nothing_else_reaches_the_api(template):
    default = distribution_config(template)["DefaultCacheBehavior"]

    for route in http_routes(template):
        if not route.iam_auth:
            behavior = behavior_for(template, sample_path(route.path))
            assert behavior is not default, route.route_key
            assert route.method in behavior["AllowedMethods"], route.route_key
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    assert behavior_for(template, "/") is default


def test_answers_carry_hsts_and_nosniff_and_requests_are_logged(template):
    config = distribution_config(template)
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    bucket = template["Resources"]["CdnLogBucket"]["Properties"]

    assert {b["ResponseHeadersPolicyId"] for b in behaviors} == {"67f7725c-6f97-4210-82d7-5512b31e9d03"}
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["CdnLogBucket", "DomainName"]}
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["ExpirationInDays"] == {"Ref": "LogRetentionInDays"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())


@pytest.mark.parametrize(
    ("parameters", "attached"),
    [
        ({"CdnEnabled": "true"}, False),
        ({"CdnEnabled": "true", "WebAclArn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/1"}, True),
    ],
)
def test_the_web_acl_is_attached_only_when_given(template, parameters, attached):
    stack = stack_with(template, **parameters)
    config = distribution_config(template)
    resolved = resolve({"Enabled": config["Enabled"], "WebACLId": config["WebACLId"]}, stack)

    assert resolved.get("WebACLId") == (parameters["WebAclArn"] if attached else None)


def test_a_custom_cdn_domain_gets_an_alias_its_certificate_and_tls_12(template):
    plain = stack_with(template, CdnEnabled="true")
    named = stack_with(
        template,
        CdnEnabled="true",
        CdnDomainName="blog-api.example.org",
        CdnCertificateArn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
        HostedZoneId="Z0123456789ABC",
    )
    config = distribution_config(template)
    parts = {"Aliases": config["Aliases"], "ViewerCertificate": config["ViewerCertificate"]}

    assert resolve(parts, plain) == {"ViewerCertificate": {"CloudFrontDefaultCertificate": True}}
    assert resolve(parts, named) == {
        "Aliases": ["blog-api.example.org"],
        "ViewerCertificate": {
            "AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "SslSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
    }
    assert not exists(template, "CdnDomainRecords", plain)
    assert exists(template, "CdnDomainRecords", named)


def test_the_api_gets_its_own_custom_domain_only_when_named(template):
    domain_resources = ("ApiDomain", "ApiDomainMapping")
    certificate = "arn:aws:acm:eu-central-1:123456789012:certificate/x"
    named = stack_with(template, ApiDomainName="admin.example.org", ApiCertificateArn=certificate)
    recorded = stack_with(template, ApiDomainName="admin.example.org", HostedZoneId="Z1")

    assert not any(exists(template, name, stack_with(template)) for name in domain_resources)
    assert all(exists(template, name, named) for name in domain_resources)
    assert not exists(template, "ApiDomainRecord", named)
    assert exists(template, "ApiDomainRecord", recorded)
    mapping = template["Resources"]["ApiDomainMapping"]["Properties"]
    assert mapping["ApiId"] == {"Ref": "BlogApi"}


def failing_rules(template: dict[str, Any], **parameters: str) -> set[str]:
    """The template's Rules whose assertions CloudFormation would refuse for these parameters."""
    failing = set()
    for name, rule in template["Rules"].items():
        checks = {"applies": rule["RuleCondition"]}
        checks |= {f"assert{i}": a["Assert"] for i, a in enumerate(rule["Assertions"])}
        stack = LocalDeployment(parameters={**parameter_defaults(template), **parameters}, conditions=checks)
        if stack.condition("applies") and not all(stack.condition(c) for c in checks if c != "applies"):
            failing.add(name)
    return failing


def test_a_domain_or_web_acl_without_what_it_needs_fails_before_deploying(template):
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/x"
    web_acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/1"

    assert failing_rules(template) == set()
    assert (
        failing_rules(
            template, CdnEnabled="true", CdnDomainName="a.example.org", CdnCertificateArn=certificate
        )
        == set()
    )
    assert failing_rules(template, CdnEnabled="true", CdnDomainName="a.example.org") == {
        "CdnDomainNeedsTheCdnAndACertificate"
    }
    assert failing_rules(template, CdnDomainName="a.example.org", CdnCertificateArn=certificate) == {
        "CdnDomainNeedsTheCdnAndACertificate"
    }
    assert failing_rules(template, WebAclArn=web_acl) == {"WebAclNeedsTheCdn"}
    assert failing_rules(template, ApiDomainName="a.example.org") == {"ApiDomainNeedsACertificate"}
    assert failing_rules(template, ApiDomainName="a.example.org", ApiCertificateArn=certificate) == set()


def test_the_comment_and_admin_routes_have_throttles_of_their_own(template):
    settings = http_api(template)["RouteSettings"]
    routes = {route.route_key: route for route in http_routes(template)}
    # Every admin route, and every public one that writes (a comment, a mail action).
    throttled = {key for key, route in routes.items() if route.iam_auth or route.method != "GET"}

    assert set(settings) <= set(routes), "a route setting for a route the API does not have"
    assert set(settings) == throttled
    for key in throttled:
        prefix = "Admin" if routes[key].iam_auth else "Comment"
        assert settings[key] == {
            "ThrottlingRateLimit": {"Ref": f"{prefix}ThrottlingRateLimit"},
            "ThrottlingBurstLimit": {"Ref": f"{prefix}ThrottlingBurstLimit"},
        }, key
    defaults = parameter_defaults(template)
    assert int(defaults["CommentThrottlingRateLimit"]) < int(defaults["ThrottlingRateLimit"])
    assert int(defaults["AdminThrottlingRateLimit"]) < int(defaults["ThrottlingRateLimit"])


def test_the_outputs_name_the_cdn_url_when_it_is_on(template):
    outputs = template["Outputs"]

    assert outputs["CdnUrl"]["Condition"] == "CdnOn"
    assert outputs["CdnDistributionId"]["Value"] == {"Ref": "CdnDistribution"}
    assert outputs["ApiCustomDomainUrl"]["Condition"] == "HasApiDomain"
