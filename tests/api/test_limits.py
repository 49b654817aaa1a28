"""API Gateway's payload limit: over 10 MB is its 413, before any function sees the request."""

from tests.local_server import LocalServer

TEN_MB = 10 * 1024 * 1024


def test_a_body_over_10_mb_is_refused_by_the_gateway(server: LocalServer) -> None:
    answer = server.request(
        "POST",
        "/posts/willkommen-im-netzwerk-haselbacher-initiativen/comments",
        body=b"x" * (TEN_MB + 1),
        headers={"Content-Type": "application/json"},
    )

    assert (answer.status, answer.json()) == (413, {"message": "Request Entity Too Large"})
    assert "POST /posts/willkommen-im-netzwerk-haselbacher-initiativen/comments 413" in server.log()


def test_a_body_of_10_mb_reaches_the_function_which_applies_its_own_limit(server: LocalServer) -> None:
    answer = server.request(
        "POST",
        "/posts/willkommen-im-netzwerk-haselbacher-initiativen/comments",
        body=b"x" * TEN_MB,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 413
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/request-too-large"
