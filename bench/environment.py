"""What every part of the bench runs against: moto's server (started once for the run), tables with
the keys and indexes of template.yaml, and the template's functions invoked in this process.
"""

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.inprocess import CallRecorder, InProcessApi
from blog import settings as blog_settings
from blog import store as blog_store
from local.embedded_dynamodb import LocalDynamoDB, dynamodb_client, ensure_table, local_client
from local.secrets_manager import create_secrets
from local.template import (
    TABLE_RESOURCE,
    FunctionDefinition,
    LocalDeployment,
    functions,
    http_routes,
    parameter_defaults,
)
from local.workers import lambda_environment

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SERVER_SCRIPT = Path(__file__).with_name("dynamodb_server.py")
MAIN_TABLE = "bench-blog"
PARAMETER_OVERRIDES = {
    # The bench sends many comments from few addresses; the limit itself is not what it measures.
    "CommentsPerMinutePerClient": "1000",
}
# The variables the functions run with that are not the template's: where DynamoDB is, and fake
# credentials that never reach an AWS account.
_ISOLATION = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED")
_AWS = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


@dataclass
class BenchEnvironment:
    """The database, the functions, and the API in this process."""

    template: Mapping[str, Any]
    database: LocalDynamoDB
    functions: dict[str, FunctionDefinition]
    api: InProcessApi
    recorder: CallRecorder
    admin: "DynamoDBClient"
    """A client of the bench's own, for what the bench does behind the API's back (setup)."""

    def environment_of(self, function: FunctionDefinition) -> dict[str, str]:
        """The environment a fresh process of `function` runs with, as on Lambda."""
        return {
            **lambda_environment(function, dynamodb_endpoint=self.database.endpoint),
            **self.database.endpoint_variables,
        }

    @contextmanager
    def table(self, name: str) -> Iterator[None]:
        """A scratch table `name` (the template's keys and indexes), which the functions in this
        process use while the block runs; deleted afterwards."""
        ensure_table(self.admin, self.template, name)
        try:
            previous = os.environ["TABLE_NAME"]
            _use_table(name)
            try:
                yield
            finally:
                _use_table(previous)
        finally:
            self.admin.delete_table(TableName=name)


def stack(
    template: Mapping[str, Any], table: str, secret_arns: Mapping[str, str] | None = None
) -> LocalDeployment:
    """The stack the bench runs the template's functions in: its parameters with
    PARAMETER_OVERRIDES, `table` as the blog's table, and the secrets' ARNs."""
    return LocalDeployment(
        parameters={**parameter_defaults(template), **PARAMETER_OVERRIDES},
        physical_ids={TABLE_RESOURCE: table, **(secret_arns or {})},
    )


def _use_table(name: str) -> None:
    os.environ["TABLE_NAME"] = name
    blog_settings.get_settings.cache_clear()


@contextmanager
def dynamodb_server(template: Mapping[str, Any]) -> Iterator[LocalDynamoDB]:
    """moto's server in a process of its own (bench/dynamodb_server.py), with the main table and
    the template's secrets."""
    process = subprocess.Popen(  # noqa: S603 (this interpreter, this project's script)
        [sys.executable, str(SERVER_SCRIPT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        if not endpoint.startswith("http://"):
            raise RuntimeError("the bench's DynamoDB did not start")
        ensure_table(dynamodb_client(endpoint), template, MAIN_TABLE)
        yield LocalDynamoDB(
            endpoint=endpoint,
            table_name=MAIN_TABLE,
            embedded=True,
            created_table=True,
            secrets_manager_endpoint=endpoint,
            secret_arns=create_secrets(local_client("secretsmanager", endpoint), template),
        )
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def bench_environment(template: Mapping[str, Any]) -> Iterator[BenchEnvironment]:
    """Start the bench's DynamoDB and point the functions at it."""
    saved = dict(os.environ)
    with dynamodb_server(template) as database:
        lambda_functions = functions(template, stack(template, database.table_name, database.secret_arns))
        some_function = next(iter(lambda_functions.values()))
        lambda_env = lambda_environment(some_function, dynamodb_endpoint=database.endpoint)
        # Every function's variables: they run in this one process (the feeds have settings of their own).
        for function in lambda_functions.values():
            os.environ.update(function.environment)
        os.environ.update({name: lambda_env[name] for name in (*_AWS, *_ISOLATION)})
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = database.endpoint
        os.environ.update(database.endpoint_variables)
        blog_settings.get_settings.cache_clear()
        blog_settings.get_feed_settings.cache_clear()
        blog_store.dynamodb_client.cache_clear()
        recorder = CallRecorder()
        recorder.attach(blog_store.dynamodb_client())
        api = InProcessApi(http_routes(template), lambda_functions)
        try:
            yield BenchEnvironment(
                template=template,
                database=database,
                functions=lambda_functions,
                api=api,
                recorder=recorder,
                admin=dynamodb_client(database.endpoint),
            )
        finally:
            api.close()
            os.environ.clear()
            os.environ.update(saved)
            blog_settings.get_settings.cache_clear()
            blog_settings.get_feed_settings.cache_clear()
            blog_store.dynamodb_client.cache_clear()
