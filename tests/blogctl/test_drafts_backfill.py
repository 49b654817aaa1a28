"""The migrate step that fills the Drafts index with the drafts written before it existed (release
0.3.0): idempotent, resumable, and it leaves every other post as it is."""

import io
from datetime import UTC, datetime, timedelta

from blog.store.keys import post_key
from blogctl.cli import main
from blogctl.drafts_index import backfill_drafts
from tests.conftest import TABLE_NAME, iso

POST = {"title": "Entwurf", "content": "Noch nicht fertig.", "author": "A", "category": "K"}


def as_before_the_index(dynamodb, slug):
    """The draft's head as the release before Drafts wrote it: without `draft_pk`."""
    dynamodb.update_item(TableName=TABLE_NAME, Key=post_key(slug), UpdateExpression="REMOVE draft_pk")


def listed_drafts(api):
    page = api.get("/admin/posts", query={"status": "draft"}, signed=True).json()
    return [item["slug"] for item in page["items"]]


def head(dynamodb, slug):
    return dynamodb.get_item(TableName=TABLE_NAME, Key=post_key(slug))["Item"]


def test_old_drafts_are_listed_once_and_nothing_else_changes(api, dynamodb):
    api.put("/posts/alter-entwurf", json_body=POST, signed=True)
    api.put("/posts/neuer-entwurf", json_body=POST, signed=True)
    published_at = iso(datetime.now(UTC) - timedelta(days=1))
    api.put("/posts/oeffentlich", json_body={**POST, "published_at": published_at}, signed=True)
    as_before_the_index(dynamodb, "alter-entwurf")
    assert listed_drafts(api) == ["neuer-entwurf"]
    published_before = head(dynamodb, "oeffentlich")

    progress = io.StringIO()
    assert backfill_drafts(dynamodb, TABLE_NAME, progress) == 1

    assert sorted(listed_drafts(api)) == ["alter-entwurf", "neuer-entwurf"]
    assert "1 listed" in progress.getvalue()
    assert backfill_drafts(dynamodb, TABLE_NAME, io.StringIO()) == 0
    assert head(dynamodb, "oeffentlich") == published_before


def test_a_draft_being_deleted_is_not_listed_again(api, dynamodb):
    api.put("/posts/geht", json_body=POST, signed=True)
    as_before_the_index(dynamodb, "geht")
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=post_key("geht"),
        UpdateExpression="SET deleting_since = :now",
        ExpressionAttributeValues={":now": {"S": iso(datetime.now(UTC))}},
    )

    assert backfill_drafts(dynamodb, TABLE_NAME, io.StringIO()) == 0
    assert listed_drafts(api) == []


def test_blogctl_migrate_lists_old_drafts_and_says_so(api, dynamodb, capsys):
    api.put("/posts/alter-entwurf", json_body=POST, signed=True)
    as_before_the_index(dynamodb, "alter-entwurf")

    assert main(["--table", TABLE_NAME, "migrate"]) == 0

    assert "1 drafts added to the list of drafts" in capsys.readouterr().out
    assert listed_drafts(api) == ["alter-entwurf"]
