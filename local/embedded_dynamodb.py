"""The DynamoDB the local runtime uses: moto's server on a free loopback port, or another one.

`DYNAMODB_ENDPOINT=http://...` names another DynamoDB (DynamoDB Local, LocalStack); the table is
created there when it is missing. Either way the table has the keys, indexes, TTL and stream of
template.yaml. moto's server runs either way: it is the Secrets Manager that holds the template's
secrets (local/secrets_manager.py) and the SES that takes the functions' mail (local/mail.py), and
with another DynamoDB it serves nothing else.
"""

import hashlib
import io
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local.secrets_manager import ENDPOINT_VARIABLE as SECRETS_MANAGER_ENDPOINT_VARIABLE
from local.secrets_manager import create_secrets
from local.server import LOOPBACK, serving
from local.sigv4 import ACCESS_KEY, REGION, SECRET_KEY
from local.template import TABLE_RESOURCE, create_table_arguments, stream_specification, ttl_attribute

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from mypy_boto3_dynamodb import DynamoDBClient

ENDPOINT_VARIABLE = "DYNAMODB_ENDPOINT"
TABLE_NAME = "blog-local"
SES_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SESV2"
"""Where botocore finds SES (v2): moto's server, with no branch in the functions' code."""


class DynamoDBUnreachable(Exception):
    """The DynamoDB that DYNAMODB_ENDPOINT names cannot be reached or refuses the local runtime."""


@dataclass(frozen=True)
class LocalDynamoDB:
    """Where the functions find their table."""

    endpoint: str
    table_name: str
    embedded: bool
    created_table: bool
    """False when the table was there already (another DynamoDB that keeps its data)."""
    secrets_manager_endpoint: str
    """moto's server, which holds the template's secrets."""
    secret_arns: dict[str, str]
    """Each secret's ARN, by logical id."""
    stream_arn: str | None = None
    """The table's stream, when the template declares one and the DynamoDB has it."""
    stream_missing: str | None = None
    """Why the table has no stream although the template declares one (a DynamoDB without streams)."""

    @property
    def moto_endpoint(self) -> str:
        """moto's server (Secrets Manager, SES), whichever DynamoDB the table is on."""
        return self.secrets_manager_endpoint

    @property
    def physical_ids(self) -> dict[str, str]:
        """What `!Ref` of the table and of each secret names locally."""
        return {TABLE_RESOURCE: self.table_name, **self.secret_arns}

    @property
    def endpoint_variables(self) -> dict[str, str]:
        """The environment variables that point the functions' AWS clients here, besides DynamoDB's."""
        return {
            SECRETS_MANAGER_ENDPOINT_VARIABLE: self.secrets_manager_endpoint,
            SES_ENDPOINT_VARIABLE: self.secrets_manager_endpoint,
        }


def dynamodb_client(endpoint: str) -> "DynamoDBClient":
    """A client of the DynamoDB at `endpoint`, with the fake local credentials."""
    return local_client("dynamodb", endpoint)


def local_client(service: str, endpoint: str) -> Any:
    """A client of `service` at `endpoint`, with the fake local credentials."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )


def ensure_table(client: "DynamoDBClient", template: Mapping[str, Any], table_name: str) -> bool:
    """Create the template's table unless it exists; True when it was created."""
    try:
        client.describe_table(TableName=table_name)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    else:
        return False
    # Created with its stream, as CloudFormation creates it: no write goes unrecorded.
    client.create_table(**create_table_arguments(template, table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    attribute = ttl_attribute(template)
    if attribute is not None:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True}
        )
    return True


def table_stream(
    client: "DynamoDBClient", template: Mapping[str, Any], table_name: str
) -> tuple[str | None, str | None]:
    """The table's stream ARN, enabling the stream the template declares on a table that was there
    without it; or None and the reason the DynamoDB cannot give it one."""
    wanted = stream_specification(template)
    if wanted is None:
        return None, None
    try:
        arn = client.describe_table(TableName=table_name)["Table"].get("LatestStreamArn")
        if arn is None:
            arn = client.update_table(TableName=table_name, StreamSpecification=cast("Any", wanted))[
                "TableDescription"
            ].get("LatestStreamArn")
    except (BotoCoreError, ClientError) as error:
        return None, " ".join(str(error).split())
    return (arn, None) if arn else (None, "the table has no stream after UpdateTable")


