"""Mail links (/actions/{token}) and reply subscriptions, through the handlers on moto: a link's page
changes nothing, its button acts once, every answer is an HTML page."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from blog import store as blog_store
from tests.conftest import TABLE_NAME
from tests.tables import table_items

THREE_LINKS = "https://a.example https://b.example https://c.example"
SLUG = "benachrichtigt"
READER = "Leserin@Example.org"


@pytest.fixture
def post(publish):
    return publish(SLUG)


def submit(api, content="Eine Frage?", *, ip="192.0.2.1", **fields):
    body = {"author_name": "Ada", "content": content, **fields}
    return api.post(f"/posts/{SLUG}/comments", json_body=body, source_ip=ip)


def held(api, **fields):
    response = submit(api, "Gehalten " + THREE_LINKS, **fields)
    assert response.status == 201, response.body
    return response.json()


def subscribed(api, **fields):
    response = submit(api, author_email=READER, notify_replies=True, **fields)
    assert response.status == 201, response.body
    return response.json()


def link(action, comment_id, *, slug=SLUG, now=None, email=None):
    from blog import keys
    from blog.action_tokens import MailAction, issue_action_token

    email_hash = keys.email_hash(email) if email else None
    return "/actions/" + issue_action_token(
        MailAction(action), slug, comment_id, now=now or datetime.now(UTC), email_hash=email_hash
    )


def item(dynamodb, pk, sk):
    from blog.store.keys import from_item

    found = dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
    return None if found is None else from_item(found)


def subscription(dynamodb, comment_id):
    return item(dynamodb, f"POST#{SLUG}", f"SUBSCRIPTION#{comment_id}")


def suppression(dynamodb, email=READER):
    from blog import keys

    return item(dynamodb, f"SUPPRESSED#{keys.email_hash(email)}", "SUPPRESSED")


def comment_count(api):
    return api.get(f"/posts/{SLUG}").json()["comment_count"]


class _Page(HTMLParser):
    """What a person sees of a page: its text, its forms and its buttons."""

    def __init__(self, html):
        super().__init__()
        self.text, self.forms, self.buttons, self.lang = [], [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if tag == "form":
            self.forms.append(found)
        if tag == "button":
            self.buttons.append(found)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self):
        return " ".join(self.text)


def page(response):
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return _Page(response.body)


def assert_safe_page_headers(response):
    csp = {d.split()[0]: d.split()[1:] for d in response.headers["content-security-policy"].split("; ")}
    assert csp["default-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert all(source.startswith("'sha256-") for source in csp["style-src"])
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


# ---- Opening a link changes nothing ----


@pytest.mark.parametrize("action", ["approve", "spam", "delete", "confirm", "unsubscribe"])
def test_opening_a_link_shows_one_button_and_changes_nothing(api, post, dynamodb, action):
    comment = subscribed(api, content="Gehalten " + THREE_LINKS)
    before = table_items(dynamodb)
    url = link(action, comment["id"], email=READER if action in ("confirm", "unsubscribe") else None)

    response = api.get(url)

    shown = page(response)
    assert response.status == 200
    assert_safe_page_headers(response)
    assert shown.forms == [{"method": "post"}]  # to the same address: the link's own
    assert len(shown.buttons) == 1
    assert shown.lang == "de"
    assert sorted(map(str, table_items(dynamodb))) == sorted(map(str, before))


def test_a_page_names_its_action_and_the_post(api, post):
    comment = held(api)

    shown = page(api.get(link("approve", comment["id"])))

    assert "freigeben" in shown.words
    assert SLUG in shown.words
    assert comment["id"] in shown.words


# ---- Pressing the button: once, and again a no-op ----


def test_approving_through_the_link_publishes_and_counts_once(api, post):
    comment = held(api)
    url = link("approve", comment["id"])

    first = api.post(url)
    again = api.post(url)

    assert (first.status, again.status) == (200, 200)
    assert "freigegeben" in page(first).words
    assert first.body == again.body
    assert comment_count(api) == 1
    assert [c["id"] for c in api.get(f"/posts/{SLUG}").json()["comments"]] == [comment["id"]]


def test_marking_as_spam_through_the_link_hides_the_comment_and_ends_its_subscription(api, post, dynamodb):
    comment = subscribed(api, content="Gehalten " + THREE_LINKS)
    url = link("spam", comment["id"])

    assert api.post(url).status == 200
    assert api.post(url).status == 200

    assert api.get(f"/posts/{SLUG}").json()["comments"] == []
    assert comment_count(api) == 0
    assert subscription(dynamodb, comment["id"]) is None


def test_deleting_through_the_link_removes_the_comment_and_again_is_a_no_op(api, post, dynamodb):
    comment = held(api)
    url = link("delete", comment["id"])

    first = api.post(url)
    again = api.post(url)

    assert (first.status, again.status) == (200, 200)
    assert "gelöscht" in page(again).words
    assert item(dynamodb, f"POST#{SLUG}", f"COMMENT#{comment['id']}") is None
    assert api.get("/comments", signed=True).json()["items"] == []


def test_deleting_a_published_comment_through_the_link_keeps_the_count_exact(api, post):
    comment = submit(api).json()
    assert comment_count(api) == 1

    assert api.post(link("delete", comment["id"])).status == 200

    assert comment_count(api) == 0


def test_a_link_to_a_comment_that_no_longer_exists_is_a_404_page(api, post):
    comment = held(api)
    assert api.request("DELETE", f"/posts/{SLUG}/comments/{comment['id']}", signed=True).status == 204

    response = api.post(link("approve", comment["id"]))

    assert response.status == 404
    assert_safe_page_headers(response)
    assert "existiert nicht mehr" in page(response).words


def test_a_link_to_a_post_that_does_not_exist_is_a_404_page(api, post):
    comment = held(api)

    response = api.post(link("spam", comment["id"], slug="gibt-es-nicht"))

    assert response.status == 404
    assert page(response).forms == []


# ---- Tampered and expired links ----


def test_a_tampered_link_is_a_400_page_and_changes_nothing(api, post, dynamodb):
    comment = held(api)
    key_id, payload, signature = link("approve", comment["id"]).removeprefix("/actions/").split(".")
    tampered = f"/actions/{key_id}.{payload}.{signature[:-2]}AA"
    before = table_items(dynamodb)

    for response in (api.get(tampered), api.post(tampered), api.post("/actions/kaputt")):
        assert response.status == 400
        assert_safe_page_headers(response)
        assert "ungültig" in page(response).words
    assert sorted(map(str, table_items(dynamodb))) == sorted(map(str, before))


def test_an_expired_link_is_a_410_page(api, post):
    comment = held(api)
    url = link("approve", comment["id"], now=datetime.now(UTC) - timedelta(days=7, minutes=1))

    for response in (api.get(url), api.post(url)):
        assert response.status == 410
        assert "abgelaufen" in page(response).words
    assert api.get("/comments", signed=True).json()["items"][0]["status"] == "pending"


def test_an_unsubscribe_link_works_years_later(api, post, dynamodb):
    comment = subscribed(api)
    years_ago = datetime(2020, 1, 1, tzinfo=UTC)

    response = api.post(link("unsubscribe", comment["id"], email=READER, now=years_ago))

    assert response.status == 200
    assert suppression(dynamodb)["reason"] == "unsubscribed"


# ---- Subscriptions: written with the comment, confirmed, ended ----


def test_notify_replies_without_an_email_is_refused_with_a_clear_error(api, post, dynamodb):
    response = submit(api, notify_replies=True)

    assert response.status == 422
    (error,) = response.json()["errors"]
    assert "notify_replies needs author_email" in error["msg"]
    assert submit(api, notify_replies="yes", author_email=READER).status == 422
    assert not [i for i in table_items(dynamodb) if i["sk"]["S"].startswith("SUBSCRIPTION#")]


def test_a_subscription_is_written_with_its_comment_unconfirmed(api, post, dynamodb):
    from blog import keys

    comment = subscribed(api)

    found = subscription(dynamodb, comment["id"])
    assert found is not None
    assert {key: found[key] for key in ("post_slug", "comment_id", "email", "confirmed")} == {
        "post_slug": SLUG,
        "comment_id": comment["id"],
        "email": READER,
        "confirmed": False,
    }
    assert found["email_hash"] == keys.email_hash("leserin@example.org")
    assert datetime.fromisoformat(found["created_at"]) == datetime.fromisoformat(comment["created_at"])
    assert "notify_replies" not in comment


def test_without_notify_replies_or_as_spam_no_subscription_is_written(api, post, dynamodb):
    plain = submit(api, author_email=READER).json()
    # The honeypot marks a bot's comment as spam; its address is signed up for nothing.
    spam = submit(api, "Spam", ip="192.0.2.2", author_email=READER, notify_replies=True, website="x").json()

    assert subscription(dynamodb, plain["id"]) is None
    assert subscription(dynamodb, spam["id"]) is None


def test_confirming_through_the_link_confirms_once(api, post, dynamodb):
    comment = subscribed(api)
    url = link("confirm", comment["id"], email=READER)

    first = api.post(url)
    again = api.post(url)

    assert (first.status, again.status) == (200, 200)
    assert "Bestätigt" in page(first).words
    assert subscription(dynamodb, comment["id"])["confirmed"] is True


def test_a_confirmation_never_creates_a_subscription(api, post, dynamodb):
    comment = submit(api, author_email=READER).json()

    response = api.post(link("confirm", comment["id"], email=READER))

    assert response.status == 404
    assert subscription(dynamodb, comment["id"]) is None


def test_a_confirmation_of_another_address_is_refused(api, post, dynamodb):
    comment = subscribed(api)

    response = api.post(link("confirm", comment["id"], email="jemand-anderes@example.org"))

    assert response.status == 404
    assert subscription(dynamodb, comment["id"])["confirmed"] is False


def test_unsubscribing_ends_the_subscription_and_suppresses_the_address_unnamed(api, post, dynamodb):
    from blog import keys

    comment = subscribed(api)
    url = link("unsubscribe", comment["id"], email=READER)

    first = api.post(url)
    again = api.post(url)

    assert (first.status, again.status) == (200, 200)
    assert "abgemeldet" in page(first).words
    assert subscription(dynamodb, comment["id"]) is None
    suppressed = suppression(dynamodb)
    assert suppressed["reason"] == "unsubscribed"
    assert suppressed["email_hash"] == keys.email_hash(READER)
    assert READER.lower() not in str(suppressed).lower()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"),
        (
            "multipart/form-data; boundary=----blog",
            b'------blog\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n------blog--\r\n",
        ),
    ],
)
def test_rfc_8058_one_click_unsubscribes_in_either_form_encoding(api, post, dynamodb, content_type, body):
    comment = subscribed(api)

    response = api.post(
        link("unsubscribe", comment["id"], email=READER), body=body, headers={"content-type": content_type}
    )

    assert response.status == 200
    assert subscription(dynamodb, comment["id"]) is None
    assert suppression(dynamodb)["reason"] == "unsubscribed"


def test_a_suppressed_address_stays_suppressed_with_its_first_reason(api, post, dynamodb):
    from blog import keys

    comment = subscribed(api)
    bounced_at = "2026-01-01T00:00:00Z"
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            "pk": {"S": f"SUPPRESSED#{keys.email_hash(READER)}"},
            "sk": {"S": "SUPPRESSED"},
            "email_hash": {"S": keys.email_hash(READER)},
            "reason": {"S": "bounce"},
            "created_at": {"S": bounced_at},
        },
    )

    assert api.post(link("unsubscribe", comment["id"], email=READER)).status == 200
    # Confirming an older subscription of the same address lifts nothing.
    other = subscribed(api, ip="192.0.2.3", content="Noch eine Frage?")
    assert api.post(link("confirm", other["id"], email=READER)).status == 200

    assert (suppression(dynamodb)["reason"], suppression(dynamodb)["created_at"]) == ("bounce", bounced_at)


def test_deleting_a_comment_removes_its_subscription_and_its_address(api, post, dynamodb):
    comment = subscribed(api)

    assert api.request("DELETE", f"/posts/{SLUG}/comments/{comment['id']}", signed=True).status == 204

    assert subscription(dynamodb, comment["id"]) is None
    assert READER not in str(table_items(dynamodb))


def test_a_comment_kept_as_a_tombstone_loses_its_subscription_too(api, post, dynamodb):
    comment = subscribed(api)
    submit(api, "Eine Antwort.", ip="192.0.2.4", parent_id=comment["id"])

    assert api.request("DELETE", f"/posts/{SLUG}/comments/{comment['id']}", signed=True).status == 204

    assert api.get(f"/posts/{SLUG}").json()["comments"][0]["status"] == "deleted"
    assert subscription(dynamodb, comment["id"]) is None
    assert READER not in str(table_items(dynamodb))


# ---- Language, escaping, round trips ----


@pytest.mark.parametrize(
    "parameter_overrides", [{"BlogLanguage": "en", "BlogTitle": "<script>alert(1)</script> & Co"}]
)
def test_pages_are_in_english_for_another_language_and_escape_the_title(api, post, parameter_overrides):
    comment = held(api)

    response = api.get(link("approve", comment["id"]))
    expired = api.get(link("approve", comment["id"], now=datetime(2020, 1, 1, tzinfo=UTC)))

    assert page(response).lang == "en"
    assert "Approve the comment" in page(response).words
    assert "has expired" in page(expired).words
    for answer in (response, expired):
        assert "<script>" not in answer.body
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in answer.body


@pytest.fixture
def dynamodb_calls(api):
    calls = []

    def record(model, **_):
        calls.append(model.name)

    client = blog_store.dynamodb_client()
    client.meta.events.register("before-call.dynamodb", record)
    yield calls
    client.meta.events.unregister("before-call.dynamodb", record)


@pytest.mark.parametrize("action", ["approve", "spam", "delete", "confirm", "unsubscribe"])
def test_a_link_is_no_round_trip_to_open_and_one_to_carry_out(api, post, dynamodb_calls, action):
    comment = subscribed(api, content="Gehalten " + THREE_LINKS)
    url = link(action, comment["id"], email=READER if action in ("confirm", "unsubscribe") else None)
    dynamodb_calls.clear()

    assert api.get(url).status == 200
    assert dynamodb_calls == []
    assert api.post(url).status == 200
    # Approving a held comment that has a subscription is two: the first finds the subscription
    # expiring with the comment (blog.store.moderation_writes), the second keeps both.
    assert len(dynamodb_calls) == (2 if action == "approve" else 1), dynamodb_calls


def test_a_link_reads_no_body_so_no_body_can_break_it(api, post):
    from tests.hostile_input import UNREADABLE_BODIES

    comment = held(api)
    url = link("approve", comment["id"])

    for body in UNREADABLE_BODIES.values():
        response = api.post(url, body=body, headers={"content-type": "application/json"})
        # Refused unread beyond the few kilobytes a one-click body needs, with a page too.
        assert response.status == (200 if len(body) <= 8 * 1024 else 413), response.body
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert comment_count(api) == 1


def test_a_held_comments_subscription_expires_with_it_and_approval_keeps_both(api, post, dynamodb):
    comment = held(api, author_email=READER, notify_replies=True)
    stored = item(dynamodb, f"POST#{SLUG}", f"COMMENT#{comment['id']}")
    assert stored is not None
    assert stored["expires_at"] > 0
    assert subscription(dynamodb, comment["id"])["expires_at"] == stored["expires_at"]

    assert api.post(f"/posts/{SLUG}/comments/{comment['id']}/approve", signed=True).status == 200

    kept = subscription(dynamodb, comment["id"])
    assert kept is not None
    assert "expires_at" not in kept
    assert kept["email"] == READER
    assert "expires_at" not in item(dynamodb, f"POST#{SLUG}", f"COMMENT#{comment['id']}")


def test_approving_a_held_comment_whose_subscription_ran_out_makes_none(api, post, dynamodb):
    comment = held(api, author_email=READER, notify_replies=True)
    # TTL deletes late and in any order: the subscription went before its comment.
    dynamodb.delete_item(
        TableName=TABLE_NAME, Key={"pk": {"S": f"POST#{SLUG}"}, "sk": {"S": f"SUBSCRIPTION#{comment['id']}"}}
    )

    assert api.post(f"/posts/{SLUG}/comments/{comment['id']}/approve", signed=True).status == 200
    assert subscription(dynamodb, comment["id"]) is None
    assert item(dynamodb, f"POST#{SLUG}", f"COMMENT#{comment['id']}")["status"] == "approved"
