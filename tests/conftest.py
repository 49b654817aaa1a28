"""Fixtures shared by every tier: the template, its settings, and a table built from it."""

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from blog import settings as blog_settings
from blog import store as blog_store
from blog.timestamps import format_timestamp as iso
from local.template import (
    FunctionDefinition,
    LocalStack,
    create_table_arguments,
    functions,
    http_routes,
    load_template,
    parameter_defaults,
)
from tests.inprocess import InProcessApi

TABLE_NAME = "blog-test"
TIER_MARKERS = {
    "unit": pytest.mark.unit,
    "template": pytest.mark.template,
    "integration": pytest.mark.integration,
    "api": pytest.mark.api,
    "browser": pytest.mark.browser,
    "fuzz": pytest.mark.fuzz,
    "build_output": pytest.mark.build,
    "bench": pytest.mark.bench,
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
def stack(template: dict[str, Any], parameter_overrides: dict[str, str]) -> LocalStack:
    parameters = {**parameter_defaults(template), **parameter_overrides}
    return LocalStack(parameters=parameters, physical_ids={"BlogTable": TABLE_NAME})


@pytest.fixture
def lambda_functions(template: dict[str, Any], stack: LocalStack) -> dict[str, FunctionDefinition]:
    return functions(template, stack)


def _forget_cached_configuration() -> None:
    blog_settings.get_settings.cache_clear()
    blog_settings.get_feed_settings.cache_clear()
    blog_store.dynamodb_client.cache_clear()


@pytest.fixture
def function_environment(
    monkeypatch: pytest.MonkeyPatch, lambda_functions: dict[str, FunctionDefinition]
) -> Iterator[dict[str, str]]:
    """The environment template.yaml gives the functions, with test credentials for moto."""
    # Every function's variables at once: the handlers run in this one process, and the variables a
    # function has of its own (the feeds') differ from no other function's.
    environment = {name: value for f in lambda_functions.values() for name, value in f.environment.items()}
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
    _forget_cached_configuration()
    yield environment
    _forget_cached_configuration()


@pytest.fixture
def dynamodb(function_environment: dict[str, str], template: dict[str, Any]) -> Iterator[Any]:
    """A moto DynamoDB with the table of template.yaml."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**create_table_arguments(template, TABLE_NAME))
        yield client


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
