"""Moderation: the queue, approve, spam and delete, with the post's count kept exact."""

import time

import pytest

from tests.conftest import TABLE_NAME
from tests.tables import table_items

THREE_LINKS = "https://a.example https://b.example https://c.example"


@pytest.fixture
def post(publish):
    return publish("moderiert")


def submit(api, content, *, name="Ada", parent_id=None, ip="192.0.2.1"):
    body = {"author_name": name, "content": content}
    if parent_id:
        body["parent_id"] = parent_id
    response = api.post("/posts/moderiert/comments", json_body=body, source_ip=ip)
    assert response.status == 201, response.body
    return response.json()


def held(api, content="Gehalten " + THREE_LINKS, **options):
    comment = submit(api, content, **options)
    assert comment["status"] == "pending"
    return comment


def count(api):
    return api.get("/posts/moderiert").json()["comment_count"]


def visible_ids(api):
    return [comment["id"] for comment in api.get("/posts/moderiert").json()["comments"]]


def moderate(api, action, comment_id, slug="moderiert"):
    return api.post(f"/posts/{slug}/comments/{comment_id}/{action}", signed=True)


def test_the_queue_lists_held_comments_oldest_first_with_their_post(api, post, publish):
    publish("zweiter")
    first = held(api, "Erster " + THREE_LINKS)
    api.post("/posts/zweiter/comments", json_body={"author_name": "Bob", "content": "Zweiter " + THREE_LINKS})
    submit(api, "Freigegeben ohne Links")

    queue = api.get("/comments", query={"status": "pending"}, signed=True).json()

    assert [(item["post_slug"], item["status"]) for item in queue["items"]] == [
        ("moderiert", "pending"),
        ("zweiter", "pending"),
    ]
    assert queue["items"][0]["id"] == first["id"]
    assert "author_email" not in queue["items"][0]
    assert queue["next_cursor"] is None


def test_the_queue_pages_with_a_cursor(api, post):
    ids = [held(api, f"Nummer {n} " + THREE_LINKS, ip=f"192.0.2.{n}")["id"] for n in range(5)]

    first = api.get("/comments", query={"limit": "2"}, signed=True).json()
    second = api.get("/comments", query={"limit": "2", "cursor": first["next_cursor"]}, signed=True).json()
    third = api.get("/comments", query={"limit": "2", "cursor": second["next_cursor"]}, signed=True).json()

    assert [item["id"] for page in (first, second, third) for item in page["items"]] == ids
    assert third["next_cursor"] is None
    assert api.get("/comments", query={"cursor": "kaputt"}, signed=True).status == 400
    assert api.get("/comments", query={"status": "spam"}, signed=True).status == 422


def test_approving_publishes_and_counts_a_held_comment(api, post):
    comment = held(api)

    approved = moderate(api, "approve", comment["id"])

    assert approved.status == 200
    assert approved.json() == {
        "post_slug": "moderiert",
        "id": comment["id"],
        "parent_id": None,
        "status": "approved",
    }
    assert visible_ids(api) == [comment["id"]]
    assert count(api) == 1
    assert api.get("/comments", signed=True).json()["items"] == []


def test_approving_twice_changes_nothing(api, post):
    comment = held(api)
    moderate(api, "approve", comment["id"])

    again = moderate(api, "approve", comment["id"])

    assert again.status == 200
    assert again.json()["status"] == "approved"
    assert count(api) == 1


def test_spam_takes_a_held_comment_out_of_the_queue_without_counting_it(api, post):
    comment = held(api)

    spam = moderate(api, "spam", comment["id"])

    assert spam.json()["status"] == "spam"
    assert api.get("/comments", signed=True).json()["items"] == []
    assert count(api) == 0
    assert visible_ids(api) == []


def test_spam_takes_an_approved_comment_off_the_page_and_out_of_the_count(api, post):
    comment = submit(api, "Sah harmlos aus")

    moderate(api, "spam", comment["id"])

    assert visible_ids(api) == []
    assert count(api) == 0


def test_approving_spam_publishes_it_again(api, post):
    comment = submit(api, "Doch kein Spam")
    moderate(api, "spam", comment["id"])

    moderate(api, "approve", comment["id"])

    assert visible_ids(api) == [comment["id"]]
    assert count(api) == 1


def test_deleting_a_comment_without_replies_removes_it(api, post):
    comment = submit(api, "Weg damit")

    deleted = api.request("DELETE", f"/posts/moderiert/comments/{comment['id']}", signed=True)

    assert deleted.status == 204
    assert deleted.body == ""
    assert visible_ids(api) == []
    assert count(api) == 0
    assert api.request("DELETE", f"/posts/moderiert/comments/{comment['id']}", signed=True).status == 404


