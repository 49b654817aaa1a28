import pytest

from blog import edge
from blog.edge import VIEWER_ADDRESS_HEADER, client_address, is_signed_by_iam
from tests.unit.test_rules import settings

EDGE_IP = "130.176.0.7"
CDN_ON = {"CDN_ENABLED": "true", "CDN_ORIGIN_SECRET": "arn:aws:secretsmanager:us-east-1:1:secret:origin"}


def event(headers=None, authorizer=None):
    context = {"http": {"sourceIp": EDGE_IP}}
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {"headers": headers or {}, "requestContext": context}


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ("198.51.100.10:46532", "198.51.100.10"),
        ("2001:db8::7:443", "2001:db8::7"),
        ("2001:DB8:0:0:0:0:0:7:443", "2001:db8::7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        (" 198.51.100.10:1 ", "198.51.100.10"),
    ],
)
def test_behind_the_cdn_the_client_is_the_viewer_cloudfront_saw(header, address):
    assert client_address(event({VIEWER_ADDRESS_HEADER: header}), settings(**CDN_ON)) == address


@pytest.mark.parametrize(
    "header", [None, "", "198.51.100.10", "not-an-address:443", "198.51.100.10:port", ":443"]
)
def test_without_a_readable_viewer_address_the_edge_server_stands_in(header):
    headers = {} if header is None else {VIEWER_ADDRESS_HEADER: header}

    assert client_address(event(headers), settings(**CDN_ON)) == EDGE_IP


def test_without_the_cdn_a_viewer_address_header_is_anyones_invention_and_ignored():
    assert client_address(event({VIEWER_ADDRESS_HEADER: "198.51.100.10:1"}), settings()) == EDGE_IP


def test_only_requests_api_gateway_checked_with_iam_count_as_signed():
    assert is_signed_by_iam(event(authorizer={"iam": {"userArn": "arn:aws:iam::1:user/operator"}}))
    assert not is_signed_by_iam(event())
    assert not is_signed_by_iam(event(headers={"authorization": "AWS4-HMAC-SHA256 forged"}))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"host": "api.example.org", "x-forwarded-proto": "https"}, "https://api.example.org"),
        ({"host": "127.0.0.1:3000", "x-forwarded-proto": "http"}, "http://127.0.0.1:3000"),
        ({"host": "[2001:db8::1]:8443"}, "https://[2001:db8::1]:8443"),
        ({"host": "evil.example\n"}, "https://abc.execute-api.eu-central-1.amazonaws.com"),
        ({"host": "evil.example/path?"}, "https://abc.execute-api.eu-central-1.amazonaws.com"),
        ({"host": "api.example.org", "x-forwarded-proto": "javascript"}, "https://api.example.org"),
        ({"host": "api.example.org", edge.VIEWER_HOST_HEADER: "blog.example.org"}, "https://api.example.org"),
    ],
)
def test_without_the_cdn_links_name_the_host_the_request_came_to(headers, expected):
    event = {
        "headers": headers,
        "requestContext": {"domainName": "abc.execute-api.eu-central-1.amazonaws.com"},
    }

    assert edge.public_base_url(event, settings(), public_api_url="") == expected


@pytest.mark.parametrize(
    ("viewer_host", "expected"),
    [
        ("blog.example.org", "https://blog.example.org"),
        ("d111111abcdef8.cloudfront.net", "https://d111111abcdef8.cloudfront.net"),
        ("evil.example/x?", "https://abc.execute-api.eu-central-1.amazonaws.com"),
        (None, "https://abc.execute-api.eu-central-1.amazonaws.com"),
    ],
)
def test_behind_the_cdn_links_name_the_host_the_reader_asked_cloudfront_for(viewer_host, expected):
    headers = {"host": "abc.execute-api.eu-central-1.amazonaws.com", "x-forwarded-proto": "https"}
    if viewer_host is not None:
        headers[edge.VIEWER_HOST_HEADER] = viewer_host
    event = {
        "headers": headers,
        "requestContext": {"domainName": "abc.execute-api.eu-central-1.amazonaws.com"},
    }

    assert edge.public_base_url(event, settings(**CDN_ON), public_api_url="") == expected


def test_the_public_api_url_decides_when_it_is_set():
    event = {
        "headers": {"host": "api.local", edge.VIEWER_HOST_HEADER: "blog.example.org"},
        "requestContext": {},
    }

    assert edge.public_base_url(event, settings(**CDN_ON), public_api_url="https://api.example.org/v1") == (
        "https://api.example.org/v1"
    )
