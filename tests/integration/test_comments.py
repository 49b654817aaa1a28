"""Taking comments: POST /posts/{slug}/comments and reading them back in thread order."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from local.template import parameter_defaults
from tests.conftest import TABLE_NAME, iso

ADA = {"author_name": "Ada", "content": "Schöner Beitrag – danke!"}


@pytest.fixture
def post(publish):
    return publish("sommerfest")


def submit(api, slug="sommerfest", *, source_ip="192.0.2.10", headers=None, **comment):
    return api.post(f"/posts/{slug}/comments", json_body=comment, source_ip=source_ip, headers=headers)


def iso_in_days(days):
    return iso(datetime.now(UTC) + timedelta(days=days))


def test_an_approved_comment_is_stored_counted_and_shown(api, post):
    response = submit(api, **ADA, author_email="ada@example.org", author_url="https://ada.example")

    assert response.status == 201
    comment = response.json()
    assert response.headers["location"] == f"/posts/sommerfest/comments/{comment['id']}"
    assert comment["status"] == "approved"
    assert comment["parent_id"] is None
    assert comment["author_url"] == "https://ada.example"
    assert comment["content_html"] == "<p>Schöner Beitrag – danke!</p>\n"
    shown = api.get("/posts/sommerfest").json()
    assert shown["comments"] == [comment]
    assert shown["comment_count"] == 1
    assert api.get("/posts").json()["items"][0]["comment_count"] == 1


def test_the_email_address_is_never_returned(api, post):
    first = submit(api, **ADA, author_email="geheim@example.org")

    for body in (first.body, api.get("/posts/sommerfest").body, api.get("/posts/sommerfest/comments").body):
        assert "geheim@example.org" not in body
        assert "author_email" not in body


def test_replies_nest_under_their_parent_in_thread_order(api, post):
    first = submit(api, author_name="Ada", content="Erster").json()
    second = submit(api, author_name="Bob", content="Zweiter", source_ip="192.0.2.11").json()
    reply = submit(api, author_name="Miriam", content="Antwort an Ada", parent_id=first["id"]).json()
    reply_to_reply = submit(
        api, author_name="Ada", content="Danke!", parent_id=reply["id"], source_ip="192.0.2.12"
    ).json()

    comments = api.get("/posts/sommerfest").json()["comments"]

    assert [c["id"] for c in comments] == [first["id"], reply["id"], reply_to_reply["id"], second["id"]]
    assert reply["parent_id"] == first["id"]
    assert reply_to_reply["parent_id"] == reply["id"]


def test_a_reply_must_answer_an_approved_comment_of_the_same_post(api, post, publish):
    publish("anderer-beitrag")
    elsewhere = submit(api, "anderer-beitrag", **ADA).json()
    held = submit(
        api, author_name="Spam", content="https://a.example https://b.example https://c.example"
    ).json()

    for parent_id in (elsewhere["id"], held["id"], "01ABCDEFGHJKMNPQ"):
        response = submit(
            api, author_name="Bob", content="Antwort", parent_id=parent_id, source_ip="192.0.2.20"
        )
        assert response.status == 422, parent_id
        assert response.json()["type"] == "/problems/invalid-parent"


@pytest.mark.parametrize("parameter_overrides", [{"MaxCommentDepth": "2"}])
def test_replies_nest_no_deeper_than_the_parameter(api, post, parameter_overrides):
    top = submit(api, author_name="A", content="1").json()
    reply = submit(api, author_name="B", content="2", parent_id=top["id"]).json()

    too_deep = submit(api, author_name="C", content="3", parent_id=reply["id"])

    assert too_deep.status == 422
    assert too_deep.json()["type"] == "/problems/thread-too-deep"


def test_a_comment_with_too_many_links_waits_for_moderation(api, post):
    response = submit(api, author_name="Link", content="https://a.example http://b.example www.c.example")

    assert response.status == 201
    assert response.json()["status"] == "pending"
    post_now = api.get("/posts/sommerfest").json()
    assert post_now["comments"] == []
    assert post_now["comment_count"] == 0


def test_links_in_any_markdown_spelling_are_counted_as_the_reader_gets_them(api, post):
    disguised = (
        "[a](//a.example) [b](https&#58;//b.example) [c](https\\://c.example) "
        "[d](HTTPS&colon;//d.example) [e](//e.example)"
    )

    response = submit(api, author_name="Link", content=disguised)

    assert response.json()["status"] == "pending"
    assert api.get("/posts/sommerfest").json()["comments"] == []


@pytest.mark.parametrize("parameter_overrides", [{"CommentModeration": "all"}])
def test_moderation_all_holds_every_comment(api, post, parameter_overrides):
    response = submit(api, **ADA)

    assert response.json()["status"] == "pending"
    assert api.get("/posts/sommerfest").json()["comments"] == []


def test_a_comment_on_an_unknown_or_unpublished_post_is_a_404(api, publish):
    draft = api.put(
        "/posts/entwurf",
        json_body={"title": "T", "content": "C", "author": "A", "category": "K"},
        signed=True,
    )
    assert draft.status == 201, draft.body
    publish("geplant", days_ago=-1)

    for slug in ("gibt-es-nicht", "entwurf", "geplant", "UNGÜLTIG"):
        response = submit(api, slug, **ADA)
        assert response.status == 404, slug
        assert response.json()["type"] == "/problems/post-not-found"


def test_a_closed_thread_refuses_comments_with_403(api, post):
    api.post("/posts/sommerfest/close", signed=True)

    response = submit(api, **ADA)

    assert response.status == 403
    assert response.json() == {
        "type": "/problems/comments-closed",
        "title": "Forbidden",
        "status": 403,
        "detail": "Comments are closed for this post.",
    }
    assert api.get("/posts/sommerfest").json()["comment_count"] == 0


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "7"}])
def test_a_post_past_the_age_limit_is_closed_without_the_daily_job(api, publish, parameter_overrides):
    publish("alt", days_ago=8)
    publish("neu", days_ago=6)

    old = submit(api, "alt", **ADA)
    assert old.status == 403
    assert "automatically" in old.json()["detail"]
    assert submit(api, "neu", **ADA).status == 201


def test_the_same_comment_twice_is_a_409(api, post):
    assert submit(api, **ADA).status == 201

    again = submit(api, author_name="ada", content=ADA["content"] + "\n", source_ip="198.51.100.1")

    assert again.status == 409
    assert again.json()["type"] == "/problems/duplicate-comment"
    assert api.get("/posts/sommerfest").json()["comment_count"] == 1


def test_the_same_text_by_someone_else_is_welcome(api, post):
    assert submit(api, **ADA).status == 201
    assert submit(api, author_name="Bob", content=ADA["content"]).status == 201


def test_more_comments_than_the_rate_limit_from_one_address_are_a_429(api, post, template):
    limit = int(parameter_defaults(template)["CommentsPerMinutePerClient"])
    for n in range(limit):
        assert submit(api, author_name="Ada", content=f"Kommentar {n}").status == 201

    refused = submit(api, author_name="Ada", content=f"Kommentar {limit}")

    assert refused.status == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["type"] == "/problems/rate-limited"
    assert submit(api, author_name="Bob", content="Anderer Absender", source_ip="192.0.2.99").status == 201
    assert api.get("/posts/sommerfest").json()["comment_count"] == limit + 1


def test_a_retry_with_the_same_idempotency_key_returns_the_first_comment(api, post):
    key = {"Idempotency-Key": "9b2f6c1e-4d1a-4c7e-9f5e-0a1b2c3d4e5f"}

    first = submit(api, headers=key, **ADA)
    retry = submit(api, headers=key, **ADA)

    assert first.status == 201
    assert retry.status == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert api.get("/posts/sommerfest").json()["comment_count"] == 1
    assert len(api.get("/posts/sommerfest").json()["comments"]) == 1


def test_an_idempotency_key_reused_for_another_comment_is_a_422(api, post):
    key = {"Idempotency-Key": "same-key"}
    submit(api, headers=key, **ADA)

    response = submit(api, headers=key, author_name="Ada", content="Etwas anderes")

    assert response.status == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"author_name": "Ada"},
        {"content": "Nur Text"},
        {**ADA, "is_admin": True},
        {**ADA, "author_name": "x" * 81},
        {**ADA, "content": "x" * 5001},
        {**ADA, "content": "   "},
        {**ADA, "content": "Escape\x1b[31m"},
        {**ADA, "author_email": "keine-adresse"},
        {**ADA, "author_url": "javascript:alert(1)"},
        {**ADA, "parent_id": "../../admin"},
        {**ADA, "author_name": 42},
        [ADA],
        "Text",
    ],
)
def test_an_invalid_comment_is_a_422_problem_naming_the_field(api, post, body):
    response = api.post("/posts/sommerfest/comments", json_body=body)

    assert response.status == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["errors"]
    assert all(error["loc"][0] == "body" and error["msg"] for error in problem["errors"])


@pytest.mark.parametrize("key", ["", "x" * 256, "mit leerzeichen", "ümlaut"])
def test_an_invalid_idempotency_key_is_a_422(api, post, key):
    response = submit(api, headers={"Idempotency-Key": key}, **ADA)

    assert response.status == 422
    assert response.json()["errors"][0]["loc"] == ["header", "idempotency-key"]


@pytest.mark.parametrize("body", [b"{kaputt", b'{"author_name": "Ada", '])
def test_malformed_json_is_a_400_problem(api, post, body):
    response = api.post("/posts/sommerfest/comments", body=body, headers={"content-type": "application/json"})

    assert response.status == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/malformed-json"


def test_an_empty_body_is_a_missing_body_422(api, post):
    response = api.post("/posts/sommerfest/comments", body=b"", headers={"content-type": "application/json"})

    assert response.status == 422
    assert response.json()["errors"] == [{"loc": ["body"], "msg": "Field required"}]


def test_a_body_in_another_format_is_a_415(api, post):
    response = api.post(
        "/posts/sommerfest/comments", body=b"<xml/>", headers={"content-type": "application/xml"}
    )

    assert response.status == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_a_body_over_64_kb_is_a_413(api, post):
    body = json.dumps({**ADA, "content": "x" * (65 * 1024)}).encode()

    response = api.post("/posts/sommerfest/comments", body=body, headers={"content-type": "application/json"})

    assert response.status == 413
    assert response.json()["type"] == "/problems/request-too-large"


def test_every_answer_is_marked_nosniff(api, post):
    for response in (submit(api, **ADA), api.get("/posts/sommerfest"), api.get("/posts/gibt-es-nicht")):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_text_of_a_comment_survives_byte_for_byte(api, post):
    text = "„Grüße“ – aus Köln\u00a0🙂\nneue Zeile"

    comment = submit(api, author_name="Jörg Weiß", content=text).json()

    assert comment["author_name"] == "Jörg Weiß"
    assert comment["content_html"] == "<p>„Grüße“ – aus Köln\u00a0🙂<br>\nneue Zeile</p>\n"


def test_comments_page_in_thread_order_with_a_cursor(api, post, monkeypatch):
    monkeypatch.setattr("blog.reading.COMMENTS_PER_PAGE", 2)
    ids = [
        submit(api, author_name=f"Leser {n}", content="Hallo", source_ip=f"192.0.2.{n}").json()["id"]
        for n in range(5)
    ]

    first = api.get("/posts/sommerfest").json()
    second = api.get("/posts/sommerfest/comments", query={"cursor": first["comments_next_cursor"]}).json()
    third = api.get("/posts/sommerfest/comments", query={"cursor": second["next_cursor"]}).json()

    assert [c["id"] for c in first["comments"] + second["items"] + third["items"]] == ids
    assert third["next_cursor"] is None
    assert api.get("/posts/sommerfest/comments").json()["items"] == first["comments"]


def test_a_comment_cursor_of_another_post_is_a_400(api, post, publish, monkeypatch):
    monkeypatch.setattr("blog.reading.COMMENTS_PER_PAGE", 1)
    publish("anderer-beitrag")
    for n in range(2):
        submit(api, "anderer-beitrag", author_name=f"Leser {n}", content="Hallo")
    foreign = api.get("/posts/anderer-beitrag").json()["comments_next_cursor"]

    response = api.get("/posts/sommerfest/comments", query={"cursor": foreign})

    assert response.status == 400
    assert response.json()["type"] == "/problems/invalid-cursor"


def test_a_filled_honeypot_looks_held_but_is_kept_out_of_the_queue_and_the_page(api, post):
    response = submit(api, author_name="Bot", content="Günstige Uhren", website="https://spam.example")

    assert response.status == 201
    assert response.json()["status"] == "pending"
    assert api.get("/posts/sommerfest").json()["comments"] == []
    assert api.get("/posts/sommerfest").json()["comment_count"] == 0
    assert api.get("/comments", signed=True).json()["items"] == []


def test_the_client_address_is_stored_only_as_a_keyed_hash_that_expires(api, post, dynamodb):
    address = "203.0.113.77"
    submit(api, **ADA, source_ip=address)

    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]

    assert address not in json.dumps(items)
    (counter,) = [item for item in items if item["pk"]["S"].startswith("RATE#")]
    assert int(counter["expires_at"]["N"]) <= time.time() + 180


def test_a_body_that_is_not_utf8_is_a_400(api, post):
    response = api.post(
        "/posts/sommerfest/comments",
        body=b'{"author_name": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )

    assert response.status == 400
    assert response.json()["type"] == "/problems/malformed-body"


@pytest.mark.parametrize("withdrawn", [{"published_at": None}, {"published_at": iso_in_days(1)}])
def test_a_cursor_of_a_post_withdrawn_since_is_a_404(api, post, publish, monkeypatch, withdrawn):
    monkeypatch.setattr("blog.reading.COMMENTS_PER_PAGE", 1)
    for n in range(3):
        submit(api, author_name=f"Leser {n}", content="Hallo", source_ip=f"192.0.2.{n}")
    cursor = api.get("/posts/sommerfest").json()["comments_next_cursor"]
    assert api.get("/posts/sommerfest/comments", query={"cursor": cursor}).status == 200

    publish("sommerfest", **withdrawn)

    response = api.get("/posts/sommerfest/comments", query={"cursor": cursor})
    assert response.status == 404
    assert response.json()["type"] == "/problems/post-not-found"


def test_a_thread_longer_than_one_query_can_read_is_paged_to_its_end(api, publish):
    # A 200 KB post and 50 comments of 5,000 three-byte characters (15 KB of text, as much again
    # of HTML): far more than the 1 MB at which DynamoDB ends a Query before its Limit.
    publish("lang", content="Ein langer Beitrag. " * 5_000)
    ids = [
        submit(api, "lang", author_name=f"Leser {n}", content="€" * 5000, source_ip=f"198.51.100.{n}").json()[
            "id"
        ]
        for n in range(50)
    ]

    first = api.get("/posts/lang").json()
    read, cursor = [c["id"] for c in first["comments"]], first["comments_next_cursor"]
    while cursor is not None:
        page = api.get("/posts/lang/comments", query={"cursor": cursor}).json()
        read += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]

    assert len(first["comments"]) < 50
    assert read == ids


def duplicate_guards(dynamodb):
    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]
    return [item for item in items if item["pk"]["S"].startswith("DUPLICATE#")]


def test_a_honeypot_comment_in_someone_elses_name_does_not_block_theirs(api, post, dynamodb):
    bot = submit(api, **ADA, website="https://spam.example", source_ip="203.0.113.66")
    assert bot.status == 201

    real = submit(api, **ADA, source_ip="192.0.2.20")

    assert real.status == 201
    assert real.json()["status"] == "approved"
    assert [guard["comment_id"]["S"] for guard in duplicate_guards(dynamodb)] == [real.json()["id"]]


def test_a_duplicate_guard_expires_after_a_day_also_before_ttl_deletes_it(api, post, dynamodb):
    started = time.time()
    assert submit(api, **ADA).status == 201
    (guard,) = duplicate_guards(dynamodb)
    expires_at = int(guard["expires_at"]["N"])
    assert started + 24 * 3600 - 5 <= expires_at <= time.time() + 24 * 3600 + 5

    # A day later: DynamoDB's TTL deletes expired items late (within days), so the guard is still there.
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key={"pk": guard["pk"], "sk": guard["sk"]},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )

    assert submit(api, **ADA, source_ip="198.51.100.1").status == 201
    assert api.get("/posts/sommerfest").json()["comment_count"] == 2


def spam_items(dynamodb):
    items = dynamodb.scan(TableName=TABLE_NAME)["Items"]
    return [item for item in items if item.get("status", {}).get("S") == "spam"]


@pytest.mark.parametrize("parameter_overrides", [{"SpamRetentionDays": "3"}])
def test_honeypot_spam_and_its_email_are_deleted_after_the_retention(
    api, post, dynamodb, parameter_overrides
):
    started = time.time()
    submit(api, **ADA, author_email="bot@example.org", website="https://spam.example")

    (spam,) = spam_items(dynamodb)

    assert spam["author_email"]["S"] == "bot@example.org"
    assert started + 3 * 86400 - 5 <= int(spam["expires_at"]["N"]) <= time.time() + 3 * 86400 + 5


def test_a_reply_in_the_same_words_by_the_same_author_as_its_parent_is_a_409(api, post):
    first = submit(api, **ADA).json()

    reply = submit(api, **ADA, parent_id=first["id"], source_ip="198.51.100.2")

    assert reply.status == 409
    assert reply.json()["type"] == "/problems/duplicate-comment"
