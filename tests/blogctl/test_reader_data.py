"""blogctl reader-data and forget (through the admin routes, here served in process), and the migrate
step that indexes what was stored before the ReaderData index: idempotent, using the signing secret
the operator's credentials read."""

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from blog.keys import email_hash
from blog.store.keys import comment_key
from blogctl import cli
from blogctl.reader_index import backfill_reader_index
from tests.conftest import TABLE_NAME

LENA = "lena.fischer@example.org"


class SignedInProcess:
    """blogctl's API client, its requests handed to the in-process API as signed ones."""

    def __init__(self, api: Any) -> None:
        self._api = api

    def call(self, method: str, path: str, *, body: Any = None, **_: Any) -> Any:
        response = self._api.request(method, path, json_body=body, signed=True)
        assert response.status < 300, response.body
        return response.json() if response.body else None


@pytest.fixture
def blogctl(api, monkeypatch):
    monkeypatch.setattr(cli, "_api", lambda _arguments: SignedInProcess(api))

    def run(*arguments: str) -> int:
        return cli.main(["--api-url", "http://api.invalid", *arguments])

    return run


@pytest.fixture
def lenas_comment(api, publish):
    publish("gartenfest")
    body = {"author_name": "Lena Fischer", "author_email": LENA, "content": "Wann geht es los?"}
    response = api.post("/posts/gartenfest/comments", json_body=body)
    assert response.status == 201, response.body
    return response.json()


def test_reader_data_writes_the_export_to_a_file_only_the_operator_may_read(
    blogctl, lenas_comment, tmp_path, capsys
):
    out = tmp_path / "lena.json"
    out.write_text("older, wider open", encoding="utf-8")
    out.chmod(0o644)

    assert blogctl("reader-data", LENA, "--out", str(out)) == 0

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(c["post_slug"], c["id"], c["content"]) for c in data["comments"]] == [
        ("gartenfest", lenas_comment["id"], "Wann geht es los?")
    ]
    assert f"{LENA}: 1 comments, 0 subscriptions, not suppressed" in capsys.readouterr().out


def test_a_new_export_file_is_created_with_mode_0600(blogctl, lenas_comment, tmp_path):
    out = tmp_path / "neu.json"

    assert blogctl("reader-data", LENA, "--out", str(out)) == 0

    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_forget_says_what_it_erased_and_again_that_nothing_was_left(blogctl, lenas_comment, dynamodb, capsys):
    # Written before 0.3.0: the comment does not name its duplicate guard, which TTL deletes.
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=comment_key("gartenfest", lenas_comment["id"]),
        UpdateExpression="REMOVE guard_pk, idempotency_pk",
    )
    assert blogctl("forget", LENA, "--yes") == 0
    first = capsys.readouterr().out
    assert blogctl("--json", "forget", LENA, "--yes") == 0
    again = json.loads(capsys.readouterr().out)

    assert f"{LENA}: 1 comments removed, 0 kept as tombstones" in first
    assert "suppressed now: never mailed again" in first
    assert "duplicate-guard of gartenfest" in first
    assert again["comments_removed"] == 0
    assert again["suppressed_now"] is False


def on_a_terminal(monkeypatch, answer):
    """The operator at a terminal, answering `answer` when asked."""
    stream = io.StringIO(answer)
    stream.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", stream)


def test_forget_asks_first_and_erases_nothing_unless_told_yes(
    api, blogctl, lenas_comment, monkeypatch, capsys
):
    without_terminal = blogctl("forget", LENA)
    refusal = capsys.readouterr().err
    on_a_terminal(monkeypatch, "n\n")
    declined = blogctl("forget", LENA)

    assert (without_terminal, declined) == (1, 1)
    assert "--yes" in refusal
    kept = api.request("POST", "/admin/readers/data", json_body={"email": LENA}, signed=True).json()
    assert [comment["content"] for comment in kept["comments"]] == ["Wann geht es los?"]


