"""Publishing posts and reading them: PUT /posts/{slug}, GET /posts, GET /posts/{slug}."""

import html

import pytest

from blogctl.bulk import item_size
from local.template import parameter_defaults
from tests.conftest import TABLE_NAME, iso

POST = {"title": "T", "author": "A", "category": "K", "published_at": "2026-01-01T00:00:00Z"}
GERMAN = "Grüße – „Netzwerk“ & ‚Verein‘: 10\u00a0km weit, Straße 😀"


def test_a_new_post_is_created_and_an_update_keeps_its_comments(api, publish):
    created = api.put(
        "/posts/sommerfest",
        json_body={
            "title": "Sommerfest",
            "content": "Text",
            "author": "Miriam",
            "category": "Veranstaltungen",
        },
        signed=True,
    )
    assert created.status == 201
    assert created.json()["published_at"] is None

    publish("sommerfest", title="Sommerfest 2026")
    assert (
        api.post("/posts/sommerfest/comments", json_body={"author_name": "Ada", "content": "Schön!"}).status
        == 201
    )
    updated = api.put(
        "/posts/sommerfest",
        json_body={"title": "Neu", "content": "Neuer Text", "author": "Miriam", "category": "Veranstaltungen",
                   "published_at": created.json()["updated_at"]},
        signed=True,
    )  # fmt: skip

    assert updated.status == 200
    assert updated.json()["title"] == "Neu"
    assert updated.json()["comment_count"] == 1
    assert updated.json()["content_html"] == "<p>Neuer Text</p>\n"


@pytest.mark.parametrize(
    ("slug", "body"),
    [
        ("Groß-und-Klein", {"title": "T", "content": "C", "author": "A", "category": "K"}),
        ("ok", {"title": "T", "content": "C", "author": "A"}),
        ("ok", {"title": "T", "content": "C", "author": "A", "category": "K", "comment_count": 5}),
        ("ok", {"title": "T", "content": "C", "author": "A", "category": "K", "published_at": "gestern"}),
        # The schema says boolean: 0 is not false (schemathesis found it from the document's example).
        ("ok", {"title": "T", "content": "C", "author": "A", "category": "K", "comments_open": 0}),
        ("ok", {"title": "T", "content": "C", "author": "A", "category": "K", "comments_open": "true"}),
        ("ok", {"title": "T", "content": "C", "author": "A", "category": "K", "published_at": 0}),
    ],
)
def test_an_invalid_post_is_a_422_problem(api, slug, body):
    response = api.put(f"/posts/{slug}", json_body=body, signed=True)

    assert response.status == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_text_survives_a_round_trip_byte_for_byte(api, publish):
    publish("umlaute", title=GERMAN, content=GERMAN, author="Jörg Weiß", category="Kooperation & Netzwerke",
            tags=["Ehrenamt", "Übersicht"])  # fmt: skip

    post = api.get("/posts/umlaute").json()
    summary = api.get("/posts").json()["items"][0]

    assert post["title"] == GERMAN
    assert post["content_html"] == f"<p>{html.escape(GERMAN, quote=False)}</p>\n"
    assert post["excerpt"] == GERMAN
    assert post["author"] == "Jörg Weiß"
    assert summary["tags"] == ["Ehrenamt", "Übersicht"]
    assert GERMAN.encode() in api.get("/posts/umlaute").body.encode()


def test_the_list_is_newest_first_and_pages_with_a_cursor(api, publish):
    for days_ago in range(5):
        publish(f"beitrag-{days_ago}", days_ago=days_ago + 1)

    first = api.get("/posts", query={"limit": "2"}).json()
    second = api.get("/posts", query={"limit": "2", "cursor": first["next_cursor"]}).json()
    third = api.get("/posts", query={"limit": "2", "cursor": second["next_cursor"]}).json()

    slugs = [item["slug"] for page in (first, second, third) for item in page["items"]]
    assert slugs == [f"beitrag-{n}" for n in range(5)]
    assert third["next_cursor"] is None


def test_a_full_last_page_has_no_next_cursor(api, publish):
    publish("eins")
    publish("zwei")

    assert api.get("/posts", query={"limit": "2"}).json()["next_cursor"] is None


