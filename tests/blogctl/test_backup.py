"""`blogctl export` and `blogctl import-jsonl`: a backup of every post and comment, in any status,
that restores byte for byte."""

import json
import stat
from pathlib import Path

import pytest

from blogctl.cli import main
from tests.conftest import TABLE_NAME
from tests.tables import table_items, wipe

DATA = Path(__file__).parents[1] / "data" / "wordpress-export.xml"
THREE_LINKS = "https://a.example https://b.example https://c.example"


def blogctl(*arguments):
    return main(["--table", TABLE_NAME, *arguments])


@pytest.fixture
def blog(dynamodb, api, publish, capsys):
    """The imported WordPress blog, and what the API adds: a post, comments in every status (with
    their rate counters, duplicate guards and idempotency records), a tombstone and a closed thread."""
    assert blogctl("import-wxr", str(DATA)) == 0
    publish("nach-dem-umzug", title="Nach dem Umzug: „alles neu“", tags=["Umzug", "Grüße"])
    path = "/posts/nach-dem-umzug/comments"
    first = api.post(
        path, json_body={"author_name": "Ada", "content": "Erste"}, headers={"idempotency-key": "k1"}
    )
    reply = api.post(
        path, json_body={"author_name": "Bob", "content": "Antwort", "parent_id": first.json()["id"]}
    )
    api.post(path, json_body={"author_name": "Cem", "content": THREE_LINKS}, source_ip="192.0.2.77")
    api.post(
        path, json_body={"author_name": "Bot", "content": "Spam", "website": "x"}, source_ip="192.0.2.78"
    )
    assert reply.status == 201
    assert api.request("DELETE", f"{path}/{first.json()['id']}", signed=True).status == 204
    assert api.post("/posts/nach-dem-umzug/close", signed=True).status == 200
    capsys.readouterr()


def test_export_wipe_restore_gives_back_the_same_bytes(blog, dynamodb, api, tmp_path, capsys):
    before = {
        slug: api.get(f"/posts/{slug}").body for slug in ("nach-dem-umzug", "tauschboerse-im-gemeindehaus")
    }
    first, second = tmp_path / "erste.jsonl", tmp_path / "zweite.jsonl"

    assert blogctl("export", str(first)) == 0
    exported = capsys.readouterr().out
    wipe(dynamodb)
    assert blogctl("import-jsonl", str(first)) == 0
    restored = capsys.readouterr().out
    assert blogctl("export", str(second)) == 0

    assert first.read_bytes() == second.read_bytes()
    assert exported == f"Exported 6 posts and 11 comments of the table {TABLE_NAME} to {first}\n"
    assert restored == f"Restored {first} into the table {TABLE_NAME}: 23 items written, 0 already there\n"
    after = {slug: api.get(f"/posts/{slug}").body for slug in before}
    assert after == before


def test_the_backup_holds_posts_and_comments_only_in_key_order(blog, dynamodb, tmp_path):
    path = tmp_path / "backup.jsonl"
    blogctl("export", str(path))

    lines = path.read_text(encoding="utf-8").splitlines()
    keys = [(item["pk"]["S"], item["sk"]["S"]) for item in (json.loads(line)["Item"] for line in lines)]
    assert keys == sorted(keys)
    assert all(pk.startswith("POST#") for pk, _ in keys)
    assert len(keys) < len(table_items(dynamodb))  # rate counters, guards and idempotency records stay out
    statuses = {json.loads(line)["Item"].get("status", {}).get("S") for line in lines}
    assert statuses == {None, "approved", "pending", "spam", "deleted"}
    assert "„alles neu“" in path.read_text(encoding="utf-8")


def test_restoring_into_a_table_that_has_the_items_changes_nothing(blog, dynamodb, api, tmp_path, capsys):
    path = tmp_path / "backup.jsonl"
    blogctl("export", str(path))
    api.post("/posts/nach-dem-umzug/reopen", signed=True)
    capsys.readouterr()

    assert blogctl("import-jsonl", str(path)) == 0

    out = capsys.readouterr().out
    assert (
        "0 items written, 23 already there (1 of them differ from the file and were left as they are)" in out
    )
    assert api.get("/posts/nach-dem-umzug").json()["comments_open"] is True


def test_the_backup_is_readable_by_its_owner_alone(dynamodb, tmp_path, capsys):
    # Readers' email addresses are in it. A backup that was there, and a .partial a killed run
    # left, had the usual 0644: neither lends its permissions to the new one.
    path = tmp_path / "backup.jsonl"
    for earlier in (path, tmp_path / "backup.jsonl.partial"):
        earlier.write_text("alt\n", encoding="utf-8")
        earlier.chmod(0o644)
    assert blogctl("import-wxr", str(DATA)) == 0

    assert blogctl("export", str(path)) == 0

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "grete@example.org" in path.read_text(encoding="utf-8")
    assert not (tmp_path / "backup.jsonl.partial").exists()


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("kein json", "not JSON"),
        ('{"pk": {"S": "POST#a"}, "sk": {"S": "#POST"}}', "not a backup line"),
        ('{"Item": {"pk": {"S": "RATE#x"}, "sk": {"S": "RATE"}}}', "pk 'RATE#x', sk 'RATE' is neither"),
        (
            '{"Item": {"pk": {"S": "POST#a"}, "sk": {"S": "#POST"}, "title": "roh"}}',
            "attribute 'title' is not in DynamoDB's JSON form",
        ),
    ],
)
def test_a_damaged_backup_is_refused_before_anything_is_written(dynamodb, tmp_path, capsys, line, problem):
    path = tmp_path / "kaputt.jsonl"
    good = '{"Item":{"pk":{"S":"POST#a"},"sk":{"S":"#POST"}}}'
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")

    assert blogctl("import-jsonl", str(path)) == 1

    assert capsys.readouterr().err.startswith(f"blogctl: {path}, line 2: {problem}")
    assert table_items(dynamodb) == []
