"""A reader's data on request (GDPR Art. 15 and 17): exported completely, then erased, with threads
keeping their shape and counts exact, and no one else's data touched."""

import json

import pytest

from blog.keys import email_hash
from blog.store.keys import comment_key, suppression_key
from tests.conftest import TABLE_NAME
from tests.tables import table_items

LENA = "lena.fischer@example.org"
TOM = "tom.becker@example.org"
POSTS = ("gartenfest", "repair-cafe", "lesekreis")


def comment(api, slug, name, email, content, *, parent_id=None, ip="192.0.2.1", headers=None, notify=False):
    body = {"author_name": name, "author_email": email, "content": content, "notify_replies": notify}
    if parent_id:
        body["parent_id"] = parent_id
    response = api.post(f"/posts/{slug}/comments", json_body=body, source_ip=ip, headers=headers)
    assert response.status == 201, response.body
    return response.json()


def item(dynamodb, key):
    return dynamodb.get_item(TableName=TABLE_NAME, Key=key, ConsistentRead=True).get("Item")


def items_with_prefix(dynamodb, prefix):
    return [entry for entry in table_items(dynamodb) if entry["pk"]["S"].startswith(prefix)]


def unname_their_records(dynamodb, slug, comment_id):
    """As comments were written before 0.3.0: not naming their duplicate guard and idempotency
    record."""
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key=comment_key(slug, comment_id),
        UpdateExpression="REMOVE guard_pk, idempotency_pk",
    )


@pytest.fixture
def blog(api, publish, dynamodb):
    """Lena's comments on three posts (Tom replied to the second; she asked to hear of replies to the
    first), her own reply to Tom; Tom's comments."""
    for slug in POSTS:
        publish(slug)
    lena = {
        "first": comment(
            api, "gartenfest", "Lena Fischer", LENA, "Wann geht es los?", ip="192.0.2.1", notify=True
        ),
        "second": comment(api, "repair-cafe", "Lena Fischer", LENA, "Toller „Nachmittag“!", ip="192.0.2.2"),
        "third": comment(
            api,
            "lesekreis",
            "Lena F.",
            LENA.upper(),
            "Ich bringe Kuchen mit – äöü 🍰",
            ip="192.0.2.3",
            headers={"Idempotency-Key": "lena-lesekreis-1"},
        ),
    }
    tom = {
        "reply": comment(
            api,
            "repair-cafe",
            "Tom Becker",
            TOM,
            "Danke, Lena!",
            parent_id=lena["second"]["id"],
            ip="192.0.2.4",
        ),
        "own": comment(api, "gartenfest", "Tom Becker", TOM, "Um zehn Uhr.", ip="192.0.2.5"),
    }
    lena["answer"] = comment(
        api, "gartenfest", "Lena Fischer", LENA, "Danke, Tom.", parent_id=tom["own"]["id"], ip="192.0.2.6"
    )
    unname_their_records(dynamodb, "gartenfest", lena["first"]["id"])
    return lena, tom


def export(api, address):
    response = api.post("/admin/readers/data", json_body={"email": address}, signed=True)
    assert response.status == 200, response.body
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def forget(api, address):
    response = api.post("/admin/readers/forget", json_body={"email": address}, signed=True)
    assert response.status == 200, response.body
    return response.json()


def thread(api, slug):
    post = api.get(f"/posts/{slug}").json()
    return post["comment_count"], [
        (c["id"], c["parent_id"], c["author_name"], c["status"]) for c in post["comments"]
    ]