def test_the_list_never_carries_bodies(api, publish):
    publish("lang", content="Sehr langer Text. " * 500)

    item = api.get("/posts").json()["items"][0]

    assert set(item) == {
        "slug", "title", "excerpt", "author", "category", "tags", "published_at", "updated_at",
        "comment_count", "comments_open", "closes_at",
    }  # fmt: skip


def test_the_list_filters_by_category(api, publish):
    publish("fest", category="Veranstaltungen")
    publish("vertrag", category="Kooperation & Netzwerke")

    page = api.get("/posts", query={"category": "Kooperation & Netzwerke"}).json()

    assert [item["slug"] for item in page["items"]] == ["vertrag"]
    assert api.get("/posts", query={"category": "Gibt es nicht"}).json() == {"items": [], "next_cursor": None}


def test_drafts_and_scheduled_posts_are_not_public(api, publish):
    draft = api.put(
        "/posts/entwurf",
        json_body={"title": "T", "content": "C", "author": "A", "category": "K"},
        signed=True,
    )
    assert draft.status == 201, draft.body
    publish("geplant", days_ago=-2)

    assert api.get("/posts").json()["items"] == []
    assert api.get("/posts/entwurf").status == 404
    assert api.get("/posts/geplant").status == 404
    assert api.get("/posts/entwurf/comments").status == 404


@pytest.mark.parametrize("slug", ["gibt-es-nicht", "Nicht-Klein", "x" * 300, "%C3%BC"])
def test_an_unknown_post_is_a_404_problem(api, slug):
    response = api.get(f"/posts/{slug}")

    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/post-not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No published post has this slug.",
    }


def test_a_tampered_or_foreign_cursor_is_a_400_problem(api, publish):
    for n in range(3):
        publish(f"p-{n}", category="Veranstaltungen", days_ago=n + 1)
    category_cursor = api.get("/posts", query={"limit": "1", "category": "Veranstaltungen"}).json()[
        "next_cursor"
    ]
    cursor = api.get("/posts", query={"limit": "1"}).json()["next_cursor"]

    for bad in (category_cursor, cursor[:-2] + "AA", "kaputt", cursor.replace(".", "")):
        response = api.get("/posts", query={"limit": "1", "cursor": bad})
        assert response.status == 400, bad
        assert response.json()["type"] == "/problems/invalid-cursor"


@pytest.mark.parametrize("limit", ["0", "51", "-1", "zehn"])
def test_a_bad_limit_is_a_422_problem(api, limit):
    response = api.get("/posts", query={"limit": limit})

    assert response.status == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_public_reads_carry_cache_control_and_an_etag_that_gives_304(api, publish, template):
    max_age = parameter_defaults(template)["CacheMaxAgeSeconds"]
    publish("cache")

    for path in ("/posts", "/posts/cache", "/posts/cache/comments"):
        first = api.get(path)
        assert first.headers["cache-control"] == f"public, max-age={max_age}"
        again = api.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status == 304
        assert again.body == ""
        assert again.headers["etag"] == first.headers["etag"]
        assert api.get(path, headers={"If-None-Match": '"anderes"'}).status == 200


def test_a_new_comment_changes_the_etag(api, publish):
    publish("etag")
    before = api.get("/posts/etag").headers["etag"]
    api.post("/posts/etag/comments", json_body={"author_name": "Ada", "content": "Neu!"})

    assert api.get("/posts/etag", headers={"If-None-Match": before}).status == 200


@pytest.mark.parametrize("parameter_overrides", [{"CacheMaxAgeSeconds": "5"}])
def test_the_cache_age_comes_from_the_parameter(api, publish, parameter_overrides):
    publish("kurz")

    assert api.get("/posts/kurz").headers["cache-control"] == "public, max-age=5"


def test_closing_and_reopening_a_thread(api, publish):
    publish("faden")

    closed = api.post("/posts/faden/close", signed=True)
    closed_again = api.post("/posts/faden/close", signed=True)
    assert closed.status == 200
    assert closed.json()["comments_open"] is False
    assert closed_again.json() == closed.json()
    assert api.get("/posts/faden").json()["comments_open"] is False
    assert api.get("/posts").json()["items"][0]["comments_open"] is False

    reopened = api.post("/posts/faden/reopen", signed=True)
    assert reopened.status == 200
    assert reopened.json() == {"slug": "faden", "comments_open": True, "closed_at": None}
    assert (
        api.post("/posts/faden/comments", json_body={"author_name": "Ada", "content": "Wieder offen"}).status
        == 201
    )


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_closing_an_unknown_post_is_a_404(api, action):
    assert api.post(f"/posts/gibt-es-nicht/{action}", signed=True).status == 404
    assert api.post(f"/posts/UNGÜLTIG/{action}", signed=True).status == 404


