"""CORS over HTTP as an API Gateway HTTP API answers it: the configured origin gets the configured
headers, preflights never reach a function, and a foreign origin gets no CORS headers at all."""

from email.message import Message
from typing import Any

import pytest

from tests.local_server import SITE_ORIGIN, LocalServer

FOREIGN = "https://evil.example"


def cors_headers(headers: Message) -> dict[str, str]:
    return {
        name.lower(): value for name, value in headers.items() if name.lower().startswith("access-control-")
    }


def preflight(
    server: LocalServer, origin: str, method: str = "POST", headers: str = "content-type"
) -> Message:
    answer = server.request(
        "OPTIONS",
        "/posts/willkommen-im-netzwerk-haselbacher-initiativen/comments",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )
    assert answer.status == 204
    assert answer.body == b""
    return answer.headers


def test_a_preflight_from_the_site_is_allowed(server: LocalServer, template: dict[str, Any]) -> None:
    max_age = template["Resources"]["BlogApi"]["Properties"]["CorsConfiguration"]["MaxAge"]

    headers = cors_headers(preflight(server, SITE_ORIGIN, "POST", "content-type,idempotency-key"))

    assert headers["access-control-allow-origin"] == SITE_ORIGIN
    assert "POST" in headers["access-control-allow-methods"].split(",")
    assert {"content-type", "idempotency-key"} <= set(headers["access-control-allow-headers"].split(","))
    assert headers["access-control-max-age"] == str(max_age)


def test_an_admin_preflight_allows_the_signing_headers(server: LocalServer) -> None:
    headers = cors_headers(preflight(server, SITE_ORIGIN, "PUT", "authorization,x-amz-date,content-type"))

    assert headers["access-control-allow-origin"] == SITE_ORIGIN


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        (FOREIGN, "POST", "content-type"),
        (SITE_ORIGIN, "PATCH", "content-type"),
        (SITE_ORIGIN, "POST", "x-custom"),
    ],
)
def test_a_preflight_asking_for_what_is_not_allowed_gets_no_cors_headers(
    server: LocalServer, origin: str, method: str, headers: str
) -> None:
    assert cors_headers(preflight(server, origin, method, headers)) == {}


def test_a_preflight_never_reaches_a_function(server: LocalServer) -> None:
    preflight(server, SITE_ORIGIN, "POST", "content-type")

    line = [line for line in server.log().splitlines() if line.startswith("OPTIONS ")][-1]
    assert line.endswith("(CORS preflight)")
    assert "Function" not in line


def test_an_answer_to_the_site_carries_its_cors_headers(server: LocalServer) -> None:
    answer = server.request("GET", "/posts?limit=1", headers={"Origin": SITE_ORIGIN})

    headers = cors_headers(answer.headers)
    assert headers["access-control-allow-origin"] == SITE_ORIGIN
    assert {"etag", "location", "retry-after"} <= set(headers["access-control-expose-headers"].split(","))


def test_an_answer_to_a_foreign_origin_carries_none(server: LocalServer) -> None:
    answer = server.request("GET", "/posts?limit=1", headers={"Origin": FOREIGN})

    assert answer.status == 200
    assert cors_headers(answer.headers) == {}


def test_the_gateways_own_errors_carry_cors_headers_for_the_site(server: LocalServer) -> None:
    answer = server.request("PUT", "/posts/unsigniert", json_body={}, headers={"Origin": SITE_ORIGIN})

    assert answer.status == 403
    assert cors_headers(answer.headers)["access-control-allow-origin"] == SITE_ORIGIN
