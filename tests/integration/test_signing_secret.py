"""The signing secret: a key ring that cursors and client hashes are keyed with (DESIGN.md, Secrets)."""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest

from blog import keys
from local.template import functions
from tests.conftest import REGION, TABLE_NAME

SECRET = "SigningSecret"


@pytest.fixture
def posts(publish):
    for n in range(3):
        publish(f"beitrag-{n}", days_ago=n + 1)


@pytest.fixture
def secrets_manager(secret_arns):
    return boto3.client("secretsmanager", region_name=REGION)


def key_ring(secrets_manager, secret_arns):
    return json.loads(secrets_manager.get_secret_value(SecretId=secret_arns[SECRET])["SecretString"])


def rotate(secrets_manager, secret_arns):
    """Add k2 and make it current, as docs/OPERATIONS.md says; a new container reads it."""
    ring = key_ring(secrets_manager, secret_arns)
    ring.update({"k2": secrets.token_urlsafe(48), "current": "k2"})
    secrets_manager.put_secret_value(SecretId=secret_arns[SECRET], SecretString=json.dumps(ring))
    keys.key_ring.cache_clear()


@pytest.fixture
def secret_reads(api):
    """How many times this process reads the secret from Secrets Manager, from now on."""
    reads = []
    keys.secrets_provider().client.meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: reads.append(1)
    )
    return reads


def first_page_cursor(api):
    return api.get("/posts", query={"limit": "1"}).json()["next_cursor"]


def test_the_template_generates_a_key_ring_whose_current_key_is_k1(secrets_manager, secret_arns):
    ring = key_ring(secrets_manager, secret_arns)

    assert ring["current"] == "k1"
    assert len(ring["k1"]) == 64
    assert ring["k1"].isalnum()


def test_a_cursor_carries_the_id_of_its_key(api, posts):
    assert first_page_cursor(api).startswith("k1.")


def test_cursors_of_the_old_key_still_work_after_a_rotation(api, posts, secrets_manager, secret_arns):
    old_cursor = first_page_cursor(api)

    rotate(secrets_manager, secret_arns)
    page = api.get("/posts", query={"limit": "1", "cursor": old_cursor})

    assert page.status == 200
    assert [post["slug"] for post in page.json()["items"]] == ["beitrag-1"]
    assert page.json()["next_cursor"].startswith("k2.")
    assert api.get("/posts", query={"limit": "1", "cursor": page.json()["next_cursor"]}).status == 200


def test_a_cursor_of_a_key_added_after_the_container_read_the_ring_is_read_again_once(
    api, posts, secrets_manager, secret_arns, secret_reads, monkeypatch
):
    assert first_page_cursor(api).startswith("k1.")
    # Another container reads the rotated ring and hands out a k2 cursor; this one still has k1 only.
    ring_of_this_container = keys.key_ring()
    rotate(secrets_manager, secret_arns)
    new_cursor = first_page_cursor(api)
    reads_before = len(secret_reads)
    with monkeypatch.context() as this_container:
        this_container.setattr(keys, "key_ring", lambda: ring_of_this_container)
        this_container.setattr(keys, "REFETCH_INTERVAL_SECONDS", 0)
        response = api.get("/posts", query={"limit": "1", "cursor": new_cursor})

    assert new_cursor.startswith("k2.")
    assert response.status == 200
    assert len(secret_reads) == reads_before + 1


def test_a_cursor_of_an_unknown_key_is_a_400_after_exactly_one_read(api, posts, secret_reads, monkeypatch):
    _, payload, signature = first_page_cursor(api).split(".")
    reads_before = len(secret_reads)
    monkeypatch.setattr(keys, "REFETCH_INTERVAL_SECONDS", 0)

    response = api.get("/posts", query={"limit": "1", "cursor": f"k7.{payload}.{signature}"})

    assert response.status == 400
    assert response.json()["type"] == "/problems/invalid-cursor"
    assert len(secret_reads) == reads_before + 1


