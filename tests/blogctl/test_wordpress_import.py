"""`blogctl import-wxr` of tests/data's WordPress export into moto, read back through the public API:
every post, comment, reply, date and closed thread as in WordPress; a second run changes nothing;
a run cut short completes on the next; a later export adds only what is new."""

import io
from pathlib import Path

import pytest

from blog.errors import ServiceUnavailable
from blog.models import StoredComment, StoredPostBody, StoredPostHead
from blog.store.keys import comment_item, from_item, post_body_item, post_head_item, slug_of
from blogctl.bulk import BulkStore
from blogctl.cli import main
from blogctl.wordpress import import_wxr
from tests.conftest import TABLE_NAME
from tests.tables import table_items as items_in_scan_order
from tests.tables import wipe

DATA = Path(__file__).parents[1] / "data" / "wordpress-export.xml"
EXCHANGE = "tauschboerse-im-gemeindehaus"
CLOSED = "rueckblick-strassenfest-muehlgasse"
NO_POST_NAME = "groessere-raeume-fuer-die-lernwerkstatt-ab-maerz"
DRAFT = "oeffnungszeiten-im-sommer"
BLOCKS = "neu-im-netz-das-repair-cafe"


def blogctl(capsys, *arguments):
    status = main(["--table", TABLE_NAME, *arguments])
    out, err = capsys.readouterr()
    return status, out, err


def table_items(dynamodb):
    """Every item of the table, in key order."""
    return sorted(items_in_scan_order(dynamodb), key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


@pytest.fixture
def imported(dynamodb, api, capsys):
    status, out, err = blogctl(capsys, "import-wxr", str(DATA))
    assert status == 0, err
    return out


def test_the_summary_counts_posts_comments_and_what_was_skipped(imported):
    assert imported.splitlines() == [
        f"Imported {DATA} (WXR 1.2) into the table {TABLE_NAME}:",
        "  posts     5 (1 draft, 4 published); 5 written, 0 already there",
        "  comments  7 (5 approved, 1 pending, 1 spam); 7 written, 0 already there",
        "  skipped   4 (1 pingback, 1 trackback, 1 page (not a post), 1 attachment (not a post))",
        "  media     1 file on the old site to copy:",
        "    https://kirchberg.example/wp-content/uploads/2024/09/strassenfest-buehne.jpg",
    ]


def test_every_published_post_is_listed_newest_first_as_in_wordpress(imported, api):
    posts = api.get("/posts").json()["items"]

    assert [(p["slug"], p["published_at"], p["comment_count"], p["comments_open"]) for p in posts] == [
        (EXCHANGE, "2025-03-01T08:30:00Z", 2, True),
        (NO_POST_NAME, "2025-02-10T07:00:00Z", 1, True),
        (BLOCKS, "2025-01-17T12:00:00Z", 0, True),
        (CLOSED, "2024-09-15T16:45:00Z", 2, False),
    ]
    exchange = posts[0]
    assert exchange["title"] == "Tauschbörse im Gemeindehaus: „Bring was, nimm was“"
    assert exchange["author"] == "Hanne Köhler"
    assert exchange["category"] == "Kooperation & Netzwerke"
    assert exchange["tags"] == ["Veranstaltungen", "Tauschen", "Nachhaltigkeit"]
    assert exchange["updated_at"] == "2025-03-02T17:05:10Z"
    by_category = api.get("/posts", query={"category": "Veranstaltungen"}).json()["items"]
    assert [p["slug"] for p in by_category] == [CLOSED]


def test_a_post_shows_its_approved_comments_with_the_reply_under_its_parent(imported, api):
    post = api.get(f"/posts/{EXCHANGE}").json()

    first, reply = post["comments"]
    assert (first["author_name"], first["created_at"], first["parent_id"]) == (
        "Grete Aßmann",
        "2025-03-01T10:02:17Z",
        None,
    )
    assert first["author_url"] == "https://grete.example/blog"
    assert first["content_html"] == (
        "<p>Super Idee! Ich bringe zwei Kisten Kinderbücher mit – darf man auch Puzzles „ohne Gewähr“ "
        "abgeben?<br>\nManchen fehlt vielleicht ein Teil 🧩</p>\n"
    )
    assert (reply["author_name"], reply["created_at"], reply["parent_id"]) == (
        "Hanne Köhler",
        "2025-03-01T11:40:00Z",
        first["id"],
    )
    assert reply["id"].startswith(first["id"] + ".")
    assert "15.\u00a0März" in post["content_html"]
    assert "<script" not in post["content_html"]
    assert "grete@example.org" not in api.get(f"/posts/{EXCHANGE}").body


def test_held_comments_wait_in_the_queue_and_spam_is_nowhere(imported, api):
    queue = api.get("/comments", query={"status": "pending"}, signed=True).json()["items"]

    assert [(c["post_slug"], c["author_name"], c["created_at"]) for c in queue] == [
        (EXCHANGE, "Bernd", "2025-03-02T07:15:00Z")
    ]
    assert queue[0]["author_url"] is None  # ftp:// is not a web address the blog links to
    shown = api.get(f"/posts/{EXCHANGE}").body
    assert "Billig Uhren" not in shown
    assert "Bernd" not in shown


def test_the_closed_thread_keeps_its_comment_and_the_authors_reply_and_takes_no_more(imported, api):
    post = api.get(f"/posts/{CLOSED}").json()

    assert post["comments_open"] is False
    first, reply = post["comments"]
    assert reply["parent_id"] == first["id"]
    assert reply["author_name"] == post["author"] == "Jonas Weißbach"
    late = api.post(
        f"/posts/{CLOSED}/comments", json_body={"author_name": "Nachzügler", "content": "Zu spät?"}
    )
    assert late.status == 403
    assert late.json()["type"] == "/problems/comments-closed"


def test_the_draft_is_stored_but_not_public(imported, api, dynamodb):
    assert api.get(f"/posts/{DRAFT}").status == 404
    stored = from_item(
        dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": f"POST#{DRAFT}"}, "sk": {"S": "#POST"}})[
            "Item"
        ]
    )
    assert stored["title"] == "Öffnungszeiten im Sommer"
    assert "published_pk" not in stored


