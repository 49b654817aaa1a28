"""The AWS_IAM routes take only requests signed with SigV4 and the local credentials; anything else
is API Gateway's 403, and never reaches the function."""

from datetime import UTC, datetime, timedelta

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.local_server import LocalServer

POST = {
    "title": "Nur mit Unterschrift",
    "content": "Geheim – nicht wirklich.",
    "author": "Test",
    "category": "Tests",
    "published_at": "2026-01-01T08:00:00Z",
}
FORBIDDEN = {"message": "Forbidden"}
ADMIN_ROUTES = [
    ("PUT", "/posts/test-auth"),
    ("POST", "/posts/test-auth/close"),
    ("POST", "/posts/test-auth/reopen"),
    ("GET", "/comments?status=pending"),
    ("POST", "/posts/test-auth/comments/01M8AH5B3QH1RACN/approve"),
    ("POST", "/posts/test-auth/comments/01M8AH5B3QH1RACN/spam"),
    ("DELETE", "/posts/test-auth/comments/01M8AH5B3QH1RACN"),
    ("GET", "/admin/posts?status=draft"),
    ("GET", "/admin/posts/test-auth"),
    ("DELETE", "/posts/test-auth"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_an_unsigned_admin_request_is_forbidden(server: LocalServer, method: str, path: str) -> None:
    answer = server.request(method, path, json_body=POST if method == "PUT" else None)

    assert (answer.status, answer.json()) == (403, FORBIDDEN)


def test_a_signed_request_is_served(server: LocalServer) -> None:
    answer = server.request("PUT", "/posts/test-auth-signed", json_body=POST, signed=True)

    assert answer.status == 201


def test_a_request_signed_with_another_secret_is_forbidden(server: LocalServer) -> None:
    answer = server.request("PUT", "/posts/test-auth", json_body=POST, signed=True, secret_key="not-local")

    assert (answer.status, answer.json()) == (403, FORBIDDEN)
    assert "signature does not match" in server.log()


def test_a_signed_request_whose_body_was_changed_is_forbidden(server: LocalServer) -> None:
    url = f"{server.api_url}/posts/test-auth"
    signing = AWSRequest(
        method="PUT", url=url, data=b'{"title": "signed"}', headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1").add_auth(signing)

    answer = server.request(
        "PUT", "/posts/test-auth", body=b'{"title": "changed"}', headers=dict(signing.headers.items())
    )

    assert (answer.status, answer.json()) == (403, FORBIDDEN)


def test_a_stale_signature_is_forbidden_as_aws_does(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: an_hour_ago)

    answer = server.request("POST", "/posts/test-auth/close", signed=True)

    assert (answer.status, answer.json()) == (403, FORBIDDEN)
    assert "signature expired" in server.log()
