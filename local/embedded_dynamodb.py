"""The DynamoDB the local runtime uses: moto's server on a free loopback port, or another one.

`DYNAMODB_ENDPOINT=http://...` names another DynamoDB (DynamoDB Local, LocalStack); the table is
created there when it is missing. Either way the table has the keys, indexes and TTL of
template.yaml. moto's server runs either way: it is the Secrets Manager that holds the template's
secrets (local/secrets_manager.py), and with another DynamoDB it serves nothing else.
"""

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local.secrets_manager import ENDPOINT_VARIABLE as SECRETS_MANAGER_ENDPOINT_VARIABLE
from local.secrets_manager import create_secrets
from local.server import LOOPBACK, serving
from local.sigv4 import ACCESS_KEY, REGION, SECRET_KEY
from local.template import TABLE_RESOURCE, create_table_arguments, ttl_attribute

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from mypy_boto3_dynamodb import DynamoDBClient

ENDPOINT_VARIABLE = "DYNAMODB_ENDPOINT"
TABLE_NAME = "blog-local"


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

    @property
    def physical_ids(self) -> dict[str, str]:
        """What `!Ref` of the table and of each secret names locally."""
        return {TABLE_RESOURCE: self.table_name, **self.secret_arns}

    @property
    def endpoint_variables(self) -> dict[str, str]:
        """The environment variables that point the functions' AWS clients here, besides DynamoDB's."""
        return {SECRETS_MANAGER_ENDPOINT_VARIABLE: self.secrets_manager_endpoint}


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
    client.create_table(**create_table_arguments(template, table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    attribute = ttl_attribute(template)
    if attribute is not None:
        client.update_time_to_live(
            TableName=table_name, TimeToLiveSpecification={"AttributeName": attribute, "Enabled": True}
        )
    return True


@contextmanager
def local_dynamodb(template: Mapping[str, Any], table_name: str = TABLE_NAME) -> Iterator[LocalDynamoDB]:
    """The DynamoDB named by DYNAMODB_ENDPOINT, or moto's server, for as long as the block runs; and
    moto's server with the template's secrets either way."""
    external_endpoint = os.environ.get(ENDPOINT_VARIABLE)
    with embedded_dynamodb() as moto_endpoint:
        secret_arns = create_secrets(local_client("secretsmanager", moto_endpoint), template)
        endpoint = external_endpoint or moto_endpoint
        try:
            created = ensure_table(dynamodb_client(endpoint), template, table_name)
        except (BotoCoreError, ClientError, ValueError) as error:
            if not external_endpoint:
                raise
            reason = " ".join(str(error).split())
            raise DynamoDBUnreachable(
                f"cannot use the DynamoDB {ENDPOINT_VARIABLE}={endpoint}: {reason}"
            ) from None
        yield LocalDynamoDB(
            endpoint=endpoint,
            table_name=table_name,
            embedded=not external_endpoint,
            created_table=created,
            secrets_manager_endpoint=moto_endpoint,
            secret_arns=secret_arns,
        )


class _OneRequestAtATime:
    """Serve one request at a time, as DynamoDB applies each request atomically.

    moto does not: a transaction snapshots the whole table, applies its parts one by one, and on a
    failed condition puts the snapshot back, undoing any write that ran alongside it.
    """

    def __init__(self, application: "WSGIApplication") -> None:
        self._application = application
        self._lock = threading.Lock()

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> list[bytes]:
        with self._lock:
            return list(self._application(environ, start_response))


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
