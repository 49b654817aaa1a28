"""The feeds: Atom and RSS of the newest posts, Atom of approved comments, read back with
feedparser (a well-kept feed parser) and held to what a feed validator checks."""

import html
from datetime import UTC, datetime, timedelta

import feedparser  # type: ignore[import-untyped]
import pytest

from blog.timestamps import format_timestamp as iso

GERMAN_TITLE = "„Gemeinsam\u00a0statt nebeneinander“ – Bilanz ‘26"
HELD = "Mehr unter http://a.example, http://b.example und http://c.example"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"


def parse(response):
    assert response.status == 200, response.body
    feed = feedparser.parse(response.body.encode())
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def comment(api, slug, text, *, ip, **fields):
    response = api.post(
        f"/posts/{slug}/comments", json_body={"author_name": "Ada", "content": text, **fields}, source_ip=ip
    )
    assert response.status == 201, response.body
    return response.json()


def test_the_atom_feed_has_the_newest_posts_with_everything_a_validator_asks_for(api, publish):
    publish("aelter", days_ago=2, title="Älter", tags=["Ehrenamt", "Garten"])
    newer = publish("neuer", days_ago=1, title=GERMAN_TITLE, excerpt="Kurz <em>gesagt</em> & gut")

    response = api.get("/feed.atom")
    feed = parse(response)

    assert response.headers["content-type"] == ATOM
    assert feed.version == "atom10"
    assert feed.feed.title == "Blog"
    assert feed.feed.id
    assert feed.feed.updated_parsed
    assert {link.rel for link in feed.feed.links} >= {"alternate", "self"}
    assert [entry.title for entry in feed.entries] == [GERMAN_TITLE, "Älter"]
    first = feed.entries[0]
    assert first.id.startswith("tag:127.0.0.1,")
    assert first.link == "http://127.0.0.1:8080/#/posts/neuer"
    assert first.author == "Miriam Albers"
    assert first.published == newer["published_at"].replace("Z", "+00:00")
    assert first.updated_parsed
    assert html.unescape(first.summary) == "Kurz <em>gesagt</em> & gut"
    # feedparser trims the whitespace around content; the HTML is otherwise as the post has it.
    assert first.content[0].value == newer["content_html"].strip()
    assert [tag.term for tag in feed.entries[1].tags] == ["Kooperation & Netzwerke", "Ehrenamt", "Garten"]


def test_the_rss_feed_has_the_same_posts(api, publish):
    post = publish("rss", title=GERMAN_TITLE)

    response = api.get("/feed.rss")
    feed = parse(response)

    assert response.headers["content-type"] == RSS
    assert feed.version == "rss20"
    (entry,) = feed.entries
    assert entry.title == GERMAN_TITLE
    assert entry.link == "http://127.0.0.1:8080/#/posts/rss"
    assert entry.id.startswith("tag:127.0.0.1,")
    assert entry.author == "Miriam Albers"
    assert entry.published_parsed[:6] == datetime.fromisoformat(post["published_at"]).timetuple()[:6]
    assert entry.content[0].value == post["content_html"].strip()


def test_the_german_title_survives_byte_for_byte_in_both_formats(api, publish):
    publish("titel", title=GERMAN_TITLE)

    for path in ("/feed.atom", "/feed.rss"):
        body = api.get(path).body
        assert GERMAN_TITLE in body, path
        assert parse(api.get(path)).entries[0].title.encode() == GERMAN_TITLE.encode()


def test_an_entry_keeps_its_id_when_the_post_is_edited_or_rescheduled(api, publish):
    publish("stabil", days_ago=3)
    before = parse(api.get("/feed.atom")).entries[0].id

    publish("stabil", days_ago=1, title="Neuer Titel", content="Ganz anderer Text")
    after = parse(api.get("/feed.atom")).entries[0]

    assert after.title == "Neuer Titel"
    assert after.id == before


