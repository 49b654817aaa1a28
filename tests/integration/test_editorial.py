"""Editorial routes: an editor's lists of drafts, scheduled and published posts, a preview of any
post, and deleting a post with everything of it."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blog import editorial
from blog.errors import ServiceUnavailable
from blog.models import CommentStatus, PostStatus, StoredComment
from blog.store import dynamodb_client, get_store
from blog.store.keys import comment_item, duplicate_guard_pk, idempotency_record_pk, to_item
from local.context import LocalLambdaContext
from local.events import http_api_event
from tests.conftest import TABLE_NAME, iso
from tests.inprocess import OPERATOR

ADA = {"author_name": "Ada", "content": "Schöner Beitrag – danke!"}


def post_fields(**fields):
    return {
        "title": "Rückblick auf das Sommerfest",
        "content": "Ein *kurzer* Text über „Netzwerke“.",
        "author": "Miriam Albers",
        "category": "Kooperation & Netzwerke",
        "tags": ["Ehrenamt"],
        **fields,
    }


def put(api, slug, **fields):
    return api.put(f"/posts/{slug}", json_body=post_fields(**fields), signed=True)


def in_days(days):
    return iso(datetime.now(UTC) + timedelta(days=days))


def listed(api, status, **query):
    response = api.get("/admin/posts", query={"status": status, **query}, signed=True)
    assert response.status == 200, response.body
    return response.json()


def slugs(page):
    return [item["slug"] for item in page["items"]]


def delete(api, slug):
    return api.request("DELETE", f"/posts/{slug}", signed=True)


def items_of(dynamodb, pk):
    return dynamodb.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )["Items"]


def every_item(dynamodb):
    items, request = [], {"TableName": TABLE_NAME}
    while True:
        page = dynamodb.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def left_behind(dynamodb):
    """Every item in the table but the rate-limit counters, which count a client, not a post, and
    expire within two minutes."""
    return [item for item in every_item(dynamodb) if not item["pk"]["S"].startswith("RATE#")]


def test_a_post_moves_from_draft_to_scheduled_to_published_to_deleted(api):
    assert put(api, "sommerfest").status == 201
    draft = listed(api, "draft")
    assert slugs(draft) == ["sommerfest"]
    assert draft["items"][0]["status"] == "draft"
    assert draft["items"][0]["published_at"] is None
    assert api.get("/admin/posts/sommerfest", signed=True).json()["status"] == "draft"
    assert api.get("/posts/sommerfest").status == 404

    assert put(api, "sommerfest", published_at=in_days(2)).status == 200
    assert slugs(listed(api, "draft")) == []
    scheduled = listed(api, "scheduled")
    assert slugs(scheduled) == ["sommerfest"]
    assert scheduled["items"][0]["status"] == "scheduled"
    assert slugs(listed(api, "published")) == []
    assert api.get("/posts/sommerfest").status == 404
    assert slugs(api.get("/posts").json()) == []

    assert put(api, "sommerfest", published_at=in_days(-1)).status == 200
    published = listed(api, "published")
    assert slugs(published) == ["sommerfest"]
    assert published["items"][0]["status"] == "published"
    assert slugs(listed(api, "scheduled")) == []
    assert api.get("/posts/sommerfest").status == 200

    assert delete(api, "sommerfest").status == 204
    for status in ("draft", "scheduled", "published"):
        assert slugs(listed(api, status)) == []
    assert api.get("/posts/sommerfest").status == 404
    assert api.get("/admin/posts/sommerfest", signed=True).status == 404


def test_a_scheduled_post_becomes_published_by_time_alone():
    now = datetime.now(UTC)
    publication = now + timedelta(days=1)

    assert editorial.post_status(publication, now) is PostStatus.SCHEDULED
    assert editorial.post_status(publication, publication) is PostStatus.PUBLISHED
    assert editorial.post_status(None, publication) is PostStatus.DRAFT


def test_drafts_come_latest_changed_first_and_scheduled_soonest_first(api):
    put(api, "alt")
    put(api, "neu")
    time.sleep(1.1)  # timestamps are to the second
    put(api, "alt", title="Überarbeitet")
    put(api, "spaeter", published_at=in_days(3))
    put(api, "frueher", published_at=in_days(1))
    put(api, "gestern", published_at=in_days(-1))
    put(api, "vorgestern", published_at=in_days(-2))

    assert slugs(listed(api, "draft"))[0] == "alt"
    assert slugs(listed(api, "scheduled")) == ["frueher", "spaeter"]
    assert slugs(listed(api, "published")) == ["gestern", "vorgestern"]


def test_the_lists_page_with_cursors_of_their_own(api):
    for number in range(5):
        put(api, f"entwurf-{number}")
        put(api, f"geplant-{number}", published_at=in_days(number + 1))

    seen = []
    page = listed(api, "scheduled", limit="2")
    while True:
        seen += slugs(page)
        if page["next_cursor"] is None:
            break
        page = listed(api, "scheduled", limit="2", cursor=page["next_cursor"])
    first_drafts = listed(api, "draft", limit="2")
    foreign = api.get(
        "/admin/posts", query={"status": "scheduled", "cursor": first_drafts["next_cursor"]}, signed=True
    )

    assert seen == [f"geplant-{number}" for number in range(5)]
    assert foreign.status == 400


def test_a_scheduled_cursor_whose_post_is_published_since_goes_on_with_the_soonest_still_scheduled(
    api,
):
    # DynamoDB answers a start key outside the key condition (`published_at > :now`) with a
    # ValidationException ("The provided starting key is outside query boundaries"); moto does not,
    # so the queries sent are checked too.
    now = datetime.now(UTC)
    for number in range(1, 4):
        put(api, f"geplant-{number}", published_at=iso(now + timedelta(days=number)))
    store = get_store()
    first, cursor = store.list_scheduled(limit=1, after=None, now=now)
    queries = []

    def record(params, **_):
        queries.append(params)

    events = dynamodb_client().meta.events
    events.register("provide-client-params.dynamodb.Query", record, unique_id="scheduled")
    try:
        # A day and a half on, geplant-1 is published and the cursor points at a past time.
        later = now + timedelta(days=1, hours=12)
        second, _ = store.list_scheduled(limit=1, after=cursor, now=later)
    finally:
        events.unregister("provide-client-params.dynamodb.Query", unique_id="scheduled")

    assert [post.slug for post in first] == ["geplant-1"]
    assert [post.slug for post in second] == ["geplant-2"]
    (query,) = queries
    start = query.get("ExclusiveStartKey", {}).get("published_at", {}).get("S")
    assert start is None or start > query["ExpressionAttributeValues"][":now"]["S"]


def test_an_unknown_status_is_a_422(api):
    response = api.get("/admin/posts", query={"status": "spam"}, signed=True)

    assert response.status == 422
    assert api.get("/admin/posts", signed=True).status == 422


def test_the_preview_is_the_post_as_the_public_will_see_it(api):
    put(api, "vorschau", content="# Titel\n\nText mit [Link](https://example.org).")

    preview = api.get("/admin/posts/vorschau", signed=True)

    assert preview.status == 200
    body = preview.json()
    assert body["status"] == "draft"
    assert "<p>Text mit " in body["content_html"]
    assert '<a href="https://example.org"' in body["content_html"]
    assert body["comments"] == []
    assert preview.headers["cache-control"] == "no-store"
    assert api.get("/admin/posts/unbekannt", signed=True).status == 404


def test_the_preview_of_a_published_post_has_its_comments(api):
    put(api, "mit-kommentar", published_at=in_days(-1))
    api.post("/posts/mit-kommentar/comments", json_body=ADA)

    body = api.get("/admin/posts/mit-kommentar", signed=True).json()

    assert body["status"] == "published"
    assert [comment["author_name"] for comment in body["comments"]] == ["Ada"]
    assert body == {**api.get("/posts/mit-kommentar").json(), "status": "published"}


def test_deleting_removes_the_post_its_comments_and_their_records(api, dynamodb):
    put(api, "weg", published_at=in_days(-1))
    first = api.post("/posts/weg/comments", json_body=ADA, headers={"Idempotency-Key": "k-1"})
    api.post(
        "/posts/weg/comments",
        json_body={**ADA, "content": "Antwort", "parent_id": first.json()["id"]},
        source_ip="192.0.2.11",
    )
    before = every_item(dynamodb)

    response = delete(api, "weg")

    assert response.status == 204
    assert items_of(dynamodb, "POST#weg") == []
    left = every_item(dynamodb)
    assert not [item for item in left if item["pk"]["S"].startswith(("DUPLICATE#", "IDEMPOTENCY#"))]
    assert {item["pk"]["S"].split("#")[0] for item in before} >= {"POST", "DUPLICATE", "IDEMPOTENCY"}
    assert delete(api, "weg").status == 204
    assert delete(api, "nie-da-gewesen").status == 204


def test_the_retry_of_a_comment_after_its_post_was_deleted_is_no_replay(api):
    put(api, "weg", published_at=in_days(-1))
    key = {"Idempotency-Key": "k-1"}
    api.post("/posts/weg/comments", json_body=ADA, headers=key)
    delete(api, "weg")
    put(api, "weg", published_at=in_days(-1))

    again = api.post("/posts/weg/comments", json_body=ADA, headers=key)

    assert again.status == 201
    assert "idempotent-replayed" not in again.headers
    assert api.get("/posts/weg").json()["comment_count"] == 1


def seed_comments(dynamodb, slug, count):
    """`count` approved comments of a post, each with a duplicate guard and an idempotency record,
    written straight to the table (as the submit transaction leaves them)."""
    now = datetime.now(UTC)
    requests = []
    for number in range(count):
        comment = StoredComment(
            id=f"01KBN{number:011d}",
            post_slug=slug,
            author_name=f"Leserin {number}",
            content=f"Kommentar {number}",
            content_html=f"<p>Kommentar {number}</p>",
            created_at=now,
            status=CommentStatus.APPROVED,
        )
        guard, record = f"guard-{slug}-{number}", f"record-{slug}-{number}"
        requests += [
            comment_item(
                comment, guard_pk=duplicate_guard_pk(guard), idempotency_pk=idempotency_record_pk(record)
            ),
            to_item({"pk": duplicate_guard_pk(guard), "sk": "DUPLICATE", "comment_id": comment.id}),
            to_item({"pk": idempotency_record_pk(record), "sk": "IDEMPOTENCY", "response_body": "{}"}),
        ]
    for start in range(0, len(requests), 25):
        batch = [{"PutRequest": {"Item": item}} for item in requests[start : start + 25]]
        assert not dynamodb.batch_write_item(RequestItems={TABLE_NAME: batch})["UnprocessedItems"]


def test_a_post_with_2000_comments_is_deleted_completely(api, dynamodb):
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 2000)
    assert len(every_item(dynamodb)) == 2 + 3 * 2000

    answers = [delete(api, "viel-los").status]
    # A run that ran out of time hands the rest off, or (no asynchronous run to be had here)
    # answers 503 for the client to retry: either way, DELETE again goes on.
    while answers[-1] != 204 and len(answers) < 10:
        answers.append(delete(api, "viel-los").status)

    assert answers[-1] == 204
    assert left_behind(dynamodb) == []


def test_a_deletion_out_of_time_hands_the_rest_off_and_is_finished_by_it(api, dynamodb):
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 60)
    handed = []
    store = get_store()

    editorial.delete_post(
        store, "viel-los", now=datetime.now(UTC), deadline=time.monotonic() - 1, hand_off=record_in(handed)
    )

    ((slug, deleting_since),) = handed
    assert slug == "viel-los"
    assert api.get("/posts/viel-los").status == 404
    assert put(api, "viel-los", published_at=in_days(-1)).status == 409
    editorial.continue_post_deletion(
        store,
        "viel-los",
        deleting_since=deleting_since,
        deadline=time.monotonic() + 20,
        hand_off=record_in(handed),
    )
    assert len(handed) == 1
    assert left_behind(dynamodb) == []


def record_in(handed):
    """A hand-off that records what it is given."""
    return lambda slug, deleting_since: handed.append((slug, deleting_since))


def collection_queries_of(client, on_page):
    """Call `on_page(params)` before each page a deletion reads of a post's collection; the
    writes `on_page` makes itself are not pages of it."""
    busy = []

    def before_query(params, **_):
        if busy or params.get("KeyConditionExpression") != "pk = :pk AND sk > :head":
            return
        busy.append(True)
        try:
            on_page(params)
        finally:
            busy.clear()

    client.meta.events.register("provide-client-params.dynamodb.Query", before_query, unique_id="pages")
    return lambda: client.meta.events.unregister("provide-client-params.dynamodb.Query", unique_id="pages")


def test_a_handed_off_deletion_leaves_alone_a_post_made_since_between_its_pages(api, dynamodb):
    # Run X has the rest handed to it; after its first page another DELETE (run Z) finishes the
    # deletion, and the slug is given to a new post with comments of its own.
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 60)
    handed = []
    store = get_store()
    editorial.delete_post(
        store, "viel-los", now=datetime.now(UTC), deadline=time.monotonic() - 1, hand_off=record_in(handed)
    )
    ((_, deleting_since),) = handed
    pages = []

    def on_page(params):
        params["Limit"] = 20
        pages.append(params)
        if len(pages) == 2:
            assert delete(api, "viel-los").status == 204
            assert put(api, "viel-los", title="Neuer Beitrag", published_at=in_days(-1)).status == 201
            seed_comments(dynamodb, "viel-los", 60)

    stop = collection_queries_of(dynamodb_client(), on_page)
    try:
        editorial.continue_post_deletion(
            store,
            "viel-los",
            deleting_since=deleting_since,
            deadline=time.monotonic() + 20,
            hand_off=record_in(handed),
        )
    finally:
        stop()

    assert len(pages) >= 2
    fresh = api.get("/posts/viel-los")
    assert fresh.status == 200
    assert fresh.json()["title"] == "Neuer Beitrag"
    assert len(items_of(dynamodb, "POST#viel-los")) == 2 + 60
    assert len(handed) == 1


def test_deleting_a_slug_without_a_post_leaves_alone_a_post_put_meanwhile(api, dynamodb):
    # The DELETE finds no post to mark; before it would read the collection, a PUT makes one.
    marks = []

    def after_mark(model, **_):
        if model.name == "UpdateItem" and not marks:
            marks.append(model.name)
            assert put(api, "zugleich", published_at=in_days(-1)).status == 201
            seed_comments(dynamodb, "zugleich", 3)

    events = dynamodb_client().meta.events
    events.register("after-call.dynamodb.UpdateItem", after_mark, unique_id="mark")
    try:
        editorial.delete_post(
            get_store(),
            "zugleich",
            now=datetime.now(UTC),
            deadline=time.monotonic() + 20,
            hand_off=record_in([]),
        )
    finally:
        events.unregister("after-call.dynamodb.UpdateItem", unique_id="mark")

    assert marks == ["UpdateItem"]
    assert api.get("/posts/zugleich").status == 200
    assert len(items_of(dynamodb, "POST#zugleich")) == 2 + 3


def test_a_hand_off_that_fails_is_a_503_and_another_delete_finishes(api, dynamodb):
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 30)

    def unreachable(slug, deleting_since):
        raise ConnectionError(slug)

    with pytest.raises(ServiceUnavailable):
        editorial.delete_post(
            get_store(),
            "viel-los",
            now=datetime.now(UTC),
            deadline=time.monotonic() - 1,
            hand_off=unreachable,
        )

    assert delete(api, "viel-los").status == 204
    assert left_behind(dynamodb) == []


def test_a_comment_racing_a_delete_is_refused_never_orphaned(api, dynamodb):
    put(api, "rennen", published_at=in_days(-1))
    before = api.post("/posts/rennen/comments", json_body=ADA)
    # The first write of the deletion is made; the rest is still to do.
    editorial.delete_post(
        get_store(), "rennen", now=datetime.now(UTC), deadline=time.monotonic() - 1, hand_off=record_in([])
    )

    during = api.post(
        "/posts/rennen/comments", json_body={**ADA, "content": "Noch schnell"}, source_ip="192.0.2.12"
    )

    assert before.status == 201
    assert during.status == 404
    assert api.get("/posts/rennen").status == 404
    assert slugs(listed(api, "published")) == []
    assert delete(api, "rennen").status == 204
    assert left_behind(dynamodb) == []


def test_a_put_while_a_delete_is_unfinished_is_a_409_and_then_a_new_post(api, dynamodb):
    put(api, "neu-anfang", published_at=in_days(-1))
    api.post("/posts/neu-anfang/comments", json_body=ADA)
    editorial.delete_post(
        get_store(),
        "neu-anfang",
        now=datetime.now(UTC),
        deadline=time.monotonic() - 1,
        hand_off=record_in([]),
    )

    (marked,) = [item for item in items_of(dynamodb, "POST#neu-anfang") if item["sk"]["S"] == "#POST"]
    refused = put(api, "neu-anfang", published_at=in_days(-1))
    closing = api.post("/posts/neu-anfang/close", signed=True)
    finished = delete(api, "neu-anfang")
    created = put(api, "neu-anfang", published_at=in_days(-1))

    assert "deleting_since" in marked
    assert not {"published_at", "published_pk", "category_pk", "draft_pk", "open_pk", "visible_sk"} & set(
        marked
    )
    assert refused.status == 409
    assert refused.json()["type"] == "/problems/post-being-deleted"
    assert closing.status == 404
    assert finished.status == 204
    assert created.status == 201
    fresh = api.get("/posts/neu-anfang").json()
    assert (fresh["comment_count"], fresh["comments"]) == (0, [])


def test_deleting_a_post_changes_only_its_head_then_removes(api, dynamodb):
    # What the stream will carry: one MODIFY (the head marked), then only REMOVE records; a
    # conditional write that fails (the second DELETE's mark) leaves no record. moto's in-process
    # streams API is not implemented, so the writes are read where they are made.
    put(api, "ereignis", published_at=in_days(-1))
    api.post("/posts/ereignis/comments", json_body=ADA)
    writes = []

    def record(model, params, **_):
        writes.append((model.name, params))

    events = dynamodb_client().meta.events
    events.register("provide-client-params.dynamodb", record, unique_id="editorial-test")
    try:
        delete(api, "ereignis")
        delete(api, "ereignis")
    finally:
        events.unregister("provide-client-params.dynamodb", unique_id="editorial-test")

    changes = [
        (name, params) for name, params in writes if name in ("UpdateItem", "PutItem", "TransactWriteItems")
    ]
    removals = [params for name, params in writes if name == "BatchWriteItem"]
    assert [name for name, _ in changes] == ["UpdateItem", "UpdateItem"]
    assert all(
        params["ConditionExpression"].endswith("attribute_not_exists(deleting_since)")
        for _, params in changes
    )
    assert all(
        list(request) == ["DeleteRequest"]
        for params in removals
        for request in params["RequestItems"][TABLE_NAME]
    )
    head_removals = [params for name, params in writes if name == "DeleteItem"]
    assert all(params["Key"]["sk"] == {"S": "#POST"} for params in head_removals)
    assert left_behind(dynamodb) == []


def test_deleting_a_slug_no_post_can_have_is_a_404(api):
    response = delete(api, "Kein%20Slug")

    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"


class RecordingLambda:
    """Lambda's client as the deleting function uses it: the invocations it asks for, recorded."""

    def __init__(self) -> None:
        self.invocations: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.invocations.append(request)
        return {"StatusCode": 202}


