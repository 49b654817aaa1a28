"""CORS decisions as an API Gateway HTTP API with the template's CorsConfiguration makes them."""

from typing import Any

import pytest

from local.cors import CorsPolicy, is_preflight
from local.template import LocalDeployment, cors_configuration, load_template, parameter_defaults

SITE = parameter_defaults(load_template())["AllowedOrigin"]
FOREIGN = "https://evil.example"


@pytest.fixture(scope="module")
def configuration(template: dict[str, Any]) -> dict[str, Any]:
    found = cors_configuration(template, LocalDeployment(parameters=parameter_defaults(template)))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def policy(configuration: dict[str, Any]) -> CorsPolicy:
    return CorsPolicy.from_configuration(configuration)


def preflight(origin: str, method: str = "POST", headers: str = "content-type") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": headers,
    }


def test_a_preflight_is_an_options_request_with_origin_and_requested_method() -> None:
    assert is_preflight("OPTIONS", preflight(SITE))
    assert not is_preflight("OPTIONS", {"origin": SITE})
    assert not is_preflight("POST", preflight(SITE))


def test_a_preflight_from_the_allowed_origin_gets_the_configured_headers(
    policy: CorsPolicy, configuration: dict[str, Any]
) -> None:
    headers = policy.preflight_headers(preflight(SITE, "PUT", "Content-Type, Idempotency-Key"))

    assert headers["Access-Control-Allow-Origin"] == SITE
    assert set(headers["Access-Control-Allow-Methods"].split(",")) >= {"GET", "POST", "PUT"}
    assert "idempotency-key" in headers["Access-Control-Allow-Headers"].split(",")
    assert headers["Access-Control-Max-Age"] == str(configuration["MaxAge"])
    assert headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    "request_headers",
    [
        preflight(FOREIGN),
        preflight(SITE, method="PATCH"),
        preflight(SITE, headers="content-type, x-secret"),
        preflight(SITE.replace("8080", "8081")),
    ],
)
def test_a_preflight_that_asks_for_anything_not_allowed_gets_no_cors_headers(
    policy: CorsPolicy, request_headers: dict[str, str]
) -> None:
    assert policy.preflight_headers(request_headers) == {}


def test_an_answer_to_the_allowed_origin_exposes_the_configured_headers(policy: CorsPolicy) -> None:
    headers = policy.response_headers(SITE)

    assert headers["Access-Control-Allow-Origin"] == SITE
    assert headers["Access-Control-Expose-Headers"].split(",") == [
        "etag",
        "location",
        "retry-after",
        "idempotent-replayed",
    ]


@pytest.mark.parametrize("origin", [FOREIGN, None])
def test_an_answer_to_another_origin_or_to_no_origin_gets_no_cors_headers(
    policy: CorsPolicy, origin: str | None
) -> None:
    assert policy.response_headers(origin) == {}


def test_a_wildcard_origin_allows_every_origin_without_vary() -> None:
    policy = CorsPolicy.from_configuration(
        {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
    )

    assert policy.response_headers(FOREIGN) == {"Access-Control-Allow-Origin": "*"}
    assert (
        policy.preflight_headers(preflight(FOREIGN, "DELETE", "x-anything"))["Access-Control-Allow-Origin"]
        == "*"
    )


def test_credentials_are_allowed_only_when_configured() -> None:
    policy = CorsPolicy.from_configuration({"AllowOrigins": [SITE], "AllowCredentials": True})

    assert policy.response_headers(SITE)["Access-Control-Allow-Credentials"] == "true"