def forget_shard_iterators(iterators: Iterable[str]) -> None:
    """Drop shard iterators from the embedded moto: it keeps every one it hands out (about 2 KB
    each) for as long as it runs, and a stream read four times a second takes two a read."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    kept = dynamodbstreams_backends[DEFAULT_ACCOUNT_ID][REGION].shard_iterators
    for iterator in iterators:
        kept.pop(iterator, None)


@contextmanager
def local_dynamodb(template: Mapping[str, Any], table_name: str = TABLE_NAME) -> Iterator[LocalDynamoDB]:
    """The DynamoDB named by DYNAMODB_ENDPOINT, or moto's server, for as long as the block runs; and
    moto's server with the template's secrets either way."""
    external_endpoint = os.environ.get(ENDPOINT_VARIABLE)
    with embedded_dynamodb() as moto_endpoint:
        secret_arns = create_secrets(local_client("secretsmanager", moto_endpoint), template)
        endpoint = external_endpoint or moto_endpoint
        client = dynamodb_client(endpoint)
        try:
            created = ensure_table(client, template, table_name)
        except (BotoCoreError, ClientError, ValueError) as error:
            if not external_endpoint:
                raise
            reason = " ".join(str(error).split())
            raise DynamoDBUnreachable(
                f"cannot use the DynamoDB {ENDPOINT_VARIABLE}={endpoint}: {reason}"
            ) from None
        stream_arn, stream_missing = table_stream(client, template, table_name)
        yield LocalDynamoDB(
            endpoint=endpoint,
            table_name=table_name,
            embedded=not external_endpoint,
            created_table=created,
            secrets_manager_endpoint=moto_endpoint,
            secret_arns=secret_arns,
            stream_arn=stream_arn,
            stream_missing=stream_missing,
        )


_TRANSACT_WRITE_ITEMS = "DynamoDB_20120810.TransactWriteItems"
TOKEN_LIFETIME_SECONDS = 600
"""How long DynamoDB remembers a TransactWriteItems ClientRequestToken (10 minutes)."""


@dataclass(frozen=True)
class _Answered:
    request_digest: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    at: float


class _OneRequestAtATime:
    """Serve one request at a time, as DynamoDB applies each request atomically; and answer a
    transaction repeated with the same ClientRequestToken as DynamoDB does.

    moto does neither. A transaction snapshots the whole table, applies its parts one by one, and on
    a failed condition puts the snapshot back, undoing any write that ran alongside it. And moto
    ignores ClientRequestToken: when botocore retries a transaction that timed out after moto had
    applied it, moto applies it again (a comment's duplicate guard then refuses it, and the reader
    gets a 409 for a comment that is stored). DynamoDB answers the same token with the same
    request, within 10 minutes, as a success without writing again, and the same token with another
    request as IdempotentParameterMismatchException.
    """

    def __init__(self, application: "WSGIApplication", clock: Callable[[], float] = time.monotonic) -> None:
        self._application = application
        self._lock = threading.Lock()
        self._clock = clock
        self._answered: dict[str, _Answered] = {}

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> list[bytes]:
        with self._lock:
            if environ.get("HTTP_X_AMZ_TARGET") != _TRANSACT_WRITE_ITEMS:
                return list(self._application(environ, start_response))
            return self._transaction(environ, start_response)

    def _transaction(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body)
        except ValueError:
            request = {}
        token = request.pop("ClientRequestToken", None) if isinstance(request, dict) else None
        if not isinstance(token, str):
            return list(self._application(environ, start_response))
        now = self._clock()
        self._answered = {
            seen: answer
            for seen, answer in self._answered.items()
            if now - answer.at < TOKEN_LIFETIME_SECONDS
        }
        digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
        earlier = self._answered.get(token)
        if earlier is not None:
            if earlier.request_digest != digest:
                return _mismatch(start_response)
            start_response(earlier.status, earlier.headers)
            return [earlier.body]
        answer: dict[str, Any] = {}

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        chunks = list(self._application(environ, remember))
        if str(answer.get("status", "")).startswith("200"):
            self._answered[token] = _Answered(
                digest, answer["status"], answer["headers"], b"".join(chunks), now
            )
        return chunks


def _mismatch(start_response: "StartResponse") -> list[bytes]:
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
            "message": "The request uses the same client token as a previous, but non-identical request.",
        }
    ).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))],
    )
    return [body]


@contextmanager
def embedded_dynamodb() -> Iterator[str]:
    """moto's server on a free loopback port for as long as the block runs; its endpoint."""
    # moto's server app, as moto.server.ThreadedMotoServer serves it, but stopping within 0.1 s
    # where ThreadedMotoServer waits up to half a second: that is on the way of every invoke.
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # werkzeug would log every request moto serves.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    application = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(LOOPBACK, 0, application, threaded=True, request_handler=MotoRequestHandler)
    with serving(server) as endpoint:
        yield endpoint
