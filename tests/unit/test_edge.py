import pytest

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
