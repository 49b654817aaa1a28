"""The API behind its CDN (CdnEnabled): public requests that bypass CloudFront are refused, the
reader's address comes from CloudFront, and with the CDN off nothing of it applies."""

from collections.abc import Iterator
from typing import Any

import boto3
import feedparser  # type: ignore[import-untyped]
import pytest
from aws_lambda_powertools.utilities import parameters

from blog import edge
from local.template import http_routes
from tests.cloudfront import UNCACHED_GET_ROUTES, behavior_for, cache_key, forwarded_headers, sample_path
from tests.conftest import REGION

CDN_ON = {"CdnEnabled": "true"}
ORIGIN_SECRET_ID = "CdnOriginSecret"
"""What `!Ref CdnOriginSecret` resolves to locally (in AWS: the secret's ARN)."""
ORIGIN_VALUE = "s3cr3t-origin-header-value-of-sixty-four-characters-or-so-0123456"
EDGE_IP = "130.176.0.7"
"""One CloudFront edge server: API Gateway's source IP of everything CloudFront forwards."""
ADA = {"author_name": "Ada", "content": "Schöner Beitrag – danke!"}


def _forget_the_origin_secret() -> None:
    parameters.clear_caches()
    edge._fetched_at.clear()


@pytest.fixture
def origin_secret(dynamodb: Any) -> Iterator[Any]:
    """The CDN's origin secret in moto's Secrets Manager (created from the template, as every secret
    of it is), with a value the test knows; the functions read it afresh."""
    client = boto3.client("secretsmanager", region_name=REGION)
    client.put_secret_value(SecretId=ORIGIN_SECRET_ID, SecretString=ORIGIN_VALUE)
    _forget_the_origin_secret()
    yield client
    _forget_the_origin_secret()


def through_cdn(viewer: str = "198.51.100.10:46532", **headers: str) -> dict[str, str]:
    """The headers CloudFront adds to a request it forwards."""
    return {edge.ORIGIN_HEADER: ORIGIN_VALUE, edge.VIEWER_ADDRESS_HEADER: viewer, **headers}


def comment(api, viewer: str, text: str, *, source_ip: str = EDGE_IP):
    body = {"author_name": "Ada", "content": text}
    return api.post(
        "/posts/sommerfest/comments", json_body=body, source_ip=source_ip, headers=through_cdn(viewer)
    )


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {edge.ORIGIN_HEADER: "guessed"},
        {edge.ORIGIN_HEADER: ""},
        {edge.VIEWER_ADDRESS_HEADER: "1.2.3.4:1"},
    ],
    ids=["no-header", "wrong-value", "empty-value", "viewer-address-alone"],
)
def test_with_the_cdn_on_a_public_request_around_it_is_a_403_problem(
    api, publish, origin_secret, parameter_overrides, headers
):
    publish("sommerfest")

    for method, path in [
        ("GET", "/posts"),
        ("GET", "/posts/sommerfest"),
        ("POST", "/posts/sommerfest/comments"),
    ]:
        body = ADA if method == "POST" else None
        refused = api.request(method, path, json_body=body, headers=headers)

        assert refused.status == 403, path
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["cache-control"] == "no-store"
        assert refused.json()["type"] == "/problems/not-through-cdn"
    assert api.get("/posts/sommerfest", headers=through_cdn()).json()["comment_count"] == 0


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_with_the_cdn_on_requests_through_it_are_served(api, publish, origin_secret, parameter_overrides):
    publish("sommerfest")

    assert api.get("/posts", headers=through_cdn()).status == 200
    assert api.get("/posts/sommerfest", headers=through_cdn()).status == 200
    assert api.get("/openapi.json", headers=through_cdn()).status == 200
    assert comment(api, "198.51.100.10:46532", "Hallo").status == 201


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_admin_routes_are_reached_signed_on_the_api_url_without_the_cdn(
    api, publish, origin_secret, parameter_overrides
):
    publish("sommerfest")

    assert api.post("/posts/sommerfest/close", signed=True).status == 200
    assert api.get("/comments?status=pending", signed=True).status == 200


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_two_readers_behind_one_edge_server_are_two_clients_for_the_rate_limit(
    api, publish, origin_secret, parameter_overrides
):
    publish("sommerfest")
    for n in range(3):
        assert comment(api, "198.51.100.10:46532", f"Kommentar {n}").status == 201

    assert comment(api, "198.51.100.10:50000", "Kommentar 4").status == 429  # same reader, new port
    assert comment(api, "2001:db8::7:443", "Andere Leserin").status == 201
    assert comment(api, "[2001:db8::8]:443", "Noch eine").status == 201


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_a_rotated_origin_secret_is_read_again_at_most_every_few_minutes(
    api, publish, origin_secret, parameter_overrides, monkeypatch
):
    publish("sommerfest")
    assert api.get("/posts", headers=through_cdn()).status == 200
    origin_secret.put_secret_value(SecretId=ORIGIN_SECRET_ID, SecretString="rotated-value")
    rotated = {edge.ORIGIN_HEADER: "rotated-value"}

    assert api.get("/posts", headers=rotated).status == 403  # read a moment ago: not again yet
    monkeypatch.setattr(edge, "REFETCH_INTERVAL_SECONDS", 0)
    assert api.get("/posts", headers=rotated).status == 200
    assert api.get("/posts", headers=through_cdn()).status == 403


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_an_unreadable_origin_secret_is_a_503_to_retry_never_a_500(api, dynamodb, parameter_overrides):
    boto3.client("secretsmanager", region_name=REGION).delete_secret(
        SecretId=ORIGIN_SECRET_ID, ForceDeleteWithoutRecovery=True
    )
    _forget_the_origin_secret()

    answer = api.get("/posts", headers=through_cdn())

    assert answer.status == 503
    assert answer.json()["type"] == "/problems/service-unavailable"
    assert "retry-after" in answer.headers
    _forget_the_origin_secret()


