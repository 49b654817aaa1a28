"""How CloudFront treats a request, read from template.yaml's distribution, for the tests.

CloudFront takes the first cache behaviour whose path pattern matches the request's path (`*` matches
any run of characters, `/` included; `?` matches one), else the default behaviour. A behaviour's
headers and query strings reach the origin when its cache policy (the cache key) or its origin
request policy names them.
"""

import re
from typing import Any

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CORS_S3_ORIGIN = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
UNCACHED_GET_ROUTES = {"GET /actions/{token}"}
"""Public GET routes CloudFront never caches: a mail link's page is the link's alone."""
MANAGED_ORIGIN_REQUEST_HEADERS = {
    CORS_S3_ORIGIN: {"origin", "access-control-request-headers", "access-control-request-method"},
}
"""The headers AWS's managed origin request policies send (CloudFront developer guide, "Use managed
origin request policies")."""


def distribution_config(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["CdnDistribution"]["Properties"]["DistributionConfig"]
    return config


def _pattern(path_pattern: str) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char)
        for char in "/" + path_pattern.lstrip("/")
    )
    return re.compile(regex)


def behavior_for(template: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront applies to `path`."""
    config = distribution_config(template)
    for behavior in config.get("CacheBehaviors", []):
        if _pattern(behavior["PathPattern"]).fullmatch(path):
            matched: dict[str, Any] = behavior
            return matched
    default: dict[str, Any] = config["DefaultCacheBehavior"]
    return default


def _resource_properties(template: dict[str, Any], reference: Any, config_key: str) -> dict[str, Any] | None:
    """The config of a policy of this template (`{"Ref": id}`), None for a managed one (an id)."""
    if not isinstance(reference, dict):
        return None
    properties: dict[str, Any] = template["Resources"][reference["Ref"]]["Properties"][config_key]
    return properties


def cache_key(template: dict[str, Any], behavior: dict[str, Any]) -> dict[str, Any] | None:
    """`{"query_strings": set, "headers": set, "cookies": str}` of a behaviour's own cache policy,
    None for the managed CachingDisabled."""
    if behavior["CachePolicyId"] == CACHING_DISABLED:
        return None
    config = _resource_properties(template, behavior["CachePolicyId"], "CachePolicyConfig")
    assert config is not None, "a managed cache policy other than CachingDisabled"
    parameters = config["ParametersInCacheKeyAndForwardedToOrigin"]
    query = parameters["QueryStringsConfig"]
    headers = parameters["HeadersConfig"]
    keyed_query = query["QueryStringBehavior"] != "none"
    keyed_headers = headers["HeaderBehavior"] != "none"
    return {
        "query_strings": set(query.get("QueryStrings", [])) if keyed_query else set(),
        "headers": {h.lower() for h in headers.get("Headers", [])} if keyed_headers else set(),
        "cookies": parameters["CookiesConfig"]["CookieBehavior"],
        "ttl": (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]),
    }


def forwarded_headers(template: dict[str, Any], behavior: dict[str, Any]) -> set[str]:
    """The viewer and CloudFront headers a behaviour sends to the origin (lower case)."""
    key = cache_key(template, behavior)
    headers = set() if key is None else set(key["headers"])
    reference = behavior.get("OriginRequestPolicyId")
    if reference is None:
        return headers
    config = _resource_properties(template, reference, "OriginRequestPolicyConfig")
    if config is None:
        return headers | MANAGED_ORIGIN_REQUEST_HEADERS[reference]
    return headers | {h.lower() for h in config["HeadersConfig"].get("Headers", [])}


def forwarded_query_strings(template: dict[str, Any], behavior: dict[str, Any]) -> set[str] | str:
    """The query strings a behaviour sends to the origin, or "all"."""
    key = cache_key(template, behavior)
    names = set() if key is None else set(key["query_strings"])
    reference = behavior.get("OriginRequestPolicyId")
    if reference is None:
        return names
    config = _resource_properties(template, reference, "OriginRequestPolicyConfig")
    if config is not None:
        query = config["QueryStringsConfig"]
        if query["QueryStringBehavior"] == "all":
            return "all"
        names |= set(query.get("QueryStrings", []))
    return names


def sample_path(route_path: str) -> str:
    """A concrete path of a route template (`/posts/{slug}` -> `/posts/a-post`)."""
    return re.sub(r"\{(\w+)\}", lambda match: f"a-{match.group(1).replace('_', '-')}", route_path)
