"""Every file in events/, handed to its function in this process on the demo blog: the answer
each is meant to give, as `sam local invoke` and `python -m local invoke` would show it."""

import json

import pytest

from local.demo import load_demo, read_posts, read_threads
from tests.event_files import EVENTS_DIR, EXPECTED_STATUS, SCHEDULED, function_for
from tests.inprocess import InProcessDemoClient, invoke


@pytest.fixture
def demo_blog(api, lambda_functions):
    load_demo(InProcessDemoClient(api), read_posts(), read_threads())
    return lambda_functions


def test_every_event_file_is_known_here():
    assert {path.name for path in EVENTS_DIR.glob("*.json")} == set(EXPECTED_STATUS) | SCHEDULED


@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_each_event_gets_its_answer(demo_blog, name):
    event_file = EVENTS_DIR / name

    response = invoke(demo_blog[function_for(event_file)], json.loads(event_file.read_text(encoding="utf-8")))

    assert response["statusCode"] == EXPECTED_STATUS[name], response.get("body")
    if response["statusCode"] >= 400:
        # A mail link answers with a page for people; the rest of the API with a problem.
        html = event_file.name.startswith("mail_action")
        expected = "text/html; charset=utf-8" if html else "application/problem+json"
        assert response["headers"]["Content-Type"] == expected


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "30"}])
def test_the_schedule_event_runs_the_daily_job(demo_blog, parameter_overrides):
    event_file = EVENTS_DIR / "auto_close.json"

    result = invoke(demo_blog[function_for(event_file)], json.loads(event_file.read_text(encoding="utf-8")))

    assert result["closed"], "the demo has posts older than 30 days with open threads"
