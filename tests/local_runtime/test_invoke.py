"""`python -m local invoke` with every file in events/, as `sam local invoke` would run them: the
response on stdout, the function's log on stderr, and a non-zero exit when the function raised."""

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from local.api import local_mail_links
from local.invoke import env_var_overrides
from local.template import FunctionDefinition
from tests.event_files import EVENTS_DIR, EXPECTED_STATUS, SCHEDULED, function_for
from tests.local_server import LocalServer, local_environment, run_local


def invoke(
    function: str, event_file: Path, *options: str, dynamodb_endpoint: str | None = None
) -> tuple[int, Any, str]:
    """Invoke as people do: on the embedded DynamoDB with the demo blog, or on DYNAMODB_ENDPOINT."""
    environment = local_environment()
    if dynamodb_endpoint is not None:
        environment["DYNAMODB_ENDPOINT"] = dynamodb_endpoint
    finished = run_local("invoke", function, "-e", str(event_file), *options, environment=environment)
    return finished.returncode, json.loads(finished.stdout), finished.stderr


@pytest.fixture(scope="module")
def shared_dynamodb(server: LocalServer) -> str:
    """The DynamoDB of the session's server, with the demo blog: for invokes that change nothing in it."""
    found = re.search(r"^DynamoDB (\S+) embedded", server.log(), re.MULTILINE)
    assert found is not None
    return found[1]


def test_every_function_has_an_event(lambda_functions: dict[str, FunctionDefinition]) -> None:
    covered = {function_for(EVENTS_DIR / name) for name in [*EXPECTED_STATUS, *SCHEDULED]}

    for function in lambda_functions.values():
        assert {function.logical_id, function.folder_name} & covered, function.logical_id


@pytest.fixture(scope="module")
def event_results() -> dict[str, tuple[int, Any, str]]:
    """Each event file invoked on a fresh embedded DynamoDB with the demo blog, a few side by side:
    an invoke is mostly CPU spent starting functions."""
    names = sorted(EXPECTED_STATUS)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = pool.map(lambda name: invoke(function_for(EVENTS_DIR / name), EVENTS_DIR / name), names)
        return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_each_event_works_against_the_demo_blog(
    name: str, event_results: dict[str, tuple[int, Any, str]]
) -> None:
    status, response, log = event_results[name]

    assert status == 0, log
    assert response["statusCode"] == EXPECTED_STATUS[name], response
    if response["statusCode"] >= 400 and response["headers"]["Content-Type"].startswith("text/html"):
        # A mail link's page: its error is a page too, headed by the status.
        phrase = HTTPStatus(response["statusCode"]).phrase
        assert f"<h1>{response['statusCode']} {phrase}</h1>" in response["body"]
    elif response["statusCode"] >= 400:
        assert json.loads(response["body"])["status"] == response["statusCode"]


def test_the_scheduled_job_closes_nothing_without_an_age_limit(shared_dynamodb: str) -> None:
    status, response, _ = invoke(
        "auto_close", EVENTS_DIR / "auto_close.json", dynamodb_endpoint=shared_dynamodb
    )

    assert (status, response) == (0, {"closed": []})


def test_the_stream_event_mails_the_owner_and_asks_the_reader_to_confirm(tmp_path: Path) -> None:
    status, response, log = invoke("notify", EVENTS_DIR / "notify.json", "--mail-dir", str(tmp_path))

    assert (status, response) == (0, {"batchItemFailures": []}), log
    subjects = dict(re.findall(r"^MAIL (\S+) (.+)$", log, re.MULTILINE))
    assert subjects["owner@example.org"].startswith("[Blog] Neuer Kommentar wartet auf Freigabe")
    assert subjects["jana@example.org"].startswith("[Blog] Bitte bestätigen")
    assert f"Mail {tmp_path}" in log.splitlines()
    saved = sorted(tmp_path.glob("*.eml"))
    assert len(saved) == 2
    # The links reach the local API where `make run` serves it, not a CDN or execute-api host.
    for mail in saved:
        links = re.findall(rb"https?://[^\s\"<>]+/actions/", mail.read_bytes())
        assert links, mail.name
        assert set(links) == {b"http://127.0.0.1:3000/actions/"}, mail.name