def test_unknown_keys_read_the_secret_again_at_most_once_a_minute(api, posts, secret_reads):
    _, payload, signature = first_page_cursor(api).split(".")
    reads_before = len(secret_reads)

    for key_id in ("k7", "k8", "k9"):
        assert (
            api.get("/posts", query={"limit": "1", "cursor": f"{key_id}.{payload}.{signature}"}).status == 400
        )

    assert len(secret_reads) == reads_before


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_forged_cursors_are_a_400(api, posts):
    position = json.dumps({"published_at": "2099-01-01T00:00:00Z", "slug": "beitrag-0"}).encode()
    # The old SIGNING_KEY was the stack id's UUID, readable by anyone who may describe the stack.
    stack_uuid_key = b"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    old_signature = hmac.new(stack_uuid_key, b"posts\n" + position, "sha256").digest()[:16]
    old_style = f"{_b64(position)}.{_b64(old_signature)}"
    another_key = hmac.new(b"x" * 32, b"k1\nposts\n" + position, "sha256").digest()[:16]

    for forged in (old_style, f"k1.{_b64(position)}.{_b64(another_key)}"):
        response = api.get("/posts", query={"limit": "1", "cursor": forged})
        assert response.status == 400, forged
        assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.fixture
def one_rate_window(api, lambda_functions, monkeypatch):
    """Every comment of a test in the same minute, so that its counts are the rate limit's."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(lambda_functions["SubmitCommentFunction"].load_module(), "utc_now", lambda: noon)


def rate_counters(dynamodb):
    """The comments each client hash was counted for."""
    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]
    return {
        item["pk"]["S"].split("#")[1]: int(item["hits"]["N"]) for item in items if item["sk"]["S"] == "RATE"
    }


def submit(api, source_ip, n):
    return api.post(
        "/posts/beitrag-0/comments",
        json_body={"author_name": "Ada", "content": f"Kommentar {n}"},
        source_ip=source_ip,
    )


def test_the_client_hash_is_keyed_and_stays_the_same_across_a_rotation(
    api, posts, dynamodb, secrets_manager, secret_arns, one_rate_window
):
    address = "203.0.113.77"
    assert submit(api, address, 1).status == 201
    (client_hash,) = rate_counters(dynamodb)

    rotate(secrets_manager, secret_arns)
    assert submit(api, address, 2).status == 201

    assert client_hash not in {hashlib.sha256(address.encode()).hexdigest()[:32], address}
    assert rate_counters(dynamodb) == {client_hash: 2}


def test_addresses_of_one_ipv6_64_share_one_rate_limit(api, posts, dynamodb, one_rate_window):
    statuses = [submit(api, f"2001:db8:1234:5678::{n:x}", n).status for n in range(1, 11)]

    assert statuses == [201] * 3 + [429] * 7
    assert list(rate_counters(dynamodb).values()) == [3]


def test_ipv6_clients_of_another_64_and_ipv4_mapped_addresses_count_on_their_own(
    api, posts, dynamodb, one_rate_window
):
    assert submit(api, "2001:db8:1234:5678::1", 1).status == 201
    assert submit(api, "2001:db8:1234:5679::1", 2).status == 201
    assert submit(api, "198.51.100.7", 3).status == 201
    assert submit(api, "::ffff:198.51.100.7", 4).status == 201

    assert sorted(rate_counters(dynamodb).values()) == [1, 1, 2]


def test_the_functions_get_the_secrets_arn_and_never_its_value(
    template, stack, secret_arns, secrets_manager, function_environment
):
    ring = key_ring(secrets_manager, secret_arns)
    environments = [
        function.environment
        for function in functions(
            template, replace(stack, physical_ids={**stack.physical_ids, **secret_arns})
        ).values()
    ]

    assert all(ring["k1"] not in json.dumps(environment) for environment in environments)
    assert {environment.get("SIGNING_SECRET_ARN") for environment in environments} == {
        secret_arns[SECRET],
        None,
    }
    assert function_environment["SIGNING_SECRET_ARN"] == secret_arns[SECRET]


def test_a_secret_that_cannot_be_read_is_a_503_to_retry_not_a_500(
    api, posts, secrets_manager, secret_arns, logs
):
    secrets_manager.delete_secret(SecretId=secret_arns[SECRET], ForceDeleteWithoutRecovery=True)

    response = api.post("/posts/beitrag-0/comments", json_body={"author_name": "Ada", "content": "Hallo"})

    assert response.status == 503
    assert response.headers["retry-after"] == "1"
    assert SECRET not in response.body
    assert "ResourceNotFoundException" in logs.getvalue()