def test_with_the_cdn_off_nothing_changes_and_cloudfronts_headers_are_not_believed(api, publish):
    publish("sommerfest")
    forged = {edge.ORIGIN_HEADER: "anything"}

    assert api.get("/posts").status == 200
    for n in range(3):
        viewer = f"198.51.100.{n}:443"  # a client inventing a new address each time
        answer = api.post(
            "/posts/sommerfest/comments",
            json_body={"author_name": "Ada", "content": f"Kommentar {n}"},
            headers={**forged, edge.VIEWER_ADDRESS_HEADER: viewer},
        )
        assert answer.status == 201
    again = api.post(
        "/posts/sommerfest/comments",
        json_body={"author_name": "Ada", "content": "Kommentar 4"},
        headers={edge.VIEWER_ADDRESS_HEADER: "203.0.113.1:443"},
    )
    assert again.status == 429


def _declared(operation: dict[str, Any], location: str) -> set[str]:
    return {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == location}


def test_the_cdn_keys_each_cached_route_on_the_query_strings_its_handler_declares(api, template):
    document = api.get("/openapi.json").json()
    public = [route for route in http_routes(template) if not route.iam_auth]

    for route in public:
        operation = document["paths"][route.path][route.method.lower()]
        behavior = behavior_for(template, sample_path(route.path))
        if route.method == "GET" and route.route_key not in UNCACHED_GET_ROUTES:
            key = cache_key(template, behavior)
            assert key is not None, route.route_key
            assert {name.lower() for name in key["query_strings"]} == _declared(operation, "query"), (
                route.route_key
            )
        # Every header the handler reads reaches it (If-None-Match is CloudFront's own business).
        assert _declared(operation, "header") - {"if-none-match"} <= forwarded_headers(template, behavior)


def self_link(response) -> str:
    (link,) = [
        link.href for link in feedparser.parse(response.body.encode()).feed.links if link.rel == "self"
    ]
    return link


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_behind_the_cdn_a_feeds_self_link_names_the_host_the_reader_asked_for(
    api, publish, origin_secret, parameter_overrides
):
    publish("sommerfest", category="Feste & Feiern")
    headers = through_cdn(**{edge.VIEWER_HOST_HEADER: "blog.example.org"})

    feed = api.get("/feed.rss", query={"category": "Feste & Feiern"}, headers=headers)
    comments = api.get("/posts/sommerfest/comments.atom", headers=headers)
    # CloudFront's function sets the header from Host; a value that is no host is not believed.
    forged = api.get("/comments.atom", headers=through_cdn(**{edge.VIEWER_HOST_HEADER: "evil.example/x?"}))

    assert self_link(feed) == "https://blog.example.org/feed.rss?category=Feste%20%26%20Feiern"
    assert self_link(comments) == "https://blog.example.org/posts/sommerfest/comments.atom"
    assert self_link(forged) == "https://api.local/comments.atom"


@pytest.mark.parametrize("parameter_overrides", [{**CDN_ON, "PublicApiUrl": "https://api.example.org"}])
def test_behind_the_cdn_the_public_api_url_decides_the_self_link(
    api, publish, origin_secret, parameter_overrides
):
    headers = through_cdn(**{edge.VIEWER_HOST_HEADER: "blog.example.org"})

    assert self_link(api.get("/feed.atom", headers=headers)) == "https://api.example.org/feed.atom"


@pytest.mark.parametrize("parameter_overrides", [CDN_ON])
def test_with_the_cdn_on_a_mail_link_is_answered_around_it(api, publish, origin_secret, parameter_overrides):
    # Mail links lead to the API itself, never through CloudFront, whose logs would record the token.
    from datetime import UTC, datetime

    from blog.action_tokens import MailAction, issue_action_token

    publish("sommerfest")
    held = "Gehalten: https://a.example https://b.example https://c.example"
    comment_id = comment(api, "198.51.100.10:46532", held).json()["id"]
    link = "/actions/" + issue_action_token(
        MailAction.APPROVE, "sommerfest", comment_id, now=datetime.now(UTC)
    )

    assert api.get(link).status == 200
    assert api.post(link).status == 200
    assert api.get("/posts/sommerfest", headers=through_cdn()).json()["comment_count"] == 1