def test_the_export_holds_every_comment_the_subscription_and_the_suppression_state(api, blog):
    lena, _ = blog

    data = export(api, "Lena.Fischer@Example.org")

    assert data["email"] == "Lena.Fischer@Example.org"
    assert {(c["post_slug"], c["id"], c["status"]) for c in data["comments"]} == {
        ("gartenfest", lena["first"]["id"], "approved"),
        ("repair-cafe", lena["second"]["id"], "approved"),
        ("lesekreis", lena["third"]["id"], "approved"),
        ("gartenfest", lena["answer"]["id"], "approved"),
    }
    third = next(c for c in data["comments"] if c["id"] == lena["third"]["id"])
    assert third == {
        "post_slug": "lesekreis",
        "id": lena["third"]["id"],
        "parent_id": None,
        "author_name": "Lena F.",
        "author_email": LENA.upper(),
        "author_url": None,
        "content": "Ich bringe Kuchen mit – äöü 🍰",
        "created_at": lena["third"]["created_at"],
        "status": "approved",
    }
    assert [(s["post_slug"], s["comment_id"], s["confirmed"]) for s in data["subscriptions"]] == [
        ("gartenfest", lena["first"]["id"], False)
    ]
    assert data["suppression"] is None


def test_forgetting_erases_everything_keeps_threads_and_counts_and_suppresses_the_address(
    api, blog, dynamodb
):
    lena, tom = blog
    tom_before = export(api, TOM)

    summary = forget(api, LENA)

    assert {key: value for key, value in summary.items() if key != "expiring"} == {
        "comments_removed": 3,
        "comments_tombstoned": 1,
        "subscriptions_removed": 1,
        "duplicate_guards_removed": 3,
        "idempotency_records_removed": 1,
        "suppressed_now": True,
    }
    # Comments written before comments named their guard and idempotency record: TTL deletes those.
    expiring = {(r["record"], r["comment_id"]) for r in summary["expiring"]}
    assert ("duplicate-guard", lena["first"]["id"]) in expiring
    assert ("idempotency-record", lena["third"]["id"]) not in expiring
    # Sent without an Idempotency-Key since comments name their records: it has none to expire.
    assert ("idempotency-record", lena["second"]["id"]) not in expiring
    assert ("duplicate-guard", lena["third"]["id"]) not in expiring
    # The second post keeps Lena's comment as a tombstone, because Tom replied to it.
    assert thread(api, "repair-cafe") == (
        1,
        [
            (lena["second"]["id"], None, "", "deleted"),
            (tom["reply"]["id"], lena["second"]["id"], "Tom Becker", "approved"),
        ],
    )
    assert thread(api, "gartenfest") == (1, [(tom["own"]["id"], None, "Tom Becker", "approved")])
    assert thread(api, "lesekreis") == (0, [])
    toms = item(dynamodb, comment_key("gartenfest", tom["own"]["id"]))
    assert toms["reply_count"] == {"N": "0"}
    # Nothing in the table names her, her words or her records any more; the suppression entry holds
    # the keyed hash of her address alone.
    everything = json.dumps(table_items(dynamodb), ensure_ascii=False).casefold()
    for trace in (LENA, "lena fischer", "lena f.", "kuchen", "wann geht es los", "nachmittag", "danke, tom"):
        assert trace.casefold() not in everything, trace
    assert items_with_prefix(dynamodb, "IDEMPOTENCY#") == []
    assert not any(
        g["comment_id"]["S"] == lena["third"]["id"] for g in items_with_prefix(dynamodb, "DUPLICATE#")
    )
    suppression = item(dynamodb, suppression_key(email_hash(LENA)))
    assert suppression["reason"] == {"S": "unsubscribed"}
    assert set(suppression) == {"pk", "sk", "email_hash", "reader_pk", "reason", "created_at"}
    # Tom's data is as it was.
    assert export(api, TOM) == tom_before
    # What is left under her address: the suppression, nothing else.
    after = export(api, LENA)
    assert (after["comments"], after["subscriptions"]) == ([], [])
    assert after["suppression"]["reason"] == "unsubscribed"


