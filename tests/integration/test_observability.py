"""What operators see: metrics for comments, logs with the request id, nothing internal in answers."""

import json

import pytest

from blog.store import BlogStore


def emitted(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def metric_records(output: str, name: str) -> list[dict]:
    return [record for record in emitted(output) if name in record]


@pytest.fixture
def post(publish):
    return publish("messbar")


def test_an_accepted_comment_is_counted(api, post, capsys):
    capsys.readouterr()
    api.post("/posts/messbar/comments", json_body={"author_name": "Ada", "content": "Hallo"})

    (record,) = metric_records(capsys.readouterr().out, "CommentAccepted")
    assert record["CommentAccepted"] == [1.0]
    assert record["status"] == "approved"


def test_a_rejected_comment_is_counted_with_its_reason(api, post, capsys):
    api.post("/posts/messbar/close", signed=True)
    capsys.readouterr()

    api.post("/posts/messbar/comments", json_body={"author_name": "Ada", "content": "Hallo"})
    api.post("/posts/messbar/comments", json_body={"author_name": "Ada"})

    records = metric_records(capsys.readouterr().out, "CommentRejected")
    assert [record["reason"] for record in records] == ["comments-closed", "validation-error"]
    assert all(["reason", "service"] in r["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for r in records)


def test_an_unexpected_error_is_a_500_problem_that_hides_the_cause_and_logs_it(api, post, logs, monkeypatch):
    def broken(*_, **__):
        raise RuntimeError("table blog-test is on fire")

    monkeypatch.setattr(BlogStore, "read_thread", broken)

    response = api.get("/posts/messbar")

    assert response.status == 500
    assert response.json() == {
        "type": "/problems/internal-server-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The request failed; the error has been logged.",
    }
    (log,) = [r for r in emitted(logs.getvalue()) if r.get("level") == "ERROR"]
    assert "table blog-test is on fire" in log["exception"]
    assert log["correlation_id"]
    assert log["function_name"] == "GetPostFunction"