def test_deleting_a_comment_with_replies_leaves_a_tombstone(api, post):
    parent = submit(api, "Frage", name="Ada")
    reply = submit(api, "Antwort", name="Miriam", parent_id=parent["id"], ip="192.0.2.2")

    assert api.request("DELETE", f"/posts/moderiert/comments/{parent['id']}", signed=True).status == 204

    comments = api.get("/posts/moderiert").json()["comments"]
    assert [c["id"] for c in comments] == [parent["id"], reply["id"]]
    assert comments[0] | {"created_at": None} == {
        "id": parent["id"],
        "parent_id": None,
        "author_name": "",
        "author_url": None,
        "content_html": "",
        "created_at": None,
        "status": "deleted",
    }
    assert count(api) == 1
    assert moderate(api, "approve", parent["id"]).status == 409
    assert api.request("DELETE", f"/posts/moderiert/comments/{parent['id']}", signed=True).status == 204


def test_a_comment_whose_replies_are_all_deleted_is_removed_altogether(api, post):
    parent = submit(api, "Frage")
    reply = submit(api, "Antwort", name="Miriam", parent_id=parent["id"], ip="192.0.2.2")

    api.request("DELETE", f"/posts/moderiert/comments/{reply['id']}", signed=True)
    api.request("DELETE", f"/posts/moderiert/comments/{parent['id']}", signed=True)

    assert visible_ids(api) == []
    assert count(api) == 0


def test_deleting_a_held_comment_leaves_the_count_alone(api, post):
    submit(api, "Bleibt")
    comment = held(api, ip="192.0.2.3")

    assert api.request("DELETE", f"/posts/moderiert/comments/{comment['id']}", signed=True).status == 204
    assert count(api) == 1
    assert api.get("/comments", signed=True).json()["items"] == []


@pytest.mark.parametrize("comment_id", ["01ABCDEFGHJKMNPQ", "kein-kommentar", "01ABCDEFGHJKMNPQ.x"])
def test_an_unknown_comment_is_a_404(api, post, comment_id):
    for action in ("approve", "spam"):
        response = moderate(api, action, comment_id)
        assert response.status == 404
        assert response.json()["type"] in ("/problems/comment-not-found", "/problems/not-found")
    assert api.request("DELETE", f"/posts/moderiert/comments/{comment_id}", signed=True).status == 404


def test_a_comment_of_another_post_is_a_404(api, post, publish):
    publish("anderer")
    comment = api.post(
        "/posts/anderer/comments", json_body={"author_name": "A", "content": THREE_LINKS}
    ).json()

    assert moderate(api, "approve", comment["id"]).status == 404
    assert moderate(api, "approve", comment["id"], slug="anderer").status == 200


def items(dynamodb):
    return table_items(dynamodb)


def test_marking_a_comment_as_spam_deletes_it_after_the_retention_and_approving_keeps_it(api, post, dynamodb):
    comment = held(api)

    def stored():
        (item,) = [i for i in items(dynamodb) if i["sk"]["S"] == f"COMMENT#{comment['id']}"]
        return item

    started = time.time()
    moderate(api, "spam", comment["id"])
    assert started + 30 * 86400 - 5 <= int(stored()["expires_at"]["N"]) <= time.time() + 30 * 86400 + 5

    moderate(api, "approve", comment["id"])
    assert "expires_at" not in stored()


@pytest.mark.parametrize("removal", ["spam", "delete"])
def test_a_comment_deleted_or_marked_as_spam_no_longer_blocks_the_same_words(api, post, removal):
    words = {"author_name": "Bob", "content": "Kauft billige Uhren"}
    first = submit(api, words["content"], name="Bob")
    assert api.post("/posts/moderiert/comments", json_body=words, source_ip="192.0.2.2").status == 409

    if removal == "spam":
        moderate(api, "spam", first["id"])
    else:
        api.request("DELETE", f"/posts/moderiert/comments/{first['id']}", signed=True)

    again = submit(api, words["content"], name="Bob", ip="192.0.2.3")
    assert visible_ids(api) == [again["id"]]
    assert api.post("/posts/moderiert/comments", json_body=words, source_ip="192.0.2.4").status == 409


def test_a_guard_written_before_guards_expired_still_works_and_gives_way_once_its_comment_is_gone(
    api, post, dynamodb
):
    first = submit(api, "Ein alter Kommentar", name="Alt")
    # As the release before wrote it: no expiry.
    (guard,) = [i for i in items(dynamodb) if i["pk"]["S"].startswith("DUPLICATE#")]
    dynamodb.update_item(
        TableName=TABLE_NAME, Key={"pk": guard["pk"], "sk": guard["sk"]}, UpdateExpression="REMOVE expires_at"
    )
    repeat = {"author_name": "Alt", "content": "Ein alter Kommentar"}
    assert api.post("/posts/moderiert/comments", json_body=repeat, source_ip="192.0.2.5").status == 409

    assert api.request("DELETE", f"/posts/moderiert/comments/{first['id']}", signed=True).status == 204

    assert api.post("/posts/moderiert/comments", json_body=repeat, source_ip="192.0.2.6").status == 201