def test_forgetting_again_finds_nothing_more_to_do(api, blog, dynamodb):
    forget(api, LENA)
    before = table_items(dynamodb)

    again = forget(api, LENA)

    assert again == {
        "comments_removed": 0,
        "comments_tombstoned": 0,
        "subscriptions_removed": 0,
        "duplicate_guards_removed": 0,
        "idempotency_records_removed": 0,
        "suppressed_now": False,
        "expiring": [],
    }
    assert sorted(map(json.dumps, table_items(dynamodb))) == sorted(map(json.dumps, before))


def test_a_suppression_already_there_keeps_its_reason(api, blog, dynamodb):
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            **suppression_key(email_hash(LENA)),
            "email_hash": {"S": email_hash(LENA)},
            "reason": {"S": "bounce"},
            "created_at": {"S": "2026-01-02T03:04:05Z"},
        },
    )

    assert forget(api, LENA)["suppressed_now"] is False
    assert item(dynamodb, suppression_key(email_hash(LENA)))["reason"] == {"S": "bounce"}


def test_an_address_with_nothing_stored_is_suppressed_and_exported_empty(api, dynamodb):
    assert export(api, "niemand@example.org") == {
        "email": "niemand@example.org",
        "comments": [],
        "subscriptions": [],
        "suppression": None,
    }
    assert forget(api, "niemand@example.org")["suppressed_now"] is True
    assert export(api, "niemand@example.org")["suppression"]["reason"] == "unsubscribed"


@pytest.mark.parametrize("body", [{}, {"email": "keine-adresse"}, {"email": LENA, "name": "x"}])
def test_a_request_without_one_valid_address_is_refused(api, dynamodb, body):
    for route in ("/admin/readers/data", "/admin/readers/forget"):
        response = api.post(route, json_body=body, signed=True)
        assert response.status == 422, response.body
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("parameter_overrides", [{"HeldCommentRetentionDays": "7"}])
def test_a_held_comment_expires_after_the_retention_unless_approved(
    api, publish, dynamodb, parameter_overrides
):
    import time

    publish("gehalten")
    started = time.time()
    links = "http://a.example http://b.example http://c.example"
    held = comment(api, "gehalten", "Lena Fischer", LENA, f"Drei Verweise: {links}")
    assert held["status"] == "pending"
    key = comment_key("gehalten", held["id"])

    expires_at = int(item(dynamodb, key)["expires_at"]["N"])
    assert started + 7 * 86400 - 5 <= expires_at <= time.time() + 7 * 86400 + 5

    approved = api.post(f"/posts/gehalten/comments/{held['id']}/approve", signed=True)
    assert approved.status == 200, approved.body
    assert "expires_at" not in item(dynamodb, key)


@pytest.fixture
def dynamodb_calls(api):
    """The DynamoDB operations the handlers' client makes, in order."""
    from blog import store as blog_store

    calls = []

    def record(model, **_):
        calls.append(model.name)

    client = blog_store.dynamodb_client()
    client.meta.events.register("before-call.dynamodb", record)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", record)


def test_export_is_one_query_and_forget_one_more_transaction(api, blog, dynamodb_calls):
    dynamodb_calls.clear()
    export(api, LENA)
    assert dynamodb_calls == ["Query"]

    dynamodb_calls.clear()
    forget(api, LENA)
    # A transaction cannot find what it erases: the Query first, then one transaction for a reader
    # with fewer comments than fit in one (sixteen).
    assert dynamodb_calls == ["Query", "TransactWriteItems"]


