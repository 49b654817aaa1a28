"""The daily job: threads of posts older than CloseCommentsAfterDays close, and only those."""

import json

import pytest

from tests.event_files import EVENTS_DIR
from tests.inprocess import invoke

SCHEDULED_EVENT = json.loads((EVENTS_DIR / "auto_close.json").read_text(encoding="utf-8"))
"""The EventBridge schedule's event, as in events/ (the job reads nothing of it)."""


@pytest.fixture
def run_job(api, lambda_functions):
    def run():
        return invoke(lambda_functions["AutoCloseFunction"], SCHEDULED_EVENT)["closed"]

    return run


def state(api, slug):
    return api.get(f"/posts/{slug}").json()["comments_open"]


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "7"}])
def test_the_job_closes_only_threads_past_the_age_limit(api, publish, run_job, parameter_overrides, capsys):
    publish("alt-offen", days_ago=8)
    publish("sehr-alt-offen", days_ago=400)
    publish("jung", days_ago=6)
    publish("alt-geschlossen", days_ago=9, comments_open=False)
    closed_before = api.post("/posts/alt-geschlossen/close", signed=True).json()["closed_at"]
    draft = api.put(
        "/posts/entwurf",
        json_body={"title": "T", "content": "C", "author": "A", "category": "K"},
        signed=True,
    )
    assert draft.status == 201, draft.body
    capsys.readouterr()

    closed = run_job()

    assert sorted(closed) == ["alt-offen", "sehr-alt-offen"]
    assert state(api, "alt-offen") is False
    assert state(api, "sehr-alt-offen") is False
    assert state(api, "jung") is True
    assert api.post("/posts/alt-geschlossen/close", signed=True).json()["closed_at"] == closed_before
    metrics = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if "ThreadsAutoClosed" in line
    ]
    assert metrics[0]["ThreadsAutoClosed"] == [2.0]


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "7"}])
def test_running_the_job_twice_closes_nothing_twice(api, publish, run_job, parameter_overrides):
    publish("alt", days_ago=10)

    assert run_job() == ["alt"]
    assert run_job() == []


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "7"}])
def test_a_reopened_old_thread_is_closed_again_by_the_next_run(api, publish, run_job, parameter_overrides):
    publish("alt", days_ago=10)
    run_job()
    api.post("/posts/alt/reopen", signed=True)

    assert run_job() == ["alt"]


def test_without_an_age_limit_the_job_closes_nothing(api, publish, run_job):
    publish("uralt", days_ago=3000)

    assert run_job() == []
    assert state(api, "uralt") is True