def test_drafts_and_scheduled_posts_stay_out_and_a_category_narrows(api, publish):
    publish("sichtbar", category="Garten", days_ago=2)
    publish("anderes", category="Werkstatt", days_ago=1)
    publish("entwurf", published_at=None)
    publish("geplant", published_at=iso(datetime.now(UTC) + timedelta(days=1)))

    everything = parse(api.get("/feed.atom"))
    garden = parse(api.get("/feed.rss", query={"category": "Garten"}))

    assert [entry.link.rsplit("/", 1)[1] for entry in everything.entries] == ["anderes", "sichtbar"]
    assert [entry.link.rsplit("/", 1)[1] for entry in garden.entries] == ["sichtbar"]


def test_the_feeds_hold_the_twenty_newest_posts(api, publish):
    for n in range(21):
        publish(f"post-{n}", days_ago=30 - n)

    entries = parse(api.get("/feed.atom")).entries

    assert len(entries) == 20
    assert entries[0].link.endswith("/post-20")
    assert entries[-1].link.endswith("/post-1")


def test_a_feed_is_cached_and_answers_304_while_it_has_not_changed(api, publish):
    publish("zwischenspeicher")
    first = api.get("/feed.atom")

    by_etag = api.get("/feed.atom", headers={"if-none-match": first.headers["etag"]})
    by_date = api.get("/feed.atom", headers={"if-modified-since": first.headers["last-modified"]})

    assert first.headers["cache-control"] == "public, max-age=300"
    assert by_etag.status == 304
    assert by_date.status == 304
    assert by_etag.body == ""


@pytest.mark.parametrize("parameter_overrides", [{"FeedMaxAgeSeconds": "42"}])
def test_the_feeds_max_age_is_a_parameter(api, publish, parameter_overrides):
    assert api.get("/feed.rss").headers["cache-control"] == "public, max-age=42"


def test_a_scheduled_post_going_live_changes_etag_and_last_modified(
    api, publish, monkeypatch, lambda_functions
):
    publish("jetzt", days_ago=1)
    goes_live = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    publish("spaeter", published_at=iso(goes_live))
    before = api.get("/feed.atom")

    later = goes_live + timedelta(seconds=1)
    monkeypatch.setattr(lambda_functions["FeedsFunction"].load_module(), "utc_now", lambda: later)

    conditional = {
        "if-none-match": before.headers["etag"],
        "if-modified-since": before.headers["last-modified"],
    }
    etag_only = api.get("/feed.atom", headers={"if-none-match": before.headers["etag"]})
    date_only = api.get("/feed.atom", headers={"if-modified-since": before.headers["last-modified"]})

    assert etag_only.status == 200
    assert date_only.status == 200
    assert api.get("/feed.atom", headers=conditional).status == 200
    assert date_only.headers["last-modified"] != before.headers["last-modified"]
    assert parse(date_only).entries[0].link.endswith("/spaeter")


def test_the_comment_feed_of_a_post_has_its_newest_approved_comments(api, publish):
    publish("diskussion", title=GERMAN_TITLE)
    first = comment(api, "diskussion", "Erster „Gedanke“", ip="192.0.2.1", author_email="ada@example.org")
    reply = comment(api, "diskussion", "Antwort", ip="192.0.2.2", parent_id=first["id"])
    comment(api, "diskussion", HELD, ip="192.0.2.3")

    response = api.get("/posts/diskussion/comments.atom")
    feed = parse(response)

    assert response.headers["content-type"] == ATOM
    assert [entry.link for entry in feed.entries] == [
        f"http://127.0.0.1:8080/#/posts/diskussion/comments/{reply['id']}",
        f"http://127.0.0.1:8080/#/posts/diskussion/comments/{first['id']}",
    ]
    assert feed.entries[1].content[0].value == first["content_html"].strip()
    assert feed.entries[1].author == "Ada"
    assert GERMAN_TITLE in feed.feed.title
    assert "ada@example.org" not in response.body