def test_an_open_imported_thread_takes_new_comments_as_any_other(imported, api):
    first = api.get(f"/posts/{NO_POST_NAME}").json()["comments"][0]
    answer = api.post(
        f"/posts/{NO_POST_NAME}/comments",
        json_body={"author_name": "Jonas", "content": "Ja, WLAN gibt es.", "parent_id": first["id"]},
    )

    assert answer.status == 201, answer.body
    post = api.get(f"/posts/{NO_POST_NAME}").json()
    assert post["comment_count"] == 2
    assert post["comments"][1]["parent_id"] == first["id"]


def test_imported_items_are_the_items_the_stores_writes_make(imported, dynamodb):
    for item in table_items(dynamodb):
        values = from_item(item)
        if item["sk"]["S"] == "#POST":
            assert post_head_item(StoredPostHead.model_validate(values)) == item
        elif item["sk"]["S"] == "#POST#BODY":
            assert post_body_item(slug_of(values["pk"]), StoredPostBody.model_validate(values)) == item
        else:
            assert comment_item(StoredComment.model_validate(values)) == item


def test_a_second_import_changes_nothing(imported, dynamodb, capsys):
    before = table_items(dynamodb)

    status, out, _ = blogctl(capsys, "import-wxr", str(DATA))

    assert status == 0
    assert "5 (1 draft, 4 published); 0 written, 5 already there" in out
    assert "7 (5 approved, 1 pending, 1 spam); 0 written, 7 already there" in out
    assert table_items(dynamodb) == before


def test_a_dry_run_writes_nothing_and_needs_no_table(dynamodb, capsys):
    status, out, _ = blogctl(capsys, "import-wxr", "--dry-run", str(DATA))

    assert status == 0
    assert out.startswith(f"Read {DATA} (WXR 1.2); nothing written (--dry-run).")
    assert table_items(dynamodb) == []
    assert main(["import-wxr", "--dry-run", str(DATA)]) == 0


class FailingAfter(BulkStore):
    """A store whose writes fail after `writes` batches, as an interrupted run's would."""

    def __init__(self, client, writes):
        super().__init__(client, TABLE_NAME, pause=lambda _: None)
        self.writes_left = writes

    def put(self, items):
        for item in items:
            if self.writes_left == 0:
                raise ServiceUnavailable
            self.writes_left -= 1
            super().put([item])