def test_a_reader_with_more_comments_than_one_transaction_holds_is_erased_in_several(
    api, publish, dynamodb, dynamodb_calls
):
    publish("viele")
    for number in range(40):
        comment(api, "viele", "Lena Fischer", LENA, f"Kommentar {number}", ip=f"10.0.1.{number}")
    # A thread of her own, each a reply to the one before, written last: the erasure goes deepest
    # first, so the replies go in the first transaction and the thread's first comment in the last;
    # having lost its only reply, it is removed too, not kept as a tombstone.
    chain = [comment(api, "viele", "Lena Fischer", LENA, "Der Anfang", ip="10.0.0.0")]
    for number in range(1, 4):
        chain.append(
            comment(
                api,
                "viele",
                "Lena Fischer",
                LENA,
                f"Antwort {number}",
                parent_id=chain[-1]["id"],
                ip=f"10.0.0.{number}",
            )
        )
    assert api.get("/posts/viele").json()["comment_count"] == 44

    dynamodb_calls.clear()
    summary = forget(api, LENA)

    assert (summary["comments_removed"], summary["comments_tombstoned"]) == (44, 0)
    # 16 comments surely fit in one transaction beside the suppression: three, none spent on a
    # count read before an earlier transaction changed it.
    assert dynamodb_calls == ["Query", "TransactWriteItems", "TransactWriteItems", "TransactWriteItems"]
    assert thread(api, "viele") == (0, [])
    assert [entry for entry in table_items(dynamodb) if entry["sk"]["S"].startswith("COMMENT#")] == []


def test_a_reply_written_between_the_read_and_the_erasure_keeps_the_comment_as_a_tombstone(
    api, publish, dynamodb, dynamodb_calls
):
    from blog.store import get_store
    from blog.timestamps import utc_now

    publish("spaet")
    lenas = comment(api, "spaet", "Lena Fischer", LENA, "Gleich geht es los.", ip="192.0.2.1")
    store = get_store()
    hashed = email_hash(LENA)
    found = store.reader_items(f"READER#{hashed}")
    # Tom answers after the erasure read Lena's comment as unanswered.
    toms = comment(api, "spaet", "Tom Becker", TOM, "Ich komme auch.", parent_id=lenas["id"], ip="192.0.2.2")

    dynamodb_calls.clear()
    counts = store.erase_reader(hashed, f"READER#{hashed}", found, now=utc_now())

    # The first transaction's condition fails and returns the comment as it is now: planned again.
    assert dynamodb_calls == ["TransactWriteItems", "TransactWriteItems"]
    assert (counts.comments_removed, counts.comments_tombstoned) == (0, 1)
    assert thread(api, "spaet") == (
        1,
        [(lenas["id"], None, "", "deleted"), (toms["id"], lenas["id"], "Tom Becker", "approved")],
    )


def test_an_idempotency_record_another_submission_holds_now_is_not_erased(api, publish, dynamodb):
    publish("gartenfest")
    lenas = comment(
        api, "gartenfest", "Lena Fischer", LENA, "Wann geht es los?", headers={"Idempotency-Key": "frage-1"}
    )
    (record,) = items_with_prefix(dynamodb, "IDEMPOTENCY#")
    # A day on, the record expired and the same key, sent with another comment, wrote it anew.
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key={"pk": record["pk"], "sk": record["sk"]},
        UpdateExpression="SET comment_id = :other",
        ExpressionAttributeValues={":other": {"S": "01M91WCGKVGBA6R3"}},
    )

    summary = forget(api, LENA)

    assert record["comment_id"] == {"S": lenas["id"]}
    assert (summary["comments_removed"], summary["idempotency_records_removed"]) == (1, 0)
    assert [kept["comment_id"] for kept in items_with_prefix(dynamodb, "IDEMPOTENCY#")] == [
        {"S": "01M91WCGKVGBA6R3"}
    ]


def test_an_idempotency_record_written_before_records_named_their_comment_is_erased(api, publish, dynamodb):
    publish("gartenfest")
    comment(api, "gartenfest", "Lena Fischer", LENA, "Wann geht es los?", headers={"Idempotency-Key": "f-2"})
    (record,) = items_with_prefix(dynamodb, "IDEMPOTENCY#")
    dynamodb.update_item(
        TableName=TABLE_NAME,
        Key={"pk": record["pk"], "sk": record["sk"]},
        UpdateExpression="REMOVE comment_id",
    )

    summary = forget(api, LENA)

    assert summary["idempotency_records_removed"] == 1
    assert items_with_prefix(dynamodb, "IDEMPOTENCY#") == []
