"""GET /comments/counts and GET /comments/recent: what a post list shows beside its posts."""

from datetime import UTC, datetime, timedelta

import pytest

from blog.timestamps import format_timestamp as iso

HELD = "Mehr unter http://a.example, http://b.example und http://c.example"


def comment(api, slug, text, *, name="Ada", ip="192.0.2.1", **fields):
    response = api.post(
        f"/posts/{slug}/comments", json_body={"author_name": name, "content": text, **fields}, source_ip=ip
    )
    assert response.status == 201, response.body
    return response.json()


def moderate(api, slug, comment_id, action):
    if action == "delete":
        return api.request("DELETE", f"/posts/{slug}/comments/{comment_id}", signed=True)
    return api.post(f"/posts/{slug}/comments/{comment_id}/{action}", signed=True)


def counts(api, query):
    return api.get(f"/comments/counts?{query}")


def test_counts_name_each_post_asked_for_with_its_approved_comments(api, publish):
    publish("zwei")
    publish("keiner")
    comment(api, "zwei", "Eins", ip="192.0.2.1")
    comment(api, "zwei", "Zwei", ip="192.0.2.2")
    comment(api, "zwei", HELD, ip="192.0.2.3")

    response = counts(api, "slug=zwei&slug=keiner")

    assert response.status == 200
    assert response.json() == {"counts": {"zwei": 2, "keiner": 0}}
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["etag"]


def test_a_slug_named_twice_is_counted_once(api, publish):
    publish("doppelt")
    comment(api, "doppelt", "Eins")

    assert counts(api, "slug=doppelt&slug=doppelt").json() == {"counts": {"doppelt": 1}}


def test_unknown_draft_and_scheduled_posts_count_zero_as_if_they_did_not_exist(api, publish):
    publish("entwurf", published_at=None)
    publish("geplant", published_at=iso(datetime.now(UTC) + timedelta(days=3)))

    answer = counts(api, "slug=entwurf&slug=geplant&slug=gibt-es-nicht").json()

    assert answer == {"counts": {"entwurf": 0, "geplant": 0, "gibt-es-nicht": 0}}


def test_a_count_follows_moderation(api, publish):
    publish("moderiert")
    kept = comment(api, "moderiert", "Bleibt", ip="192.0.2.1")
    gone = comment(api, "moderiert", "Geht", ip="192.0.2.2")
    held = comment(api, "moderiert", HELD, ip="192.0.2.3")

    moderate(api, "moderiert", gone["id"], "spam")
    moderate(api, "moderiert", held["id"], "approve")

    assert counts(api, "slug=moderiert").json() == {"counts": {"moderiert": 2}}
    moderate(api, "moderiert", kept["id"], "delete")
    assert counts(api, "slug=moderiert").json() == {"counts": {"moderiert": 1}}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "slug=",
        "slug=Gro%C3%9F",
        "slug=a--b",
        "slug=" + "a" * 101,
        "&".join(f"slug=post-{n}" for n in range(101)),
    ],
    ids=["none", "empty", "not-a-slug", "double-hyphen", "too-long", "101-slugs"],
)
def test_counts_refuse_what_names_no_post(api, query):
    response = counts(api, query)

    assert response.status == 422, response.body
    assert response.headers["content-type"] == "application/problem+json"


def test_a_hundred_slugs_are_counted(api, publish):
    publish("post-7")
    comment(api, "post-7", "Sieben")

    response = counts(api, "&".join(f"slug=post-{n}" for n in range(100)))

    assert response.status == 200
    assert len(response.json()["counts"]) == 100
    assert response.json()["counts"]["post-7"] == 1


def test_recent_comments_are_the_newest_approved_ones_with_their_posts(api, publish):
    publish("erster", title="Erster „Beitrag“")
    publish("zweiter", title="Zweiter Beitrag")
    first = comment(api, "erster", "Alt", ip="192.0.2.1", author_email="ada@example.org")
    comment(api, "zweiter", HELD, ip="192.0.2.2")
    second = comment(api, "zweiter", "Neu", name="Bob", ip="192.0.2.3", author_url="https://bob.example")

    response = api.get("/comments/recent")

    assert response.status == 200
    items = response.json()["items"]
    assert [(item["id"], item["post_slug"], item["post_title"]) for item in items] == [
        (second["id"], "zweiter", "Zweiter Beitrag"),
        (first["id"], "erster", "Erster „Beitrag“"),
    ]
    assert items[0] == {
        **second,
        "post_slug": "zweiter",
        "post_title": "Zweiter Beitrag",
    }
    assert "ada@example.org" not in response.body


def test_recent_comments_take_a_limit(api, publish):
    publish("viele")
    made = [comment(api, "viele", f"Nummer {n}", ip=f"192.0.2.{n}") for n in range(1, 4)]

    items = api.get("/comments/recent", query={"limit": "2"}).json()["items"]

    assert [item["id"] for item in items] == [made[2]["id"], made[1]["id"]]


@pytest.mark.parametrize("limit", ["0", "51", "zehn"])
def test_recent_comments_refuse_a_limit_out_of_range(api, limit):
    assert api.get("/comments/recent", query={"limit": limit}).status == 422


def test_spam_deleted_and_held_comments_never_appear_among_recent_ones(api, publish):
    publish("sauber")
    spam = comment(api, "sauber", "Werbung", ip="192.0.2.1")
    deleted = comment(api, "sauber", "Gelöscht", ip="192.0.2.2")
    reply = comment(api, "sauber", "Antwort", ip="192.0.2.3", parent_id=deleted["id"])
    comment(api, "sauber", HELD, ip="192.0.2.4")
    moderate(api, "sauber", spam["id"], "spam")
    moderate(api, "sauber", deleted["id"], "delete")  # a tombstone: it has a reply

    items = api.get("/comments/recent").json()["items"]

    assert [item["id"] for item in items] == [reply["id"]]


def test_comments_of_posts_no_longer_public_are_dropped(api, publish):
    publish("bleibt")
    publish("zurueckgezogen")
    kept = comment(api, "bleibt", "Bleibt", ip="192.0.2.1")
    comment(api, "zurueckgezogen", "Weg", ip="192.0.2.2")
    publish("zurueckgezogen", published_at=None)

    items = api.get("/comments/recent").json()["items"]

    assert [item["id"] for item in items] == [kept["id"]]
