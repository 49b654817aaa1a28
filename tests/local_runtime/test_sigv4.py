"""SigV4 on the AWS_IAM routes: what botocore signs with the local credentials verifies, and
nothing else does."""

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.sigv4 import SignatureRejected, Signer

HOST = "127.0.0.1:3000"
BODY = '{"title": "Grüße aus dem „Netzwerk“"}'.encode()


def signed(
    method: str = "PUT",
    path: str = "/posts/neu",
    query: str = "",
    body: bytes = BODY,
    *,
    secret: str = "local",  # noqa: S107 (the documented local credentials)
    access_key: str = "local",
    region: str = "us-east-1",
    service: str = "execute-api",
) -> dict[str, str]:
    url = f"http://{HOST}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access_key, secret), service, region).add_auth(request)
    return {"Host": HOST, **dict(request.headers.items())}


def verify(
    headers: Mapping[str, str],
    method: str = "PUT",
    path: str = "/posts/neu",
    query: str = "",
    body: bytes = BODY,
    now: datetime | None = None,
) -> None:
    Signer().verify(method, path, query, list(headers.items()), body, now=now or datetime.now(UTC))


def test_a_request_signed_with_the_local_credentials_verifies() -> None:
    verify(signed())


def test_the_query_string_and_extra_unsigned_headers_do_not_get_in_the_way() -> None:
    headers = {
        **signed("GET", "/comments", "status=pending&limit=5", b""),
        "User-Agent": "curl",
        "Accept": "*/*",
    }

    verify(headers, "GET", "/comments", "status=pending&limit=5", b"")


def test_signer_sign_produces_what_it_verifies() -> None:
    headers = Signer().sign("POST", f"http://{HOST}/posts/x/close", {}, b"")

    verify({"Host": HOST, **headers}, "POST", "/posts/x/close", body=b"")


# Signed when the test runs, not when pytest collects it: a signature is good for 15 minutes, and a
# whole suite can take longer than that before it reaches these.
@pytest.mark.parametrize(
    ("make_headers", "reason"),
    [
        (lambda: {"Host": HOST}, "no Authorization header"),
        (lambda: {**signed(), "Authorization": "Bearer token"}, "not AWS4-HMAC-SHA256"),
        (lambda: signed(secret="wrong"), "signature does not match"),
        (lambda: signed(access_key="AKIAIOSFODNN7EXAMPLE"), "unknown access key"),
        (lambda: signed(region="eu-central-1"), "credential scope"),
        (lambda: signed(service="lambda"), "credential scope"),
        (lambda: {k: v for k, v in signed().items() if k != "X-Amz-Date"}, "X-Amz-Date"),
    ],
    ids=["unsigned", "bearer", "wrong-secret", "unknown-key", "other-region", "other-service", "no-date"],
)
def test_anything_else_is_rejected(make_headers: Callable[[], dict[str, str]], reason: str) -> None:
    with pytest.raises(SignatureRejected, match=reason):
        verify(make_headers())


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("POST", "/posts/neu", "", BODY),
        ("PUT", "/posts/anders", "", BODY),
        ("PUT", "/posts/neu", "x=1", BODY),
        ("PUT", "/posts/neu", "", BODY + b" "),
    ],
)
def test_a_signature_does_not_carry_over_to_another_request(
    method: str, path: str, query: str, body: bytes
) -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(signed(), method, path, query, body)


def test_a_changed_signed_header_is_rejected() -> None:
    with pytest.raises(SignatureRejected, match="does not match"):
        verify({**signed(), "Content-Type": "text/plain"})


def test_a_declared_body_hash_must_match_the_body() -> None:
    headers = {**signed(), "X-Amz-Content-Sha256": "0" * 64}

    with pytest.raises(SignatureRejected, match="X-Amz-Content-Sha256"):
        verify(headers)


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16)])
def test_a_stale_or_future_signature_is_rejected_as_aws_does(offset: timedelta) -> None:
    with pytest.raises(SignatureRejected, match="expired"):
        verify(signed(), now=datetime.now(UTC) + offset)


def test_a_clock_a_few_minutes_off_is_tolerated() -> None:
    verify(signed(), now=datetime.now(UTC) + timedelta(minutes=4))