def test_forget_confirmed_at_the_terminal_erases(api, blogctl, lenas_comment, monkeypatch, capsys):
    on_a_terminal(monkeypatch, "y\n")

    assert blogctl("forget", LENA) == 0
    assert f"{LENA}: 1 comments removed" in capsys.readouterr().out


def as_before_the_index(dynamodb, slug, comment_id):
    """The comment as the releases before ReaderData wrote it: without `reader_pk`."""
    dynamodb.update_item(
        TableName=TABLE_NAME, Key=comment_key(slug, comment_id), UpdateExpression="REMOVE reader_pk"
    )


def export(api, address):
    return api.post("/admin/readers/data", json_body={"email": address}, signed=True).json()


def test_migrate_indexes_old_comments_once_with_the_keyed_hash(api, dynamodb, lenas_comment):
    as_before_the_index(dynamodb, "gartenfest", lenas_comment["id"])
    assert export(api, LENA)["comments"] == []
    hashed = []

    def hash_address(address: str) -> str:
        hashed.append(address)
        return email_hash(address)

    assert backfill_reader_index(dynamodb, TABLE_NAME, hash_address, io.StringIO()) == 1

    assert [c["id"] for c in export(api, LENA)["comments"]] == [lenas_comment["id"]]
    assert backfill_reader_index(dynamodb, TABLE_NAME, hash_address, io.StringIO()) == 0
    assert hashed == [LENA]


def test_blogctl_migrate_reads_the_signing_secret_to_index_comments(
    api, dynamodb, lenas_comment, secret_arns, capsys
):
    as_before_the_index(dynamodb, "gartenfest", lenas_comment["id"])

    assert cli.main(["--table", TABLE_NAME, "migrate", "--signing-secret", secret_arns["SigningSecret"]]) == 0

    assert "1 comments, subscriptions and suppressions added to the index" in capsys.readouterr().out
    assert [c["id"] for c in export(api, LENA)["comments"]] == [lenas_comment["id"]]


def test_blogctl_migrate_asks_for_the_secret_only_when_a_comment_needs_it(
    api, dynamodb, lenas_comment, capsys
):
    assert cli.main(["--table", TABLE_NAME, "migrate"]) == 0

    as_before_the_index(dynamodb, "gartenfest", lenas_comment["id"])
    assert cli.main(["--table", TABLE_NAME, "migrate"]) == 1
    assert "--signing-secret ARN" in capsys.readouterr().err


WXR = Path(__file__).parents[1] / "data" / "wordpress-export.xml"


def test_imported_comments_join_their_authors_data(api, dynamodb, secret_arns, capsys):
    assert (
        cli.main(
            ["--table", TABLE_NAME, "import-wxr", str(WXR), "--signing-secret", secret_arns["SigningSecret"]]
        )
        == 0
    )
    assert "comments indexed by their author's email address" in capsys.readouterr().out

    assert [c["author_email"] for c in export(api, "Grete@Example.org")["comments"]] == ["grete@example.org"]


def test_an_import_without_the_secret_says_how_to_index_its_comments_later(
    api, dynamodb, secret_arns, capsys
):
    assert cli.main(["--table", TABLE_NAME, "import-wxr", str(WXR)]) == 0
    assert "run `blogctl migrate`" in capsys.readouterr().err
    assert export(api, "grete@example.org")["comments"] == []

    assert cli.main(["--table", TABLE_NAME, "migrate", "--signing-secret", secret_arns["SigningSecret"]]) == 0

    assert len(export(api, "grete@example.org")["comments"]) == 1


def test_an_import_whose_secret_cannot_be_read_keeps_what_it_imported_and_says_so(api, dynamodb, capsys):
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret-AbCdEf"

    assert cli.main(["--table", TABLE_NAME, "import-wxr", str(WXR), "--signing-secret", missing]) == 0

    err = capsys.readouterr().err
    assert "cannot read the signing secret" in err
    assert "run `blogctl migrate`" in err
    assert api.get("/posts").json()["items"]