@pytest.mark.parametrize("slug", ["gibt-es-nicht", "entwurf", "UNGÜLTIG"])
def test_the_comment_feed_of_a_post_that_is_not_public_is_404(api, publish, slug):
    publish("entwurf", published_at=None)

    response = api.get(f"/posts/{slug}/comments.atom")

    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_comment_feed_of_the_blog_leaves_out_what_is_not_public(api, publish):
    publish("offen")
    publish("zurueckgezogen")
    kept = comment(api, "offen", "Bleibt", ip="192.0.2.1")
    spam = comment(api, "offen", "Werbung", ip="192.0.2.2")
    deleted = comment(api, "offen", "Gelöscht", ip="192.0.2.3")
    comment(api, "offen", HELD, ip="192.0.2.4")
    comment(api, "zurueckgezogen", "Weg", ip="192.0.2.5")
    api.post(f"/posts/offen/comments/{spam['id']}/spam", signed=True)
    api.request("DELETE", f"/posts/offen/comments/{deleted['id']}", signed=True)
    publish("zurueckgezogen", published_at=None)

    feed = parse(api.get("/comments.atom"))

    assert [entry.link.rsplit("/", 1)[1] for entry in feed.entries] == [kept["id"]]
    assert feed.entries[0].title.endswith("Beitrag offen")


def test_an_empty_feed_is_valid_and_keeps_its_etag(api):
    first = api.get("/comments.atom")

    assert parse(first).entries == []
    assert api.get("/comments.atom", headers={"if-none-match": first.headers["etag"]}).status == 304


@pytest.mark.parametrize("category", ["Garten\x00", "Zeile\x1bzwei"])
def test_a_category_xml_cannot_hold_is_an_empty_feed_not_an_error(api, publish, category):
    publish("garten", category="Garten")

    for path in ("/feed.rss", "/feed.atom"):
        feed = parse(api.get(path, query={"category": category}))
        assert feed.entries == []
        assert "\ufffd" in feed.feed.title


def test_the_comment_feed_of_a_long_thread_holds_its_fifty_newest_comments_late_replies_included(
    api, publish
):
    publish("lang")
    written = [comment(api, "lang", f"Kommentar {n}", ip=f"198.51.100.{n}") for n in range(55)]
    # The newest comment answers the oldest: in thread order it comes second, in time first.
    late_reply = comment(api, "lang", "Späte Antwort", ip="203.0.113.1", parent_id=written[0]["id"])
    newest_first = [late_reply, *reversed(written)][:50]

    feed = parse(api.get("/posts/lang/comments.atom"))

    assert [entry.link.rsplit("/", 1)[1] for entry in feed.entries] == [c["id"] for c in newest_first]


def test_the_comment_feed_of_a_post_leaves_out_tombstones_and_held_comments(api, publish):
    publish("faden")
    removed = comment(api, "faden", "Wird gelöscht", ip="192.0.2.1")
    reply = comment(api, "faden", "Bleibt stehen", ip="192.0.2.2", parent_id=removed["id"])
    comment(api, "faden", HELD, ip="192.0.2.3")
    # A deleted comment with replies stays as a tombstone that keeps the thread's shape.
    assert api.request("DELETE", f"/posts/faden/comments/{removed['id']}", signed=True).status == 204

    feed = parse(api.get("/posts/faden/comments.atom"))

    assert [entry.link.rsplit("/", 1)[1] for entry in feed.entries] == [reply["id"]]


def test_the_comment_feed_of_a_withdrawn_post_is_404(api, publish):
    publish("zurueck")
    comment(api, "zurueck", "Noch da", ip="192.0.2.1")
    assert api.get("/posts/zurueck/comments.atom").status == 200

    publish("zurueck", published_at=None)

    response = api.get("/posts/zurueck/comments.atom")
    assert response.status == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_editing_the_post_changes_its_comment_feeds_last_modified(
    api, publish, monkeypatch, lambda_functions
):
    publish("umbenannt", title="Alter Titel")
    comment(api, "umbenannt", "Ein Gedanke", ip="192.0.2.1")
    before = api.get("/posts/umbenannt/comments.atom")

    # Last-Modified has whole seconds: the edit comes a minute later, as an editor's would.
    a_minute_later = datetime.now(UTC) + timedelta(minutes=1)
    monkeypatch.setattr(
        lambda_functions["ManagePostsFunction"].load_module(), "utc_now", lambda: a_minute_later
    )
    publish("umbenannt", title="Neuer Titel")
    after = api.get(
        "/posts/umbenannt/comments.atom", headers={"if-modified-since": before.headers["last-modified"]}
    )

    assert after.status == 200
    assert "Neuer Titel" in parse(after).feed.title


