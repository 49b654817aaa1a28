"""The migrate step that fills the ApprovedComments index with the approved comments written before
it existed: idempotent, and it leaves every other comment as it is."""

import io

from blog.store.keys import comment_key
from blogctl.approved_index import backfill_approved_comments
from tests.conftest import TABLE_NAME

HELD = "Mehr unter http://a.example, http://b.example und http://c.example"


def as_before_the_index(dynamodb, slug, comment_id):
    """The comment as the release before ApprovedComments wrote it: without `approved_pk`."""
    dynamodb.update_item(
        TableName=TABLE_NAME, Key=comment_key(slug, comment_id), UpdateExpression="REMOVE approved_pk"
    )


def recent_ids(api):
    return [item["id"] for item in api.get("/comments/recent").json()["items"]]


def test_old_approved_comments_are_indexed_once_and_nothing_else_is(api, publish, dynamodb):
    publish("alt")
    old = api.post(
        "/posts/alt/comments", json_body={"author_name": "Ada", "content": "Alt"}, source_ip="192.0.2.1"
    ).json()
    held = api.post(
        "/posts/alt/comments", json_body={"author_name": "Bo", "content": HELD}, source_ip="192.0.2.2"
    ).json()
    as_before_the_index(dynamodb, "alt", old["id"])
    assert recent_ids(api) == []

    progress = io.StringIO()
    assert backfill_approved_comments(dynamodb, TABLE_NAME, progress) == 1

    assert recent_ids(api) == [old["id"]]
    assert "1 indexed" in progress.getvalue()
    assert backfill_approved_comments(dynamodb, TABLE_NAME, io.StringIO()) == 0
    held_item = dynamodb.get_item(TableName=TABLE_NAME, Key=comment_key("alt", held["id"]))["Item"]
    assert "approved_pk" not in held_item


def test_blogctl_migrate_fills_the_index_and_says_so(api, publish, dynamodb, capsys):
    from blogctl.cli import main

    publish("migriert")
    old = api.post(
        "/posts/migriert/comments", json_body={"author_name": "Ada", "content": "Alt"}, source_ip="192.0.2.1"
    ).json()
    as_before_the_index(dynamodb, "migriert", old["id"])

    assert main(["--table", TABLE_NAME, "migrate"]) == 0

    assert "1 approved comments added to the index of recent comments" in capsys.readouterr().out
    assert recent_ids(api) == [old["id"]]
