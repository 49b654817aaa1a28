"""DYNAMODB_ENDPOINT: serve uses another DynamoDB (here a moto server of the test's own, standing in
for DynamoDB Local or LocalStack), creates the table there when it is missing, loads the demo only
into that new table, and finds its data again on the next run. The signing secret stays in the
embedded moto server, so cursors work as with the embedded DynamoDB."""

import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.local_server import local_environment, run_local, start_server


@pytest.fixture
def other_dynamodb() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def run_serve_once(directory: Path, dynamodb_endpoint: str) -> tuple[list[str], str]:
    """Start serve on `dynamodb_endpoint`, list the posts, stop it: the slugs and its output."""
    directory.mkdir()
    server = start_server(
        directory, environment={**local_environment(), "DYNAMODB_ENDPOINT": dynamodb_endpoint}
    )
    try:
        slugs = [post["slug"] for post in server.request("GET", "/posts").json()["items"]]
        cursor = server.request("GET", "/posts?limit=1").json()["next_cursor"]
        assert server.request("GET", f"/posts?limit=1&cursor={cursor}").status == 200
    finally:
        assert server.stop() == 0
    return slugs, server.log()


def test_serve_keeps_its_data_in_another_dynamodb(tmp_path: Path, other_dynamodb: str) -> None:
    first_slugs, first_log = run_serve_once(tmp_path / "first", other_dynamodb)
    second_slugs, second_log = run_serve_once(tmp_path / "second", other_dynamodb)

    assert f"DynamoDB {other_dynamodb} from DYNAMODB_ENDPOINT, table blog-local" in first_log
    assert "Demo content loaded" in first_log
    assert "was there already: the demo content is not loaded again" in second_log
    assert first_slugs
    assert second_slugs == first_slugs
    tables = boto3.client(
        "dynamodb",
        endpoint_url=other_dynamodb,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).list_tables()["TableNames"]
    assert tables == ["blog-local"]
    secrets = boto3.client(
        "secretsmanager",
        endpoint_url=other_dynamodb,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).list_secrets()["SecretList"]
    assert secrets == [], "the secret is the embedded server's, not the other DynamoDB's"


def test_an_unreachable_dynamodb_endpoint_is_one_line_and_a_failed_exit() -> None:
    with socket.socket() as reserved:
        # Bound but not listening: a port where nothing answers, and which nothing else takes.
        reserved.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{reserved.getsockname()[1]}"
        finished = run_local(
            "serve", "--port", "0", "--site-port", "0", "--no-demo",
            environment={**local_environment(), "DYNAMODB_ENDPOINT": endpoint},
        )  # fmt: skip

    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr
    errors = finished.stderr.strip().splitlines()
    assert len(errors) == 1
    assert f"DYNAMODB_ENDPOINT={endpoint}" in errors[0]
    assert "Could not connect" in errors[0]