def test_a_request_out_of_time_hands_the_rest_to_its_own_alias_which_finishes(
    api, dynamodb, lambda_functions, monkeypatch
):
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 30)
    deleter = lambda_functions["DeletePostFunction"]
    handler = deleter.load_handler()
    route, parameters = api.route_for("DELETE", "/posts/viel-los")
    event = http_api_event(
        route,
        raw_path="/posts/viel-los",
        raw_query="",
        headers={"host": "api.local"},
        body=b"",
        path_parameters=parameters,
        source_ip="192.0.2.10",
        iam_caller=OPERATOR,
    )
    lambda_client = RecordingLambda()
    configs = []

    def client(service, config=None, **_):
        configs.append(config)
        return lambda_client if service == "lambda" else None

    monkeypatch.setattr("boto3.client", client)
    # Less time left than the run keeps for itself: nothing but the first write fits.
    hurried = LocalLambdaContext(function_name="blog-delete-post", timeout_seconds=1)

    answer = handler(event, hurried)

    assert answer["statusCode"] == 204
    assert api.get("/posts/viel-los").status == 404
    (invocation,) = lambda_client.invocations
    assert invocation["FunctionName"] == hurried.invoked_function_arn
    assert invocation["InvocationType"] == "Event"
    assert json.loads(invocation["Payload"])["deleting_since"]
    # Every attempt of the hand-off, and the backoff between them (at most 1 s), fit the time kept.
    (config,) = configs
    attempts = config.retries["total_max_attempts"]
    per_attempt = config.connect_timeout + config.read_timeout
    assert attempts * per_attempt + (attempts - 1) * 1.0 < editorial.TIME_KEPT_SECONDS
    assert len(left_behind(dynamodb)) > 1

    handler(json.loads(invocation["Payload"]), LocalLambdaContext(function_name="blog-delete-post"))

    assert left_behind(dynamodb) == []
    assert len(lambda_client.invocations) == 1


def test_a_hand_off_of_an_earlier_version_without_a_mark_still_finishes(api, dynamodb, lambda_functions):
    put(api, "viel-los", published_at=in_days(-1))
    seed_comments(dynamodb, "viel-los", 30)
    editorial.delete_post(
        get_store(), "viel-los", now=datetime.now(UTC), deadline=time.monotonic() - 1, hand_off=record_in([])
    )
    handler = lambda_functions["DeletePostFunction"].load_handler()

    handler({"continue_post_deletion": "viel-los"}, LocalLambdaContext(function_name="blog-delete-post"))

    assert left_behind(dynamodb) == []
