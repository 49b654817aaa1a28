"""Upgrading a deployed blog from one item per post to a head and a body (DESIGN.md, "Schema
changes"): this release serves and writes posts of the old layout, and `blogctl migrate` rewrites
them, idempotent and resumable, while the blog keeps answering as before."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blog.content import render_comment, render_post
from blog.errors import ServiceUnavailable
from blog.ids import new_comment_id
from blog.models import CommentStatus, StoredComment, StoredPost
from blog.store.keys import comment_item, post_index_attributes, post_pk, to_item
from blog.timestamps import format_timestamp
from blogctl.bulk import BulkStore, PostLayout
from blogctl.cli import main
from tests.conftest import TABLE_NAME
from tests.tables import table_items, wipe

NOW = datetime.now(UTC).replace(microsecond=0)
CONTENT = "## Rückblick\n\nDas Fest war **schön**: <3 Grüße an alle & bis bald."
THREE_LINKS = "https://a.example https://b.example https://c.example"
SLUGS = ("alt-offen", "alt-geschlossen", "alt-entwurf")


def old_post_item(post: StoredPost) -> dict[str, Any]:
    """A post as the release before the split wrote it: one item, the body in it."""
    return to_item(
        {
            **post.model_dump(mode="json"),
            "pk": post_pk(post.slug),
            "sk": "#POST",
            "visible_sk": "#POST",
            **post_index_attributes(
                published=post.published_at is not None,
                category=post.category,
                comments_open=post.comments_open,
            ),
        }
    )


def old_post(slug: str, *, published: bool, comments_open: bool, comment_count: int) -> StoredPost:
    published_at = NOW - timedelta(days=2)
    return StoredPost(
        slug=slug,
        title=f"Alt: {slug}",
        excerpt="Das Fest war schön",
        author="Miriam Albers",
        category="Kooperation & Netzwerke",
        tags=["Ehrenamt"],
        published_at=published_at if published else None,
        updated_at=published_at,
        comment_count=comment_count,
        comments_open=comments_open,
        content=CONTENT,
        content_html=render_post(CONTENT),
        created_at=published_at - timedelta(days=1),
        closed_at=None if comments_open else published_at,
        revision=3,
    )


def old_comment(slug: str, text: str, *, status: CommentStatus, parent: str | None = None, minutes: int = 0):
    created = NOW - timedelta(days=1, minutes=-minutes)
    return StoredComment(
        id=new_comment_id(parent, created),
        post_slug=slug,
        author_name="Ada",
        content=text,
        content_html=render_comment(text),
        created_at=created,
        status=status,
    )


@pytest.fixture
def old_blog(dynamodb) -> dict[str, StoredComment]:
    """A table as the release before the split left it, written item by item: three posts (open,
    closed, a draft), a thread with a reply and a held comment. Its comments, by role."""
    first = old_comment("alt-offen", "Erster!", status=CommentStatus.APPROVED)
    reply = old_comment("alt-offen", "Antwort", status=CommentStatus.APPROVED, parent=first.id, minutes=1)
    held = old_comment("alt-offen", THREE_LINKS, status=CommentStatus.PENDING, minutes=2)
    items = [
        old_post_item(old_post("alt-offen", published=True, comments_open=True, comment_count=2)),
        old_post_item(old_post("alt-geschlossen", published=True, comments_open=False, comment_count=0)),
        old_post_item(old_post("alt-entwurf", published=False, comments_open=True, comment_count=0)),
        comment_item(first.model_copy(update={"reply_count": 1})),
        comment_item(reply),
        comment_item(held),
    ]
    for item in items:
        dynamodb.put_item(TableName=TABLE_NAME, Item=item)
    return {"first": first, "reply": reply, "held": held}


def head_and_body(dynamodb, slug: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    def read(sk: str) -> dict[str, Any] | None:
        key = {"pk": {"S": post_pk(slug)}, "sk": {"S": sk}}
        return dynamodb.get_item(TableName=TABLE_NAME, Key=key, ConsistentRead=True).get("Item")

    head = read("#POST")
    assert head is not None
    return head, read("#POST#BODY")


def blogctl(*arguments: str) -> int:
    return main(["--table", TABLE_NAME, *arguments])


def reads(api) -> dict[str, Any]:
    """Everything the public reads of the blog, as the API answers it."""
    answers = {"list": api.get("/posts").body}
    answers.update(
        {slug: (api.get(f"/posts/{slug}").status, api.get(f"/posts/{slug}").body) for slug in SLUGS}
    )
    return answers


def exercise(api, old_blog: dict[str, StoredComment], source: str) -> None:
    """The writes a blog takes on a post, each as the API promises it: a comment, a reply, approving a
    held one, closing and reopening, and an update that keeps the count."""
    path = "/posts/alt-offen/comments"
    answer = api.post(
        path,
        json_body={"author_name": "Bea", "content": f"Neu ({source})"},
        source_ip=f"192.0.2.{len(source)}",
    )
    assert answer.status == 201, answer.body
    reply = {"author_name": "Cem", "content": f"Auch ({source})", "parent_id": old_blog["first"].id}
    assert api.post(path, json_body=reply, source_ip="192.0.2.40").status == 201
    assert api.post(f"{path}/{old_blog['held'].id}/approve", signed=True).status == 200
    assert (
        api.post(
            "/posts/alt-offen/comments",
            json_body={"author_name": "X", "content": "y"},
            source_ip="192.0.2.41",
        ).status
        == 201
    )
    assert api.post("/posts/alt-offen/close", signed=True).json()["comments_open"] is False
    refused = api.post(path, json_body={"author_name": "Dora", "content": "Zu spät"}, source_ip="192.0.2.42")
    assert refused.status == 403
    assert api.post("/posts/alt-offen/reopen", signed=True).json()["comments_open"] is True
    post = api.get("/posts/alt-offen").json()
    assert post["comment_count"] == len([c for c in post["comments"] if c["status"] == "approved"])
    update = {
        "title": "Neu geschrieben",
        "content": f"Neuer Text ({source})",
        "author": "Miriam Albers",
        "category": "Kooperation & Netzwerke",
        "published_at": post["published_at"],
    }
    updated = api.put("/posts/alt-offen", json_body=update, signed=True)
    assert updated.status == 200, updated.body
    assert updated.json()["comment_count"] == post["comment_count"]
    read = api.get("/posts/alt-offen").json()
    assert read["content_html"] == f"<p>Neuer Text ({source})</p>\n"
    assert read["comment_count"] == post["comment_count"]
    assert [c["id"] for c in read["comments"]] == [c["id"] for c in post["comments"]]


def test_this_release_serves_posts_of_the_old_layout(old_blog, api):
    listed = api.get("/posts").json()["items"]
    post = api.get("/posts/alt-offen").json()

    assert [p["slug"] for p in listed] == ["alt-offen", "alt-geschlossen"]
    assert post["content_html"] == render_post(CONTENT)
    assert post["comment_count"] == 2
    assert [c["id"] for c in post["comments"]] == [old_blog["first"].id, old_blog["reply"].id]
    assert api.get("/posts/alt-entwurf").status == 404
    assert api.get("/posts/alt-offen/comments").json()["items"] == post["comments"]


def test_this_release_writes_on_posts_of_the_old_layout(old_blog, api, dynamodb):
    exercise(api, old_blog, "vorher")

    head, body = head_and_body(dynamodb, "alt-offen")
    assert "content" not in head
    assert body is not None
    old = old_post("alt-offen", published=True, comments_open=True, comment_count=2)
    assert head["created_at"]["S"] == format_timestamp(old.created_at)
    assert head["revision"]["N"] == "4"


def test_a_comment_on_an_old_post_leaves_it_whole(old_blog, api, dynamodb):
    answer = api.post("/posts/alt-offen/comments", json_body={"author_name": "Bea", "content": "Hallo"})

    assert answer.status == 201
    head, body = head_and_body(dynamodb, "alt-offen")
    assert head["content"]["S"] == CONTENT
    assert body is None
    assert head["comment_count"]["N"] == "3"


def test_migrate_splits_every_old_post_and_the_blog_answers_the_same(old_blog, api, dynamodb, capsys):
    before = reads(api)
    capsys.readouterr()

    assert blogctl("migrate") == 0

    out, err = capsys.readouterr()
    assert out == (
        f"Migrated the table {TABLE_NAME}: 3 posts rewritten as head and body, 0 already split; "
        "0 approved comments added to the index of recent comments; 0 drafts added to the list of drafts; "
        "0 comments, subscriptions and suppressions added to the index of readers' data\n"
    )
    assert "migrate: done (3 rewritten, 0 already split)" in err
    for slug in SLUGS:
        head, body = head_and_body(dynamodb, slug)
        assert {"content", "content_html"}.isdisjoint(head)
        assert body is not None
        assert body["content"]["S"] == CONTENT
        assert head["revision"]["N"] == "3"  # the post did not change, only where it is kept
    assert reads(api) == before

    assert blogctl("--json", "migrate") == 0  # run again: nothing left to do
    assert json.loads(capsys.readouterr().out) == {
        "table": TABLE_NAME, "rewritten": 0, "already_split": 3, "comments_without_post": 0,
        "approved_comments_indexed": 0, "drafts_indexed": 0, "reader_items_indexed": 0,
    }  # fmt: skip
    assert reads(api) == before
    exercise(api, old_blog, "nachher")


def test_migrate_stopped_midway_finishes_when_run_again(old_blog, dynamodb, monkeypatch, capsys):
    split = BulkStore.split_post
    calls = []

    def failing_second(store, partition):
        calls.append(partition)
        if len(calls) == 2:
            raise ServiceUnavailable
        return split(store, partition)

    monkeypatch.setattr(BulkStore, "split_post", failing_second)
    assert blogctl("migrate") == 1
    assert "Run the same command again" in capsys.readouterr().err
    monkeypatch.setattr(BulkStore, "split_post", split)

    assert blogctl("migrate") == 0

    assert "2 posts rewritten as head and body, 1 already split" in capsys.readouterr().out
    assert all(head_and_body(dynamodb, slug)[1] is not None for slug in SLUGS)


def test_migrate_never_undoes_an_update_made_while_it_runs(old_blog, api, dynamodb, monkeypatch):
    store = BulkStore(dynamodb, TABLE_NAME)
    read = dynamodb.get_item
    updates = []

    def read_then_update(**request):
        found = read(**request)
        if not updates:  # the API updates the post between migrate's read and its write
            update = {"title": "Neu", "content": "Inzwischen geändert.", "author": "A", "category": "K"}
            updates.append(api.put("/posts/alt-entwurf", json_body=update, signed=True))
        return found

    monkeypatch.setattr(dynamodb, "get_item", read_then_update)

    assert store.split_post(post_pk("alt-entwurf")) is PostLayout.NEW

    monkeypatch.undo()
    head, body = head_and_body(dynamodb, "alt-entwurf")
    assert updates[0].status == 200
    assert body is not None
    assert body["content"]["S"] == "Inzwischen geändert."
    assert head["title"]["S"] == "Neu"


def test_a_backup_of_the_old_layout_restores_as_it_was_and_migrates(
    old_blog, api, dynamodb, tmp_path, capsys
):
    before = reads(api)
    first, second = tmp_path / "alt.jsonl", tmp_path / "wieder.jsonl"
    assert blogctl("export", str(first)) == 0
    assert capsys.readouterr().out.startswith("Exported 3 posts and 3 comments")
    wipe(dynamodb)

    assert blogctl("import-jsonl", str(first)) == 0
    assert blogctl("export", str(second)) == 0
    assert first.read_bytes() == second.read_bytes()
    assert blogctl("migrate") == 0
    assert reads(api) == before
    assert len(table_items(dynamodb)) == 9  # three heads, three bodies, three comments


def test_migrate_leaves_comments_without_a_post_as_they_are(old_blog, dynamodb, capsys):
    orphan = old_comment("verschwunden", "Wo ist der Beitrag?", status=CommentStatus.APPROVED)
    dynamodb.put_item(TableName=TABLE_NAME, Item=comment_item(orphan))

    assert blogctl("migrate") == 0

    assert "; comments of 1 posts no longer there left as they are" in capsys.readouterr().out
    assert len(table_items(dynamodb)) == 10  # three heads, three bodies, four comments


def test_the_feeds_read_the_content_of_posts_of_the_old_layout(old_blog, api):
    import feedparser  # type: ignore[import-untyped]

    feed = feedparser.parse(api.get("/feed.atom").body.encode())

    assert not feed.bozo
    linked = {entry.link.rsplit("/", 1)[1]: entry for entry in feed.entries}
    assert set(linked) == {"alt-offen", "alt-geschlossen"}  # the draft stays out
    assert "Rückblick" in linked["alt-offen"].content[0].value