def test_a_post_closed_on_creation_takes_no_comments(api, publish):
    post = publish("zu", comments_open=False)

    assert post["comments_open"] is False
    assert api.post("/posts/zu/comments", json_body={"author_name": "Ada", "content": "Hallo"}).status == 403


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "30"}])
def test_closes_at_shows_when_the_age_limit_closes_a_thread(api, publish, parameter_overrides):
    post = publish("alt", published_at="2026-01-01T08:00:00Z")

    assert post["closes_at"] == "2026-01-31T08:00:00Z"
    assert api.get("/posts").json()["items"][0]["closes_at"] == "2026-01-31T08:00:00Z"


def test_iso_helper_formats_like_the_api():
    from datetime import UTC, datetime

    assert iso(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"


def test_content_is_capped_in_bytes_not_characters(api, publish):
    at_cap = "😀" * 25_000  # 100,000 bytes in UTF-8, a quarter of that in characters

    accepted = api.put("/posts/emoji", json_body={**POST, "content": at_cap}, signed=True)
    refused = api.put("/posts/mehr-emoji", json_body={**POST, "content": at_cap + "😀"}, signed=True)

    assert accepted.status == 201, accepted.body
    assert refused.status == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("content-too-large")
    assert "100,000 bytes" in refused.json()["detail"]
    assert api.get("/posts/mehr-emoji").status == 404


@pytest.mark.parametrize(
    "content",
    [
        # 90,000 bytes of Markdown: each `<` is shown as `&lt;`, four times as long.
        "<" * 90_000,
        # 10 KB of Markdown: a reference link repeats its 2,000-byte address each time it is used.
        f"[a]: https://example.org/{'x' * 2_000}\n\n" + "[a] " * 2_000,
    ],
)
def test_content_whose_rendering_is_too_large_to_store_is_a_413_and_changes_nothing(api, publish, content):
    publish("eckig", content="Vorher.")

    created = api.put("/posts/spitz", json_body={**POST, "content": content}, signed=True)
    updated = api.put("/posts/eckig", json_body={**POST, "content": content}, signed=True)

    assert (created.status, updated.status) == (413, 413)
    assert "rendered HTML" in updated.json()["detail"]
    assert api.get("/posts/spitz").status == 404
    assert api.get("/posts/eckig").json()["content_html"] == "<p>Vorher.</p>\n"


def test_the_item_a_comment_rewrites_stays_small_for_a_post_at_the_cap(api, publish, dynamodb):
    publish("lang", content="Wort " * 20_000)
    api.post("/posts/lang/comments", json_body={"author_name": "Ada", "content": "Gelesen."})

    head = dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": "POST#lang"}, "sk": {"S": "#POST"}})[
        "Item"
    ]

    assert head["comment_count"] == {"N": "1"}
    assert item_size(head) < 2_000


def test_an_update_keeps_when_the_post_was_created_and_its_thread_closed(api, publish, dynamodb):
    publish("fest", comments_open=False)
    key = {"pk": {"S": "POST#fest"}, "sk": {"S": "#POST"}}
    earlier = {":then": {"S": "2025-01-01T00:00:00Z"}}
    dynamodb.update_item(
        TableName=TABLE_NAME, Key=key, UpdateExpression="SET created_at = :then, closed_at = :then",
        ExpressionAttributeValues=earlier,
    )  # fmt: skip

    updated = api.put(
        "/posts/fest", json_body={**POST, "content": "Neu", "comments_open": False}, signed=True
    )

    head = dynamodb.get_item(TableName=TABLE_NAME, Key=key)["Item"]
    assert updated.status == 200
    assert head["created_at"] == head["closed_at"] == {"S": "2025-01-01T00:00:00Z"}
    assert head["revision"] == {"N": "2"}
    assert api.post("/posts/fest/close", signed=True).json()["closed_at"] == "2025-01-01T00:00:00Z"