def test_a_feed_whose_newest_post_is_withdrawn_is_no_false_304(api, publish, monkeypatch, lambda_functions):
    manage_posts = lambda_functions["ManagePostsFunction"].load_module()
    now = datetime.now(UTC)
    # Written an hour apart: an entry's date is the later of its publication and its last edit.
    monkeypatch.setattr(manage_posts, "utc_now", lambda: now - timedelta(hours=2))
    publish("bleibt", days_ago=2)
    monkeypatch.setattr(manage_posts, "utc_now", lambda: now - timedelta(hours=1))
    publish("geht", days_ago=1)
    before = api.get("/feed.atom")

    monkeypatch.setattr(manage_posts, "utc_now", lambda: now)
    publish("geht", published_at=None)
    after = api.get("/feed.atom", headers={"if-modified-since": before.headers["last-modified"]})

    # The feed's Last-Modified went back to the older post's: the client's date is later than it.
    assert after.status == 200
    assert after.headers["last-modified"] != before.headers["last-modified"]
    assert [entry.link.rsplit("/", 1)[1] for entry in parse(after).entries] == ["bleibt"]


def test_if_modified_since_is_a_304_only_for_exactly_the_last_modified(api, publish):
    publish("datum", days_ago=1)
    current = api.get("/feed.rss")
    last_modified = datetime.strptime(current.headers["last-modified"], "%a, %d %b %Y %H:%M:%S GMT")
    later = (last_modified + timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    assert api.get("/feed.rss", headers={"if-modified-since": current.headers["last-modified"]}).status == 304
    assert api.get("/feed.rss", headers={"if-modified-since": later}).status == 200


def test_if_none_match_decides_over_if_modified_since(api, publish):
    publish("vorrang")
    current = api.get("/comments.atom")
    stale_date = "Mon, 01 Jan 2001 00:00:00 GMT"

    matching_tag = {"if-none-match": current.headers["etag"], "if-modified-since": stale_date}
    other_tag = {"if-none-match": '"anders"', "if-modified-since": current.headers["last-modified"]}

    assert api.get("/comments.atom", headers=matching_tag).status == 304
    assert api.get("/comments.atom", headers=other_tag).status == 200


def self_link(response) -> str:
    (link,) = [link.href for link in parse(response).feed.links if link.rel == "self"]
    return link


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss"])
def test_a_feeds_self_link_is_the_address_it_was_asked_at_with_its_category(api, publish, path):
    publish("garten", category="Haus & Garten")

    plain = api.get(path)
    narrowed = api.get(path, query={"category": "Haus & Garten"})

    assert self_link(plain) == f"https://api.local{path}"
    assert self_link(narrowed) == f"https://api.local{path}?category=Haus%20%26%20Garten"


@pytest.mark.parametrize("parameter_overrides", [{"PublicApiUrl": "https://blog-api.example.org/v1"}])
def test_a_feeds_self_link_is_under_the_public_api_url_when_it_is_set(api, publish, parameter_overrides):
    publish("oeffentlich")

    assert self_link(api.get("/comments.atom")) == "https://blog-api.example.org/v1/comments.atom"
    assert self_link(api.get("/posts/oeffentlich/comments.atom")) == (
        "https://blog-api.example.org/v1/posts/oeffentlich/comments.atom"
    )


def test_without_the_cdn_a_viewer_host_header_is_not_believed(api, publish):
    publish("ohne-cdn")

    response = api.get("/feed.atom", headers={"x-viewer-host": "evil.example"})

    assert self_link(response) == "https://api.local/feed.atom"


@pytest.mark.parametrize(
    "path", ["/posts", "/posts/datumlos", "/comments/recent", "/comments/counts?slug=datumlos"]
)
def test_answers_without_last_modified_never_answer_if_modified_since_with_304(api, publish, path):
    publish("datumlos")

    response = api.get(path, headers={"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"})

    assert response.status == 200
    assert "last-modified" not in response.headers