@pytest.mark.parametrize("writes", [1, 3, 6, 10])
def test_a_run_cut_short_is_completed_by_the_next(dynamodb, writes, capsys):
    with pytest.raises(ServiceUnavailable), DATA.open("rb") as source:
        import_wxr(
            source, name="x", size=1, store=FailingAfter(dynamodb, writes), progress_stream=io.StringIO()
        )
    partial = table_items(dynamodb)

    status, _, err = blogctl(capsys, "import-wxr", str(DATA))

    assert status == 0, err
    completed = table_items(dynamodb)
    wipe(dynamodb)
    blogctl(capsys, "import-wxr", str(DATA))
    assert 0 < len(partial) < len(completed)
    assert completed == table_items(dynamodb)


def with_new_reply(tmp_path):
    """The export, taken again after a reader answered the closed post's first comment."""
    reply = """<wp:comment>
			<wp:comment_id>23</wp:comment_id>
			<wp:comment_author><![CDATA[Familie Öztürk]]></wp:comment_author>
			<wp:comment_date_gmt><![CDATA[2024-09-18 06:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Wir freuen uns schon!]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>22</wp:comment_parent>
		</wp:comment>
	</item>"""
    text = DATA.read_text(encoding="utf-8")
    closed_end = text.index("</item>", text.index("<wp:post_id>102</wp:post_id>"))
    later = tmp_path / "later.xml"
    later.write_text(text[:closed_end] + reply + text[closed_end + len("</item>") :], encoding="utf-8")
    return later


def test_a_later_export_adds_only_the_new_comment_with_its_counts(imported, api, dynamodb, capsys, tmp_path):
    status, out, err = blogctl(capsys, "import-wxr", str(with_new_reply(tmp_path)))

    assert status == 0, err
    assert "comments  8 (6 approved, 1 pending, 1 spam); 1 written, 7 already there" in out
    post = api.get(f"/posts/{CLOSED}").json()
    _, reply, reply_to_reply = post["comments"]
    assert reply_to_reply["parent_id"] == reply["id"]
    assert post["comment_count"] == 3
    stored = from_item(
        dynamodb.get_item(
            TableName=TABLE_NAME, Key={"pk": {"S": f"POST#{CLOSED}"}, "sk": {"S": f"COMMENT#{reply['id']}"}}
        )["Item"]
    )
    assert stored["reply_count"] == 1


def test_a_slug_another_post_holds_is_left_alone(dynamodb, api, publish, capsys):
    mine = publish(EXCHANGE, title="Ein ganz anderer Beitrag")

    status, out, _ = blogctl(capsys, "import-wxr", str(DATA))

    assert status == 0
    assert f"- {EXCHANGE}: the table has another post with this slug; left as it is" in out
    assert "posts     4 (1 draft, 3 published); 4 written, 0 already there" in out
    assert "comments  3 (3 approved); 3 written, 0 already there" in out
    post = api.get(f"/posts/{EXCHANGE}").json()
    assert post["title"] == mine["title"]
    assert post["comments"] == []


def test_an_unreadable_file_is_a_plain_message(dynamodb, capsys, tmp_path):
    broken = tmp_path / "kaputt.xml"
    broken.write_text("<rss><channel><item>", encoding="utf-8")

    status, _, err = blogctl(capsys, "import-wxr", str(broken))
    missing_status, _, missing = blogctl(capsys, "import-wxr", str(tmp_path / "fehlt.xml"))

    assert status == 1
    assert err == f"blogctl: {broken}: not well-formed XML at line 1, column 21: no element found\n"
    assert missing_status == 1
    assert missing == f"blogctl: {tmp_path / 'fehlt.xml'}: No such file or directory\n"


def test_an_unknown_table_is_named(dynamodb, capsys):
    assert main(["--table", "gibt-es-nicht", "import-wxr", str(DATA)]) == 1
    assert capsys.readouterr().err == "blogctl: there is no table 'gibt-es-nicht' at us-east-1\n"


def test_a_table_that_keeps_refusing_stops_the_import_with_what_to_do(dynamodb, capsys, monkeypatch):
    def throttled(self, items):
        raise ServiceUnavailable

    monkeypatch.setattr(BulkStore, "put", throttled)

    status, _, err = blogctl(capsys, "import-wxr", str(DATA))

    assert status == 1
    assert err.splitlines()[-1] == (
        "blogctl: import-wxr stopped: The service is busy; try again shortly. Run the same command "
        "again to finish: what is written stays, and only the rest is added."
    )
