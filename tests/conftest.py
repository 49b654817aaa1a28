"""Fixtures shared by every tier: the template, its settings, a table and secrets built from it, and
the local server the api, local_runtime and blogctl tiers speak to over HTTP."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from blog import keys as blog_keys
from blog import settings as blog_settings
from blog import store as blog_store
from blog.timestamps import format_timestamp as iso
from local.secrets_manager import create_secrets
from local.template import (
    FunctionDefinition,
    LocalDeployment,
    create_table_arguments,
    functions,
    http_routes,
    load_template,
    parameter_defaults,
)
from tests.inprocess import InProcessApi
from tests.local_server import LocalServer, start_server

TABLE_NAME = "blog-test"
TIER_MARKERS = {
    "unit": pytest.mark.unit,
    "template": pytest.mark.template,
    "integration": pytest.mark.integration,
    "api": pytest.mark.api,
    "local_runtime": pytest.mark.local_runtime,
    "blogctl": pytest.mark.blogctl,
    "browser": pytest.mark.browser,
    "fuzz": pytest.mark.fuzz,
    "build_output": pytest.mark.build,
    "bench": pytest.mark.bench,
    "openapi": pytest.mark.openapi,
}
"""Each folder of tests/ is a tier, and its tests carry its marker (`pytest -m unit`)."""
REGION = "us-east-1"


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one type, by logical id."""
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(tests_dir).parts[0]
        item.add_marker(TIER_MARKERS[tier])


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture
def parameter_overrides() -> dict[str, str]:
    """Template parameters a test sets differently from the defaults (override the fixture)."""
    return {}


@pytest.fixture
def stack(template: dict[str, Any], parameter_overrides: dict[str, str]) -> LocalDeployment:
    parameters = {**parameter_defaults(template), **parameter_overrides}
    return LocalDeployment(parameters=parameters, physical_ids={"BlogTable": TABLE_NAME})


@pytest.fixture
def lambda_functions(template: dict[str, Any], stack: LocalDeployment) -> dict[str, FunctionDefinition]:
    return functions(template, stack)


def forget_cached_configuration() -> None:
    """Make this process read its settings, clients and key ring again, as a new container would."""
    blog_settings.get_settings.cache_clear()
    blog_settings.get_feed_settings.cache_clear()
    blog_settings.get_notify_settings.cache_clear()
    blog_settings.get_action_page_settings.cache_clear()
    blog_store.dynamodb_client.cache_clear()
    blog_keys.key_ring.cache_clear()
    blog_keys.secrets_provider.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in place of every AWS service, for as long as the test runs."""
    with mock_aws():
        yield


@pytest.fixture
def secret_arns(aws: None, template: dict[str, Any]) -> dict[str, str]:
    """The template's secrets, created in moto as CloudFormation creates them; ARNs by logical id."""
    return create_secrets(boto3.client("secretsmanager", region_name=REGION), template)


@pytest.fixture
def function_environment(
    monkeypatch: pytest.MonkeyPatch,
    template: dict[str, Any],
    stack: LocalDeployment,
    secret_arns: dict[str, str],
) -> Iterator[dict[str, str]]:
    """The environment template.yaml gives the functions, with the secrets' ARNs and test
    credentials for moto. Every function's variables: the functions run in this one process."""
    with_secrets = replace(stack, physical_ids={**stack.physical_ids, **secret_arns})
    environment: dict[str, str] = {}
    for function in functions(template, with_secrets).values():
        environment.update(function.environment)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", raising=False)
    forget_cached_configuration()
    yield environment
    forget_cached_configuration()


@pytest.fixture
def dynamodb(function_environment: dict[str, str], template: dict[str, Any]) -> Any:
    """A moto DynamoDB with the table of template.yaml (and moto's Secrets Manager with its secrets)."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**create_table_arguments(template, TABLE_NAME))
    return client


@pytest.fixture
def api(
    dynamodb: Any, template: dict[str, Any], lambda_functions: dict[str, FunctionDefinition]
) -> InProcessApi:
    """The template's HTTP API, its handlers invoked in this process against moto."""
    return InProcessApi(http_routes(template), lambda_functions)


@pytest.fixture
def publish(api: InProcessApi) -> Callable[..., dict[str, Any]]:
    """Create a post through the admin route; returns the API's answer."""

    def publish_post(slug: str, *, days_ago: float = 1, **fields: Any) -> dict[str, Any]:
        post = {
            "title": f"Beitrag {slug}",
            "content": "Ein kurzer Text über „Netzwerke“ – mit Umlauten: äöüß.",
            "author": "Miriam Albers",
            "category": "Kooperation & Netzwerke",
            "tags": ["Ehrenamt"],
            "published_at": iso(datetime.now(UTC) - timedelta(days=days_ago)),
            "comments_open": True,
            **fields,
        }
        response = api.put(f"/posts/{slug}", json_body=post, signed=True)
        assert response.status in (200, 201), response.body
        answer: dict[str, Any] = response.json()
        return answer

    return publish_post


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """`python -m local serve` with the template's defaults and the demo content, for the session."""
    directory = tmp_path_factory.mktemp("serve")
    # The mail goes to pytest's folder, not to a temporary one left behind.
    running = start_server(directory, "--mail-dir", str(directory / "mail"))
    yield running
    assert running.stop() == 0