def test_a_parameter_override_reaches_the_function() -> None:
    status, response, _ = invoke(
        "AutoCloseFunction",
        EVENTS_DIR / "auto_close.json",
        "--parameter-overrides",
        "CloseCommentsAfterDays=180",
    )

    assert status == 0
    assert "willkommen-im-netzwerk-haselbacher-initiativen" in response["closed"]
    assert "rueckblick-auf-das-nachbarschaftsfest-2026" not in response["closed"], (
        "closed by the demo already"
    )


def test_env_vars_override_what_the_template_declares(tmp_path: Path, shared_dynamodb: str) -> None:
    env_vars = tmp_path / "env.json"
    env_vars.write_text(
        json.dumps(
            {
                "Parameters": {"CACHE_MAX_AGE_SECONDS": 11, "POWERTOOLS_SERVICE_NAME": "blog-env-vars"},
                "ListPostsFunction": {"CACHE_MAX_AGE_SECONDS": 7, "NOT_DECLARED": "x"},
            }
        ),
        encoding="utf-8",
    )

    _, response, log = invoke(
        "ListPostsFunction",
        EVENTS_DIR / "list_posts.json",
        "--env-vars",
        str(env_vars),
        dynamodb_endpoint=shared_dynamodb,
    )

    assert response["headers"]["Cache-Control"] == "public, max-age=7"
    assert '"service":"blog-env-vars"' in log


def test_env_vars_leave_undeclared_variables_out(lambda_functions: dict[str, FunctionDefinition]) -> None:
    function = lambda_functions["ListPostsFunction"]

    overrides = env_var_overrides(
        {"ListPostsFunction": {"NOT_DECLARED": "x", "TABLE_NAME": "other"}}, function
    )

    assert overrides == {"TABLE_NAME": "other"}


def test_a_function_that_raises_exits_non_zero_with_lambdas_error(
    tmp_path: Path, shared_dynamodb: str
) -> None:
    not_an_http_event = tmp_path / "empty.json"
    not_an_http_event.write_text("{}", encoding="utf-8")

    status, error, log = invoke("list_posts", not_an_http_event, dynamodb_endpoint=shared_dynamodb)

    assert status == 1
    assert error["errorType"] == "KeyError"
    assert error["stackTrace"]
    assert "[ERROR] KeyError" in log


def test_an_unknown_function_is_a_usage_error() -> None:
    finished = run_local("invoke", "NoSuchFunction", "-e", str(EVENTS_DIR / "list_posts.json"))

    assert finished.returncode == 2
    assert "GetPostFunction (get_post)" in finished.stderr


@pytest.mark.parametrize(
    ("template_value", "public_api_url", "expected"),
    [
        ("https://BlogApi.execute-api.us-east-1.amazonaws.com", "", "http://127.0.0.1:3000"),
        ("https://api.example.org", "https://api.example.org", "https://api.example.org"),
        # With the CDN on the template may name the API's own URL even when PublicApiUrl is set.
        (
            "https://BlogApi.execute-api.us-east-1.amazonaws.com",
            "https://blog.example.org",
            "http://127.0.0.1:3000",
        ),
    ],
)
def test_mail_links_name_the_local_api_unless_they_are_the_public_api_url_given(
    lambda_functions: dict[str, FunctionDefinition], template_value: str, public_api_url: str, expected: str
) -> None:
    notify = lambda_functions["NotifyFunction"]
    notify = replace(notify, environment={**notify.environment, "MAIL_LINK_BASE_URL": template_value})
    parameters = {"PublicApiUrl": public_api_url}

    links = {**notify.environment, **local_mail_links(notify, parameters, "http://127.0.0.1:3000")}

    assert links["MAIL_LINK_BASE_URL"] == expected
    assert local_mail_links(lambda_functions["ListPostsFunction"], parameters, "http://127.0.0.1:3000") == {}
